"""Order events: cancellations, followed by event id. A paid order's cancellation opens a CANCELLATION case
(its refund is due without a return); the order's other cases get the cancellation on their timeline."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from refund_desk.cases.choices import CaseSource
from refund_desk.cases.models import Order, RefundCase, SellerAccount
from refund_desk.cases.services import order_mark_cancelled
from refund_desk.core.errors import ValidationFailed
from refund_desk.integrations.allegro.client import AllegroClient
from refund_desk.integrations.allegro.intake.cancellations import (
    ParsedCancellation,
    case_ingest_cancellation,
    parse_cancellation,
)
from refund_desk.integrations.allegro.models import SyncCursor, SyncRun, SyncRunStatus, SyncStream
from refund_desk.integrations.allegro.responses import OrderEvent
from refund_desk.integrations.allegro.sync.cursor import (
    SYNC_ACTOR,
    stream_run,
)

CANCELLATION_EVENTS = ("BUYER_CANCELLED", "AUTO_CANCELLED")
logger = logging.getLogger("refund_desk.integrations.allegro")


def _cancellations(
    account: SellerAccount, client: AllegroClient, events: list[OrderEvent]
) -> tuple[dict[str, ParsedCancellation], int]:
    """The checkout forms of cancelled orders without a cancellation case yet, read before the page's
    transaction (no network inside it). Returns them by event id, and how many could not be read."""
    order_ids = {e.order.checkoutForm.id for e in events if e.order.checkoutForm is not None}
    done = set(
        RefundCase.objects.filter(
            account=account, source=CaseSource.ORDER_EVENT, external_id__in=order_ids
        ).values_list("external_id", flat=True)
    )
    parsed: dict[str, ParsedCancellation] = {}
    failed = 0
    for event in events:
        form = event.order.checkoutForm
        if form is None or form.id in done or event.type not in CANCELLATION_EVENTS:
            continue
        raw = client.checkout_form_raw(form.id)
        try:
            parsed[event.id] = parse_cancellation(
                raw_order=raw, event_type=event.type, occurred_at=event.occurredAt, event_id=event.id
            )
            done.add(form.id)
        except ValidationFailed as exc:  # one malformed order must not stop the stream
            failed += 1
            logger.warning("cancelled order %s of %s not opened as a case: %s", form.id, account, exc)
    return parsed, failed


def sync_order_events(
    *, account: SellerAccount, client: AllegroClient, limit: int = 1000, max_pages: int | None = None
) -> SyncRun:
    """Follow /order/events (bootstrapped from event-stats) and record cancellations on known orders.

    Cancelled orders that the desk knows are marked CANCELLED by `order_mark_cancelled`, which writes
    an event on each of the order's cases; the event id cursor moves in the same transaction.
    """
    stream = SyncStream.ORDER_EVENTS
    with stream_run(account=account, stream=stream, what="order-events") as session:
        if not session.acquired:
            return session.run
        run = session.run
        cursor = SyncCursor.objects.get(account=account, stream=stream)
        if not cursor.position:
            stats = client.order_event_stats()
            if stats.latestEvent is None:
                session.finish(SyncRunStatus.SUCCEEDED, "no events yet")
                return session.run
            with transaction.atomic():
                SyncCursor.objects.filter(pk=cursor.pk, position="").update(position=stats.latestEvent.id)
            session.finish(SyncRunStatus.SUCCEEDED, f"bootstrapped at event {stats.latestEvent.id}")
            return session.run
        while max_pages is None or run.pages < max_pages:
            cursor.refresh_from_db()
            page = client.order_events(from_id=cursor.position, types=CANCELLATION_EVENTS, limit=limit)
            if not page.events:
                break
            cancelled, failed = _cancellations(account, client, page.events)
            run.errors += failed
            with transaction.atomic():
                locked = SyncCursor.objects.select_for_update().get(pk=cursor.pk)
                if locked.position != cursor.position:
                    break
                for event in page.events:
                    form = event.order.checkoutForm
                    order = (
                        Order.objects.filter(account=account, external_id=form.id).first()
                        if form is not None
                        else None
                    )
                    if order is not None and order_mark_cancelled(
                        order=order, event_id=event.id, actor=SYNC_ACTOR, event_type=event.type
                    ):
                        run.updated += 1
                    if event.id in cancelled:
                        opened = case_ingest_cancellation(parsed=cancelled[event.id], account=account)
                        if opened is not None and opened.outcome == "created":
                            run.created += 1
                run.items_seen += len(page.events)
                run.pages += 1
                locked.position = page.events[-1].id
                locked.updated_at = timezone.now()
                locked.save()
                run.save()
            if len(page.events) < limit:
                break
        session.finish(SyncRunStatus.SUCCEEDED)
    return session.run
