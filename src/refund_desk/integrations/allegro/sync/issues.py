"""Post-purchase issues (disputes and claims) -> complaint cases: the newest-first walk, then a refresh."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from refund_desk.cases.choices import CaseSource
from refund_desk.cases.models import Order, RefundCase, SellerAccount
from refund_desk.cases.services import VANISHED_CHECKOUT_FORM, VANISHED_ISSUE
from refund_desk.integrations.allegro.client import AllegroClient
from refund_desk.integrations.allegro.errors import NotFound
from refund_desk.integrations.allegro.intake import CHAT_KEY, cases_import_issues
from refund_desk.integrations.allegro.models import SyncCursor, SyncRun, SyncRunStatus, SyncStream
from refund_desk.integrations.allegro.sync.cursor import (
    Progress,
    QuarantineEntry,
    Vanished,
    lookback,
    page_commit,
    stream_run,
    unique_in_order,
)

logger = logging.getLogger("refund_desk.integrations.allegro")

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
    quarantine: list[QuarantineEntry] = field(default_factory=list)
    vanished: list[Vanished] = field(default_factory=list)
    unchanged: int = 0
    seen: int = 0


def prepare_issues(
    *, client: AllegroClient, account: SellerAccount, raw: list[dict[str, Any]], reuse_orders: bool
) -> PreparedIssues:
    """Skip issues whose stored snapshot equals what Allegro sent (a new chat message changes the
    issue's `chat` summary); fetch the chat and the checkout form of every other one. An issue or form
    that answers 404 is listed in `vanished`, for the commit to note on its case. No database writes."""
    items = [i for i in unique_in_order(raw) if i.get("id")]
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

    def holds_cursor(cursor: SyncCursor) -> bool:
        if cursor.lease_owner != owner:
            logger.info("cursor %s taken over by another worker; dropping issues", cursor)
            return False
        return True

    return page_commit(
        account=account,
        stream=SyncStream.ISSUES,
        source=CaseSource.POST_PURCHASE_ISSUE,
        run=run,
        prepared=prepared,
        holds_cursor=holds_cursor,
        import_items=cases_import_issues,
        skip_waiting=True,  # a walk re-reads pages, so it meets items still waiting in quarantine again
        position=position,
        watermark=watermark,
        unchanged=prepared.unchanged,
    )


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
    with stream_run(account=account, stream=stream, what="issues", owner=owner) as session:
        if not session.acquired:
            return session.run
        run, owner = session.run, session.owner
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
                session.finish(SyncRunStatus.SKIPPED, "another worker took over the stream")
                return session.run
            if progress:
                progress(run)
            if last_page:
                break
            offset += limit
        _refresh_issues(account=account, client=client, run=run, owner=owner, count=refresh)
        session.finish(SyncRunStatus.SUCCEEDED)
    return session.run


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
