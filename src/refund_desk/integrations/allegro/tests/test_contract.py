"""Contract tests: the client's requests and the emulator's responses against Allegro's OpenAPI spec.

The spec is read from ALLEGRO_OPENAPI_SPEC (default: ../shared/allegro/openapi.yaml from the project
root); it is never copied into the repository. Without it these tests skip.
"""

from __future__ import annotations

import json
import os
import random
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import yaml
from django.conf import settings

from refund_desk.integrations.allegro import errors
from refund_desk.integrations.allegro.client import OPERATIONS, AllegroClient, RetryPolicy
from refund_desk.integrations.allegro.emulator import build_app
from refund_desk.integrations.allegro.emulator.app import EmulatorApp
from refund_desk.integrations.allegro.emulator.scenario import Rates
from refund_desk.integrations.allegro.oauth import StaticTokenProvider
from refund_desk.integrations.allegro.ratelimit import BreakerRegistry, CircuitBreaker, RateLimiter

from .conftest import BETA, EMULATOR_URL, PUBLIC

openapi_core = pytest.importorskip("openapi_core")
from jsonschema_path import SchemaPath  # noqa: E402
from openapi_core import Config, OpenAPI  # noqa: E402
from openapi_core.datatypes import RequestParameters  # noqa: E402
from werkzeug.datastructures import Headers, ImmutableMultiDict  # noqa: E402

SPEC_SERVER = "https://api.allegro.pl"
# openapi-core does not validate OAuth 2 security schemes and says so on every request.
pytestmark = pytest.mark.filterwarnings("ignore:Unsupported scheme type")
ALLOWLIST_USED: set[tuple[str, int, str]] = set()

# Exchanges that may fail validation, each with its reason. Keys: (operationId, status, side).
# Kept short on purpose; `test_every_allowlist_entry_is_still_needed` removes stale entries.
ALLOWLIST: dict[tuple[str, int, str], str] = {
    # Not a spec quirk: a deliberately invalid request (limit=5000) that checks the emulator's 400.
    ("getCustomerReturns", 400, "request"): "deliberately out-of-range limit",
}


def spec_path() -> Path:
    configured = os.environ.get("ALLEGRO_OPENAPI_SPEC")
    if configured:
        return Path(configured)
    return Path(settings.PROJECT_ROOT) / ".." / "shared" / "allegro" / "openapi.yaml"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    path = spec_path()
    if not path.is_file():
        pytest.skip(
            f"Allegro OpenAPI spec not found at {path}; set ALLEGRO_OPENAPI_SPEC to run contract tests"
        )
    with path.open() as handle:
        loaded = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - safe loader
    return dict(loaded)


@pytest.fixture(scope="module")
def openapi(document: dict[str, Any]) -> OpenAPI:
    # Allegro's vendor media types are JSON; openapi-core only knows application/json by itself.
    deserializers: dict[str, Callable[[bytes], Any]] = {BETA: json.loads, PUBLIC: json.loads}
    config = Config(spec_validator_cls=None, extra_media_type_deserializers=deserializers)
    return OpenAPI(SchemaPath.from_dict(document), config=config)


@dataclass
class Exchange:
    operation: str
    request: httpx.Request
    response: httpx.Response


class RecordingTransport(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport):
        self.inner = inner
        self.exchanges: list[tuple[httpx.Request, httpx.Response]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        response = self.inner.handle_request(request)
        response.read()
        self.exchanges.append((request, response))
        return response


class SpecRequest:
    """httpx.Request as openapi-core sees a request (validated as if sent to api.allegro.pl)."""

    def __init__(self, request: httpx.Request):
        self._request = request
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qs(request.url.query.decode(), keep_blank_values=True)),
            header=Headers(dict(request.headers)),
            cookie=ImmutableMultiDict(),
        )

    host_url = SPEC_SERVER

    @property
    def path(self) -> str:
        return self._request.url.path

    @property
    def method(self) -> str:
        return self._request.method.lower()

    @property
    def body(self) -> bytes | None:
        return self._request.content or None

    @property
    def content_type(self) -> str:
        return self._request.headers.get("content-type", "")


class SpecResponse:
    def __init__(self, response: httpx.Response):
        self.status_code = response.status_code
        self.content_type = response.headers.get("content-type", "")
        self.headers = Headers(dict(response.headers))
        self.data = response.content


def _operation_of(request: httpx.Request) -> str:
    path = request.url.path
    for op in OPERATIONS.values():
        pattern = op.path.replace("{id}", "[^/]+")
        if op.method == request.method and re.fullmatch(pattern, path):
            return op.name
    return f"{request.method} {path}"


def _exercise(emulator: EmulatorApp, recorder: RecordingTransport) -> None:
    """Drive every operation the client knows, successes and typical errors."""
    token = emulator.oauth.issue()["access_token"]

    def client(tok: str = token) -> AllegroClient:
        return AllegroClient(
            base_url=EMULATOR_URL,
            tokens=StaticTokenProvider(tok),
            account="contract",
            transport=recorder,
            limiter=RateLimiter(limits={}),
            breakers=BreakerRegistry(lambda: CircuitBreaker(threshold=10_000)),
            retry=RetryPolicy(attempts=1),
            sleep=lambda _s: None,
            rng=random.Random(0),
            language="pl-PL",
        )

    c = client()
    ret = c.customer_returns(limit=3).returns[0]
    c.customer_returns(limit=2, from_id=ret.id, status="CREATED")
    c.customer_return(ret.id)
    for sample in c.customer_returns(limit=80, offset=3).returns:  # many orders: COD, companies, CZ/SK/HU
        c.checkout_form_raw(sample.orderId)
    c.checkout_form(ret.orderId)
    # Refunds and commission claims below need an order Allegro refunds through the API (not COD).
    order = next(
        form
        for form in (c.checkout_form(r.orderId) for r in c.customer_returns(limit=50).returns)
        if form.payment and form.payment.type not in ("CASH_ON_DELIVERY", "WIRE_TRANSFER")
    )
    c.order_events(limit=5, types=["BOUGHT", "BUYER_CANCELLED"])
    stats = c.order_event_stats()
    assert stats.latestEvent is not None
    c.order_events(from_id=stats.latestEvent.id)
    carriers = c.carriers()
    delivered = c.customer_returns(status="DELIVERED", limit=1).returns
    if delivered and delivered[0].parcels:
        parcel = delivered[0].parcels[0]
        c.tracking(parcel.carrierId or "DPD", [parcel.waybill or ""])
    assert carriers.carriers
    refund = c.initiate_refund(
        command_id="contract-1",
        payment_id=order.payment.id if order.payment and order.payment.id else "",
        order_id=order.id,
        reason="REFUND",
        line_items=[{"id": order.lineItems[0].id, "type": "QUANTITY", "quantity": 1}],
        seller_comment="Zwrot za zwrócony towar",
    )
    c.refunds(order_id=order.id, statuses=["SUCCESS", "IN_PROGRESS"])
    c.refunds(payment_id=refund.payment.id)
    c.refunds(occurred_from=datetime.now(UTC) - timedelta(days=1), occurred_to=datetime.now(UTC), limit=100)
    claim_id = c.create_refund_claim(line_item_id=order.lineItems[0].id, quantity=1)
    c.refund_claim(claim_id)
    c.refund_claims()
    c.cancel_refund_claim(claim_id)
    issues = c.issues(limit=20)
    claim = next(i for i in issues.issues if i.type == "CLAIM")
    dispute = next(i for i in issues.issues if i.type == "DISPUTE")
    c.issues(checkout_form_id=claim.checkoutForm.id, statuses=["CLAIM_SUBMITTED"])
    c.issue(claim.id)
    c.issue_chat(claim.id)
    c.issue_message(claim.id, text="Proszę o zdjęcie wady")
    c.issue_decide(claim.id, status="ACCEPTED_REFUND", message="Uznajemy reklamację")
    threads = c.threads()
    c.thread_messages(threads.threads[0].id)
    c.post_thread_message(threads.threads[0].id, text="Dzień dobry, zwrot został zlecony.")
    c.new_message(login=ret.buyer.login, order_id=ret.orderId, text="Dzień dobry, decyzja w sprawie zwrotu.")
    c.me()
    c.reject_customer_return(ret.id, code="REFUND_REJECTED", reason="Towar nosi ślady użytkowania")
    c.issue_message(dispute.id, text="Proponuję zamknięcie dyskusji", type_="END_REQUEST")

    # errors
    expected_errors: list[tuple[type[Exception], Any]] = [
        (errors.NotFound, lambda: c.checkout_form_raw("00000000-0000-4000-8000-000000000000")),
        (errors.NotFound, lambda: c.customer_return("missing")),
        (errors.NotFound, lambda: c.refund_claim("missing")),
        (errors.NotFound, lambda: c.issue("00000000-0000-4000-8000-000000000001")),
        (errors.BadRequest, lambda: c.tracking("NOPE", ["1"])),
        (errors.BusinessRuleViolation, lambda: c.reject_customer_return(ret.id, code="ITEM_FIXED")),
        (
            errors.BusinessRuleViolation,
            lambda: c.create_refund_claim(line_item_id=order.lineItems[0].id, quantity=1),
        ),
        (errors.BusinessRuleViolation, lambda: c.cancel_refund_claim(claim_id)),
        (
            errors.BadRequest,
            lambda: c.issue_decide(dispute.id, status="ACCEPTED_REFUND", message="x"),
        ),
        (
            errors.BusinessRuleViolation,
            lambda: c.initiate_refund(
                command_id="contract-2",
                payment_id=order.payment.id if order.payment and order.payment.id else "",
                order_id=order.id,
                reason="REFUND",
                line_items=[{"id": order.lineItems[0].id, "type": "QUANTITY", "quantity": 999}],
            ),
        ),
        (errors.BadRequest, lambda: c.customer_returns(limit=5000)),
        (errors.NeedsReconnect, lambda: client("expired-or-unknown").customer_returns()),
        (errors.NeedsReconnect, lambda: client("expired-or-unknown").refunds()),
        (errors.NeedsReconnect, lambda: client("expired-or-unknown").me()),
    ]
    narrow = emulator.oauth.issue(scopes="allegro:api:orders:read")["access_token"]
    expected_errors += [
        (errors.AccessDenied, lambda: client(narrow).me()),
        (errors.AccessDenied, lambda: client(narrow).customer_returns() and client(narrow).refunds()),
        (errors.AccessDenied, lambda: client(narrow).reject_customer_return(ret.id, code="ITEM_FIXED")),
    ]
    for kind, call in expected_errors:
        with pytest.raises(kind):
            call()
    # a wrong Accept header (the client never sends one; the emulator must still answer like Allegro)
    with httpx.Client(transport=recorder, base_url=EMULATOR_URL) as http:
        http.get("/order/customer-returns", headers={"Accept": PUBLIC, "Authorization": f"Bearer {token}"})
        http.get("/order/checkout-forms/x", headers={"Accept": BETA, "Authorization": f"Bearer {token}"})


@pytest.fixture(scope="module")
def exchanges(openapi: OpenAPI) -> Iterator[dict[str, list[Exchange]]]:
    emulator = build_app(
        ":memory:",
        seed=11,
        speed=0,
        rates=Rates(orders=20, returns=6, issues=6, cancellations=2, messages=4),
        message_posts_per_second=0,  # its own test below; the exercise posts back to back
    )
    emulator.clock.advance(9 * 24 * 3600)
    emulator.scenario.tick()
    recorder = RecordingTransport(httpx.WSGITransport(app=emulator))
    _exercise(emulator, recorder)
    grouped: dict[str, list[Exchange]] = defaultdict(list)
    for request, response in recorder.exchanges:
        name = _operation_of(request)
        grouped[name].append(Exchange(name, request, response))
    yield grouped
    emulator.store.close()


def _problems(openapi: OpenAPI, exchange: Exchange) -> list[str]:
    found = []
    request, response = SpecRequest(exchange.request), SpecResponse(exchange.response)
    status = exchange.response.status_code
    for side, check in (
        ("request", lambda: openapi.validate_request(request)),
        ("response", lambda: openapi.validate_response(request, response)),
    ):
        if side == "request" and status == 406:
            continue  # deliberately wrong Accept header, sent to check the emulator's 406
        try:
            check()
        except Exception as exc:  # openapi-core raises a family of validation errors
            if (exchange.operation, status, side) in ALLOWLIST:
                ALLOWLIST_USED.add((exchange.operation, status, side))
                continue
            cause = exc.__cause__ or exc
            details = "; ".join(
                f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                for e in getattr(cause, "schema_errors", []) or []
            )
            found.append(
                f"{exchange.request.method} {exchange.request.url.path} -> {status}: {side}: "
                f"{type(cause).__name__} {details or str(cause)[:300]}"
            )
    return found


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_operation_conforms_to_the_spec(
    openapi: OpenAPI, exchanges: dict[str, list[Exchange]], operation: str
) -> None:
    recorded = exchanges.get(operation, [])
    assert recorded, f"{operation} was not exercised"
    problems = [p for exchange in recorded for p in _problems(openapi, exchange)]
    assert not problems, "\n".join(problems)


def test_error_statuses_were_exercised(exchanges: dict[str, list[Exchange]]) -> None:
    statuses = {e.response.status_code for group in exchanges.values() for e in group}
    assert {200, 201, 204, 400, 401, 403, 404, 406, 422} <= statuses


def test_client_media_types_match_the_spec(document: dict[str, Any]) -> None:
    for op in OPERATIONS.values():
        prefix, _, suffix = op.path.partition("{id}")
        candidates = [
            p
            for p in document["paths"]
            if p == op.path
            or (
                suffix is not None
                and "{id}" in op.path
                and re.fullmatch(re.escape(prefix) + r"\{[^}]+\}" + re.escape(suffix), p)
            )
        ]
        assert candidates, f"{op.name}: {op.path} is not in the spec"
        operation = document["paths"][candidates[0]][op.method.lower()]
        assert operation["operationId"] == op.name
        media = {
            m
            for code, resp in operation["responses"].items()
            if str(code).startswith("2")
            for m in (resp.get("content") or {})
        }
        assert not media or op.media in media, f"{op.name}: spec says {media}, client sends {op.media}"


def test_every_allowlist_entry_is_still_needed(exchanges: dict[str, list[Exchange]]) -> None:
    """Runs last: an entry no exchange needed any more must be deleted, not kept "just in case"."""
    assert set(ALLOWLIST) == ALLOWLIST_USED
