"""Order events: cancellations of orders the desk knows, followed by event id."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils import timezone

from refund_desk.cases.models import Order, SellerAccount
from refund_desk.cases.services import order_mark_cancelled
from refund_desk.integrations.allegro.client import AllegroClient
from refund_desk.integrations.allegro.errors import AllegroError
from refund_desk.integrations.allegro.models import SyncCursor, SyncRun, SyncRunStatus, SyncStream
from refund_desk.integrations.allegro.sync.cursor import (
    SYNC_ACTOR,
    cursor_lease_acquire,
    cursor_lease_release,
    run_finish,
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
    owner = uuid.uuid4().hex
    run = SyncRun.objects.create(account=account, stream=stream)
    if not cursor_lease_acquire(account=account, stream=stream, owner=owner):
        run_finish(run, SyncRunStatus.SKIPPED, "another worker is syncing this stream")
        return run
    try:
        cursor = SyncCursor.objects.get(account=account, stream=stream)
        if not cursor.position:
            stats = client.order_event_stats()
            if stats.latestEvent is None:
                run_finish(run, SyncRunStatus.SUCCEEDED, "no events yet")
                return run
            with transaction.atomic():
                SyncCursor.objects.filter(pk=cursor.pk, position="").update(position=stats.latestEvent.id)
            run_finish(run, SyncRunStatus.SUCCEEDED, f"bootstrapped at event {stats.latestEvent.id}")
            return run
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
        run_finish(run, SyncRunStatus.SUCCEEDED)
    except AllegroError as exc:
        run.errors += 1
        run_finish(run, SyncRunStatus.FAILED, str(exc))
    finally:
        cursor_lease_release(account=account, stream=stream, owner=owner)
    return run
