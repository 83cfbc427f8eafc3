"""Writes to refund policies: publishing a new version (from the desk or an import) and recording decisions.

Every change creates an immutable PolicyVersion and a PolicyChange audit record in one transaction.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max

from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import ActorType, EventType, Marketplace
from refund_desk.cases.models import CaseEvent, RefundCase, SellerAccount
from refund_desk.cases.services import event_append
from refund_desk.core.errors import ValidationFailed
from refund_desk.policy.engine import Evaluation, policy_from_yaml
from refund_desk.policy.models import PolicyChange, PolicyChangeAction, PolicyVersion, RefundPolicy


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
    """
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
    return version


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
