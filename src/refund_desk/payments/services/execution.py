"""Sending refunds to Allegro exactly once, and following them until Allegro says they are final.

1. `refund_order_create` committed the refund order and its outbox message together.
2. `refund_execute` claims the message with a lease (own transaction), calls Allegro with the refund's
   commandId (no transaction open), then records the answer (own transaction).
3. A crash anywhere leaves the message PENDING; once its lease expires the next run sends it again with
   the same commandId, and Allegro answers with the refund it already made.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from refund_desk.cases.choices import CaseStatus
from refund_desk.cases.isolation import case_isolated
from refund_desk.cases.models import SellerAccount
from refund_desk.cases.services import case_move_if_allowed
from refund_desk.payments.choices import AlertKind, OutboxKind, OutboxStatus, RefundMethod, RefundStatus
from refund_desk.payments.gateway import (
    GatewayError,
    GatewayNotFound,
    GatewayRefund,
    GatewayRejected,
    GatewayUnavailable,
    RemoteRefundStatus,
    refund_gateway,
)
from refund_desk.payments.models import OutboxMessage, RefundOrder
from refund_desk.payments.services.alerts import alert_raise
from refund_desk.payments.services.claims import commission_claims_plan
from refund_desk.payments.services.ledger import refund_release
from refund_desk.payments.services.refunds import SYSTEM, refund_emit, refund_paid

logger = logging.getLogger("refund_desk.payments")

LEASE = timedelta(minutes=5)
# Backoff between outbox attempts; after the last step it keeps retrying at the last interval.
RETRY_STEPS = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
    timedelta(hours=1),
)
ALERT_AFTER_ATTEMPTS = 5
POLL_EVERY = timedelta(minutes=10)
# Reconciling from a listing of the account's recent refunds instead of one call per order: from this
# many due refunds per account, for refunds submitted within the window, looking back a margin for
# clock differences, reading at most this many pages of 100.
LISTING_FROM = 3
LISTING_WINDOW = timedelta(days=2)
LISTING_LOOKBACK = timedelta(hours=1)
LISTING_MAX_PAGES = 50

PLAIN_WORDS = {
    "VALIDATION_ERROR": "Allegro refused the refund: it is more than what is left to refund on this payment "
    "(another refund may already be pending or done for these items).",
    "COD_MARKETPLACE_NOT_SUPPORTED": "Allegro cannot refund cash-on-delivery orders on this marketplace; "
    "pay the buyer by bank transfer instead.",
    "NOT_FOUND": "Allegro does not know this payment; check the order in Sales Center.",
}


def plain_words(exc: GatewayError) -> str:
    """What an agent should read about a refused refund."""
    for code in exc.codes:
        if code in PLAIN_WORDS:
            detail = f" Allegro says: {exc.user_message}" if exc.user_message else ""
            return PLAIN_WORDS[code] + detail
    if isinstance(exc, GatewayNotFound):
        return PLAIN_WORDS["NOT_FOUND"]
    if exc.user_message:
        return f"Allegro refused the refund: {exc.user_message}"
    return f"Allegro refused the refund ({', '.join(exc.codes) or 'no reason given'})."


def refund_payload(refund: RefundOrder) -> dict[str, Any]:
    """Allegro's InitializeRefund body (without commandId, which the gateway adds)."""
    body: dict[str, Any] = {
        "payment": {"id": refund.order.payment_id},
        "order": {"id": refund.order.external_id},
        "reason": refund.reason,
    }
    lines = [line.to_allegro(refund.currency) for line in refund.lines.select_related("line_item")]
    if lines:
        body["lineItems"] = lines
    if refund.delivery_amount > 0:
        body["delivery"] = {"value": {"amount": f"{refund.delivery_amount:.2f}", "currency": refund.currency}}
    if refund.seller_comment:
        body["sellerComment"] = refund.seller_comment
    return body


def _backoff(attempts: int) -> timedelta:
    return RETRY_STEPS[min(max(attempts, 1), len(RETRY_STEPS)) - 1]


@transaction.atomic
def outbox_claim(*, message_id: int, now: datetime | None = None) -> OutboxMessage | None:
    """Take the message for one attempt (a lease), unless it is done, not due or leased to a live worker."""
    moment = now or timezone.now()
    message = OutboxMessage.objects.select_for_update().get(pk=message_id)
    if message.status != OutboxStatus.PENDING or message.next_attempt_at > moment:
        return None
    if message.locked_until is not None and message.locked_until > moment:
        return None
    message.attempts += 1
    message.locked_until = moment + LEASE
    message.save(update_fields=["attempts", "locked_until"])
    return message


@transaction.atomic
def outbox_retry_later(*, message: OutboxMessage, error: str, now: datetime | None = None) -> None:
    moment = now or timezone.now()
    locked = (
        OutboxMessage.objects.select_for_update(of=("self",))
        .select_related("refund_order__case")
        .get(pk=message.pk)
    )
    if locked.status != OutboxStatus.PENDING:
        return
    locked.locked_until = None
    locked.next_attempt_at = moment + _backoff(locked.attempts)
    locked.last_error = error[:2000]
    locked.save(update_fields=["locked_until", "next_attempt_at", "last_error"])
    if locked.attempts >= ALERT_AFTER_ATTEMPTS:
        refund = locked.refund_order
        alert_raise(
            kind=AlertKind.REFUND_STUCK,
            message=f"Refund #{refund.pk} could not reach Allegro after {locked.attempts} attempts: {error}",
            dedup_key=f"refund-stuck:{refund.pk}",
            case=refund.case,
        )


def _finish(refund: RefundOrder, status: RefundStatus, now: datetime) -> None:
    refund.status = status
    refund.finished_at = now
    refund.next_check_at = None


def _apply_allegro_state(refund: RefundOrder, remote: GatewayRefund, now: datetime) -> None:
    """Move a refund to what Allegro reports (caller holds the row lock and the transaction)."""
    if refund.allegro_refund_id and refund.allegro_refund_id != remote.id:
        alert_raise(
            kind=AlertKind.REFUND_FAILED,
            message=f"Allegro reported refund {remote.id} for refund #{refund.pk}, which is {refund.allegro_refund_id}",
            dedup_key=f"refund-id-mismatch:{refund.pk}",
            case=refund.case,
        )
        return
    refund.allegro_refund_id = remote.id
    refund.allegro_status = remote.status
    refund.updated_at = now
    if refund.submitted_at is None:
        refund.submitted_at = now
    previous = refund.status
    if remote.status == RemoteRefundStatus.SUCCESS:
        _finish(refund, RefundStatus.SUCCESS, now)
    elif remote.status == RemoteRefundStatus.CANCELED:
        _finish(refund, RefundStatus.CANCELED, now)
        refund.error_message = (
            "Allegro canceled the refund — usually because the seller balance could not be charged. "
            "Top up the balance and refund again."
        )
    elif remote.status == RemoteRefundStatus.VALIDATE_FAILED:
        _finish(refund, RefundStatus.FAILED, now)
        refund.error_message = "Allegro could not validate the refund."
    else:
        refund.status = RefundStatus.SUBMITTED
        refund.next_check_at = now + POLL_EVERY
    refund.save()
    if refund.status == previous:
        return
    case = refund.case
    if refund.status == RefundStatus.SUCCESS:
        refund_paid(refund, f"Allegro paid {refund.total:.2f} {refund.currency}", now=now)
        refund_emit(refund, "refund.succeeded")
        _after_success(refund)
    elif refund.status in (RefundStatus.CANCELED, RefundStatus.FAILED):
        refund_release(refund)
        case_move_if_allowed(
            case=case,
            to=CaseStatus.APPROVED,
            actor=SYSTEM,
            reason=refund.error_message,
            payload={"refundOrder": refund.pk},
        )
        alert_raise(
            kind=AlertKind.REFUND_CANCELED
            if refund.status == RefundStatus.CANCELED
            else AlertKind.REFUND_FAILED,
            message=f"Refund #{refund.pk} for case {case}: {refund.error_message}",
            dedup_key=f"refund-final:{refund.pk}",
            case=case,
        )
        refund_emit(refund, "refund.canceled" if refund.status == RefundStatus.CANCELED else "refund.failed")
    elif previous == RefundStatus.PLANNED:
        refund_emit(refund, "refund.submitted")


def _after_success(refund: RefundOrder) -> None:

    commission_claims_plan(refund=refund)


@transaction.atomic
def refund_record_response(*, message_id: int, remote: GatewayRefund) -> RefundOrder:
    """Store Allegro's answer to POST /payments/refunds; safe to run twice for the same answer."""
    message = OutboxMessage.objects.select_for_update().get(pk=message_id)
    refund = (
        RefundOrder.objects.select_for_update(of=("self",))
        .select_related("case", "order", "account")
        .get(pk=message.refund_order_id)
    )
    now = timezone.now()
    if refund.status == RefundStatus.PLANNED or (
        refund.status == RefundStatus.SUBMITTED and refund.allegro_status != remote.status
    ):
        _apply_allegro_state(refund, remote, now)
    if message.status != OutboxStatus.DONE:
        message.status = OutboxStatus.DONE
        message.done_at = now
        message.locked_until = None
        message.save(update_fields=["status", "done_at", "locked_until"])
    return refund


@transaction.atomic
def refund_record_rejection(*, message_id: int, error: GatewayError) -> RefundOrder:
    """Allegro refused (422/404): the refund failed for good; tell the agent in plain words."""
    message = OutboxMessage.objects.select_for_update().get(pk=message_id)
    refund = (
        RefundOrder.objects.select_for_update(of=("self",))
        .select_related("case", "order", "account")
        .get(pk=message.refund_order_id)
    )
    now = timezone.now()
    if refund.status == RefundStatus.PLANNED:
        refund.status = RefundStatus.FAILED
        refund.error_codes = error.codes
        refund.error_message = plain_words(error)
        refund.finished_at = refund.updated_at = now
        refund.save()
        refund_release(refund)
        case_move_if_allowed(
            case=refund.case,
            to=CaseStatus.APPROVED,
            actor=SYSTEM,
            reason=refund.error_message,
            payload={"refundOrder": refund.pk, "codes": error.codes},
        )
        alert_raise(
            kind=AlertKind.REFUND_FAILED,
            message=f"Refund #{refund.pk} for case {refund.case}: {refund.error_message}",
            dedup_key=f"refund-final:{refund.pk}",
            case=refund.case,
        )
        refund_emit(refund, "refund.failed")
    message.status = OutboxStatus.DEAD
    message.last_error = str(error)[:2000]
    message.done_at = now
    message.locked_until = None
    message.save(update_fields=["status", "last_error", "done_at", "locked_until"])
    return refund


def refund_execute(*, refund_order_id: int, now: datetime | None = None) -> RefundOrder | None:
    """One attempt to send a planned refund. Idempotent: returns None when there is nothing to do."""
    message = OutboxMessage.objects.filter(
        refund_order_id=refund_order_id, kind=OutboxKind.REFUND_INITIATE
    ).first()
    if message is None:
        return None
    claimed = outbox_claim(message_id=message.pk, now=now)
    if claimed is None:
        return None
    refund = RefundOrder.objects.select_related("order", "account").get(pk=refund_order_id)
    if refund.status != RefundStatus.PLANNED or refund.method != RefundMethod.ALLEGRO:
        return refund_record_response_noop(message_id=claimed.pk)
    try:
        remote = refund_gateway.get().initiate_refund(
            refund.account, str(refund.command_id), refund_payload(refund)
        )
    except GatewayUnavailable as exc:
        logger.info(
            "refund #%s: Allegro unavailable (%s); will retry with the same commandId", refund.pk, exc
        )
        outbox_retry_later(message=claimed, error=str(exc), now=now)
        return None
    except (GatewayRejected, GatewayNotFound) as exc:
        return refund_record_rejection(message_id=claimed.pk, error=exc)
    except GatewayError as exc:
        outbox_retry_later(message=claimed, error=str(exc), now=now)
        return None
    return refund_record_response(message_id=claimed.pk, remote=remote)


@transaction.atomic
def refund_record_response_noop(*, message_id: int) -> RefundOrder:
    """The refund left PLANNED by another path; close its message."""
    message = OutboxMessage.objects.select_for_update().get(pk=message_id)
    message.status = OutboxStatus.DONE
    message.done_at = timezone.now()
    message.locked_until = None
    message.save(update_fields=["status", "done_at", "locked_until"])
    return message.refund_order


def outbox_due(*, now: datetime | None = None, limit: int = 100) -> list[int]:
    """Refund ids whose outbox message is due (including those whose worker died mid-attempt)."""
    moment = now or timezone.now()
    from django.db.models import Q

    return list(
        OutboxMessage.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=moment)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=moment))
        # A case set aside as needing attention is paid only once a person has dealt with it.
        .filter(refund_order__case__attention_since__isnull=True)
        .order_by("next_attempt_at", "id")
        .values_list("refund_order_id", flat=True)[:limit]
    )


def outbox_run(*, now: datetime | None = None, limit: int = 100) -> int:
    """Send every due refund; returns how many attempts were made. A refund whose case's data breaks the
    attempt sets that case aside, and the others are still sent."""
    ids = outbox_due(now=now, limit=limit)
    cases = dict(RefundOrder.objects.filter(pk__in=ids).values_list("pk", "case_id"))
    for refund_id in ids:
        # No savepoint: refund_execute commits its lease before it calls Allegro.
        with case_isolated(cases[refund_id], job="refund outbox", atomic=False):
            refund_execute(refund_order_id=refund_id, now=now)
    return len(ids)


def _reconcile_apply(refund_pk: int, remote: GatewayRefund | None) -> RefundOrder:
    """Record what Allegro reports for a submitted refund (None: not listed yet, look again later)."""
    with transaction.atomic():
        locked = (
            RefundOrder.objects.select_for_update(of=("self",))
            .select_related("case", "order", "account")
            .get(pk=refund_pk)
        )
        now = timezone.now()
        if locked.status != RefundStatus.SUBMITTED:
            return locked
        if remote is None or (remote.status == locked.allegro_status and not remote.is_final):
            locked.next_check_at = now + POLL_EVERY
            locked.save(update_fields=["next_check_at"])
            return locked
        _apply_allegro_state(locked, remote, now)
        return locked


def _postpone(refund_ids: list[int], exc: GatewayError) -> None:
    logger.info("refunds %s: reconciliation postponed (%s)", refund_ids, exc)
    RefundOrder.objects.filter(pk__in=refund_ids).update(next_check_at=timezone.now() + POLL_EVERY)


def refund_reconcile(*, refund_order_id: int) -> RefundOrder:
    """Poll Allegro for one submitted refund (GET /payments/refunds?order.id=) and record its status."""
    refund = RefundOrder.objects.select_related("order", "account").get(pk=refund_order_id)
    if refund.status != RefundStatus.SUBMITTED:
        return refund
    try:
        remote_all = refund_gateway.get().list_refunds(refund.account, refund.order.external_id)
    except GatewayError as exc:
        _postpone([refund.pk], exc)
        return refund
    return _reconcile_apply(
        refund.pk, next((r for r in remote_all if r.id == refund.allegro_refund_id), None)
    )


def _reconcile_from_listing(account: SellerAccount, refunds: list[RefundOrder]) -> list[int]:
    """Reconcile an account's submitted refunds from one listing of its recent refunds, 100 per call.

    Returns the refunds the listing did not show (Allegro's clock, or more refunds than the page cap);
    the caller checks those one order at a time.
    """
    since = min(r.submitted_at or r.created_at for r in refunds) - LISTING_LOOKBACK
    try:
        recent = refund_gateway.get().recent_refunds(account, since=since, max_pages=LISTING_MAX_PAGES)
    except GatewayError as exc:
        _postpone([r.pk for r in refunds], exc)
        return []
    if not recent.complete:
        logger.info(
            "account %s: refund listing stopped after %s calls; unlisted refunds are checked per order",
            account.pk,
            recent.calls,
        )
    listed = {remote.id: remote for remote in recent.refunds}
    missing: list[int] = []
    for refund in refunds:
        remote = listed.get(refund.allegro_refund_id or "")
        if remote is None:
            missing.append(refund.pk)
        else:
            _reconcile_apply(refund.pk, remote)
    return missing


def refunds_reconcile_all(*, now: datetime | None = None) -> int:
    """Reconcile every submitted refund that is due a check; also sends outbox messages left behind.

    Refunds submitted in the last LISTING_WINDOW are checked per account from one paged listing of
    recent refunds (an account with 300 refunds in flight costs 3 calls, not 300); older or unlisted
    ones are checked one order at a time.
    """
    moment = now or timezone.now()
    outbox_run(now=moment)
    from django.db.models import Q

    due = list(
        RefundOrder.objects.filter(status=RefundStatus.SUBMITTED)
        .filter(Q(next_check_at__isnull=True) | Q(next_check_at__lte=moment))
        .select_related("account")
        .order_by("pk")
    )
    by_account: dict[int, list[RefundOrder]] = {}
    one_by_one: list[int] = []
    for refund in due:
        if (refund.submitted_at or refund.created_at) >= moment - LISTING_WINDOW:
            by_account.setdefault(refund.account_id, []).append(refund)
        else:
            one_by_one.append(refund.pk)
    for refunds in by_account.values():
        if len(refunds) >= LISTING_FROM:
            one_by_one.extend(_reconcile_from_listing(refunds[0].account, refunds))
        else:
            one_by_one.extend(r.pk for r in refunds)
    for refund_id in sorted(one_by_one):
        refund_reconcile(refund_order_id=refund_id)
    return len(due)
