"""The emulator behaves like Allegro where Refund Desk depends on it."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from refund_desk.integrations.allegro.emulator import build_app
from refund_desk.integrations.allegro.emulator.app import EmulatorApp
from refund_desk.integrations.allegro.emulator.buyer_view import buyer_view
from refund_desk.integrations.allegro.emulator.faults import FaultConfig
from refund_desk.integrations.allegro.emulator.ledger import ledger_report
from refund_desk.integrations.allegro.emulator.scenario import Rates

from .conftest import BETA, EMULATOR_URL, PUBLIC


def _first_order(raw: httpx.Client) -> dict[str, Any]:
    """The first returned order that Allegro refunds through the API (the seeded marketplace starts
    from today's date, so the very first one is sometimes cash on delivery)."""
    returns = raw.get("/order/customer-returns", params={"limit": 50}, headers={"Accept": BETA}).json()
    for ret in returns["customerReturns"]:
        order = raw.get(f"/order/checkout-forms/{ret['orderId']}", headers={"Accept": PUBLIC}).json()
        if order["payment"]["type"] not in ("CASH_ON_DELIVERY", "WIRE_TRANSFER"):
            return dict(order)
    raise AssertionError("no order paid online among the seeded returns")


def _refund_body(order: dict[str, Any], command_id: str, quantity: int = 1) -> dict[str, Any]:
    return {
        "payment": {"id": order["payment"]["id"]},
        "order": {"id": order["id"]},
        "commandId": command_id,
        "reason": "REFUND",
        "lineItems": [{"id": order["lineItems"][0]["id"], "type": "QUANTITY", "quantity": quantity}],
    }


def _post(raw: httpx.Client, path: str, body: Any, media: str = PUBLIC) -> httpx.Response:
    return raw.post(path, content=json.dumps(body), headers={"Accept": media, "Content-Type": media})


@pytest.fixture
def seeded(emulator: EmulatorApp) -> EmulatorApp:
    emulator.scenario.seed_returns(30)
    return emulator


def test_customer_returns_need_the_beta_media_type(seeded: EmulatorApp, raw: httpx.Client) -> None:
    ok = raw.get("/order/customer-returns", headers={"Accept": BETA})
    wrong = raw.get("/order/customer-returns", headers={"Accept": PUBLIC})

    assert ok.status_code == 200 and ok.headers["content-type"] == BETA
    assert ok.json()["count"] == 30
    assert wrong.status_code == 406
    assert wrong.json()["errors"][0]["code"] == "NotAcceptable"
    assert ok.headers["trace-id"]


def test_error_user_message_follows_accept_language(raw: httpx.Client) -> None:
    pl = raw.get("/order/checkout-forms/nope", headers={"Accept": PUBLIC, "Accept-Language": "pl-PL"})
    en = raw.get("/order/checkout-forms/nope", headers={"Accept": PUBLIC, "Accept-Language": "en-US"})

    assert pl.status_code == en.status_code == 404
    assert pl.json()["errors"][0]["userMessage"] != en.json()["errors"][0]["userMessage"]
    assert set(en.json()["errors"][0]) >= {"code", "message", "details", "path", "userMessage"}


def test_missing_unknown_and_expired_tokens_get_auth_errors(seeded: EmulatorApp, admin: httpx.Client) -> None:
    missing = admin.get("/order/customer-returns", headers={"Accept": BETA})
    unknown = admin.get("/order/customer-returns", headers={"Accept": BETA, "Authorization": "Bearer nope"})
    token = seeded.oauth.issue()["access_token"]
    admin.post("/__emulator/tokens/expire")
    expired = admin.get(
        "/order/customer-returns", headers={"Accept": BETA, "Authorization": f"Bearer {token}"}
    )

    assert missing.status_code == unknown.status_code == expired.status_code == 401
    assert missing.json()["error"] == "unauthorized"
    assert expired.json() == {"error": "invalid_token", "error_description": "Access token expired"}


def test_missing_scope_is_403_naming_it(seeded: EmulatorApp, admin: httpx.Client) -> None:
    token = seeded.oauth.issue(scopes="allegro:api:orders:read")["access_token"]
    response = admin.get("/payments/refunds", headers={"Accept": PUBLIC, "Authorization": f"Bearer {token}"})

    assert response.status_code == 403
    assert response.json()["errors"][0]["details"] == "Required scope: allegro:api:payments:read"


def test_from_cursor_and_offset_paginate_without_gaps(seeded: EmulatorApp, raw: httpx.Client) -> None:
    everything = raw.get("/order/customer-returns", params={"limit": 1000}, headers={"Accept": BETA}).json()
    ids = [r["id"] for r in everything["customerReturns"]]
    by_cursor: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 7, **({"from": cursor} if cursor else {})}
        page = raw.get("/order/customer-returns", params=params, headers={"Accept": BETA}).json()[
            "customerReturns"
        ]
        if not page:
            break
        by_cursor += [r["id"] for r in page]
        cursor = page[-1]["id"]
    by_offset = [
        r["id"]
        for offset in range(0, 30, 10)
        for r in raw.get(
            "/order/customer-returns", params={"limit": 10, "offset": offset}, headers={"Accept": BETA}
        ).json()["customerReturns"]
    ]

    assert by_cursor == ids == by_offset
    created = [r["createdAt"] for r in everything["customerReturns"]]
    assert created == sorted(created)
    middle = created[15]
    since = raw.get(
        "/order/customer-returns", params={"createdAt.gte": middle, "limit": 100}, headers={"Accept": BETA}
    )
    assert all(r["createdAt"] >= middle for r in since.json()["customerReturns"])
    assert (
        raw.get("/order/customer-returns", params={"limit": 1001}, headers={"Accept": BETA}).status_code
        == 400
    )


def test_rejection_requires_reason_and_happens_once(seeded: EmulatorApp, raw: httpx.Client) -> None:
    ret = raw.get("/order/customer-returns", params={"limit": 1}, headers={"Accept": BETA}).json()[
        "customerReturns"
    ][0]
    path = f"/order/customer-returns/{ret['id']}/rejection"

    no_reason = _post(raw, path, {"rejection": {"code": "REFUND_REJECTED"}}, BETA)
    first = _post(raw, path, {"rejection": {"code": "REFUND_REJECTED", "reason": "Towar używany"}}, BETA)
    again = _post(raw, path, {"rejection": {"code": "NO_RETURN_RIGHT"}}, BETA)
    unknown = _post(
        raw, "/order/customer-returns/nope/rejection", {"rejection": {"code": "ITEM_FIXED"}}, BETA
    )

    assert no_reason.status_code == 422
    assert first.status_code == 200
    assert first.json()["status"] == "REJECTED" and first.json()["rejection"]["code"] == "REFUND_REJECTED"
    assert again.status_code == 422
    assert unknown.json()["errors"][0]["code"] == "NO_RESCISSION"


def test_same_command_id_gives_the_same_refund_never_two(seeded: EmulatorApp, raw: httpx.Client) -> None:
    order = _first_order(raw)
    first = _post(raw, "/payments/refunds", _refund_body(order, "cmd-1"))
    second = _post(raw, "/payments/refunds", _refund_body(order, "cmd-1"))
    listed = raw.get("/payments/refunds", params={"order.id": order["id"]}, headers={"Accept": PUBLIC}).json()

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert listed["totalCount"] == 1
    assert ledger_report(seeded.store).duplicate_commands == {}


def test_refund_without_command_id_or_beyond_what_was_paid_is_refused(
    seeded: EmulatorApp, raw: httpx.Client
) -> None:
    order = _first_order(raw)
    line = order["lineItems"][0]
    no_command = _post(raw, "/payments/refunds", {**_refund_body(order, "x"), "commandId": None})
    too_many = _post(raw, "/payments/refunds", _refund_body(order, "cmd-a", quantity=line["quantity"] + 1))
    all_of_it = _post(raw, "/payments/refunds", _refund_body(order, "cmd-b", quantity=line["quantity"]))
    once_more = _post(raw, "/payments/refunds", _refund_body(order, "cmd-c", quantity=1))

    assert no_command.status_code == 422
    assert too_many.status_code == 422
    assert all_of_it.status_code == 200
    assert once_more.status_code == 422
    assert ledger_report(seeded.store).problems == []


def test_refunds_settle_to_success_or_canceled_on_low_balance(
    seeded: EmulatorApp, raw: httpx.Client, admin: httpx.Client
) -> None:
    order = _first_order(raw)
    refund = _post(raw, "/payments/refunds", _refund_body(order, "cmd-ok")).json()
    admin.post("/__emulator/clock", json={"advance": 3600})
    done = raw.get("/payments/refunds", params={"id": refund["id"]}, headers={"Accept": PUBLIC}).json()
    assert done["refunds"][0]["status"] == "SUCCESS"

    currency = order["summary"]["totalToPay"]["currency"]
    seeded.scenario.rates = Rates(orders=0, returns=0, issues=0, cancellations=0, messages=0)  # no new income
    admin.post("/__emulator/balance", json={"currency": currency, "amount": "0"})
    line = order["lineItems"][-1]
    body = _refund_body(order, "cmd-poor")
    body["lineItems"] = [
        {"id": line["id"], "type": "AMOUNT", "value": {"amount": "1.00", "currency": currency}}
    ]
    poor = _post(raw, "/payments/refunds", body).json()
    admin.post("/__emulator/clock", json={"advance": 3600})
    canceled = raw.get("/payments/refunds", params={"id": poor["id"]}, headers={"Accept": PUBLIC}).json()

    assert canceled["refunds"][0]["status"] == "CANCELED"


def test_drop_fault_commits_then_fails_and_a_retry_with_the_same_command_is_safe(
    seeded: EmulatorApp, raw: httpx.Client
) -> None:
    order = _first_order(raw)
    seeded.faults.configure(FaultConfig.parse("drop=1"))
    dropped = _post(raw, "/payments/refunds", _refund_body(order, "cmd-drop"))
    seeded.faults.configure(FaultConfig.parse("duplicate=1"))
    duplicated = _post(raw, "/payments/refunds", _refund_body(order, "cmd-drop"))
    seeded.faults.configure(FaultConfig())
    listed = raw.get("/payments/refunds", params={"order.id": order["id"]}, headers={"Accept": PUBLIC}).json()

    assert dropped.status_code == 502 and dropped.content == b""
    assert duplicated.status_code == 200
    assert listed["totalCount"] == 1
    assert ledger_report(seeded.store).problems == []


def test_duplicate_fault_repeats_an_item_of_a_list(seeded: EmulatorApp, raw: httpx.Client) -> None:
    seeded.faults.configure(FaultConfig.parse("duplicate=1"))
    page = raw.get("/order/customer-returns", params={"limit": 5}, headers={"Accept": BETA}).json()
    ids = [r["id"] for r in page["customerReturns"]]

    assert len(ids) == 6 and ids[-1] == ids[0]


def test_faults_can_be_changed_while_running(
    seeded: EmulatorApp, raw: httpx.Client, admin: httpx.Client
) -> None:
    set_ = admin.post("/__emulator/faults", json={"faults": "429=1"})
    limited = raw.get("/order/customer-returns", headers={"Accept": BETA})
    admin.post("/__emulator/faults", json={"faults": {"5xx": 1}})
    broken = raw.get("/order/customer-returns", headers={"Accept": BETA})
    admin.post("/__emulator/faults", json={"faults": ""})
    fine = raw.get("/order/customer-returns", headers={"Accept": BETA})
    bad = admin.post("/__emulator/faults", json={"faults": "teapot=1"})

    assert set_.json()["faults"] == {"429": 1.0}
    assert limited.status_code == 429 and limited.json()["errors"][0]["code"] == "TooManyRequests"
    assert broken.status_code in (500, 502, 503)
    assert fine.status_code == 200
    assert bad.status_code == 400


def test_fault_spec_is_validated() -> None:
    assert (
        FaultConfig.parse("429=0.1,5xx=0.05,timeout=0.02,drop=0.02,duplicate=0.05").rates["timeout"] == 0.02
    )
    with pytest.raises(ValueError):
        FaultConfig.parse("429=0.9,5xx=0.2")
    with pytest.raises(ValueError):
        FaultConfig.parse("429=abc")


def test_parcels_move_created_dispatched_in_transit_delivered_with_tracking(
    emulator: EmulatorApp, raw: httpx.Client, admin: httpx.Client
) -> None:
    emulator.scenario.rates = Rates(orders=20, returns=8, issues=0, cancellations=0, messages=0)
    admin.post("/__emulator/clock", json={"advance": 6 * 24 * 3600})  # orders first, then returns of them
    by_status = {
        status: raw.get(
            "/order/customer-returns", params={"status": status, "limit": 1000}, headers={"Accept": BETA}
        ).json()["customerReturns"]
        for status in ("CREATED", "DISPATCHED", "IN_TRANSIT", "DELIVERED")
    }
    assert all(by_status.values()), {k: len(v) for k, v in by_status.items()}
    assert all(r["status"] == status for status, rs in by_status.items() for r in rs)
    assert not by_status["CREATED"][0]["parcels"] and by_status["DISPATCHED"][0]["parcels"]
    returns = {"customerReturns": by_status["DELIVERED"]}

    delivered = next(r for r in returns["customerReturns"] if r["status"] == "DELIVERED")
    parcel = delivered["parcels"][0]
    tracking = raw.get(
        f"/order/carriers/{parcel['carrierId']}/tracking",
        params={"waybill": parcel["waybill"]},
        headers={"Accept": PUBLIC},
    ).json()
    codes = [s["code"] for s in tracking["waybills"][0]["trackingDetails"]["statuses"]]
    assert codes == ["PENDING", "IN_TRANSIT", "DELIVERED"]
    assert raw.get("/order/carriers/INPOST/tracking", headers={"Accept": PUBLIC}).status_code == 400


def test_marketplace_life_has_events_issues_and_messages(
    emulator: EmulatorApp, raw: httpx.Client, admin: httpx.Client
) -> None:
    emulator.scenario.rates = Rates(orders=20, returns=2, issues=4, cancellations=3, messages=3)
    admin.post("/__emulator/clock", json={"advance": 3 * 24 * 3600})

    events = raw.get("/order/events", params={"limit": 1000}, headers={"Accept": PUBLIC}).json()["events"]
    types = {e["type"] for e in events}
    assert {"BOUGHT", "READY_FOR_PROCESSING", "BUYER_CANCELLED"} <= types
    stats = raw.get("/order/event-stats", headers={"Accept": PUBLIC}).json()
    assert stats["latestEvent"]["id"] == events[-1]["id"] or len(events) == 1000
    after = raw.get("/order/events", params={"from": events[-2]["id"]}, headers={"Accept": PUBLIC}).json()[
        "events"
    ]
    assert [e["id"] for e in after][:1] == [events[-1]["id"]]

    issues = raw.get("/sale/issues", params={"limit": 100}, headers={"Accept": BETA}).json()["issues"]
    claim = next(i for i in issues if i["type"] == "CLAIM")
    dispute = next(i for i in issues if i["type"] == "DISPUTE")
    assert claim["chat"]["messagesCount"] == 1
    sent = _post(
        raw, f"/sale/issues/{claim['id']}/message", {"text": "Proszę odesłać towar", "type": "REGULAR"}, BETA
    )
    assert sent.status_code == 201 and sent.json()["author"]["role"] == "SELLER"
    decided = _post(
        raw, f"/sale/issues/{claim['id']}/status", {"status": "ACCEPTED_REFUND", "message": "OK"}, BETA
    )
    assert decided.status_code == 200
    back = _post(
        raw, f"/sale/issues/{claim['id']}/status", {"status": "REJECTED_OTHER", "message": "no"}, BETA
    )
    assert back.status_code == 400  # the spec documents 400, not 422, for this operation
    not_a_claim = _post(
        raw, f"/sale/issues/{dispute['id']}/status", {"status": "ACCEPTED_REFUND", "message": "x"}, BETA
    )
    assert not_a_claim.status_code == 400
    chat = raw.get(f"/sale/issues/{claim['id']}/chat", headers={"Accept": BETA}).json()["chat"]
    assert [m["author"]["role"] for m in chat] == ["BUYER", "SELLER", "SELLER"]

    threads = raw.get("/messaging/threads", headers={"Accept": PUBLIC}).json()
    assert threads["threads"] and threads["limit"] == 20
    thread_id = threads["threads"][0]["id"]
    reply = _post(raw, f"/messaging/threads/{thread_id}/messages", {"text": "Zwrot wysłany"})
    assert reply.status_code == 201
    messages = raw.get(f"/messaging/threads/{thread_id}/messages", headers={"Accept": PUBLIC}).json()[
        "messages"
    ]
    assert messages[0]["text"] == "Zwrot wysłany"


def test_refund_claims_lifecycle(seeded: EmulatorApp, raw: httpx.Client, admin: httpx.Client) -> None:
    order = _first_order(raw)
    line = order["lineItems"][0]
    created = _post(raw, "/order/refund-claims", {"lineItem": {"id": line["id"]}, "quantity": 1})
    twice = _post(raw, "/order/refund-claims", {"lineItem": {"id": line["id"]}, "quantity": 1})
    assert created.status_code == 201
    assert twice.json()["errors"][0]["code"] == "ClaimExistsException"

    claim_id = created.json()["id"]
    _post(raw, "/payments/refunds", _refund_body(order, "cmd-claim"))
    admin.post("/__emulator/clock", json={"advance": 2 * 3600})
    granted = raw.get(f"/order/refund-claims/{claim_id}", headers={"Accept": PUBLIC}).json()
    assert granted["status"] == "GRANTED"
    assert raw.delete(f"/order/refund-claims/{claim_id}", headers={"Accept": PUBLIC}).status_code == 422

    if len(order["lineItems"]) > 1:
        other = _post(
            raw, "/order/refund-claims", {"lineItem": {"id": order["lineItems"][1]["id"]}, "quantity": 1}
        )
        assert (
            raw.delete(f"/order/refund-claims/{other.json()['id']}", headers={"Accept": PUBLIC}).status_code
            == 204
        )
    listed = raw.get("/order/refund-claims", headers={"Accept": PUBLIC}).json()
    assert listed["count"] >= 1


def test_authorization_code_and_single_use_refresh(emulator: EmulatorApp, admin: httpx.Client) -> None:
    redirect = admin.get(
        "/auth/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": "app",
            "redirect_uri": "http://localhost/cb",
            "state": "s1",
        },
    )
    assert redirect.status_code == 302
    location = httpx.URL(redirect.headers["location"])
    assert location.params["state"] == "s1"
    code = location.params["code"]
    auth = ("app", "secret")
    pair = admin.post(
        "/auth/oauth/token",
        params={"grant_type": "authorization_code", "code": code, "redirect_uri": "http://localhost/cb"},
        auth=auth,
    ).json()
    reused = admin.post(
        "/auth/oauth/token", params={"grant_type": "authorization_code", "code": code}, auth=auth
    )
    assert reused.status_code == 400

    new = admin.post(
        "/auth/oauth/token",
        params={"grant_type": "refresh_token", "refresh_token": pair["refresh_token"]},
        auth=auth,
    ).json()
    grace = admin.post(
        "/auth/oauth/token",
        params={"grant_type": "refresh_token", "refresh_token": pair["refresh_token"]},
        auth=auth,
    ).json()
    assert new["refresh_token"] != pair["refresh_token"] and new["access_token"] != pair["access_token"]
    assert grace["access_token"] == new["access_token"]  # retry within the grace period
    me = admin.get("/me", headers={"Accept": PUBLIC, "Authorization": f"Bearer {new['access_token']}"})
    assert me.status_code == 200 and me.json()["login"]
    no_client = admin.post("/auth/oauth/token", params={"grant_type": "refresh_token", "refresh_token": "x"})
    assert no_client.status_code == 401


def test_device_flow_pending_then_approved(emulator: EmulatorApp, admin: httpx.Client) -> None:
    device = admin.post("/auth/oauth/device", data={"client_id": "app"}, auth=("app", "s")).json()
    poll = {
        "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
        "device_code": device["device_code"],
    }
    pending = admin.post("/auth/oauth/token", params=poll)
    page = admin.get(device["verification_uri_complete"].replace("http://emulator.test", ""))
    approved = admin.post("/auth/oauth/token", params=poll)

    assert pending.status_code == 400 and pending.json()["error"] == "authorization_pending"
    assert page.status_code == 200
    assert approved.status_code == 200 and approved.json()["refresh_token"]


def test_state_survives_a_restart(tmp_path: Any) -> None:
    db = tmp_path / "emu.sqlite3"
    first = build_app(db, seed=3, speed=0)
    first.scenario.seed_returns(12)
    token = first.oauth.issue()["access_token"]
    first.clock.advance(600)
    first.clock.save()
    saved_now = first.store.get_meta("clock:now")
    first.store.close()

    second = build_app(db, seed=3, speed=0)
    with httpx.Client(transport=httpx.WSGITransport(app=second), base_url=EMULATOR_URL) as http:
        page = http.get(
            "/order/customer-returns", headers={"Accept": BETA, "Authorization": f"Bearer {token}"}
        )
        clock = http.get("/__emulator/clock").json()
    assert page.json()["count"] >= 12  # the seeded returns, plus what happened in the 10 emulated minutes
    assert clock["now"] == saved_now


def test_same_seed_same_marketplace() -> None:
    def life(seed: int) -> list[str]:
        start = datetime(2026, 3, 1, tzinfo=UTC)
        app = build_app(":memory:", seed=seed, speed=0, rates=Rates(orders=30, returns=10), start=start)
        app.clock.advance(2 * 24 * 3600)
        app.scenario.tick()
        with app.store.tx() as db:
            return [row[0] for row in db.execute("SELECT id FROM returns ORDER BY seq")]

    assert life(5) == life(5)
    assert life(5) != life(6)


def test_ledger_check_command_flags_a_command_executed_twice(tmp_path: Any, capsys: Any) -> None:
    from django.core.management import call_command

    db = tmp_path / "ledger.sqlite3"
    app = build_app(db, seed=1, speed=0)
    app.scenario.seed_returns(3)
    with app.store.tx() as conn:
        order_id = conn.execute("SELECT id FROM orders LIMIT 1").fetchone()[0]
        for _ in range(2):
            conn.execute(
                "INSERT INTO refund_executions (command_id, refund_id, order_id, executed_at) VALUES ('c', 'r', ?, 'x')",
                (order_id,),
            )
    app.store.close()

    with pytest.raises(SystemExit) as exit_info:
        call_command("emulator", "ledger", "--check", "--db", str(db))
    assert exit_info.value.code == 1
    assert "commandId c executed 2 times" in capsys.readouterr().err


def test_device_flow_asks_to_slow_down_when_polled_faster_than_the_interval() -> None:
    app = build_app(":memory:", speed=0, device_interval=5)
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url=EMULATOR_URL) as http:
        device = http.post("/auth/oauth/device", data={"client_id": "app"}).json()
        poll = {
            "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
            "device_code": device["device_code"],
        }
        first = http.post("/auth/oauth/token", params=poll)
        second = http.post("/auth/oauth/token", params=poll)

    assert device["interval"] == 5 and device["expires_in"] == 3600
    assert first.json()["error"] == "authorization_pending"
    assert second.json()["error"] == "slow_down"


def test_wait_for_device_polls_until_the_seller_confirms(emulator: EmulatorApp) -> None:
    from refund_desk.integrations.allegro.oauth import OAuthClient

    oauth = OAuthClient(base_url=EMULATOR_URL, client_id="app", transport=httpx.WSGITransport(app=emulator))
    device = oauth.start_device_flow()
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 3:
            emulator.oauth.approve_device(device.user_code)

    pair = oauth.wait_for_device(device, sleep=sleep)

    assert pair.access_token and pair.refresh_token
    assert slept == [device.interval] * 3


def test_wait_for_device_backs_off_on_slow_down() -> None:
    from refund_desk.integrations.allegro.oauth import DeviceAuthorization, OAuthClient

    answers = [
        httpx.Response(400, json={"error": "slow_down"}),
        httpx.Response(400, json={"error": "authorization_pending"}),
        httpx.Response(200, json={"access_token": "a", "refresh_token": "r", "expires_in": 43199}),
    ]
    oauth = OAuthClient(
        base_url=EMULATOR_URL, client_id="app", transport=httpx.MockTransport(lambda _r: answers.pop(0))
    )
    device = DeviceAuthorization("d", "U", "http://x", "http://x?code=U", expires_in=3600, interval=5)
    slept: list[float] = []

    pair = oauth.wait_for_device(device, sleep=slept.append)

    assert pair.access_token == "a"
    assert slept == [5, 10, 10]


def test_message_posts_are_limited_to_one_per_second_and_need_the_order() -> None:
    app = build_app(":memory:", seed=2, speed=0, rates=Rates(orders=6, returns=0, issues=0, messages=0))
    app.clock.advance(3 * 24 * 3600)
    app.scenario.tick()
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url=EMULATOR_URL) as http:
        token = app.oauth.issue()["access_token"]
        headers = {"Accept": PUBLIC, "Content-Type": PUBLIC, "Authorization": f"Bearer {token}"}
        with app.store.tx() as db:
            row = db.execute("SELECT body FROM orders ORDER BY rowid LIMIT 1").fetchone()
        order = json.loads(row["body"])
        login = order["buyer"]["login"]
        body = {"recipient": {"login": login}, "text": "Dzień dobry", "order": {"id": order["id"]}}
        missing = http.post("/messaging/messages", headers=headers, json={**body, "order": None})
        assert missing.status_code == 422 and "order.id" in missing.text
        stranger = http.post(
            "/messaging/messages", headers=headers, json={**body, "recipient": {"login": "x"}}
        )
        assert stranger.status_code == 422
        first = http.post("/messaging/messages", headers=headers, json=body)
        assert first.status_code == 201
        too_soon = http.post("/messaging/messages", headers=headers, json={**body, "text": "Drugi"})
        assert too_soon.status_code == 429
        time.sleep(1.05)
        second = http.post("/messaging/messages", headers=headers, json={**body, "text": "Drugi"})
        assert second.status_code == 201
        assert second.json()["thread"]["id"] == first.json()["thread"]["id"]  # one thread per buyer
    seen = buyer_view(app.store, login)
    assert [m["text"] for m in seen["sellerMessages"]][-2:] == ["Dzień dobry", "Drugi"]


def test_a_restarted_emulator_makes_ids_it_has_not_made_before(tmp_path: Path) -> None:
    db = tmp_path / "emulator.sqlite3"
    ids: list[str] = []
    for _ in range(2):  # the same file, the same seed: a restart
        app = build_app(db, seed=4, speed=0, message_posts_per_second=0)
        ids.append(app.scenario.thread_for_login(f"buyer-{len(ids)}", at=app.clock.now(), rng=app.rng))
        app.store.close()
    assert ids[0] != ids[1]
