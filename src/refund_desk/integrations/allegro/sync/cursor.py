"""What every Allegro sync stream shares: the cursor lease, run records, and the page commit.

`page_commit` is the one transaction in which a fetched page of customer returns or post-purchase
issues becomes cases: it checks the stream's cursor is still ours, imports the page, quarantines what
cannot become a case, notes objects that vanished from Allegro, moves the cursor and counts the page
on the run. A page whose commit is refused or interrupted leaves no trace.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import CaseSource
from refund_desk.cases.models import RefundCase, SellerAccount
from refund_desk.cases.services import case_note_vanished
from refund_desk.integrations.allegro.errors import AllegroError
from refund_desk.integrations.allegro.intake import IntakeSummary, Outcome
from refund_desk.integrations.allegro.models import QuarantinedItem, SyncCursor, SyncRun, SyncRunStatus

logger = logging.getLogger("refund_desk.integrations.allegro")

LEASE = timedelta(minutes=2)

Progress = Callable[[SyncRun], None]
SYNC_ACTOR = Actor.system("allegro-sync")

# (external id, payload kept for a person to look at, why it could not become a case)
QuarantineEntry = tuple[str, dict[str, Any], str]


def lookback() -> timedelta:
    return timedelta(days=int(getattr(settings, "ALLEGRO_SYNC_LOOKBACK_DAYS", 30)))


def unique_in_order(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop repeated items (Allegro may repeat one); the first occurrence keeps its place."""
    seen: dict[str, dict[str, Any]] = {}
    for item in raw:
        key = str(item.get("id", ""))
        if key not in seen:
            seen[key] = item
    return list(seen.values())


@dataclass(frozen=True)
class Vanished:
    """An object Allegro answered 404 for, and the external id of the case (if any) that rests on it."""

    case_external_id: str
    object_type: str
    object_id: str


def note_vanished(*, account: SellerAccount, source: CaseSource, vanished: list[Vanished]) -> int:
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


# --- cursor lease and runs ---------------------------------------------------------------------------


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


def run_finish(run: SyncRun, status: str, message: str = "") -> None:
    run.status = status
    run.finished_at = timezone.now()
    run.message = message[:2000]
    run.save()


@dataclass
class StreamRun:
    """One run of a sync stream: its record, the lease owner, and how it is to end."""

    run: SyncRun
    owner: str
    acquired: bool
    status: str = SyncRunStatus.FAILED
    message: str = "interrupted"

    def finish(self, status: str, message: str = "") -> None:
        """How the run ends; a body that never says ends FAILED, "interrupted"."""
        self.status, self.message = status, message


@contextmanager
def stream_run(
    *, account: SellerAccount, stream: str, what: str, owner: str | None = None
) -> Iterator[StreamRun]:
    """Run one sync stream under its cursor lease and record the run.

    When another worker holds the lease the run is recorded SKIPPED and `acquired` is False: the body
    must return at once. An AllegroError ends the run FAILED with its message (counted and logged, not
    raised); any other exception (a crash, a kill) ends it FAILED "interrupted" and propagates. The lease
    is released in every case.
    """
    owner = owner or uuid.uuid4().hex
    run = SyncRun.objects.create(account=account, stream=stream)
    session = StreamRun(
        run=run, owner=owner, acquired=cursor_lease_acquire(account=account, stream=stream, owner=owner)
    )
    if not session.acquired:
        run_finish(run, SyncRunStatus.SKIPPED, "another worker is syncing this stream")
        yield session
        return
    try:
        yield session
    except AllegroError as exc:
        run.errors += 1
        session.finish(SyncRunStatus.FAILED, str(exc))
        logger.warning("%s sync of %s failed: %s", what, account.name, exc)
    finally:
        if session.status == SyncRunStatus.FAILED and session.message == "interrupted":
            run.errors += 1
        run_finish(run, session.status, session.message)
        cursor_lease_release(account=account, stream=stream, owner=owner)


# --- page commit -------------------------------------------------------------------------------------


class PreparedItems(Protocol):
    """A fetched page ready to commit (`PreparedPage`, `PreparedIssues`): case files to import, items to
    quarantine, objects that vanished from Allegro, and how many items the page listed."""

    files: list[dict[str, Any]]
    quarantine: list[QuarantineEntry]
    vanished: list[Vanished]
    seen: int


class ImportItems(Protocol):
    """`cases_import` or `cases_import_issues`: idempotent by external id and fingerprint."""

    def __call__(self, *, items: Iterable[object], account: SellerAccount) -> IntakeSummary: ...


def quarantine_store(
    *,
    account: SellerAccount,
    stream: str,
    items: list[QuarantineEntry],
    run: SyncRun,
    skip_waiting: bool,
) -> int:
    """Store items for a person to look at; returns how many were stored.

    With `skip_waiting`, an item whose same payload is already waiting (unresolved) is not stored again:
    a stream that re-reads pages meets it on every pass.
    """
    waiting: list[tuple[str, Any]] = []
    if skip_waiting:
        waiting = list(
            QuarantinedItem.objects.filter(
                account=account,
                stream=stream,
                resolved_at__isnull=True,
                external_id__in=[ext for ext, _, _ in items],
            ).values_list("external_id", "payload")
        )
    rows = [
        QuarantinedItem(
            account=account, stream=stream, external_id=ext, payload=payload, reason=reason, run=run
        )
        for ext, payload, reason in items
        if not any(e == ext and p == payload for e, p in waiting)
    ]
    QuarantinedItem.objects.bulk_create(rows)
    return len(rows)


def page_commit(
    *,
    account: SellerAccount,
    stream: str,
    source: CaseSource,
    run: SyncRun,
    prepared: PreparedItems,
    holds_cursor: Callable[[SyncCursor], bool],
    import_items: ImportItems,
    skip_waiting: bool,
    position: str | None = None,
    watermark: datetime | None = None,
    unchanged: int = 0,
) -> bool:
    """Commit one prepared page of `stream` in one transaction; False, writing nothing, when
    `holds_cursor` says the locked cursor is no longer ours (another worker moved it or took the lease).

    Imports the case files with `import_items`, quarantines the items found unusable while preparing
    and those the import rejects (see `quarantine_store` for `skip_waiting`), notes vanished objects on
    the cases of `source` resting on them, moves the cursor to `position` (when given) and `watermark`
    (only forward), renews the lease, and adds the page to the run's counters; `unchanged` counts items
    skipped as unchanged before the import.
    """
    with transaction.atomic():
        cursor = SyncCursor.objects.select_for_update().get(account=account, stream=stream)
        if not holds_cursor(cursor):
            return False
        summary = import_items(items=prepared.files, account=account)
        rejected = [
            (result.external_id, data, "; ".join(f"{path}: {message}" for path, message in result.errors))
            for result, data in zip(summary.results, prepared.files, strict=True)
            if result.outcome == Outcome.REJECTED
        ]
        quarantined = quarantine_store(
            account=account,
            stream=stream,
            items=prepared.quarantine + rejected,
            run=run,
            skip_waiting=skip_waiting,
        )
        note_vanished(account=account, source=source, vanished=prepared.vanished)
        if position is not None:
            cursor.position = position
        if watermark is not None and (cursor.watermark is None or watermark > cursor.watermark):
            cursor.watermark = watermark
        cursor.lease_until = timezone.now() + LEASE
        cursor.updated_at = timezone.now()
        cursor.save()
        run.pages += 1
        run.items_seen += prepared.seen
        run.created += summary.count(Outcome.CREATED)
        run.updated += summary.count(Outcome.UPDATED)
        run.unchanged += summary.count(Outcome.UNCHANGED) + unchanged
        run.quarantined += quarantined
        run.save()
    return True
