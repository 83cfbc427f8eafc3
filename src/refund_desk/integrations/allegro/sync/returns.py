"""Customer returns: new returns page by page (cursor `from`), and re-reading the returns still open."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connections, transaction
from django.utils import timezone

from refund_desk.cases.choices import CaseSource
from refund_desk.cases.models import Order, RefundCase, SellerAccount
from refund_desk.cases.services import VANISHED_CHECKOUT_FORM, VANISHED_CUSTOMER_RETURN
from refund_desk.integrations.allegro.client import AllegroClient
from refund_desk.integrations.allegro.errors import BadRequest, NotFound
from refund_desk.integrations.allegro.intake import Outcome, cases_import
from refund_desk.integrations.allegro.models import SyncCursor, SyncRun, SyncRunStatus, SyncStream
from refund_desk.integrations.allegro.sync.cursor import (
    Progress,
    QuarantineEntry,
    Vanished,
    lookback,
    note_vanished,
    page_commit,
    stream_run,
    unique_in_order,
)

logger = logging.getLogger("refund_desk.integrations.allegro")

PAGE_LIMIT = 1000
# Returns in these Allegro statuses do not change any more; others are re-read by `sync_open_returns`.
FINAL_RETURN_STATUSES = {"FINISHED", "FINISHED_APT", "REJECTED", "COMMISSION_REFUNDED"}


@dataclass
class PreparedPage:
    """A fetched page, ready to commit: case files, items to quarantine, where the cursor goes next,
    objects that vanished from Allegro."""

    start: str
    files: list[dict[str, Any]] = field(default_factory=list)
    quarantine: list[QuarantineEntry] = field(default_factory=list)
    vanished: list[Vanished] = field(default_factory=list)
    next_position: str = ""
    watermark: datetime | None = None
    seen: int = 0


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
    items = [item for item in unique_in_order(raw) if str(item.get("id", "")) != start]
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

    def fetch_in_pool(order_id: str) -> tuple[str, dict[str, Any] | None]:
        try:
            return fetch(order_id)
        finally:
            connections.close_all()  # a token read opens this thread's own connection: do not leak it

    # Real Allegro answers in tens of milliseconds: fetch forms in parallel, within the rate limits.
    if concurrency > 1 and len(missing) > 1:
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="allegro-forms") as pool:
            forms.update(pool.map(fetch_in_pool, missing))
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

    def holds_cursor(cursor: SyncCursor) -> bool:  # compare-and-set on the position the page began at
        if cursor.position != page.start or (cursor.lease_owner and cursor.lease_owner != owner):
            logger.info("cursor %s moved by another worker; dropping a page", cursor)
            return False
        return True

    return page_commit(
        account=account,
        stream=stream,
        source=CaseSource.CUSTOMER_RETURN,
        run=run,
        prepared=page,
        holds_cursor=holds_cursor,
        import_items=cases_import,
        # unlike the issues walk, this stream re-reads a committed page only after Allegro rejects `from`
        skip_waiting=False,
        position=page.next_position or None,
        watermark=page.watermark,
    )


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
    with stream_run(account=account, stream=stream, what="customer-returns", owner=owner) as session:
        if not session.acquired:
            return session.run
        run, owner = session.run, session.owner
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
                session.finish(SyncRunStatus.SKIPPED, "another worker took over the stream")
                return session.run
            if progress:
                progress(run)
            if len(fetched.raw) < limit:
                break
        session.finish(SyncRunStatus.SUCCEEDED)
    return session.run


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
    with stream_run(account=account, stream=stream, what="open-returns") as session:
        if not session.acquired:
            return session.run
        run = session.run
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
                note_vanished(account=account, source=CaseSource.CUSTOMER_RETURN, vanished=page.vanished)
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
        session.finish(SyncRunStatus.SUCCEEDED)
    return session.run


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
