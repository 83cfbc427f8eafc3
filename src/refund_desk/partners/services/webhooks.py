"""Emitting and delivering signed webhooks, replays, inbound verification and the partner issue log."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from datetime import datetime, timedelta
from typing import Any

import httpx
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from refund_desk.cases.actors import Actor
from refund_desk.cases.isolation import case_isolated
from refund_desk.cases.models import CaseEvent, RefundCase, SellerAccount
from refund_desk.core.crypto import DecryptionFailed
from refund_desk.core.effects import run_after_commit
from refund_desk.partners.choices import DeliveryStatus, IssueKind, PartnerKind
from refund_desk.partners.models import (
    InboundWebhookLog,
    Partner,
    PartnerIssue,
    PublishCursor,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)

logger = logging.getLogger("refund_desk.partners")

SIGNATURE_HEADER = "X-RefundDesk-Signature"
EVENT_HEADER = "X-RefundDesk-Event"
DELIVERY_HEADER = "X-RefundDesk-Delivery"
# Backoff after each failed attempt; the sum is a little over 24 hours, then the delivery gives up.
RETRY_SCHEDULE = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(minutes=30),
    timedelta(hours=1),
    timedelta(hours=2),
    timedelta(hours=4),
    timedelta(hours=8),
    timedelta(hours=9),
)
TIMEOUT_SECONDS = 10.0
LEASE = timedelta(minutes=2)
INBOUND_TOLERANCE_SECONDS = 300


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """HMAC-SHA256 over "<timestamp>.<body>", hex."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(*, secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret=secret, timestamp=timestamp, body=body)}"


def signature_valid(*, secret: str, header: str, body: bytes, now: float | None = None) -> bool:
    """Check a "t=<unix>,v1=<hex>" header: right secret, and a timestamp within five minutes."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs((now if now is not None else time.time()) - timestamp) > INBOUND_TOLERANCE_SECONDS:
        return False
    expected = signature(secret=secret, timestamp=timestamp, body=body)
    return hmac.compare_digest(expected, parts.get("v1", ""))


def _enqueue(delivery_ids: list[int]) -> None:
    for delivery_id in delivery_ids:
        run_after_commit("partners.webhook_deliver", delivery_id)


@transaction.atomic
def webhook_event_emit(
    *, event: str, account: SellerAccount | None, payload: dict[str, Any]
) -> list[WebhookDelivery]:
    """Record one delivery per interested subscriber; they are sent by huey after commit, never inline."""
    subscriptions = WebhookSubscription.objects.filter(is_active=True)
    if account is not None:
        subscriptions = subscriptions.filter(Q(account__isnull=True) | Q(account=account))
    deliveries = [
        WebhookDelivery.objects.create(
            subscription=sub,
            event=event,
            payload={"event": event, "occurredAt": timezone.now().isoformat(), "data": payload},
        )
        for sub in subscriptions.order_by("pk")
        if sub.wants(event)
    ]
    _enqueue([d.pk for d in deliveries])
    return deliveries


@transaction.atomic
def _claim(delivery_id: int, now: datetime) -> WebhookDelivery | None:
    delivery = (
        WebhookDelivery.objects.select_for_update(of=("self",))
        .select_related("subscription")
        .get(pk=delivery_id)
    )
    if delivery.status != DeliveryStatus.PENDING or delivery.next_attempt_at > now:
        return None
    if delivery.locked_until is not None and delivery.locked_until > now:
        return None
    delivery.attempts += 1
    delivery.locked_until = now + LEASE
    delivery.save(update_fields=["attempts", "locked_until"])
    return delivery


def webhook_deliver(
    *, delivery_id: int, now: datetime | None = None, transport: httpx.BaseTransport | None = None
) -> WebhookDelivery:
    """One attempt to deliver; records the response code, schedules the next attempt or gives up."""
    moment = now or timezone.now()
    delivery = _claim(delivery_id, moment)
    if delivery is None:
        return WebhookDelivery.objects.get(pk=delivery_id)
    body = json.dumps({"id": str(delivery.event_id), **delivery.payload}, separators=(",", ":")).encode()
    timestamp = int(moment.timestamp())
    try:
        secret = delivery.subscription.secret
    except DecryptionFailed:
        return _secret_unreadable(delivery, moment)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "RefundDesk-Webhooks/1",
        EVENT_HEADER: delivery.event,
        DELIVERY_HEADER: str(delivery.event_id),
        SIGNATURE_HEADER: signature_header(secret=secret, timestamp=timestamp, body=body),
    }
    started = time.monotonic()
    status_code: int | None = None
    error = ""
    try:
        with httpx.Client(timeout=TIMEOUT_SECONDS, transport=transport) as client:
            response = client.post(delivery.subscription.url, content=body, headers=headers)
        status_code = response.status_code
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}: {response.text[:500]}"
    except httpx.HTTPError as exc:
        error = f"{exc.__class__.__name__}: {exc}"
    duration = int((time.monotonic() - started) * 1000)
    return _record(delivery.pk, moment, status_code, error, duration)


UNSIGNABLE = "the subscription's secret cannot be decrypted with the current key: rotate it, then replay"


def _secret_unreadable(delivery: WebhookDelivery, now: datetime) -> WebhookDelivery:
    """Signing is impossible until someone rotates the secret: stop retrying, say why, raise an alert."""
    WebhookSubscription.objects.filter(pk=delivery.subscription_id).update(needs_new_secret=True)
    run_after_commit(
        "payments.alert_raise",
        "SECRET_UNREADABLE",
        f"webhook subscription {delivery.subscription.name}: {UNSIGNABLE}",
        f"subscription-secret:{delivery.subscription_id}",
    )
    logger.warning("webhook subscription %s: %s", delivery.subscription_id, UNSIGNABLE)
    return _record(delivery.pk, now, None, UNSIGNABLE, 0, give_up=True)


@transaction.atomic
def _record(
    delivery_id: int,
    now: datetime,
    status_code: int | None,
    error: str,
    duration: int,
    *,
    give_up: bool = False,
) -> WebhookDelivery:
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
    WebhookAttempt.objects.create(
        delivery=delivery, attempted_at=now, status_code=status_code, error=error[:2000], duration_ms=duration
    )
    delivery.last_status_code = status_code
    delivery.last_error = error[:2000]
    delivery.locked_until = None
    if not error:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = now
    elif give_up or delivery.attempts > len(RETRY_SCHEDULE):
        delivery.status = DeliveryStatus.FAILED
        logger.warning(
            "webhook %s to %s gave up after %d attempts",
            delivery.event,
            delivery.subscription_id,
            delivery.attempts,
        )
    else:
        delivery.next_attempt_at = now + RETRY_SCHEDULE[delivery.attempts - 1]
    delivery.save()
    return delivery


def webhook_deliver_due(*, now: datetime | None = None, transport: httpx.BaseTransport | None = None) -> int:
    """Attempt every due delivery (the periodic sweep behind the per-delivery tasks)."""
    moment = now or timezone.now()
    ids = list(
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=moment)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=moment))
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:200]
    )
    for delivery_id in ids:
        webhook_deliver(delivery_id=delivery_id, now=moment, transport=transport)
    return len(ids)


@transaction.atomic
def webhook_delivery_replay(*, delivery: WebhookDelivery, actor: Actor) -> WebhookDelivery:
    """Send a delivery again as a new delivery (same event id, so receivers can deduplicate)."""
    replay = WebhookDelivery.objects.create(
        subscription=delivery.subscription,
        event=delivery.event,
        event_id=delivery.event_id,
        payload=delivery.payload,
        replay_of=delivery,
    )
    logger.info("webhook delivery %s replayed by %s as %s", delivery.pk, actor.label, replay.pk)
    _enqueue([replay.pk])
    return replay


def case_events_publish(*, limit: int = 500) -> int:
    """Publish new case events (the append-only case log) to subscribers as "case.<type>" events."""
    with transaction.atomic():
        cursor, _ = PublishCursor.objects.select_for_update().get_or_create(name="case-events")
        events = list(
            CaseEvent.objects.select_related("case").filter(pk__gt=cursor.last_id).order_by("pk")[:limit]
        )
        for event in events:
            # One case's event that cannot be published sets that case aside; the cursor moves on.
            with case_isolated(event.case_id, job="case events publishing"):
                _case_event_emit(event)
        if events:
            cursor.last_id = events[-1].pk
            cursor.save(update_fields=["last_id"])
    return len(events)


def _case_event_emit(event: CaseEvent) -> None:
    webhook_event_emit(
        event=f"case.{event.type.lower()}",
        account=event.case.account,
        payload={
            "case": {
                "id": event.case_id,
                "reference": event.case.reference,
                "orderId": event.case.order_external_id,
                "status": event.case.status,
            },
            "event": {
                "id": event.pk,
                "type": event.type,
                "from": event.from_status or None,
                "to": event.to_status or None,
                "actor": event.actor_label,
                "reason": event.reason,
                "at": event.created_at.isoformat(),
            },
        },
    )


def inbound_log(
    *,
    partner: Partner | None,
    slug: str,
    accepted: bool,
    status_code: int,
    error: str,
    body: bytes,
    remote_addr: str,
) -> InboundWebhookLog:
    return InboundWebhookLog.objects.create(
        partner=partner,
        partner_slug=slug[:50],
        accepted=accepted,
        status_code=status_code,
        error=error[:2000],
        body=body[:10000].decode("utf-8", errors="replace"),
        remote_addr=remote_addr[:64],
    )


@transaction.atomic
def partner_for_carrier(*, carrier_id: str) -> Partner:
    """The carrier partner with this Allegro carrier id (created on first use)."""
    partner = Partner.objects.filter(kind=PartnerKind.CARRIER, carrier_id=carrier_id).first()
    if partner is not None:
        return partner
    slug = f"carrier-{carrier_id}".lower()[:50]
    partner, _ = Partner.objects.get_or_create(
        slug=slug,
        defaults={"name": f"Carrier {carrier_id}", "kind": PartnerKind.CARRIER, "carrier_id": carrier_id},
    )
    return partner


@transaction.atomic
def partner_issue_record(
    *,
    partner: Partner,
    kind: IssueKind,
    actor: Actor,
    case: RefundCase | None = None,
    reference: str = "",
    description: str = "",
) -> PartnerIssue:
    """Log an issue with a partner (shown in the partner's monthly report)."""
    issue = PartnerIssue.objects.create(
        partner=partner,
        account=case.account if case else None,
        case=case,
        kind=kind,
        reference=reference,
        description=description,
        created_by_label=actor.label,
    )
    webhook_event_emit(
        event="partner.issue",
        account=issue.account,
        payload={
            "issue": {
                "id": issue.pk,
                "partner": partner.slug,
                "kind": kind,
                "reference": reference,
                "caseId": case.pk if case else None,
            }
        },
    )
    return issue
