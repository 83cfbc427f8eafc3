"""A returned parcel inspected: record what came back, then settle the case.

All OK: the goods are back, and the refund goes out per policy when the approval guard allows it
(`approval`); when it does not, the case waits for a person with the reasons on its timeline. Anything
wrong: the case goes to a person with the suggested deduction (logistics decides the wording). The desk's
inspection page, the inspections API and partners' signed results all come through here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import EventType
from refund_desk.cases.models import RefundCase
from refund_desk.cases.services import event_append
from refund_desk.core.errors import DomainError, ValidationFailed
from refund_desk.logistics.choices import InspectionSource
from refund_desk.logistics.models import Inspection, Parcel
from refund_desk.logistics.selectors import case_find_for_inspection
from refund_desk.logistics.services import ItemFinding, inspection_record
from refund_desk.partners import services as partners
from refund_desk.partners.models import Partner
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


def inspection_from_payload(*, data: dict[str, Any], actor: Actor, source: InspectionSource) -> Inspection:
    """An inspection sent by a scanner or a partner: find the return, map line item ids to its items."""
    case, parcel = case_find_for_inspection(query=str(data.get("reference") or ""), viewer=actor.user)
    if case is None:
        raise ValidationFailed([("reference", "no return with this waybill or reference")])
    by_line = {item.line_item.external_id: item.pk for item in case.items.select_related("line_item")}
    findings: list[ItemFinding] = []
    errors: list[tuple[str, str]] = []
    for index, raw in enumerate(data.get("items") or []):
        case_item_id = by_line.get(str(raw.get("lineItemId")))
        if case_item_id is None:
            errors.append((f"items[{index}].lineItemId", "not an item of this return"))
            continue
        findings.append(
            ItemFinding(
                case_item_id=case_item_id, outcome=str(raw.get("outcome")), note=str(raw.get("note") or "")
            )
        )
    if errors:
        raise ValidationFailed(errors)
    return inspection_receive(case=case, findings=findings, actor=actor, source=source, parcel=parcel)


@dataclass(frozen=True, slots=True)
class InboundAnswer:
    """What the inbound endpoint answers a partner: an HTTP status and a JSON body."""

    status: int
    body: dict[str, Any]


def partner_inspection_receive(*, slug: str, body: bytes, signature: str, remote_addr: str) -> InboundAnswer:
    """A warehouse's or ERP's signed inspection result: verify, record, and log every attempt."""
    partner = Partner.objects.filter(slug=slug, is_active=True).first()
    if partner is None or not partners.signature_valid(
        secret=partner.inbound_secret, header=signature, body=body
    ):
        return _logged(partner, slug, body, remote_addr, InboundAnswer(401, {"error": "invalid signature"}))
    try:
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValidationFailed([("body", "must be a JSON object")])
        inspection = inspection_from_payload(
            data=data, actor=Actor.system(f"partner:{partner.slug}"), source=InspectionSource.WEBHOOK
        )
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
