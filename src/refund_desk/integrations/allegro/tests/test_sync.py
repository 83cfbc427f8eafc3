"""Credentials at rest, token refresh under a lock, and exactly-once sync of customer returns into cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from refund_desk.cases.choices import ActorType, CaseSource, EventType
from refund_desk.cases.models import CaseEvent, Order, RefundCase, SellerAccount
from refund_desk.integrations.allegro import tasks
from refund_desk.integrations.allegro.client import AllegroClient
from refund_desk.integrations.allegro.emulator.app import EmulatorApp
from refund_desk.integrations.allegro.emulator.faults import FaultConfig
from refund_desk.integrations.allegro.emulator.scenario import Rates
from refund_desk.integrations.allegro.errors import NeedsReconnect
from refund_desk.integrations.allegro.models import (
    AllegroCredentials,
    CredentialStatus,
    QuarantinedItem,
    SyncCursor,
    SyncRun,
    SyncRunStatus,
    SyncStream,
)
from refund_desk.integrations.allegro.services import (
    DatabaseTokenProvider,
)
from refund_desk.integrations.allegro.sync import (
    commit_returns_page,
    cursor_lease_acquire,
    prepare_returns_page,
    sync_customer_returns,
    sync_open_returns,
    sync_order_events,
)
from refund_desk.integrations.allegro.sync import returns as returns_sync
from refund_desk.integrations.allegro.tests.conftest import dies_on_second_page
from refund_desk.policy.selectors import case_evaluation

from .conftest import EMULATOR_URL, make_client

pytestmark = pytest.mark.django_db


def return_ids(emulator: EmulatorApp) -> list[str]:
    with emulator.store.tx() as db:
        return [row[0] for row in db.execute("SELECT id FROM returns ORDER BY seq")]


def cases_by_return(account: SellerAccount) -> dict[str, int]:
    rows = RefundCase.objects.filter(account=account, source=CaseSource.CUSTOMER_RETURN)
    ids = list(rows.values_list("external_id", flat=True))
    assert len(ids) == len(set(ids)), "a return became two cases"
    return {i: 1 for i in ids}


# --- credentials -------------------------------------------------------------------------------------


def test_tokens_are_encrypted_at_rest(account: SellerAccount) -> None:
    creds = AllegroCredentials.objects.get(account=account)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT access_token_encrypted, refresh_token_encrypted FROM allegro_allegrocredentials WHERE id = %s",
            [creds.pk],
        )
        stored = cursor.fetchone()

    assert creds.access_token and creds.access_token not in stored[0]
    assert creds.refresh_token and creds.refresh_token not in stored[1]
    assert creds.status == CredentialStatus.CONNECTED


def test_expired_token_is_refreshed_once_and_the_new_pair_stored(
    emulator: EmulatorApp, account: SellerAccount, allegro: AllegroClient, admin: httpx.Client
) -> None:
    before = AllegroCredentials.objects.get(account=account)
    old_access, old_refresh = before.access_token, before.refresh_token
    admin.post("/__emulator/tokens/expire")

    me = allegro.me()

    after = AllegroCredentials.objects.get(account=account)
    assert me.login
    assert after.access_token != old_access and after.refresh_token != old_refresh
    assert after.status == CredentialStatus.CONNECTED
    # a second provider holding the stale token does not refresh again (would burn the new refresh token)
    provider = DatabaseTokenProvider(account, oauth=allegro.tokens.oauth)  # type: ignore[attr-defined]
    assert provider.refresh(old_access) == after.access_token
    assert AllegroCredentials.objects.get(account=account).refresh_token == after.refresh_token


def test_dead_refresh_token_marks_the_account_needs_reconnect(
    account: SellerAccount, allegro: AllegroClient, admin: httpx.Client
) -> None:
    creds = AllegroCredentials.objects.get(account=account)
    creds.refresh_token = "revoked"
    creds.save()
    admin.post("/__emulator/tokens/expire")

    with pytest.raises(NeedsReconnect):
        allegro.me()

    creds.refresh_from_db()
    assert creds.status == CredentialStatus.NEEDS_RECONNECT and "refresh" in creds.status_reason
    with pytest.raises(NeedsReconnect):
        allegro.me()  # no further calls until the seller reconnects


# --- customer returns sync ------------------------------------------------------------------------------


def test_full_sync_creates_one_case_per_return_and_is_idempotent(
    emulator: EmulatorApp, account: SellerAccount, allegro: AllegroClient
) -> None:
    emulator.scenario.seed_returns(120)

    first = sync_customer_returns(account=account, client=allegro, limit=50)
    second = sync_customer_returns(account=account, client=allegro, limit=50)

    assert first.status == SyncRunStatus.SUCCEEDED and first.pages == 3
    assert first.created == 120 and first.items_seen == 120
    assert second.created == 0 and second.items_seen == 0
    assert set(cases_by_return(account)) == set(return_ids(emulator))
    cursor = SyncCursor.objects.get(account=account, stream=SyncStream.CUSTOMER_RETURNS)
    assert cursor.position == return_ids(emulator)[-1] and cursor.lease_owner == ""


def test_new_returns_arriving_later_are_picked_up_from_the_cursor(
    emulator: EmulatorApp, account: SellerAccount, allegro: AllegroClient
) -> None:
    emulator.scenario.seed_returns(10)
    sync_customer_returns(account=account, client=allegro)
    emulator.scenario.rates = Rates(orders=30, returns=10, issues=0, cancellations=0, messages=0)
    emulator.clock.advance(2 * 24 * 3600)

    run = sync_customer_returns(account=account, client=allegro, limit=7)

    assert run.created > 0
    assert set(cases_by_return(account)) == set(return_ids(emulator))


def test_a_run_killed_mid_page_loses_and_duplicates_nothing(
    emulator: EmulatorApp, account: SellerAccount, allegro: AllegroClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator.scenario.seed_returns(60)
    real_import = returns_sync.cases_import
    monkeypatch.setattr(returns_sync, "cases_import", dies_on_second_page(real_import))
    with pytest.raises(SystemExit):
        sync_customer_returns(account=account, client=allegro, limit=25)

    assert RefundCase.objects.filter(account=account).count() == 25  # only the committed first page
    cursor = SyncCursor.objects.get(account=account, stream=SyncStream.CUSTOMER_RETURNS)
    assert cursor.position == return_ids(emulator)[24]

    monkeypatch.setattr(returns_sync, "cases_import", real_import)
    restarted = sync_customer_returns(account=account, client=allegro, limit=25)

    assert restarted.status == SyncRunStatus.SUCCEEDED and restarted.created == 35
    assert set(cases_by_return(account)) == set(return_ids(emulator))
    assert CaseEvent.objects.filter(case__account=account, type="CREATED").count() == 60


def test_sync_through_faults_ends_with_every_return_exactly_once(
    emulator: EmulatorApp, account: SellerAccount, transport: httpx.WSGITransport
) -> None:
    emulator.scenario.seed_returns(80)
    emulator.faults.configure(FaultConfig.parse("429=0.1,5xx=0.1,drop=0.05,duplicate=0.2"))
    allegro = make_client(account, transport, attempts=40)

    run = sync_customer_returns(account=account, client=allegro, limit=20)

    emulator.faults.configure(FaultConfig())
    assert run.status == SyncRunStatus.SUCCEEDED, run.message
    assert set(cases_by_return(account)) == set(return_ids(emulator))


def test_a_page_served_twice_only_yields_unchanged(
    emulator: EmulatorApp, account: SellerAccount, allegro: AllegroClient
) -> None:
    emulator.scenario.seed_returns(10)
    fetched = allegro.customer_returns(limit=10)
    page = prepare_returns_page(
        client=allegro, account=account, start="", raw=fetched.raw, reuse_orders=False
    )
    run = SyncRun.objects.create(account=account, stream=SyncStream.CUSTOMER_RETURNS)
    SyncCursor.objects.create(account=account, stream=SyncStream.CUSTOMER_RETURNS)

    assert commit_returns_page(account=account, page=page, run=run, owner="w1")
    # the same page again, as if the first commit's acknowledgement was lost: the cursor moved, so it is refused
    again = prepare_returns_page(
        client=allegro, account=account, start="", raw=fetched.raw, reuse_orders=False
    )
    assert not commit_returns_page(account=account, page=again, run=run, owner="w1")
    assert RefundCase.objects.filter(account=account).count() == 10


def test_two_workers_one_stream(
    emulator: EmulatorApp, account: SellerAccount, allegro: AllegroClient
) -> None:
    emulator.scenario.seed_returns(10)
    assert cursor_lease_acquire(account=account, stream=SyncStream.CUSTOMER_RETURNS, owner="other-worker")

    skipped = sync_customer_returns(account=account, client=allegro)

    assert skipped.status == SyncRunStatus.SKIPPED
    assert RefundCase.objects.filter(account=account).count() == 0
    SyncCursor.objects.filter(account=account).update(lease_until=datetime.now(UTC) - timedelta(seconds=1))
    taken_over = sync_customer_returns(
        account=account, client=allegro
    )  # the other worker died: lease expired
    assert taken_over.created == 10


def test_unusable_items_go_to_quarantine_and_do_not_block_the_stream(
    emulator: EmulatorApp, account: SellerAccount, allegro: AllegroClient
) -> None:
    emulator.scenario.seed_returns(6)
    ids = return_ids(emulator)
    with emulator.store.tx() as db:
        order_id = db.execute("SELECT order_id FROM returns WHERE id = ?", (ids[1],)).fetchone()[0]
        db.execute("DELETE FROM orders WHERE id = ?", (order_id,))
        body = db.execute("SELECT body FROM returns WHERE id = ?", (ids[3],)).fetchone()[0]
        db.execute(
            "UPDATE returns SET body = ? WHERE id = ?", (body.replace('"quantity":', '"quantity":9'), ids[3])
        )

    run = sync_customer_returns(account=account, client=allegro)

    quarantined = {q.external_id: q for q in QuarantinedItem.objects.filter(account=account)}
    assert set(quarantined) == {ids[1], ids[3]}
    assert "not found" in quarantined[ids[1]].reason
    assert (
        "quantity" in quarantined[ids[3]].reason
        and quarantined[ids[3]].payload["customerReturn"]["id"] == ids[3]
    )
    assert run.created == 4 and run.quarantined == 2
    assert SyncCursor.objects.get(account=account, stream=SyncStream.CUSTOMER_RETURNS).position == ids[-1]


def test_open_returns_follow_their_parcel_to_delivered(
    emulator: EmulatorApp, account: SellerAccount, allegro: AllegroClient
) -> None:
    emulator.scenario.rates = Rates(orders=30, returns=6, issues=0, cancellations=0, messages=0)
    emulator.clock.advance(2 * 24 * 3600)
    sync_customer_returns(account=account, client=allegro)
    waiting = RefundCase.objects.filter(account=account, external_status="CREATED").count()
    assert waiting > 0

    emulator.scenario.rates = Rates(orders=0, returns=0, issues=0, cancellations=0, messages=0)
    emulator.clock.advance(10 * 24 * 3600)
    open_before = RefundCase.objects.filter(account=account).count()
    first = sync_open_returns(account=account, client=allegro, batch=7, max_batches=2)
    assert first.items_seen == min(14, open_before)  # a capped slice per run...
    runs = [
        sync_open_returns(account=account, client=allegro, batch=7, max_batches=2) for _ in range(open_before)
    ]
    run = runs[-1]

    assert run.status == SyncRunStatus.SUCCEEDED  # ...and round robin reaches every return
    statuses = set(RefundCase.objects.filter(account=account).values_list("external_status", flat=True))
    assert statuses == {"DELIVERED"}
    assert CaseEvent.objects.filter(case__account=account, type="SYNCED").count() >= waiting


def vanish_notes(case: RefundCase) -> list[CaseEvent]:
    return list(case.events.filter(type=EventType.NOTE, payload__has_key="vanishedFromAllegro"))


def test_a_vanished_open_return_is_noted_once_and_the_others_still_sync(
    emulator: EmulatorApp, account: SellerAccount, allegro: AllegroClient
) -> None:
    # given returns still in motion, one of which Allegro then forgets while the others move on
    emulator.scenario.seed_returns(12)
    sync_customer_returns(account=account, client=allegro)
    followed = RefundCase.objects.filter(account=account).exclude(
        external_status__in=returns_sync.FINAL_RETURN_STATUSES
    )
    gone = followed.order_by("pk").first()
    assert gone is not None and followed.count() >= 3
    others = followed.count() - 1
    with emulator.store.tx() as db:
        db.execute("DELETE FROM returns WHERE id = ?", (gone.external_id,))
    emulator.clock.advance(10 * 24 * 3600)

    # when the open returns are re-read twice
    first = sync_open_returns(account=account, client=allegro, batch=1000)
    second = sync_open_returns(account=account, client=allegro, batch=1000)

    # then the vanished return's case has one note saying so and is otherwise as it was
    [note] = vanish_notes(gone)
    day = timezone.localdate(note.created_at).isoformat()
    assert note.reason == (
        f"Allegro no longer knows customer return {gone.external_id} (404 during sync on {day}); "
        "check it in Sales Center before acting."
    )
    assert note.payload == {"vanishedFromAllegro": {"object": "customerReturn", "id": gone.external_id}}
    assert note.actor_type == ActorType.SYSTEM and note.actor_label == "allegro-sync"
    after = RefundCase.objects.get(pk=gone.pk)
    assert (after.status, after.external_status, after.snapshot) == (
        gone.status,
        gone.external_status,
        gone.snapshot,
    )
    assert not gone.events.filter(type=EventType.SYNCED).exists()
    # ...and every other return of the same batch was synced, with counts that leave the vanished one out
    assert first.status == second.status == SyncRunStatus.SUCCEEDED
    assert first.items_seen == first.updated + first.unchanged == others and first.updated > 0
    assert second.items_seen == second.unchanged == others and second.updated == 0
    moved = RefundCase.objects.filter(account=account).exclude(pk=gone.pk)
    assert set(moved.values_list("external_status", flat=True)) == {"DELIVERED"}
    assert not CaseEvent.objects.filter(case__in=moved, type=EventType.NOTE).exists()


def test_a_vanished_order_of_a_known_return_is_noted_once_on_its_case(
    emulator: EmulatorApp, account: SellerAccount, allegro: AllegroClient
) -> None:
    # given synced returns, one of whose checkout forms Allegro then forgets
    emulator.scenario.seed_returns(4)
    sync_customer_returns(account=account, client=allegro)
    case = RefundCase.objects.filter(account=account).order_by("pk").first()
    assert case is not None
    with emulator.store.tx() as db:
        db.execute("DELETE FROM orders WHERE id = ?", (case.order_external_id,))

    # when the stream reads the same returns again, twice
    runs = []
    for _ in range(2):
        SyncCursor.objects.filter(account=account, stream=SyncStream.CUSTOMER_RETURNS).update(
            position="", watermark=None
        )
        runs.append(sync_customer_returns(account=account, client=allegro))

    # then the case gets one note about its order; the others are unchanged
    [note] = vanish_notes(case)
    assert note.payload["vanishedFromAllegro"] == {"object": "checkoutForm", "id": case.order_external_id}
    assert f"Allegro no longer knows order {case.order_external_id} (404 during sync on" in note.reason
    assert [(r.status, r.unchanged, r.quarantined) for r in runs] == [(SyncRunStatus.SUCCEEDED, 3, 1)] * 2
    assert RefundCase.objects.get(pk=case.pk).snapshot == case.snapshot


def test_order_events_bootstrap_then_record_cancellations(
    emulator: EmulatorApp, account: SellerAccount, allegro: AllegroClient
) -> None:
    emulator.scenario.rates = Rates(orders=30, returns=10, issues=0, cancellations=0, messages=0)
    emulator.clock.advance(3 * 24 * 3600)
    sync_customer_returns(account=account, client=allegro)
    boot = sync_order_events(account=account, client=allegro)
    assert "bootstrapped" in boot.message

    order = Order.objects.filter(account=account).first()
    assert order is not None
    stored = emulator.store.order(order.external_id)
    assert stored is not None
    stored["status"] = "CANCELLED"
    emulator.store.save_order(stored)
    emulator.store.add_event(
        type_="BUYER_CANCELLED", occurred_at="2030-01-01T00:00:00.000Z", order=stored, seller_id="1"
    )

    run = sync_order_events(account=account, client=allegro)

    order.refresh_from_db()
    assert run.items_seen == 1 and run.updated == 1
    assert order.status == "CANCELLED"


def test_a_paid_orders_cancellation_opens_a_cancellation_case_the_engine_refunds_in_full(
    emulator: EmulatorApp, account: SellerAccount, allegro: AllegroClient
) -> None:
    emulator.scenario.rates = Rates(orders=30, returns=0, issues=0, cancellations=0, messages=0)
    emulator.clock.advance(3 * 24 * 3600)
    emulator.scenario.tick()
    assert "bootstrapped" in sync_order_events(account=account, client=allegro).message
    emulator.scenario.rates = Rates(orders=0, returns=0, issues=0, cancellations=6, messages=0)
    emulator.clock.advance(2 * 24 * 3600)
    emulator.scenario.tick()

    run = sync_order_events(account=account, client=allegro)
    again = sync_order_events(account=account, client=allegro)

    cases = list(RefundCase.objects.filter(account=account, kind="CANCELLATION").order_by("pk"))
    assert cases and run.created == len(cases) and again.created == 0 and run.errors == 0
    for case in cases:
        assert case.source == "ORDER_EVENT" and case.status == "NEW" and case.refund_by is not None
        assert case.snapshot["type"] in ("BUYER_CANCELLED", "AUTO_CANCELLED")
        evaluation = case_evaluation(case)
        assert evaluation is not None and evaluation.decision == "REFUND", case.snapshot
        paid = sum(li.unit_price * li.quantity for li in case.order.line_items.all())
        delivery = case.order.delivery_cost if not case.order.delivery_smart else 0
        assert evaluation.total.amount == paid + delivery == case.requested_amount
        assert {line.type for line in evaluation.lines} == {"QUANTITY"}


# --- CLI and tasks ----------------------------------------------------------------------------------------


def test_cli_account_add_accounts_and_sync(
    emulator: EmulatorApp, transport: httpx.WSGITransport, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    from refund_desk.integrations.allegro.management.commands import allegro as command

    emulator.scenario.seed_returns(15)
    monkeypatch.setattr(command, "client_for_account", lambda account: make_client(account, transport))
    token = emulator.oauth.issue()

    call_command(
        "allegro",
        "account",
        "add",
        "shop",
        "--environment",
        "emulator",
        "--api-url",
        EMULATOR_URL,
        f"--access-token={token['access_token']}",
        f"--refresh-token={token['refresh_token']}",
    )
    call_command("allegro", "sync", "--once", "--account", "shop", "--limit", "10")
    call_command("allegro", "accounts")
    out = capsys.readouterr().out

    shop = SellerAccount.objects.get(name="shop")
    assert shop.allegro_login == "refund-desk-demo"
    assert "page 2, 15 returns seen, 15 created" in out
    assert "shop" in out and "connected" in out
    assert RefundCase.objects.filter(account=shop).count() == 15


def test_task_syncs_every_connected_account(
    emulator: EmulatorApp,
    account: SellerAccount,
    transport: httpx.WSGITransport,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    emulator.scenario.seed_returns(5)
    monkeypatch.setattr(tasks, "client_for_account", lambda acc: make_client(acc, transport))

    tasks.sync_account(account.pk)

    assert RefundCase.objects.filter(account=account).count() == 5
    assert list(tasks.accounts_syncable()) == [account]


def test_cli_connect_runs_the_device_flow_against_a_live_emulator(emulator: EmulatorApp, capsys: Any) -> None:
    import threading

    from waitress.server import create_server

    server = create_server(emulator, host="127.0.0.1", port=0, threads=2)
    url = f"http://127.0.0.1:{server.effective_port}"  # type: ignore[union-attr]
    threading.Thread(target=server.run, daemon=True).start()
    stop = threading.Event()

    def seller_confirms() -> None:  # what the seller does in the browser: open the verification page
        while not stop.is_set():
            with emulator.store.tx() as db:
                row = db.execute("SELECT user_code, polls FROM device_codes").fetchone()
            if row and row["polls"] >= 1:
                httpx.get(f"{url}/skojarz-aplikacje", params={"code": row["user_code"]})
                return
            stop.wait(0.01)

    confirmer = threading.Thread(target=seller_confirms)
    confirmer.start()
    try:
        call_command("allegro", "connect", "--environment", "emulator", "--api-url", url)  # named after /me
    finally:
        stop.set()
        confirmer.join()
        server.close()

    out = capsys.readouterr().out
    assert f"{url}/skojarz-aplikacje?code=" in out
    live = SellerAccount.objects.get(name="refund-desk-demo")
    creds = AllegroCredentials.objects.get(account=live)
    assert creds.status == CredentialStatus.CONNECTED and creds.refresh_token
    assert live.allegro_login == "refund-desk-demo"
