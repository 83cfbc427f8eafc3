"""Team alerts: raised once per open problem, resolved by a person."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from refund_desk.cases.access import require_account
from refund_desk.cases.actors import Actor
from refund_desk.cases.models import RefundCase, SellerAccount
from refund_desk.cases.services import case_attention_clear
from refund_desk.core.permissions import Perm, require
from refund_desk.partners.services import webhook_event_emit
from refund_desk.payments.choices import AlertKind
from refund_desk.payments.models import Alert

logger = logging.getLogger("refund_desk.payments.alerts")


@transaction.atomic
def alert_raise(
    *,
    kind: AlertKind,
    message: str,
    dedup_key: str,
    case: RefundCase | None = None,
    account: SellerAccount | None = None,
    payload: dict[str, Any] | None = None,
) -> Alert:
    """Raise an alert unless the same problem is already open; tell partners after commit."""

    existing = Alert.objects.filter(dedup_key=dedup_key, resolved_at__isnull=True).first()
    if existing is not None:
        return existing
    alert = Alert.objects.create(
        kind=kind,
        message=message,
        dedup_key=dedup_key,
        case=case,
        account=account or (case.account if case else None),
        payload=payload or {},
    )
    logger.warning("alert %s: %s", kind, message)
    webhook_event_emit(
        event="alert.raised",
        account=alert.account,
        payload={
            "alert": {"id": alert.pk, "kind": kind, "message": message, "caseId": case.pk if case else None}
        },
    )
    return alert


@transaction.atomic
def alert_resolve(*, alert: Alert, actor: Actor) -> Alert:
    """Mark an alert dealt with. A case set aside comes off "needs attention" with it (if its data is still
    outside the limits, the next health scan sets it aside again)."""
    require(actor, Perm.ALERTS_RESOLVE)
    require_account(actor, alert.account_id)
    locked = Alert.objects.select_for_update().get(pk=alert.pk)
    if locked.resolved_at is None:
        locked.resolved_at = timezone.now()
        locked.resolved_by = actor.user
        locked.save(update_fields=["resolved_at", "resolved_by"])
        if locked.kind == AlertKind.CASE_ATTENTION and locked.case is not None:
            case_attention_clear(case=locked.case, actor=actor, reason=f"alert #{locked.pk} resolved")
    return locked


@transaction.atomic
def alerts_resolve_for_case(*, case: RefundCase, kind: AlertKind, actor: Actor) -> int:
    """Resolve the open alerts of one kind on a case (the problem they report was dealt with on the case)."""
    return Alert.objects.filter(case=case, kind=kind, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=actor.user
    )
