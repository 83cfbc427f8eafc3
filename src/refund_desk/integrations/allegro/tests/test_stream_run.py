"""Every sync stream runs inside `stream_run`: the run record, the cursor lease, and how a run ends."""

from __future__ import annotations

import pytest

from refund_desk.integrations.allegro.errors import ServerError
from refund_desk.integrations.allegro.intake import account_get_or_create
from refund_desk.integrations.allegro.models import SyncCursor, SyncRun, SyncRunStatus, SyncStream
from refund_desk.integrations.allegro.sync.cursor import cursor_lease_acquire, stream_run

pytestmark = pytest.mark.django_db
STREAM = SyncStream.ORDER_EVENTS


def lease_owner() -> str:
    return SyncCursor.objects.get(stream=STREAM).lease_owner


def test_a_finished_body_records_its_outcome_and_releases_the_lease() -> None:
    account = account_get_or_create(name="shop")
    with stream_run(account=account, stream=STREAM, what="order-events") as session:
        assert session.acquired and lease_owner() == session.owner
        session.run.items_seen = 3
        session.finish(SyncRunStatus.SUCCEEDED, "bootstrapped")

    run = SyncRun.objects.get()
    assert (run.status, run.message, run.items_seen, run.errors) == (
        SyncRunStatus.SUCCEEDED,
        "bootstrapped",
        3,
        0,
    )
    assert run.finished_at is not None and lease_owner() == ""


def test_an_allegro_error_fails_the_run_without_raising() -> None:
    account = account_get_or_create(name="shop")
    with stream_run(account=account, stream=STREAM, what="order-events") as session:
        raise ServerError("503 from Allegro", status=503)

    run = SyncRun.objects.get()
    assert (run.status, run.errors) == (SyncRunStatus.FAILED, 1)
    assert "503 from Allegro" in run.message and lease_owner() == ""
    assert session.status == SyncRunStatus.FAILED


def test_a_crash_marks_the_run_interrupted_and_propagates() -> None:
    account = account_get_or_create(name="shop")
    with (
        pytest.raises(RuntimeError, match="worker killed"),
        stream_run(account=account, stream=STREAM, what="order-events"),
    ):
        raise RuntimeError("worker killed")

    run = SyncRun.objects.get()
    assert (run.status, run.message, run.errors) == (SyncRunStatus.FAILED, "interrupted", 1)
    assert lease_owner() == ""


def test_a_stream_held_by_another_worker_is_skipped_and_its_lease_kept() -> None:
    account = account_get_or_create(name="shop")
    assert cursor_lease_acquire(account=account, stream=STREAM, owner="other-worker")

    with stream_run(account=account, stream=STREAM, what="order-events") as session:
        assert not session.acquired

    run = SyncRun.objects.get()
    assert (run.status, run.message) == (SyncRunStatus.SKIPPED, "another worker is syncing this stream")
    assert lease_owner() == "other-worker"
