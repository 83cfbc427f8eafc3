"""The case-independent audit log: changes to people, roles, memberships and settings, written in the
same transaction as the change they describe."""

from __future__ import annotations

from typing import Any

from refund_desk.core.models import AuditRecord


def audit_record(
    *,
    actor: Any,
    action: str,
    object_type: str,
    object_id: object = "",
    summary: str,
    before: Any = None,
    after: Any = None,
    account_id: int | None = None,
) -> AuditRecord:
    """Append one record. `actor` is an Actor (person, system or model)."""
    user = getattr(actor, "user", None)
    return AuditRecord.objects.create(
        actor_type=str(getattr(actor, "type", "SYSTEM")),
        actor_user=user if user is not None and getattr(user, "pk", None) else None,
        actor_label=str(getattr(actor, "label", "system"))[:150],
        account_id=account_id,
        action=action[:60],
        object_type=object_type[:60],
        object_id=str(object_id)[:64],
        summary=summary[:300],
        before=before,
        after=after,
    )
