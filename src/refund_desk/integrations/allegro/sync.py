"""Sync customer returns (and cancellations from order events) from Allegro into refund cases.

Exactly-once without distributed transactions:
  * a page is fetched, with every checkout form it needs, *outside* any database transaction;
  * one transaction then locks the cursor row, checks the cursor still points where the page began
    (compare-and-set), imports the page through `cases_import` (idempotent by fingerprint), stores
    rejected items in quarantine and moves the cursor past the page;
  * a run killed before that commit leaves no trace, so the next run fetches the same page again;
    a page served twice, or an item repeated, only yields "unchanged" results;
  * a lease on the cursor keeps a second worker from fetching the same pages in vain.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from refund_desk.cases.choices import CaseSource
from refund_desk.cases.intake import Outcome, cases_import
from refund_desk.cases.models import Order, RefundCase, SellerAccount
from refund_desk.integrations.allegro.client import AllegroClient
from refund_desk.integrations.allegro.errors import AllegroError, BadRequest, NotFound
from refund_desk.integrations.allegro.models import (
    QuarantinedItem,
    SyncCursor,
    SyncRun,
    SyncRunStatus,
    SyncStream,
)

logger = logging.getLogger("refund_desk.integrations.allegro")

PAGE_LIMIT = 1000
LEASE = timedelta(minutes=2)
# Returns in these Allegro statuses do not change any more; others are re-read by `sync_open_returns`.
FINAL_RETURN_STATUSES = {"FINISHED", "FINISHED_APT", "REJECTED", "COMMISSION_REFUNDED"}

Progress = Callable[[SyncRun], None]


def lookback() -> timedelta:
    return timedelta(days=int(getattr(settings, "ALLEGRO_SYNC_LOOKBACK_DAYS", 30)))


@dataclass
class PreparedPage:
    """A fetched page, ready to commit: case files, items to quarantine, where the cursor goes next."""

    start: str
    files: list[dict[str, Any]] = field(default_factory=list)
    quarantine: list[tuple[str, dict[str, Any], str]] = field(default_factory=list)
    next_position: str = ""
    watermark: datetime | None = None
    seen: int = 0


# --- cursor lease ----------------------------------------------------------------------------------


def _cursor(account: SellerAccount, stream: str) -> SyncCursor:
    cursor, _ = SyncCursor.objects.get_or_create(account=account, stream=stream)
    return cursor


@transaction.atomic
def cursor_lease_acquire(*, account: SellerAccount, stream: str, owner: str) -> bool:
    cursor = _cursor(account, stream)
    cursor = SyncCursor.objects.select_for_update().get(pk=cursor.pk)
    now = timezone.now()
    if cursor.lease_owner and cursor.lease_owner != owner and cursor.lease_until and cursor.lease_until > now:
        return False
    cursor.lease_owner, cursor.lease_until = owner, now + LEASE
    cursor.save(update_fields=["lease_owner", "lease_until"])
    return True


@transaction.atomic
def cursor_lease_release(*, account: SellerAccount, stream: str, owner: str) -> None:
    SyncCursor.objects.filter(account=account, stream=stream, lease_owner=owner).update(
        lease_owner="", lease_until=None
    )


# --- customer returns --------------------------------------------------------------------------------


def _unique_in_order(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop repeated items (Allegro may repeat one); the first occurrence keeps its place."""
    seen: dict[str, dict[str, Any]] = {}
    for item in raw:
        key = str(item.get("id", ""))
        if key not in seen:
            seen[key] = item
    return list(seen.values())


def _created_at(item: dict[str, Any]) -> datetime | None:
    try:
        return datetime.fromisoformat(str(item.get("createdAt", "")).replace("Z", "+00:00"))
    except ValueError:
        return None


def prepare_returns_page(
    *,
    client: AllegroClient,
    account: SellerAccount,
    start: str,
    raw: list[dict[str, Any]],
    reuse_orders: bool,
    concurrency: int = 1,
) -> PreparedPage:
    """Fetch the checkout form of every return on the page (once per order) and build case files."""
    page = PreparedPage(start=start, seen=len(raw))
    items = [item for item in _unique_in_order(raw) if str(item.get("id", "")) != start]
    known: dict[str, dict[str, Any]] = {}
    if reuse_orders:
        order_ids = {str(item.get("orderId", "")) for item in items}
        known = {
            ext: snap
            for ext, snap in Order.objects.filter(account=account, external_id__in=order_ids).values_list(
                "external_id", "snapshot"
            )
        }
    missing = sorted({str(i.get("orderId") or "") for i in items} - set(known) - {""})
    forms: dict[str, dict[str, Any] | None] = dict(known)
    failures: dict[str, str] = {}

    def fetch(order_id: str) -> tuple[str, dict[str, Any] | None]:
        try:
            return order_id, client.checkout_form_raw(order_id)
        except NotFound as exc:
            failures[order_id] = f"checkout form {order_id} not found: {exc}"
            return order_id, None

    # Real Allegro answers in tens of milliseconds: fetch forms in parallel, within the rate limits.
    if concurrency > 1 and len(missing) > 1:
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="allegro-forms") as pool:
            forms.update(pool.map(fetch, missing))
    else:
        forms.update(map(fetch, missing))
    for item in items:
        order_id = str(item.get("orderId") or "")
        return_id = str(item.get("id") or "")
        if not order_id or not return_id:
            page.quarantine.append((return_id, item, "the return has no id or no orderId"))
            continue
        form = forms.get(order_id)
        if form is None:
            page.quarantine.append((return_id, item, failures.get(order_id, f"no checkout form {order_id}")))
            continue
        page.files.append({"order": form, "customerReturn": item})
    if items:
        page.next_position = str(items[-1]["id"])
        stamps = [s for s in (_created_at(i) for i in items) if s is not None]
        page.watermark = max(stamps) if stamps else None
    return page


def commit_returns_page(
    *,
    account: SellerAccount,
    page: PreparedPage,
    run: SyncRun,
    owner: str,
    stream: str = SyncStream.CUSTOMER_RETURNS,
) -> bool:
    """Import the page and move the cursor past it, in one transaction. False if the cursor moved meanwhile."""
    with transaction.atomic():
        cursor = SyncCursor.objects.select_for_update().get(account=account, stream=stream)
        if cursor.position != page.start or (cursor.lease_owner and cursor.lease_owner != owner):
            logger.info("cursor %s moved by another worker; dropping a page", cursor)
            return False
        summary = cases_import(items=page.files, account=account)
        for result, data in zip(summary.results, page.files, strict=True):
            if result.outcome == Outcome.REJECTED:
                reason = "; ".join(f"{path}: {message}" for path, message in result.errors)
                page.quarantine.append((result.external_id, data, reason))
        QuarantinedItem.objects.bulk_create(
            [
                QuarantinedItem(
                    account=account, stream=stream, external_id=ext, payload=payload, reason=reason, run=run
                )
                for ext, payload, reason in page.quarantine
            ]
        )
        if page.next_position:
            cursor.position = page.next_position
        if page.watermark and (cursor.watermark is None or page.watermark > cursor.watermark):
            cursor.watermark = page.watermark
        cursor.lease_until = timezone.now() + LEASE
        cursor.updated_at = timezone.now()
        cursor.save()
        run.pages += 1
        run.items_seen += page.seen
        run.created += summary.count(Outcome.CREATED)
        run.updated += summary.count(Outcome.UPDATED)
        run.unchanged += summary.count(Outcome.UNCHANGED)
        run.quarantined += len(page.quarantine)
        run.save()
    return True


def _finish(run: SyncRun, status: str, message: str = "") -> None:
    run.status = status
    run.finished_at = timezone.now()
    run.message = message[:2000]
    run.save()


def sync_customer_returns(
    *,
    account: SellerAccount,
    client: AllegroClient,
    limit: int = PAGE_LIMIT,
    max_pages: int | None = None,
    progress: Progress | None = None,
    owner: str | None = None,
    concurrency: int = 8,
) -> SyncRun:
    """Import new customer returns page by page (cursor `from`, first run from `createdAt.gte`)."""
    stream = SyncStream.CUSTOMER_RETURNS
    owner = owner or uuid.uuid4().hex
    run = SyncRun.objects.create(account=account, stream=stream)
    if not cursor_lease_acquire(account=account, stream=stream, owner=owner):
        _finish(run, SyncRunStatus.SKIPPED, "another worker is syncing this stream")
        return run
    status, message = SyncRunStatus.FAILED, "interrupted"
    try:
        while max_pages is None or run.pages < max_pages:
            cursor = SyncCursor.objects.get(account=account, stream=stream)
            since = None if cursor.position else (cursor.watermark or timezone.now() - lookback())
            try:
                fetched = client.customer_returns(
                    limit=limit, from_id=cursor.position or None, created_at_gte=since
                )
            except BadRequest as exc:
                if cursor.position and any(e.path == "from" for e in exc.errors):
                    _reset_position(cursor, reason=str(exc))  # Allegro forgot that return: resume by date
                    continue
                raise
            page = prepare_returns_page(
                client=client,
                account=account,
                start=cursor.position,
                raw=fetched.raw,
                reuse_orders=False,
                concurrency=concurrency,
            )
            if not page.next_position:
                break
            if not commit_returns_page(account=account, page=page, run=run, owner=owner):
                status, message = SyncRunStatus.SKIPPED, "another worker took over the stream"
                return run
            if progress:
                progress(run)
            if len(fetched.raw) < limit:
                break
        status, message = SyncRunStatus.SUCCEEDED, ""
    except AllegroError as exc:
        run.errors += 1
        message = str(exc)
        logger.warning("customer-returns sync of %s failed: %s", account.name, exc)
    finally:
        if status == SyncRunStatus.FAILED and message == "interrupted":
            run.errors += 1
        _finish(run, status, message)
        cursor_lease_release(account=account, stream=stream, owner=owner)
    return run


@transaction.atomic
def _reset_position(cursor: SyncCursor, *, reason: str) -> None:
    logger.warning(
        "cursor %s: Allegro rejected 'from' (%s); resuming from the date watermark", cursor, reason
    )
    SyncCursor.objects.filter(pk=cursor.pk, position=cursor.position).update(position="")


def sync_open_returns(
    *,
    account: SellerAccount,
    client: AllegroClient,
    batch: int = 50,
    max_batches: int = 10,
    progress: Progress | None = None,
) -> SyncRun:
    """Re-read returns whose cases are still moving (parcel sent, delivered, rejected, refunded…).

    Round robin over the open returns, at most `max_batches` calls per run, so that a large backlog
    never eats the 25 req/s customer-returns budget; the cursor remembers where the last run stopped.
    """
    stream = SyncStream.OPEN_RETURNS
    owner = uuid.uuid4().hex
    run = SyncRun.objects.create(account=account, stream=stream)
    if not cursor_lease_acquire(account=account, stream=stream, owner=owner):
        _finish(run, SyncRunStatus.SKIPPED, "another worker is syncing this stream")
        return run
    try:
        cursor = SyncCursor.objects.get(account=account, stream=stream)
        open_cases = (
            RefundCase.objects.filter(account=account, source=CaseSource.CUSTOMER_RETURN)
            .exclude(external_status__in=FINAL_RETURN_STATUSES)
            .order_by("pk")
        )
        after = int(cursor.position or 0)
        rows = list(open_cases.filter(pk__gt=after).values_list("pk", "external_id")[: batch * max_batches])
        if len(rows) < batch * max_batches:  # wrap around to the start
            rows += list(
                open_cases.filter(pk__lte=after).values_list("pk", "external_id")[
                    : batch * max_batches - len(rows)
                ]
            )
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            fetched = client.customer_returns(limit=len(chunk), return_ids=[ext for _, ext in chunk])
            page = prepare_returns_page(
                client=client, account=account, start="", raw=fetched.raw, reuse_orders=True
            )
            with transaction.atomic():
                summary = cases_import(items=page.files, account=account)
                SyncCursor.objects.filter(pk=cursor.pk).update(
                    position=str(chunk[-1][0]), updated_at=timezone.now()
                )
                run.pages += 1
                run.items_seen += page.seen
                run.updated += summary.count(Outcome.UPDATED)
                run.unchanged += summary.count(Outcome.UNCHANGED)
                run.save()
            if progress:
                progress(run)
        _finish(run, SyncRunStatus.SUCCEEDED)
    except AllegroError as exc:
        run.errors += 1
        _finish(run, SyncRunStatus.FAILED, str(exc))
    finally:
        cursor_lease_release(account=account, stream=stream, owner=owner)
    return run


# --- order events: cancellations -------------------------------------------------------------------

CANCELLATION_EVENTS = ("BUYER_CANCELLED", "AUTO_CANCELLED")


def sync_order_events(
    *, account: SellerAccount, client: AllegroClient, limit: int = 1000, max_pages: int | None = None
) -> SyncRun:
    """Follow /order/events (bootstrapped from event-stats) and record cancellations on known orders.

    Cancelled orders that the desk knows get their snapshot status set to CANCELLED; the event id
    cursor moves in the same transaction.
    """
    stream = SyncStream.ORDER_EVENTS
    owner = uuid.uuid4().hex
    run = SyncRun.objects.create(account=account, stream=stream)
    if not cursor_lease_acquire(account=account, stream=stream, owner=owner):
        _finish(run, SyncRunStatus.SKIPPED, "another worker is syncing this stream")
        return run
    try:
        cursor = SyncCursor.objects.get(account=account, stream=stream)
        if not cursor.position:
            stats = client.order_event_stats()
            if stats.latestEvent is None:
                _finish(run, SyncRunStatus.SUCCEEDED, "no events yet")
                return run
            with transaction.atomic():
                SyncCursor.objects.filter(pk=cursor.pk, position="").update(position=stats.latestEvent.id)
            _finish(run, SyncRunStatus.SUCCEEDED, f"bootstrapped at event {stats.latestEvent.id}")
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
                    if form is None:
                        continue
                    changed = (
                        Order.objects.filter(account=account, external_id=form.id)
                        .exclude(status="CANCELLED")
                        .update(status="CANCELLED")
                    )
                    run.updated += changed
                run.items_seen += len(page.events)
                run.pages += 1
                locked.position = page.events[-1].id
                locked.updated_at = timezone.now()
                locked.save()
                run.save()
            if len(page.events) < limit:
                break
        _finish(run, SyncRunStatus.SUCCEEDED)
    except AllegroError as exc:
        run.errors += 1
        _finish(run, SyncRunStatus.FAILED, str(exc))
    finally:
        cursor_lease_release(account=account, stream=stream, owner=owner)
    return run
