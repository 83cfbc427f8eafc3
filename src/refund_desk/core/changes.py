"""Four eyes on safeguards: a change that loosens one waits until a second person confirms it.

An app that owns a safeguard registers how to apply its kind of change (`change_kind`); its service asks
for one with `change_request` when a person loosens the safeguard (tightening takes effect at once). The
change is applied by `change_confirm`, in the same transaction, only for someone other than who asked.
Every request and decision is in the audit log.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from refund_desk.core.audit import audit_record
from refund_desk.core.errors import IllegalTransition, PermissionDenied, ValidationFailed
from refund_desk.core.models import ChangeRequest, ChangeStatus
from refund_desk.core.permissions import Perm, require

Applier = Callable[[ChangeRequest, Any], None]
# kind -> (applier, check that the confirming person may act on the change's account)
_KINDS: dict[str, tuple[Applier, Callable[[Any, int | None], None]]] = {}


def change_kind(kind: str, apply: Applier, *, account_check: Callable[[Any, int | None], None]) -> None:
    _KINDS[kind] = (apply, account_check)


@transaction.atomic
def change_request(
    *, kind: str, account_id: int | None, summary: str, before: Any, after: Any, actor: Any
) -> ChangeRequest:
    """Ask for a change a second person must confirm; an earlier open request of the same kind for the
    same account is replaced."""
    if kind not in _KINDS:
        raise LookupError(f"no change kind {kind!r} is registered")
    if getattr(actor, "user", None) is None:
        raise PermissionDenied("a change that needs four eyes is asked for by a person")
    ChangeRequest.objects.filter(kind=kind, account_id=account_id, status=ChangeStatus.PENDING).update(
        status=ChangeStatus.SUPERSEDED
    )
    change = ChangeRequest.objects.create(
        kind=kind,
        account_id=account_id,
        summary=summary[:300],
        before=before,
        after=after,
        requested_by=actor.user,
    )
    audit_record(
        actor=actor,
        action="change.requested",
        object_type="ChangeRequest",
        object_id=change.pk,
        summary=summary,
        before=before,
        after=after,
        account_id=account_id,
    )
    return change


def _locked_pending(change: ChangeRequest, actor: Any) -> ChangeRequest:
    require(actor, Perm.CHANGES_CONFIRM)
    locked = ChangeRequest.objects.select_for_update().get(pk=change.pk)
    if locked.status != ChangeStatus.PENDING:
        raise IllegalTransition(f"this change is {locked.get_status_display().lower()}, not waiting any more")
    if getattr(actor, "user", None) is None or locked.requested_by_id == actor.user.pk:
        raise PermissionDenied("a change is confirmed by someone other than the person who asked for it")
    _KINDS[locked.kind][1](actor, locked.account_id)
    return locked


@transaction.atomic
def change_confirm(*, change: ChangeRequest, actor: Any) -> ChangeRequest:
    """A second person confirms: the change is applied now, in this transaction."""
    locked = _locked_pending(change, actor)
    _KINDS[locked.kind][0](locked, actor)
    locked.status = ChangeStatus.APPLIED
    locked.decided_by = actor.user
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action="change.confirmed",
        object_type="ChangeRequest",
        object_id=locked.pk,
        summary=locked.summary,
        before=locked.before,
        after=locked.after,
        account_id=locked.account_id,
    )
    return locked


@transaction.atomic
def change_decline(*, change: ChangeRequest, actor: Any, note: str) -> ChangeRequest:
    if not note.strip():
        raise ValidationFailed([("note", "say why the change is declined")])
    locked = _locked_pending(change, actor)
    locked.status = ChangeStatus.DECLINED
    locked.decided_by = actor.user
    locked.decided_at = timezone.now()
    locked.decision_note = note.strip()
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_record(
        actor=actor,
        action="change.declined",
        object_type="ChangeRequest",
        object_id=locked.pk,
        summary=f"{locked.summary} — declined: {note.strip()}"[:300],
        account_id=locked.account_id,
    )
    return locked


def changes_pending(*, account_ids: frozenset[int] | None) -> QuerySet[ChangeRequest]:
    """Open change requests for these accounts (None: every account)."""
    pending = ChangeRequest.objects.filter(status=ChangeStatus.PENDING).select_related("requested_by")
    return pending if account_ids is None else pending.filter(account_id__in=account_ids)


def change_pending(*, kind: str, account_id: int | None) -> ChangeRequest | None:
    return (
        ChangeRequest.objects.filter(kind=kind, account_id=account_id, status=ChangeStatus.PENDING)
        .select_related("requested_by")
        .first()
    )
