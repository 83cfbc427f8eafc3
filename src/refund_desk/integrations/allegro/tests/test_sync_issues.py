"""Exactly-once sync of post-purchase issues into complaint cases, Message Center threads, cancellations."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from django.test import RequestFactory
from django.utils import timezone

from refund_desk.cases.choices import CaseKind, CaseSource, EventType
from refund_desk.cases.models import CaseEvent, Order, RefundCase, SellerAccount
from refund_desk.cases.services import order_mark_cancelled
from refund_desk.core.panels import case_panels
from refund_desk.integrations.allegro.client import AllegroClient
from refund_desk.integrations.allegro.emulator.app import EmulatorApp
from refund_desk.integrations.allegro.emulator.faults import FaultConfig
from refund_desk.integrations.allegro.emulator.scenario import Rates
from refund_desk.integrations.allegro.emulator.store import dumps
from refund_desk.integrations.allegro.intake import CHAT_KEY
from refund_desk.integrations.allegro.models import QuarantinedItem, SyncCursor, SyncRunStatus, SyncStream
from refund_desk.integrations.allegro.sync import (
    SYNC_ACTOR,
    cursor_lease_acquire,
    sync_customer_returns,
    sync_issues,
    sync_message_threads,
    sync_order_events,
)
from refund_desk.integrations.allegro.sync import issues as issues_sync
from refund_desk.integrations.allegro.tests.conftest import dies_on_second_page, make_client
from refund_desk.messaging.choices import AuthorRole
from refund_desk.messaging.models import Message, Thread
from refund_desk.messaging.selectors import messages_for_case

pytestmark = pytest.mark.django_db

QUIET = Rates(orders=0, returns=0, issues=0, cancellations=0, messages=0)


def with_issues(emulator: EmulatorApp, days: float = 4, issues: float = 3) -> None:
    emulator.scenario.rates = Rates(orders=30, returns=0, issues=issues, cancellations=0, messages=0)
    emulator.clock.advance(days * 24 * 3600)
    emulator.scenario.tick()
    emulator.scenario.rates = QUIET


def issue_ids(emulator: EmulatorApp) -> set[str]:
    with emulator.store.tx() as db:
        return {row[0] for row in db.execute("SELECT id FROM issues")}


def complaint_ids(account: SellerAccount) -> set[str]:
    ids = list(
        RefundCase.objects.filter(account=account, source=CaseSource.POST_PURCHASE_ISSUE).values_list(
            "external_id", flat=True
        )
    )
    assert len(ids) == len(set(ids)), "an issue became two cases"
    return set(ids)


def test_issue_sync_creates_one_complaint_case_per_issue_and_is_idempotent(
    emulator: EmulatorApp, account: SellerAccount, allegro: AllegroClient
) -> None:
    with_issues(emulator)
    expected = issue_ids(emulator)
    assert len(expected) > 20

    first = sync_issues(account=account, client=allegro, limit=10)
    events = CaseEvent.objects.count()
    second = sync_issues(account=account, client=allegro, limit=10)

    assert first.status == SyncRunStatus.SUCCEEDED, first.message
    assert first.created == len(expected) and first.pages >= len(expected) // 10
    assert complaint_ids(account) == expected
    assert second.created == 0 and second.updated == 0 and CaseEvent.objects.count() == events
    case = RefundCase.objects.filter(account=account, source=CaseSource.POST_PURCHASE_ISSUE).first()
    assert case is not None and case.kind == CaseKind.COMPLAINT and case.snapshot[CHAT_KEY]
    assert case.order.snapshot["id"] == case.order_external_id  # checkout form fetched
    cursor = SyncCursor.objects.get(account=account, stream=SyncStream.ISSUES)
    assert cursor.watermark is not None and cursor.lease_owner == ""


def test_new_issues_and_chat_changes_are_picked_up_once(
    emulator: EmulatorApp, account: SellerAccount, allegro: AllegroClient
) -> None:
    with_issues(emulator, days=3)
    sync_issues(account=account, client=allegro)
    claim = RefundCase.objects.filter(
        account=account, source=CaseSource.POST_PURCHASE_ISSUE, external_status="CLAIM_SUBMITTED"
    ).last()
    assert claim is not None
    allegro.issue_message(claim.external_id, text="Proszę o zdjęcia wady")
    with_issues(emulator, days=1)

    run = sync_issues(account=account, client=allegro, refresh=1000)
    again = sync_issues(account=account, client=allegro, refresh=1000)

    assert run.created > 0 and run.updated >= 1
    assert again.created == 0 and again.updated == 0
    assert complaint_ids(account) == issue_ids(emulator)
    synced = claim.events.filter(type=EventType.SYNCED).get()
    assert synced.payload["changes"]["chat"] == {"from": 1, "to": 2}
    claim.refresh_from_db()
    assert [m["author"]["role"] for m in claim.snapshot[CHAT_KEY]] == ["BUYER", "SELLER"]


def test_a_walk_killed_mid_way_loses_and_duplicates_nothing(
    emulator: EmulatorApp, account: SellerAccount, allegro: AllegroClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_issues(emulator)
    expected = issue_ids(emulator)
    real_import = issues_sync.cases_import_issues
    monkeypatch.setattr(issues_sync, "cases_import_issues", dies_on_second_page(real_import))
    with pytest.raises(SystemExit):
        sync_issues(account=account, client=allegro, limit=10)

    assert len(complaint_ids(account)) == 10  # only the committed first page
    assert SyncCursor.objects.get(account=account, stream=SyncStream.ISSUES).watermark is None
    monkeypatch.setattr(issues_sync, "cases_import_issues", real_import)
    restarted = sync_issues(account=account, client=allegro, limit=10)

    assert restarted.status == SyncRunStatus.SUCCEEDED and restarted.created == len(expected) - 10
    assert complaint_ids(account) == expected
    created = CaseEvent.objects.filter(case__source=CaseSource.POST_PURCHASE_ISSUE, type=EventType.CREATED)
    assert created.count() == len(expected)


def test_issues_opened_during_the_walk_shift_pages_without_loss(
    emulator: EmulatorApp, account: SellerAccount, allegro: AllegroClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_issues(emulator)
    real_list = allegro.issues_raw

    def list_while_buyers_complain(*, limit: int, offset: int) -> list[dict[str, Any]]:
        if offset:  # between two pages, new issues land on top and push the rest to later offsets
            with_issues(emulator, days=0.03, issues=10)
        return real_list(limit=limit, offset=offset)

    monkeypatch.setattr(allegro, "issues_raw", list_while_buyers_complain)
    run = sync_issues(account=account, client=allegro, limit=10)
    monkeypatch.setattr(allegro, "issues_raw", real_list)
    follow_up = sync_issues(account=account, client=allegro, limit=10)

    assert run.status == SyncRunStatus.SUCCEEDED and run.unchanged > 0  # shifted issues met twice
    assert follow_up.status == SyncRunStatus.SUCCEEDED
    assert complaint_ids(account) == issue_ids(emulator)


def test_issue_sync_through_faults_ends_with_every_issue_exactly_once(
    emulator: EmulatorApp, account: SellerAccount, transport: httpx.WSGITransport
) -> None:
    with_issues(emulator)
    emulator.faults.configure(FaultConfig.parse("429=0.1,5xx=0.1,drop=0.05,duplicate=0.2"))
    allegro = make_client(account, transport, attempts=40)

    runs = [sync_issues(account=account, client=allegro, limit=10) for _ in range(2)]

    emulator.faults.configure(FaultConfig())
    assert all(r.status == SyncRunStatus.SUCCEEDED for r in runs), [r.message for r in runs]
    assert complaint_ids(account) == issue_ids(emulator)
    created = CaseEvent.objects.filter(case__source=CaseSource.POST_PURCHASE_ISSUE, type=EventType.CREATED)
    assert created.count() == len(issue_ids(emulator)) and runs[1].created == 0


def test_an_issue_without_checkout_form_is_quarantined_once_and_does_not_block(
    emulator: EmulatorApp, account: SellerAccount, allegro: AllegroClient
) -> None:
    with_issues(emulator, days=3)
    with emulator.store.tx() as db:
        broken, order_id = db.execute("SELECT id, order_id FROM issues ORDER BY seq LIMIT 1").fetchone()
        db.execute("DELETE FROM orders WHERE id = ?", (order_id,))
        orphans = {r[0] for r in db.execute("SELECT id FROM issues WHERE order_id = ?", (order_id,))}

    sync_issues(account=account, client=allegro, limit=10)
    sync_issues(account=account, client=allegro, limit=10, refresh=1000)
    SyncCursor.objects.filter(account=account, stream=SyncStream.ISSUES).update(watermark=None)
    sync_issues(account=account, client=allegro, limit=10)  # a full walk meets it again

    quarantined = QuarantinedItem.objects.filter(account=account, stream=SyncStream.ISSUES)
    assert broken in orphans and {q.external_id for q in quarantined} == orphans
    assert quarantined.count() == len(orphans) and "not found" in quarantined[0].reason
    assert complaint_ids(account) == issue_ids(emulator) - orphans


def forget_issue(emulator: EmulatorApp, issue_id: str) -> None:
    with emulator.store.tx() as db:
        db.execute("DELETE FROM issue_messages WHERE issue_id = ?", (issue_id,))
        db.execute("DELETE FROM issues WHERE id = ?", (issue_id,))


def vanish_notes(case: RefundCase) -> list[CaseEvent]:
    return list(case.events.filter(type=EventType.NOTE, payload__has_key="vanishedFromAllegro"))


def followed_claims(account: SellerAccount) -> list[RefundCase]:
    return list(
        RefundCase.objects.filter(
            account=account, source=CaseSource.POST_PURCHASE_ISSUE, external_status="CLAIM_SUBMITTED"
        ).order_by("pk")
    )


def test_a_vanished_issue_is_noted_once_and_the_others_still_sync(
    emulator: EmulatorApp, account: SellerAccount, allegro: AllegroClient
) -> None:
    # given followed issues: Allegro forgets one, the buyer writes in another
    with_issues(emulator, days=3)
    sync_issues(account=account, client=allegro)
    gone, talked_to = followed_claims(account)[:2]
    forget_issue(emulator, gone.external_id)
    allegro.issue_message(talked_to.external_id, text="Proszę o zdjęcia wady")

    # when the issues are synced twice, refreshing every followed one
    run = sync_issues(account=account, client=allegro, refresh=1000)
    again = sync_issues(account=account, client=allegro, refresh=1000)

    # then the vanished issue's case has one note saying so and is otherwise as it was
    [note] = vanish_notes(gone)
    day = timezone.localdate(note.created_at).isoformat()
    assert note.reason == (
        f"Allegro no longer knows post-purchase issue {gone.external_id} (404 during sync on {day}); "
        "check it in Sales Center before acting."
    )
    assert note.payload == {"vanishedFromAllegro": {"object": "issue", "id": gone.external_id}}
    assert note.actor_label == "allegro-sync"
    after = RefundCase.objects.get(pk=gone.pk)
    assert (after.status, after.external_status, after.snapshot) == (
        gone.status,
        gone.external_status,
        gone.snapshot,
    )
    assert not gone.events.filter(type=EventType.SYNCED).exists()
    # ...and the rest of the stream went on: the other issue's new message arrived, once
    assert run.status == again.status == SyncRunStatus.SUCCEEDED
    assert (run.created, run.updated, run.quarantined, run.errors) == (0, 1, 0, 0)
    assert (again.created, again.updated) == (0, 0)
    assert talked_to.events.get(type=EventType.SYNCED).payload["changes"]["chat"] == {"from": 1, "to": 2}
    others = RefundCase.objects.filter(account=account).exclude(pk=gone.pk)
    assert not CaseEvent.objects.filter(case__in=others, type=EventType.NOTE).exists()


def test_an_issue_vanishing_between_list_and_chat_is_noted_once_and_keeps_its_chat(
    emulator: EmulatorApp, account: SellerAccount, allegro: AllegroClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a followed claim whose buyer writes again, and that Allegro forgets right after listing it
    with_issues(emulator, days=3)
    sync_issues(account=account, client=allegro)
    claim, other = followed_claims(account)[:2]
    allegro.issue_message(claim.external_id, text="Proszę o zdjęcia wady")
    allegro.issue_message(other.external_id, text="Proszę o numer konta")
    real_chat = allegro.issue_chat_raw

    def chat_of_a_forgotten_issue(issue_id: str, **kwargs: Any) -> list[dict[str, Any]]:
        if issue_id == claim.external_id:
            forget_issue(emulator, issue_id)
        return real_chat(issue_id, **kwargs)

    monkeypatch.setattr(allegro, "issue_chat_raw", chat_of_a_forgotten_issue)

    # when the issues are synced twice
    runs = [sync_issues(account=account, client=allegro, refresh=1000) for _ in range(2)]

    # then the claim has one note, keeps the chat it had, and the other issue was updated
    [note] = vanish_notes(claim)
    assert note.payload == {"vanishedFromAllegro": {"object": "issue", "id": claim.external_id}}
    assert RefundCase.objects.get(pk=claim.pk).snapshot == claim.snapshot and claim.snapshot[CHAT_KEY]
    assert not claim.events.filter(type=EventType.SYNCED).exists()
    assert other.events.filter(type=EventType.SYNCED).count() == 1
    assert [(r.status, r.updated) for r in runs] == [
        (SyncRunStatus.SUCCEEDED, 1),
        (SyncRunStatus.SUCCEEDED, 0),
    ]


def test_a_second_worker_is_skipped(
    emulator: EmulatorApp, account: SellerAccount, allegro: AllegroClient
) -> None:
    with_issues(emulator, days=3)
    assert cursor_lease_acquire(account=account, stream=SyncStream.ISSUES, owner="other-worker")

    skipped = sync_issues(account=account, client=allegro)

    assert skipped.status == SyncRunStatus.SKIPPED and not complaint_ids(account)


def test_unrefunded_return_complaint_notes_the_return_case(
    emulator: EmulatorApp, account: SellerAccount, allegro: AllegroClient
) -> None:
    emulator.scenario.seed_returns(3)
    sync_customer_returns(account=account, client=allegro)
    withdrawal = RefundCase.objects.filter(account=account, source=CaseSource.CUSTOMER_RETURN).first()
    assert withdrawal is not None
    order = withdrawal.order.snapshot
    now = emulator.clock.now()
    stamp = now.isoformat().replace("+00:00", "Z")
    issue: dict[str, Any] = {
        "id": "9d0c3f4e-0000-4000-8000-000000000001",
        "type": "DISPUTE",
        "referenceNumber": "D123456",
        "decisionDueDate": None,
        "openedDate": stamp,
        "subject": "Brak zwrotu pieniędzy",
        "buyer": {"id": order["buyer"]["id"], "login": order["buyer"]["login"]},
        "checkoutForm": {"id": order["id"], "createdAt": order["lineItems"][0]["boughtAt"]},
        "currentState": {"status": "DISPUTE_ONGOING", "statusDueDate": stamp, "chatActive": True},
        "chat": None,
        "expectations": [],
        "offer": {"id": order["lineItems"][0]["offer"]["id"], "quantity": 1},
        "reason": {"type": "NO_REFUND_AFTER_RETURNING_PRODUCT", "description": "Odesłałam, brak zwrotu"},
        "attachments": [],
    }
    with emulator.store.tx() as db:
        db.execute(
            "INSERT INTO issues (id, order_id, status, opened_at, body) VALUES (?, ?, ?, ?, ?)",
            (issue["id"], order["id"], "DISPUTE_ONGOING", stamp, dumps(issue)),
        )
    emulator.scenario.add_issue_message(
        issue["id"],
        text="Odesłałam, brak zwrotu",
        role="BUYER",
        login=order["buyer"]["login"],
        at=now,
        rng=emulator.rng,
    )

    sync_issues(account=account, client=allegro)
    sync_issues(account=account, client=allegro, refresh=1000)

    complaint = RefundCase.objects.get(account=account, external_id=issue["id"])
    note = withdrawal.events.get(type=EventType.NOTE)
    assert complaint.order_id == withdrawal.order_id and f"#{complaint.pk}" in note.reason
    assert note.actor_label == "intake"


# --- order events -> cases service ----------------------------------------------------------------------


def test_a_cancellation_is_recorded_on_every_case_of_the_order_once(
    emulator: EmulatorApp, account: SellerAccount, allegro: AllegroClient
) -> None:
    emulator.scenario.seed_returns(4)
    sync_customer_returns(account=account, client=allegro)
    case = RefundCase.objects.filter(account=account).first()
    assert case is not None
    stored = emulator.store.order(case.order_external_id)
    assert stored is not None
    emulator.store.add_event(
        type_="BOUGHT", occurred_at="2029-12-31T00:00:00.000Z", order=stored, seller_id="1"
    )
    assert "bootstrapped" in sync_order_events(account=account, client=allegro).message
    stored["status"] = "CANCELLED"
    emulator.store.save_order(stored)
    emulator.store.add_event(
        type_="BUYER_CANCELLED", occurred_at="2030-01-01T00:00:00.000Z", order=stored, seller_id="1"
    )

    run = sync_order_events(account=account, client=allegro)

    case.order.refresh_from_db()
    assert run.updated == 1 and case.order.status == "CANCELLED"
    event = case.events.get(type=EventType.SYNCED)
    assert event.payload["orderEvent"]["type"] == "BUYER_CANCELLED" and event.actor_label == "allegro-sync"
    assert event.payload["changes"]["order"]["status"]["to"] == "CANCELLED"
    assert not order_mark_cancelled(order=case.order, event_id="again", actor=SYNC_ACTOR)
    assert case.events.filter(type=EventType.SYNCED).count() == 1


# --- Message Center ----------------------------------------------------------------------------------------


def add_thread(emulator: EmulatorApp, *, login: str, order_id: str | None, text: str) -> str:
    now = emulator.clock.now()
    thread_id = f"thread-{login}-{order_id}"
    body = {
        "id": thread_id,
        "read": False,
        "lastMessageDateTime": now.isoformat(),
        "interlocutor": {"login": login},
    }
    with emulator.store.tx() as db:
        db.execute(
            "INSERT INTO threads (id, last_at, body) VALUES (?, ?, ?)",
            (thread_id, now.isoformat().replace("+00:00", "Z"), json.dumps(body)),
        )
    emulator.scenario.add_thread_message(
        thread_id, text=text, login=login, is_interlocutor=True, order_id=order_id, at=now, rng=emulator.rng
    )
    return thread_id


def thread_messages_in_emulator(emulator: EmulatorApp) -> int:
    with emulator.store.tx() as db:
        return int(db.execute("SELECT COUNT(*) FROM messages").fetchone()[0])


def test_threads_sync_idempotently_and_link_messages_to_the_orders_case(
    emulator: EmulatorApp, account: SellerAccount, allegro: AllegroClient
) -> None:
    emulator.scenario.seed_returns(2)
    sync_customer_returns(account=account, client=allegro)
    case = RefundCase.objects.filter(account=account).first()
    assert case is not None
    emulator.scenario.rates = Rates(orders=30, returns=0, issues=0, cancellations=0, messages=3)
    emulator.clock.advance(2 * 24 * 3600)
    emulator.scenario.tick()
    emulator.scenario.rates = QUIET
    thread_id = add_thread(
        emulator,
        login=case.buyer.login,
        order_id=case.order_external_id,
        text="Gdzie <b>zwrot</b>?\n<script>x()</script>",
    )

    first = sync_message_threads(account=account, client=allegro)
    second = sync_message_threads(account=account, client=allegro)
    allegro.post_thread_message(thread_id, text="Zwrot wysłany dziś.")
    third = sync_message_threads(account=account, client=allegro)

    assert first.status == SyncRunStatus.SUCCEEDED and first.created == Thread.objects.count() > 1
    assert second.created == second.updated == 0 and second.pages == 1
    assert third.updated == 1
    assert Message.objects.count() == thread_messages_in_emulator(emulator)
    thread = Thread.objects.get(external_id=thread_id)
    assert thread.order_external_id == case.order_external_id and thread.buyer_login == case.buyer.login
    messages = list(messages_for_case(case))
    assert [m.author_role for m in messages] == [AuthorRole.BUYER, AuthorRole.SELLER]

    html = case_panels.get("messages").render(case, RequestFactory().get("/"))
    assert "&lt;script&gt;x()&lt;/script&gt;" in html and "<script>" not in html
    assert "&lt;b&gt;zwrot&lt;/b&gt;" in html and "Zwrot wysłany dziś." in html


def test_threads_sync_through_faults_stores_every_message_once(
    emulator: EmulatorApp, account: SellerAccount, transport: httpx.WSGITransport
) -> None:
    emulator.scenario.rates = Rates(orders=30, returns=0, issues=0, cancellations=0, messages=3)
    emulator.clock.advance(2 * 24 * 3600)
    emulator.scenario.tick()
    emulator.scenario.rates = QUIET
    emulator.faults.configure(FaultConfig.parse("429=0.1,5xx=0.1,drop=0.05,duplicate=0.2"))
    allegro = make_client(account, transport, attempts=40)

    run = sync_message_threads(account=account, client=allegro)

    emulator.faults.configure(FaultConfig())
    assert run.status == SyncRunStatus.SUCCEEDED, run.message
    assert Message.objects.count() == thread_messages_in_emulator(emulator) > 10


def test_the_fragment_says_so_when_there_are_no_messages(account: SellerAccount) -> None:
    from refund_desk.cases.tests.factories import case_file
    from refund_desk.integrations.allegro.intake import cases_import

    result = cases_import(items=[case_file(seed=2)], account=account).results[0]
    assert result.case_id is not None
    case = RefundCase.objects.get(pk=result.case_id)

    html = case_panels.get("messages").render(case, RequestFactory().get("/"))

    assert "No Message Center messages" in html
    assert Order.objects.count() == 1 and datetime.now(UTC) - case.created_at < timedelta(minutes=5)
