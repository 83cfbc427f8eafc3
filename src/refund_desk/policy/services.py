"""Writes to refund policies: publishing a new version (from the desk or an import) and recording decisions.

Every change creates an immutable PolicyVersion and a PolicyChange audit record in one transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from refund_desk.cases.access import require_account
from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import ActorType, EventType, Marketplace
from refund_desk.cases.models import CaseEvent, RefundCase, SellerAccount
from refund_desk.cases.services import event_append
from refund_desk.core.changes import change_request
from refund_desk.core.errors import ValidationFailed
from refund_desk.core.models import ChangeRequest
from refund_desk.core.permissions import Perm, require
from refund_desk.policy.engine import (
    STATUTORY_DEFAULT,
    Evaluation,
    Policy,
    policy_from_document,
    policy_from_yaml,
)
from refund_desk.policy.models import (
    CaseFacts,
    PolicyChange,
    PolicyChangeAction,
    PolicyVersion,
    RefundPolicy,
)


def version_label(*, account: SellerAccount, marketplace: str, number: int) -> str:
    return f"{account.name}/{marketplace}/v{number}"


@transaction.atomic
def policy_publish(
    *,
    account: SellerAccount,
    marketplace: str,
    yaml_text: str,
    actor: Actor,
    comment: str = "",
    action: PolicyChangeAction = PolicyChangeAction.PUBLISHED,
) -> PolicyVersion:
    """Validate a YAML policy and make it the active version for the account on the marketplace.

    Raises ValidationFailed (with field paths) when the document is invalid or weaker than the law.
    Four eyes: when a person's version lets automation approve more (a higher or a new automatic-approval
    limit, a looser limit per buyer), it is stored but becomes active only when a second person confirms
    it (`core.changes`); until then the previous version stays in force.
    """
    if actor.user is not None:
        require(actor, Perm.POLICY_PUBLISH)
        require_account(actor, account.pk)
    if marketplace not in Marketplace.values:
        raise ValidationFailed([("marketplace", f"unknown marketplace {marketplace!r}")])
    parsed = policy_from_yaml(yaml_text, version="pending")
    document = parsed.to_document()
    policy, _ = RefundPolicy.objects.get_or_create(account=account, marketplace=marketplace)
    policy = (
        RefundPolicy.objects.select_for_update(of=("self",))
        .select_related("active_version")
        .get(pk=policy.pk)
    )
    before = policy.active_version.document if policy.active_version else None
    number = (policy.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = PolicyVersion.objects.create(
        policy=policy,
        number=number,
        label=version_label(account=account, marketplace=marketplace, number=number),
        document=document,
        source_yaml=yaml_text,
        comment=comment.strip(),
        created_by=actor.user if actor.type == ActorType.USER else None,
        created_by_label=actor.label,
    )
    current = policy_from_document(before, version="current") if before is not None else STATUTORY_DEFAULT
    if actor.user is not None and automation_loosened(current, parsed):
        change_request(
            kind=ACTIVATE_CHANGE,
            account_id=account.pk,
            summary=f"{version.label}: automatic approval up to "
            + (", ".join(f"{a} {c}" for c, a in sorted(parsed.auto_max_amount.items())) or "no limit")
            + " becomes active",
            before=before.get("automaticApproval") if before else None,
            after={"version": version.pk, "automaticApproval": document.get("automaticApproval")},
            actor=actor,
        )
        return version
    _activate(policy, version, before, document, actor, action, comment)
    return version


ACTIVATE_CHANGE = "policy.activate"


def automation_loosened(current: Policy, proposed: Policy) -> bool:
    """Does `proposed` let automation approve more than `current` (any currency's limit higher or new,
    or a looser or no limit of cases per buyer)?"""
    for currency, limit in proposed.auto_max_amount.items():
        old = current.auto_max_amount.get(currency)
        if old is None or limit > old:
            return True
    old_cases, new_cases = current.auto_max_cases_per_buyer, proposed.auto_max_cases_per_buyer
    looser_per_buyer = old_cases is not None and (new_cases is None or new_cases > old_cases)
    return bool(proposed.auto_max_amount) and looser_per_buyer


def policy_activation_apply(change: ChangeRequest, actor: Actor) -> None:
    """A second person confirmed a version that loosens automation: it becomes the active one."""
    version = PolicyVersion.objects.select_related("policy").get(pk=change.after["version"])
    policy = (
        RefundPolicy.objects.select_for_update(of=("self",))
        .select_related("active_version")
        .get(pk=version.policy_id)
    )
    before = policy.active_version.document if policy.active_version else None
    _activate(policy, version, before, version.document, actor, PolicyChangeAction.PUBLISHED, "confirmed")


def _activate(
    policy: RefundPolicy,
    version: PolicyVersion,
    before: Any,
    document: Any,
    actor: Actor,
    action: PolicyChangeAction,
    comment: str,
) -> None:
    policy.active_version = version
    policy.save(update_fields=["active_version"])
    PolicyChange.objects.create(
        policy=policy,
        version=version,
        action=action,
        actor_type=actor.type,
        actor_user=actor.user if actor.type == ActorType.USER else None,
        actor_label=actor.label,
        before=before,
        after=document,
        comment=comment.strip(),
    )


def policy_import(*, account: SellerAccount, marketplace: str, yaml_text: str, actor: Actor) -> PolicyVersion:
    """Import a YAML policy file as a new active version (audited as an import)."""
    return policy_publish(
        account=account,
        marketplace=marketplace,
        yaml_text=yaml_text,
        actor=actor,
        comment="imported from YAML",
        action=PolicyChangeAction.IMPORTED,
    )


@transaction.atomic
def evaluation_record(*, case: RefundCase, evaluation: Evaluation, actor: Actor) -> CaseEvent:
    """Append the engine's decision, with the policy version it used, to the case's event log."""
    return event_append(
        case=case,
        type=EventType.DECISION,
        actor=actor,
        reason=evaluation.decision,
        payload=evaluation.to_json(),
    )


@transaction.atomic
def case_facts_set(
    *,
    case: RefundCase,
    actor: Actor,
    delivered_at: datetime | None,
    buyer_informed: bool | None,
    return_dispatched_at: datetime | None,
    cheapest_delivery: Decimal | None,
    seal_broken: dict[str, bool],
) -> CaseFacts:
    """Record what a person knows about the case for the policy engine (None: not known). Raises
    ValidationFailed naming the field; one EDIT event says what changed."""
    require(actor, Perm.CASE_WORK)
    require_account(actor, case.account_id)
    now = timezone.now()
    errors: list[tuple[str, str]] = []
    for name, moment in (("delivered_at", delivered_at), ("return_dispatched_at", return_dispatched_at)):
        if moment is not None and moment > now + timedelta(minutes=5):
            errors.append((name, "cannot be in the future"))
    if cheapest_delivery is not None and (
        not cheapest_delivery.is_finite() or cheapest_delivery < 0 or cheapest_delivery > Decimal("100000")
    ):
        errors.append(("cheapest_delivery", "an amount from 0 to 100000"))
    offers = {line.offer_id for line in case.order.line_items.all()}
    unknown = sorted(set(seal_broken) - offers)
    if unknown:
        errors.append(("seal_broken", f"not offers of this order: {', '.join(unknown)}"))
    if errors:
        raise ValidationFailed(errors)
    facts, _ = CaseFacts.objects.select_for_update().get_or_create(case=case)
    values = {
        "delivered_at": delivered_at,
        "buyer_informed": buyer_informed,
        "return_dispatched_at": return_dispatched_at,
        "cheapest_delivery": cheapest_delivery.quantize(Decimal("0.01"))
        if cheapest_delivery is not None
        else None,
        "seal_broken": dict(sorted(seal_broken.items())),
    }
    changes = {
        name: {"from": _plain(getattr(facts, name)), "to": _plain(value)}
        for name, value in values.items()
        if getattr(facts, name) != value
    }
    if not changes:
        return facts
    for name, value in values.items():
        setattr(facts, name, value)
    facts.updated_by, facts.updated_at = actor.label, now
    facts.save()
    event_append(
        case=case,
        type=EventType.EDIT,
        actor=actor,
        reason="facts for the policy engine recorded: " + ", ".join(sorted(changes)),
        payload={"facts": changes},
    )
    return facts


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value
