"""Sync customer returns, post-purchase issues, cancellations and Message Center threads from Allegro.

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

from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import CaseSource
from refund_desk.cases.intake import CHAT_KEY, Outcome, cases_import, cases_import_issues
from refund_desk.cases.models import Order, RefundCase, SellerAccount
from refund_desk.cases.services import (
    VANISHED_CHECKOUT_FORM,
    VANISHED_CUSTOMER_RETURN,
    VANISHED_ISSUE,
    case_note_vanished,
    order_mark_cancelled,
)
from refund_desk.integrations.allegro.client import AllegroClient
from refund_desk.integrations.allegro.errors import AllegroError, BadRequest, NotFound
from refund_desk.integrations.allegro.models import (
    QuarantinedItem,
    SyncCursor,
    SyncRun,
    SyncRunStatus,
    SyncStream,
)
from refund_desk.messaging.choices import AuthorRole
from refund_desk.messaging.models import Thread
from refund_desk.messaging.services import MessageData, thread_sync

logger = logging.getLogger("refund_desk.integrations.allegro")

PAGE_LIMIT = 1000
LEASE = timedelta(minutes=2)
# Returns in these Allegro statuses do not change any more; others are re-read by `sync_open_returns`.
FINAL_RETURN_STATUSES = {"FINISHED", "FINISHED_APT", "REJECTED", "COMMISSION_REFUNDED"}

Progress = Callable[[SyncRun], None]
SYNC_ACTOR = Actor.system("allegro-sync")


def lookback() -> timedelta:
    return timedelta(days=int(getattr(settings, "ALLEGRO_SYNC_LOOKBACK_DAYS", 30)))


@dataclass(frozen=True)
class Vanished:
    """An object Allegro answered 404 for, and the external id of the case (if any) that rests on it."""

    case_external_id: str
    object_type: str
    object_id: str


@dataclass
class PreparedPage:
    """A fetched page, ready to commit: case files, items to quarantine, where the cursor goes next,
    objects that vanished from Allegro."""

    start: str
    files: list[dict[str, Any]] = field(default_factory=list)
    quarantine: list[tuple[str, dict[str, Any], str]] = field(default_factory=list)
    vanished: list[Vanished] = field(default_factory=list)
    next_position: str = ""
    watermark: datetime | None = None
    seen: int = 0


def _note_vanished(*, account: SellerAccount, source: CaseSource, vanished: list[Vanished]) -> int:
    """Note each vanished object on the case resting on it, once; callers hold the page's transaction.

    An item without a case (a new return whose order is gone) is only quarantined. Returns notes written.
    """
    if not vanished:
        return 0
    cases = RefundCase.objects.filter(
        account=account, source=source, external_id__in={v.case_external_id for v in vanished}
    )
    by_external_id = {case.external_id: case for case in cases}
    found = [
        (by_external_id[v.case_external_id], v) for v in vanished if v.case_external_id in by_external_id
    ]
    now = timezone.now()
    written = 0
    for case, item in sorted(found, key=lambda pair: pair[0].pk):  # row locks in pk order
        note = case_note_vanished(
            case=case,
            object_type=item.object_type,
            object_id=item.object_id,
            actor=SYNC_ACTOR,
            noticed_at=now,
        )
        if note is not None:
            logger.info("case %s: noted that Allegro lost %s %s", case.pk, item.object_type, item.object_id)
            written += 1
    return written


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
            if order_id in failures:
                page.vanished.append(Vanished(return_id, VANISHED_CHECKOUT_FORM, order_id))
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
        _note_vanished(account=account, source=CaseSource.CUSTOMER_RETURN, vanished=page.vanished)
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
            page.vanished += _vanished_returns(client, [ext for _, ext in chunk], fetched.raw)
            with transaction.atomic():
                summary = cases_import(items=page.files, account=account)
                _note_vanished(account=account, source=CaseSource.CUSTOMER_RETURN, vanished=page.vanished)
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


def _vanished_returns(client: AllegroClient, asked: list[str], raw: list[dict[str, Any]]) -> list[Vanished]:
    """Returns asked for by id but missing from the list: those that also answer 404 on their own are gone."""
    listed = {str(item.get("id") or "") for item in raw}
    gone = []
    for return_id in dict.fromkeys(asked):
        if return_id in listed:
            continue
        try:
            client.call("getCustomerReturnById", path_params={"id": return_id})
        except NotFound:
            gone.append(Vanished(return_id, VANISHED_CUSTOMER_RETURN, return_id))
    return gone


# --- order events: cancellations -------------------------------------------------------------------

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
        _finish(run, SyncRunStatus.SUCCEEDED)
    except AllegroError as exc:
        run.errors += 1
        _finish(run, SyncRunStatus.FAILED, str(exc))
    finally:
        cursor_lease_release(account=account, stream=stream, owner=owner)
    return run


# --- post-purchase issues (disputes and claims) -------------------------------------------------------

ISSUE_PAGE_LIMIT = 100
# Issues opened this long before the newest one already committed are re-read on every walk, so that
# issues with equal or slightly skewed openedDate are never left behind.
ISSUE_OVERLAP = timedelta(hours=1)
# Claims decided on Allegro can still change (rejection -> acceptance) and their chat goes on:
# decided claims are re-read until this long after they were opened; closed disputes never.
ISSUE_FOLLOW = timedelta(days=60)
DECIDED_ISSUE_STATUSES = {"CLAIM_ACCEPTED", "CLAIM_REJECTED"}
FINAL_ISSUE_STATUSES = {"DISPUTE_CLOSED"}


def _opened(item: dict[str, Any]) -> datetime | None:
    try:
        return datetime.fromisoformat(str(item.get("openedDate", "")).replace("Z", "+00:00"))
    except ValueError:
        return None


def _stored_issues(account: SellerAccount, ids: list[str]) -> dict[str, dict[str, Any]]:
    rows = RefundCase.objects.filter(
        account=account, source=CaseSource.POST_PURCHASE_ISSUE, external_id__in=ids
    ).values_list("external_id", "snapshot")
    return {ext: {k: v for k, v in (snap or {}).items() if k != CHAT_KEY} for ext, snap in rows}


@dataclass
class PreparedIssues:
    """Issues that changed or are new, with their chats and checkout forms; items to quarantine."""

    files: list[dict[str, Any]] = field(default_factory=list)
    quarantine: list[tuple[str, dict[str, Any], str]] = field(default_factory=list)
    vanished: list[Vanished] = field(default_factory=list)
    unchanged: int = 0
    seen: int = 0


def prepare_issues(
    *, client: AllegroClient, account: SellerAccount, raw: list[dict[str, Any]], reuse_orders: bool
) -> PreparedIssues:
    """Skip issues whose stored snapshot equals what Allegro sent (a new chat message changes the
    issue's `chat` summary); fetch the chat and the checkout form of every other one. An issue or form
    that answers 404 is listed in `vanished`, for the commit to note on its case. No database writes."""
    items = [i for i in _unique_in_order(raw) if i.get("id")]
    prepared = PreparedIssues(seen=len(raw))
    stored = _stored_issues(account, [str(i["id"]) for i in items])
    forms: dict[str, dict[str, Any] | None] = {}
    if reuse_orders:
        order_ids = {str((i.get("checkoutForm") or {}).get("id") or "") for i in items}
        forms.update(
            Order.objects.filter(account=account, external_id__in=order_ids).values_list(
                "external_id", "snapshot"
            )
        )
    for item in items:
        issue_id = str(item["id"])
        if stored.get(issue_id) == item:
            prepared.unchanged += 1
            continue
        order_id = str((item.get("checkoutForm") or {}).get("id") or "")
        if not order_id:
            prepared.quarantine.append((issue_id, {"issue": item}, "the issue has no checkoutForm.id"))
            continue
        if order_id not in forms:
            try:
                forms[order_id] = client.checkout_form_raw(order_id)
            except NotFound as exc:
                forms[order_id] = None
                logger.warning("issue %s: checkout form %s not found: %s", issue_id, order_id, exc)
        form = forms[order_id]
        if form is None:
            prepared.quarantine.append((issue_id, {"issue": item}, f"checkout form {order_id} not found"))
            prepared.vanished.append(Vanished(issue_id, VANISHED_CHECKOUT_FORM, order_id))
            continue
        try:
            chat = client.issue_chat_raw(issue_id)
        except NotFound:  # the issue vanished between the list and the chat call
            prepared.vanished.append(Vanished(issue_id, VANISHED_ISSUE, issue_id))
            if issue_id in stored:
                continue  # its case keeps what it had, chat included, and only gets the note
            chat = []  # a new issue: its case opens with what the list said
        prepared.files.append({"order": form, "issue": item, "chat": chat})
    return prepared


def _quarantine_new(
    account: SellerAccount, stream: str, items: list[tuple[str, dict[str, Any], str]], run: SyncRun
) -> int:
    """Quarantine items not already waiting for a person (a walk re-reads pages, so it meets them again)."""
    waiting = list(
        QuarantinedItem.objects.filter(
            account=account,
            stream=stream,
            resolved_at__isnull=True,
            external_id__in=[ext for ext, _, _ in items],
        ).values_list("external_id", "payload")
    )
    rows = []
    for ext, payload, reason in items:
        if any(e == ext and p == payload for e, p in waiting):
            continue
        rows.append(
            QuarantinedItem(
                account=account, stream=stream, external_id=ext, payload=payload, reason=reason, run=run
            )
        )
    QuarantinedItem.objects.bulk_create(rows)
    return len(rows)


def commit_issues(
    *,
    account: SellerAccount,
    prepared: PreparedIssues,
    run: SyncRun,
    owner: str,
    watermark: datetime | None = None,
    position: str | None = None,
) -> bool:
    """Import prepared issues, quarantine the unusable ones and (optionally) move the cursor — one
    transaction, under the lease. False when another worker took the stream over meanwhile."""
    stream = SyncStream.ISSUES
    with transaction.atomic():
        cursor = SyncCursor.objects.select_for_update().get(account=account, stream=stream)
        if cursor.lease_owner != owner:
            logger.info("cursor %s taken over by another worker; dropping issues", cursor)
            return False
        summary = cases_import_issues(items=prepared.files, account=account)
        _note_vanished(account=account, source=CaseSource.POST_PURCHASE_ISSUE, vanished=prepared.vanished)
        rejected = [
            (r.external_id, data, "; ".join(f"{path}: {message}" for path, message in r.errors))
            for r, data in zip(summary.results, prepared.files, strict=True)
            if r.outcome == Outcome.REJECTED
        ]
        run.quarantined += _quarantine_new(account, stream, prepared.quarantine + rejected, run)
        if watermark is not None and (cursor.watermark is None or watermark > cursor.watermark):
            cursor.watermark = watermark
        if position is not None:
            cursor.position = position
        cursor.lease_until = timezone.now() + LEASE
        cursor.updated_at = timezone.now()
        cursor.save()
        run.pages += 1
        run.items_seen += prepared.seen
        run.created += summary.count(Outcome.CREATED)
        run.updated += summary.count(Outcome.UPDATED)
        run.unchanged += summary.count(Outcome.UNCHANGED) + prepared.unchanged
        run.save()
    return True


def _issues_to_refresh(account: SellerAccount, after: int, count: int) -> list[tuple[int, str]]:
    follow_since = timezone.now() - ISSUE_FOLLOW
    followed = (
        RefundCase.objects.filter(account=account, source=CaseSource.POST_PURCHASE_ISSUE)
        .exclude(external_status__in=FINAL_ISSUE_STATUSES)
        .exclude(external_status__in=DECIDED_ISSUE_STATUSES, opened_at__lt=follow_since)
        .order_by("pk")
    )
    rows = list(followed.filter(pk__gt=after).values_list("pk", "external_id")[:count])
    if len(rows) < count:  # wrap around to the start
        taken = {pk for pk, _ in rows}
        rows += [
            r
            for r in followed.filter(pk__lte=after).values_list("pk", "external_id")[: count - len(rows)]
            if r[0] not in taken
        ]
    return rows


def sync_issues(
    *,
    account: SellerAccount,
    client: AllegroClient,
    limit: int = ISSUE_PAGE_LIMIT,
    refresh: int = 50,
    progress: Progress | None = None,
    owner: str | None = None,
) -> SyncRun:
    """New and changed post-purchase issues -> complaint cases, exactly once.

    `/sale/issues` is newest first with offset paging and no `from`. A **walk** reads pages from offset 0
    until a page reaches issues opened before the cursor's watermark (the newest openedDate of the last
    complete walk) minus an overlap, or the list ends; the first walk goes back `ALLEGRO_SYNC_LOOKBACK_DAYS`.
    Issues opened during the walk push older ones to later offsets, so they are met twice — never
    skipped; every page commits on its own (idempotent by issue id and fingerprint), and the watermark
    moves only with the walk's last page, so a walk killed half-way simply starts again from the top.
    Then a **refresh** re-reads up to `refresh` followed issues (round robin; the cursor's position
    is the last case pk refreshed), since a status or chat change does not move an issue in the list.
    """
    stream = SyncStream.ISSUES
    owner = owner or uuid.uuid4().hex
    run = SyncRun.objects.create(account=account, stream=stream)
    if not cursor_lease_acquire(account=account, stream=stream, owner=owner):
        _finish(run, SyncRunStatus.SKIPPED, "another worker is syncing this stream")
        return run
    status, message = SyncRunStatus.FAILED, "interrupted"
    try:
        cursor = SyncCursor.objects.get(account=account, stream=stream)
        first_walk = cursor.watermark is None
        stop_before = cursor.watermark - ISSUE_OVERLAP if cursor.watermark else timezone.now() - lookback()
        newest: datetime | None = None
        offset = 0
        while True:
            raw = client.issues_raw(limit=limit, offset=offset)
            stamps = [s for s in (_opened(i) for i in raw) if s is not None]
            newest = max([*stamps, *([newest] if newest else [])], default=None)
            last_page = len(raw) < limit or any(s < stop_before for s in stamps)
            wanted = [i for i in raw if not (first_walk and (_opened(i) or stop_before) < stop_before)]
            prepared = prepare_issues(client=client, account=account, raw=wanted, reuse_orders=False)
            prepared.seen = len(raw)
            done = newest if last_page else None
            if not commit_issues(account=account, prepared=prepared, run=run, owner=owner, watermark=done):
                status, message = SyncRunStatus.SKIPPED, "another worker took over the stream"
                return run
            if progress:
                progress(run)
            if last_page:
                break
            offset += limit
        _refresh_issues(account=account, client=client, run=run, owner=owner, count=refresh)
        status, message = SyncRunStatus.SUCCEEDED, ""
    except AllegroError as exc:
        run.errors += 1
        message = str(exc)
        logger.warning("issues sync of %s failed: %s", account.name, exc)
    finally:
        if status == SyncRunStatus.FAILED and message == "interrupted":
            run.errors += 1
        _finish(run, status, message)
        cursor_lease_release(account=account, stream=stream, owner=owner)
    return run


def _refresh_issues(
    *, account: SellerAccount, client: AllegroClient, run: SyncRun, owner: str, count: int
) -> None:
    cursor = SyncCursor.objects.get(account=account, stream=SyncStream.ISSUES)
    rows = _issues_to_refresh(account, int(cursor.position or 0), count)
    if not rows:
        return
    raw: list[dict[str, Any]] = []
    gone: list[Vanished] = []
    for _pk, issue_id in rows:
        try:
            raw.append(client.issue_raw(issue_id))
        except NotFound:
            logger.warning("issue %s of %s is gone from Allegro", issue_id, account.name)
            gone.append(Vanished(issue_id, VANISHED_ISSUE, issue_id))
    prepared = prepare_issues(client=client, account=account, raw=raw, reuse_orders=True)
    prepared.vanished += gone
    commit_issues(account=account, prepared=prepared, run=run, owner=owner, position=str(rows[-1][0]))


# --- Message Center ------------------------------------------------------------------------------------

THREAD_PAGE_LIMIT = 20  # Allegro's maximum for listThreadsGET and listMessagesGET
MESSAGE_OFFSET_MAX = 15000


def _thread_messages(client: AllegroClient, thread_id: str, known: set[str]) -> list[MessageData]:
    """Messages of a thread newest first, until one already stored (messages never change) or the end."""
    found: dict[str, MessageData] = {}
    offset = 0
    while offset <= MESSAGE_OFFSET_MAX:
        page = client.thread_messages(thread_id, limit=THREAD_PAGE_LIMIT, offset=offset)
        for m in page.messages:
            order = (m.relatesTo or {}).get("order") or {}
            found.setdefault(
                m.id,
                MessageData(
                    external_id=m.id,
                    author_role=AuthorRole.BUYER if m.author.isInterlocutor else AuthorRole.SELLER,
                    author_login=m.author.login,
                    text=m.text,
                    created_at=m.createdAt,
                    order_external_id=str(order.get("id") or "") if isinstance(order, dict) else "",
                ),
            )
        if len(page.messages) < THREAD_PAGE_LIMIT or any(m.id in known for m in page.messages):
            break
        offset += THREAD_PAGE_LIMIT
    return list(found.values())


def sync_message_threads(
    *,
    account: SellerAccount,
    client: AllegroClient,
    max_pages: int | None = None,
    progress: Progress | None = None,
) -> SyncRun:
    """Message Center threads (newest message first) and their new messages -> `messaging` app.

    A thread whose last-message time and read flag match what is stored is unchanged. A thread that
    got a message since the last sync sorts before every unchanged one, so the walk stops after the
    first page with nothing changed (the first sync goes back `ALLEGRO_SYNC_LOOKBACK_DAYS`). A thread
    and its new messages commit together; a thread moved to the front mid-walk is met next run.
    """
    stream = SyncStream.MESSAGES
    owner = uuid.uuid4().hex
    run = SyncRun.objects.create(account=account, stream=stream)
    if not cursor_lease_acquire(account=account, stream=stream, owner=owner):
        _finish(run, SyncRunStatus.SKIPPED, "another worker is syncing this stream")
        return run
    try:
        since = timezone.now() - lookback()
        offset = 0
        while max_pages is None or run.pages < max_pages:
            page = client.threads(limit=THREAD_PAGE_LIMIT, offset=offset)
            threads = list({t.id: t for t in page.threads}.values())
            stored = {
                t.external_id: t
                for t in Thread.objects.filter(account=account, external_id__in=[t.id for t in threads])
            }
            changed = 0
            for t in threads:
                known = stored.get(t.id)
                if (
                    known is not None
                    and known.last_message_at == t.lastMessageDateTime
                    and known.read == t.read
                ):
                    run.unchanged += 1
                    continue
                if t.lastMessageDateTime is not None and t.lastMessageDateTime < since and known is None:
                    continue  # older than the first sync reaches back
                changed += 1
                ids = set(known.messages.values_list("external_id", flat=True)) if known else set()
                messages = _thread_messages(client, t.id, ids)
                result = thread_sync(
                    account=account,
                    external_id=t.id,
                    buyer_login=(t.interlocutor.login if t.interlocutor else None) or "",
                    last_message_at=t.lastMessageDateTime,
                    read=t.read,
                    messages=messages,
                )
                run.created += int(result.created)
                run.updated += int(result.changed and not result.created)
            run.pages += 1
            run.items_seen += len(page.threads)
            run.save()
            if progress:
                progress(run)
            stamps = [t.lastMessageDateTime for t in threads if t.lastMessageDateTime is not None]
            if changed == 0 or len(page.threads) < THREAD_PAGE_LIMIT or (stamps and min(stamps) < since):
                break
            offset += THREAD_PAGE_LIMIT
        _finish(run, SyncRunStatus.SUCCEEDED)
    except AllegroError as exc:
        run.errors += 1
        _finish(run, SyncRunStatus.FAILED, str(exc))
    finally:
        cursor_lease_release(account=account, stream=stream, owner=owner)
    return run
