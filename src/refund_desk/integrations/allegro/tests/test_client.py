"""The Allegro client: headers, retries, refresh, errors, flow control."""

from __future__ import annotations

import json
import logging
import random
from typing import Any

import httpx
import pytest

from refund_desk import PROJECT_URL, __version__
from refund_desk.integrations.allegro import errors
from refund_desk.integrations.allegro.client import AllegroClient, RetryPolicy, retry_after_seconds
from refund_desk.integrations.allegro.emulator.app import EmulatorApp
from refund_desk.integrations.allegro.emulator.faults import FaultConfig
from refund_desk.integrations.allegro.emulator.ledger import ledger_report
from refund_desk.integrations.allegro.oauth import StaticTokenProvider
from refund_desk.integrations.allegro.ratelimit import (
    BreakerRegistry,
    CircuitBreaker,
    Limit,
    RateLimiter,
    TokenBucket,
)

from .conftest import BETA, PUBLIC, fast_client


class Recorder:
    """A MockTransport handler answering from a script and remembering every request."""

    def __init__(self, *responses: httpx.Response | Exception):
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        nxt = self.responses.pop(0) if len(self.responses) > 1 else self.responses[0]
        if isinstance(nxt, Exception):
            raise nxt
        return nxt


class FakeTokens:
    def __init__(self) -> None:
        self.token = "old"
        self.refreshes = 0
        self.reconnect: str | None = None

    def access_token(self) -> str:
        return self.token

    def refresh(self, stale_token: str) -> str:
        self.refreshes += 1
        self.token = f"new{self.refreshes}"
        return self.token

    def mark_needs_reconnect(self, reason: str) -> None:
        self.reconnect = reason


def ok(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=data, headers=headers)


def make(recorder: Recorder, tokens: Any = None, **kwargs: Any) -> tuple[AllegroClient, list[float]]:
    slept: list[float] = []
    client = AllegroClient(
        base_url="https://api.allegro.test",
        tokens=tokens or StaticTokenProvider("t"),
        account="acc",
        transport=httpx.MockTransport(recorder),
        limiter=RateLimiter(limits={}),
        breakers=kwargs.pop("breakers", BreakerRegistry(lambda: CircuitBreaker(threshold=1000))),
        retry=kwargs.pop("retry", RetryPolicy(attempts=4, base_delay=0.1)),
        sleep=slept.append,
        rng=random.Random(1),
        **kwargs,
    )
    return client, slept


def test_headers_media_types_and_user_agent() -> None:
    recorder = Recorder(ok({"customerReturns": [], "count": 0}))
    client, _ = make(recorder, language="pl-PL")
    client.customer_returns(limit=10)
    recorder.responses = [ok({"id": "x", "status": "READY_FOR_PROCESSING"})]
    client.checkout_form_raw("x")

    returns_req, form_req = recorder.requests
    assert returns_req.headers["Accept"] == BETA
    assert form_req.headers["Accept"] == PUBLIC
    assert returns_req.headers["User-Agent"] == f"RefundDesk/{__version__} (+{PROJECT_URL})"
    assert returns_req.headers["Accept-Language"] == "pl-PL"
    assert returns_req.headers["Authorization"] == "Bearer t"


def test_retries_429_and_5xx_with_backoff_honouring_retry_after() -> None:
    recorder = Recorder(
        ok({"errors": []}, 429, {"Retry-After": "7"}),
        ok({"errors": []}, 503),
        ok({"carriers": [{"id": "DPD", "name": "DPD"}]}),
    )
    client, slept = make(recorder)

    carriers = client.carriers()

    assert [c.id for c in carriers.carriers] == ["DPD"]
    assert len(recorder.requests) == 3
    assert slept[0] >= 7  # Retry-After wins over a shorter backoff
    assert 0 <= slept[1] <= 0.4  # full jitter within base * 2**attempt


def test_gives_up_after_the_attempts_with_a_typed_error() -> None:
    recorder = Recorder(ok({"errors": [{"code": "X", "message": "down"}]}, 500, {"trace-id": "abc"}))
    client, slept = make(recorder)

    with pytest.raises(errors.ServerError) as info:
        client.carriers()

    assert len(recorder.requests) == 4 and len(slept) == 3
    assert info.value.trace_id == "abc" and "trace-id abc" in str(info.value)


def test_timeouts_are_retried_for_reads_but_not_for_non_money_posts() -> None:
    recorder = Recorder(httpx.ReadTimeout("slow"), ok({"carriers": []}))
    client, _ = make(recorder)
    client.carriers()
    assert len(recorder.requests) == 2

    recorder = Recorder(httpx.ReadTimeout("slow"), ok({}))
    client, _ = make(recorder)
    with pytest.raises(errors.TransportFailure):
        client.issue_message("i1", text="hello")
    assert len(recorder.requests) == 1  # the message may have been posted: no blind retry


def test_money_posts_are_retried_only_with_the_same_command_id() -> None:
    refund = {
        "id": "r1",
        "status": "NEW",
        "createdAt": "2026-01-01T00:00:00Z",
        "payment": {"id": "p"},
        "totalValue": {"amount": "10.00", "currency": "PLN"},
    }
    recorder = Recorder(httpx.ReadTimeout("slow"), ok({}, 502), ok(refund))
    client, _ = make(recorder)

    result = client.initiate_refund(
        command_id="cmd-1",
        payment_id="p",
        order_id="o",
        reason="REFUND",
        line_items=[{"id": "l", "type": "QUANTITY", "quantity": 1}],
    )

    bodies = [json.loads(r.content) for r in recorder.requests]
    assert result.id == "r1"
    assert len(bodies) == 3 and all(b == bodies[0] for b in bodies)
    assert bodies[0]["commandId"] == "cmd-1"
    with pytest.raises(ValueError, match="commandId"):
        client.call("initiateRefund", json={"payment": {"id": "p"}})


def test_refund_through_faults_executes_exactly_once(emulator: EmulatorApp, token: dict[str, Any]) -> None:
    emulator.scenario.seed_returns(5)
    transport = httpx.WSGITransport(app=emulator)
    client = fast_client(transport, StaticTokenProvider(token["access_token"]), attempts=30)
    ret = client.customer_returns(limit=1).returns[0]
    order = client.checkout_form(ret.orderId)
    payment = order.payment
    assert payment is not None and payment.id
    emulator.faults.configure(FaultConfig.parse("drop=0.3,duplicate=0.2,5xx=0.2,429=0.2"))

    refund = client.initiate_refund(
        command_id="decision-42",
        payment_id=payment.id,
        order_id=order.id,
        reason="REFUND",
        line_items=[{"id": order.lineItems[0].id, "type": "QUANTITY", "quantity": 1}],
    )

    emulator.faults.configure(FaultConfig())
    listed = client.refunds(order_id=order.id)
    assert listed.totalCount == 1 and listed.refunds[0].id == refund.id
    assert ledger_report(emulator.store).problems == []


def test_401_refreshes_once_then_succeeds() -> None:
    tokens = FakeTokens()
    recorder = Recorder(ok({"error": "invalid_token"}, 401), ok({"id": "1", "login": "seller"}))
    client, _ = make(recorder, tokens)

    me = client.me()

    assert me.login == "seller" and tokens.refreshes == 1
    assert [r.headers["Authorization"] for r in recorder.requests] == ["Bearer old", "Bearer new1"]


def test_401_after_refresh_marks_the_account_for_reconnect() -> None:
    tokens = FakeTokens()
    recorder = Recorder(ok({"error": "invalid_token"}, 401))
    client, _ = make(recorder, tokens)

    with pytest.raises(errors.NeedsReconnect):
        client.me()

    assert tokens.refreshes == 1 and tokens.reconnect


def test_403_names_the_missing_scope(emulator: EmulatorApp, transport: httpx.WSGITransport) -> None:
    token = emulator.oauth.issue(scopes="allegro:api:orders:read")["access_token"]
    client = fast_client(transport, StaticTokenProvider(token))

    with pytest.raises(errors.AccessDenied) as info:
        client.refunds()

    assert info.value.missing_scope == "allegro:api:payments:read"
    assert "allegro:api:payments:read" in str(info.value)


def test_client_errors_map_to_types(client: AllegroClient) -> None:
    with pytest.raises(errors.NotFound):
        client.checkout_form_raw("missing")
    with pytest.raises(errors.BusinessRuleViolation) as info:
        client.reject_customer_return("missing", code="ITEM_FIXED")
    assert info.value.codes == ["NO_RESCISSION"]


def test_circuit_opens_after_consecutive_failures_and_recovers() -> None:
    now = [0.0]
    breaker = CircuitBreaker(threshold=3, cooldown=10, clock=lambda: now[0])
    recorder = Recorder(ok({}, 500))
    client, _ = make(recorder, breakers=BreakerRegistry(lambda: breaker), retry=RetryPolicy(attempts=3))

    with pytest.raises(errors.ServerError):
        client.carriers()
    with pytest.raises(errors.CircuitOpen):
        client.carriers()
    assert len(recorder.requests) == 3 and breaker.state == "open"

    now[0] = 11
    recorder.responses = [ok({"carriers": []})]
    client.carriers()
    assert breaker.state == "closed"


def test_token_bucket_paces_requests() -> None:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    bucket = TokenBucket(rate=25, capacity=25, clock=lambda: now[0], sleep=sleep)
    for _ in range(125):
        bucket.acquire()

    assert now[0] == pytest.approx(4.0)  # 25 immediately, then 100 at 25/s


def test_customer_returns_share_the_25_per_second_bucket() -> None:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    limiter = RateLimiter(
        limits={"overall": Limit(150, 150), "customer-returns": Limit(25, 25)},
        clock=lambda: now[0],
        sleep=sleep,
    )
    recorder = Recorder(ok({"customerReturns": [], "count": 0}))
    client = AllegroClient(
        base_url="https://api.allegro.test",
        tokens=StaticTokenProvider("t"),
        account="a",
        transport=httpx.MockTransport(recorder),
        limiter=limiter,
        sleep=sleep,
    )
    for _ in range(75):
        client.customer_returns()

    assert now[0] == pytest.approx(2.0)


def test_unknown_enum_values_are_kept_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    event = {"id": "1", "type": "BRAND_NEW_TYPE", "occurredAt": "2026-01-01T00:00:00Z", "order": {}}
    recorder = Recorder(ok({"events": [event]}))
    client, _ = make(recorder)

    with caplog.at_level(logging.WARNING):
        page = client.order_events()

    assert page.events[0].type == "BRAND_NEW_TYPE"
    assert "BRAND_NEW_TYPE" in caplog.text


def test_retry_after_parses_seconds_and_dates() -> None:
    assert retry_after_seconds("3") == 3
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0
    assert retry_after_seconds("garbage") is None
    assert retry_after_seconds(None) is None


def test_every_operation_against_the_emulator(emulator: EmulatorApp, client: AllegroClient) -> None:
    emulator.scenario.seed_returns(5)
    from refund_desk.integrations.allegro.emulator.scenario import Rates

    emulator.scenario.rates = Rates(orders=20, returns=0, issues=6, cancellations=2, messages=4)
    emulator.clock.advance(3 * 24 * 3600)

    page = client.customer_returns(limit=2)
    ret = page.returns[0]
    assert client.customer_return(ret.id).id == ret.id
    order = client.checkout_form(ret.orderId)
    assert client.order_event_stats().latestEvent is not None
    events = client.order_events(types=["BOUGHT"], limit=5)
    assert {e.type for e in events.events} == {"BOUGHT"}
    assert client.carriers().carriers
    assert client.me().login
    claim_id = client.create_refund_claim(line_item_id=order.lineItems[0].id, quantity=1)
    assert client.refund_claim(claim_id).status == "IN_PROGRESS"
    assert client.refund_claims().count == 1
    client.cancel_refund_claim(claim_id)
    issues = client.issues(limit=50)
    claim = next(i for i in issues.issues if i.type == "CLAIM")
    client.issue_message(claim.id, text="Proszę o zdjęcia")
    client.issue_decide(claim.id, status="ACCEPTED_REFUND", message="Zwracamy pieniądze")
    assert len(client.issue_chat(claim.id).chat) == 3
    assert client.issue(claim.id).status == "CLAIM_ACCEPTED"
    thread = client.threads().threads[0]
    client.post_thread_message(thread.id, text="Dzień dobry")
    assert client.thread_messages(thread.id).messages[0].text == "Dzień dobry"
    rejected = client.reject_customer_return(ret.id, code="NO_RETURN_RIGHT")
    assert rejected.status == "REJECTED"


def test_all_accounts_share_the_client_id_budget() -> None:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    limiter = RateLimiter(
        limits={"client": Limit(10, 10), "overall": Limit(10, 10)}, clock=lambda: now[0], sleep=sleep
    )
    for _ in range(10):
        limiter.acquire("seller-a")
        limiter.acquire("seller-b")

    assert now[0] == pytest.approx(1.0)  # 20 calls through one 10/s client budget, 10 of them at once


def test_amounts_sent_as_json_numbers_stay_exact_and_bad_ones_name_the_problem() -> None:
    from decimal import Decimal

    from pydantic import ValidationError

    from refund_desk.integrations.allegro.interface import PostPurchaseIssueRefund, Price
    from refund_desk.integrations.allegro.responses import RefundClaim

    claim = RefundClaim.model_validate(
        {"id": "c-1", "status": "SOMETHING_NEW", "commission": {"amount": 0.1, "currency": "PLN"}}
    )
    assert claim.commission is not None and claim.commission.amount == Decimal("0.1")
    assert claim.status == "SOMETHING_NEW"
    assert Price.model_validate({"amount": 12.3, "currency": "CZK"}).amount == Decimal("12.3")
    assert PostPurchaseIssueRefund.model_validate({"amount": "0", "currency": "HUF"}).money().amount == 0

    with pytest.raises(ValidationError, match="amount must not be negative"):
        PostPurchaseIssueRefund.model_validate({"amount": "-1.00", "currency": "PLN"})
    with pytest.raises(ValidationError, match="finite number"):
        Price.model_validate({"amount": "NaN", "currency": "PLN"})
    with pytest.raises(ValidationError, match="unknown currency 'USD'"):
        Price.model_validate({"amount": "1.00", "currency": "USD"})
