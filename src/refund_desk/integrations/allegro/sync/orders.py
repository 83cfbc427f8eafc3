"""Order events: cancellations of orders the desk knows, followed by event id."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from refund_desk.cases.models import Order, SellerAccount
from refund_desk.cases.services import order_mark_cancelled
from refund_desk.integrations.allegro.client import AllegroClient
from refund_desk.integrations.allegro.models import SyncCursor, SyncRun, SyncRunStatus, SyncStream
from refund_desk.integrations.allegro.sync.cursor import (
    SYNC_ACTOR,
    stream_run,
)

CANCELLATION_EVENTS = ("BUYER_CANCELLED", "AUTO_CANCELLED")


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
