"""A returned parcel inspected: record what came back, then settle the case.

All OK: the goods are back, and the refund goes out per policy when the approval guard allows it
(`approval`); when it does not, the case waits for a person with the reasons on its timeline. Anything
wrong: the case goes to a person with the suggested deduction (logistics decides the wording). The desk's
inspection page, the inspections API and partners' signed results all come through here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any

from django.db import IntegrityError, transaction
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import EventType
from refund_desk.cases.models import RefundCase
from refund_desk.cases.services import event_append
from refund_desk.core.crypto import DecryptionFailed
from refund_desk.core.errors import DomainError, ValidationFailed, field_errors
from refund_desk.logistics.choices import InspectionSource
from refund_desk.logistics.models import Inspection, Parcel
from refund_desk.logistics.selectors import case_find_for_inspection
from refund_desk.logistics.services import ItemFinding, inspection_record
from refund_desk.partners import services as partners
from refund_desk.partners.models import InboundWebhookReceipt, Partner
from refund_desk.payments.choices import AlertKind
from refund_desk.payments.services import alert_raise
from refund_desk.policy.selectors import case_evaluation
from refund_desk.workflows.approval import automatic_approval_check, case_approve_automatically

INSPECTION = Actor.system("inspection")
RELEASED = "inspection OK: refund released per policy"


@transaction.atomic
def inspection_receive(
    *,
    case: RefundCase,
    findings: list[ItemFinding],
    actor: Actor,
    source: InspectionSource = InspectionSource.DESK,
    parcel: Parcel | None = None,
) -> Inspection:
    """Record the inspection and settle the case (see the module)."""
    inspection = inspection_record(case=case, findings=findings, actor=actor, source=source, parcel=parcel)
    if inspection.all_ok:
        _release_if_allowed(inspection, actor)
    return inspection


def _release_if_allowed(inspection: Inspection, inspector: Actor) -> None:
    case = RefundCase.objects.select_related("account").get(pk=inspection.case_id)
    check = automatic_approval_check(case=case, evaluation=case_evaluation(case))
    payload = {"inspection": inspection.pk}
    if not check.allowed:
        event_append(
            case=case,
            type=EventType.NOTE,
            actor=INSPECTION,
            reason="inspection OK; a person decides the refund: " + "; ".join(check.reasons),
            payload={**payload, "reasons": list(check.reasons)},
        )
        return
    try:
        with transaction.atomic():
            case_approve_automatically(
                case=case,
                actor=INSPECTION,
                check=check,
                reason=RELEASED,
                payload=payload,
                requester=inspector,
            )
    except DomainError as exc:
        event_append(
            case=case,
            type=EventType.NOTE,
            actor=INSPECTION,
            reason=f"refund not created automatically: {exc}",
        )


class InspectionFinding(BaseModel):
    model_config = ConfigDict(extra="ignore")

    lineItemId: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    outcome: Annotated[str, StringConstraints(min_length=1, max_length=30)]
    note: Annotated[str, StringConstraints(max_length=1000)] = ""


class InspectionPayload(BaseModel):
    """What a scanner or a partner sends: the return and one outcome per line item."""

    model_config = ConfigDict(extra="ignore")

    reference: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    items: list[InspectionFinding] = Field(max_length=500)


def inspection_from_payload(
    *, data: object, actor: Actor, source: InspectionSource, account_ids: Iterable[int] | None = None
) -> Inspection:
    """An inspection sent by a scanner or a partner: find the return (a partner: among the accounts it
    handles), map line item ids to its items. A malformed payload is refused naming the fields; one
    already parsed (`InspectionPayload`) is used as it is."""
    if isinstance(data, InspectionPayload):
        payload = data
    else:
        try:
            payload = InspectionPayload.model_validate(data)
        except ValidationError as exc:
            raise ValidationFailed(field_errors(exc)) from exc
    case, parcel = case_find_for_inspection(
        query=payload.reference, viewer=actor.user, account_ids=account_ids
    )
    if case is None:
        raise ValidationFailed([("reference", "no return with this waybill or reference")])
    by_line = {item.line_item.external_id: item.pk for item in case.items.select_related("line_item")}
    findings: list[ItemFinding] = []
    errors: list[tuple[str, str]] = []
    for index, raw in enumerate(payload.items):
        case_item_id = by_line.get(raw.lineItemId)
        if case_item_id is None:
            errors.append((f"items[{index}].lineItemId", "not an item of this return"))
            continue
        findings.append(ItemFinding(case_item_id=case_item_id, outcome=raw.outcome, note=raw.note))
    if errors:
        raise ValidationFailed(errors)
    return inspection_receive(case=case, findings=findings, actor=actor, source=source, parcel=parcel)


@dataclass(frozen=True, slots=True)
class InboundAnswer:
    """What the inbound endpoint answers a partner: an HTTP status and a JSON body."""

    status: int
    body: dict[str, Any]


def _replay_keys(signature: str, delivery_id: str) -> list[str]:
    """What makes a request the same request: its signature (body and second), and the partner's
    delivery id when it sends one."""
    keys = ["sig:" + hashlib.sha256(signature.encode()).hexdigest()]
    if delivery_id:
        keys.append("delivery:" + hashlib.sha256(delivery_id.encode()).hexdigest())
    return keys


def _secret_unreadable(partner: Partner) -> None:
    Partner.objects.filter(pk=partner.pk).update(needs_new_secret=True)
    alert_raise(
        kind=AlertKind.SECRET_UNREADABLE,
        message=f"partner {partner.slug}: its inbound secret cannot be decrypted with the current key; "
        "rotate the secret on the partners page and give the partner the new one",
        dedup_key=f"partner-secret:{partner.pk}",
    )


def partner_inspection_receive(
    *, slug: str, body: bytes, signature: str, remote_addr: str, delivery_id: str = ""
) -> InboundAnswer:
    """A warehouse's or ERP's signed inspection result: verify, refuse replays, record, log every attempt.

    401: unknown partner or bad signature (or a secret that must be renewed); 400: not a JSON object of
    the documented shape, naming the fields; 409: this request was already acted on; 422: a well-formed
    result the desk cannot apply (unknown return, an item not in it, a case not in a state to inspect).
    """
    partner = Partner.objects.filter(slug=slug, is_active=True).first()
    if partner is None:
        return _logged(None, slug, body, remote_addr, InboundAnswer(401, {"error": "invalid signature"}))
    try:
        secret = partner.inbound_secret
    except DecryptionFailed:
        _secret_unreadable(partner)
        answer = InboundAnswer(401, {"error": "the partner's secret must be renewed by the seller"})
        return _logged(partner, slug, body, remote_addr, answer)
    if not partners.signature_valid(secret=secret, header=signature, body=body):
        return _logged(partner, slug, body, remote_addr, InboundAnswer(401, {"error": "invalid signature"}))
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return _logged(
            partner, slug, body, remote_addr, InboundAnswer(400, {"error": "the body is not JSON"})
        )
    if not isinstance(data, dict):
        return _logged(
            partner, slug, body, remote_addr, InboundAnswer(400, {"error": "the body must be a JSON object"})
        )
    try:
        payload = InspectionPayload.model_validate(data)
    except ValidationError as exc:
        errors = field_errors(exc)
        answer = InboundAnswer(
            400,
            {
                "error": "; ".join(f"{path}: {message}" for path, message in errors),
                "errors": [{"field": path, "message": message} for path, message in errors],
            },
        )
        return _logged(partner, slug, body, remote_addr, answer)
    accounts = list(partner.accounts.values_list("pk", flat=True))
    try:
        with transaction.atomic():
            InboundWebhookReceipt.objects.bulk_create(
                InboundWebhookReceipt(partner=partner, key=key)
                for key in _replay_keys(signature, delivery_id)
            )
            inspection = inspection_from_payload(
                data=payload,
                actor=Actor.system(f"partner:{partner.slug}"),
                source=InspectionSource.WEBHOOK,
                account_ids=accounts,
            )
    except IntegrityError:
        answer = InboundAnswer(409, {"error": "this request was already received; nothing was done again"})
        return _logged(partner, slug, body, remote_addr, answer)
    except (ValueError, DomainError) as exc:
        return _logged(partner, slug, body, remote_addr, InboundAnswer(422, {"error": str(exc)}))
    answer = InboundAnswer(201, {"inspection": inspection.pk, "caseStatus": inspection.case.status})
    return _logged(partner, slug, body, remote_addr, answer)


def _logged(
    partner: Partner | None, slug: str, body: bytes, remote_addr: str, answer: InboundAnswer
) -> InboundAnswer:
    partners.inbound_log(
        partner=partner,
        slug=slug,
        accepted=answer.status < 400,
        status_code=answer.status,
        error="" if answer.status < 400 else str(answer.body.get("error", "")),
        body=body,
        remote_addr=remote_addr,
    )
    return answer
