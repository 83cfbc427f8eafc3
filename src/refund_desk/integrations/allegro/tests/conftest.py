from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from refund_desk.cases.models import SellerAccount
from refund_desk.integrations.allegro.client import AllegroClient, RetryPolicy
from refund_desk.integrations.allegro.emulator import build_app
from refund_desk.integrations.allegro.emulator.app import EmulatorApp
from refund_desk.integrations.allegro.oauth import StaticTokenProvider, TokenPair
from refund_desk.integrations.allegro.ratelimit import BreakerRegistry, CircuitBreaker, RateLimiter
from refund_desk.integrations.allegro.services import account_connect, client_for_account

EMULATOR_URL = "http://emulator.test"
BETA = "application/vnd.allegro.beta.v1+json"
PUBLIC = "application/vnd.allegro.public.v1+json"


@pytest.fixture
def emulator() -> Iterator[EmulatorApp]:
    """A fresh emulator with frozen time (speed 0): time moves only via /__emulator/clock."""
    app = build_app(":memory:", seed=7, speed=0, device_interval=0, message_posts_per_second=0)
    yield app
    app.store.close()


@pytest.fixture
def transport(emulator: EmulatorApp) -> httpx.WSGITransport:
    return httpx.WSGITransport(app=emulator)


@pytest.fixture
def admin(transport: httpx.WSGITransport) -> Iterator[httpx.Client]:
    with httpx.Client(transport=transport, base_url=EMULATOR_URL) as client:
        yield client


@pytest.fixture
def token(emulator: EmulatorApp) -> dict[str, Any]:
    return emulator.oauth.issue()


@pytest.fixture
def raw(admin: httpx.Client, token: dict[str, Any]) -> httpx.Client:
    """Plain HTTP against the emulator with a valid token (no client logic)."""
    admin.headers["Authorization"] = f"Bearer {token['access_token']}"
    return admin


def fast_client(
    transport: httpx.BaseTransport, tokens: Any, *, account: str = "test", attempts: int = 5
) -> AllegroClient:
    """A client that never sleeps and has private limiter/breaker state."""
    return AllegroClient(
        base_url=EMULATOR_URL,
        tokens=tokens,
        account=account,
        transport=transport,
        limiter=RateLimiter(limits={}),
        breakers=BreakerRegistry(lambda: CircuitBreaker(threshold=1000)),
        retry=RetryPolicy(attempts=attempts, base_delay=0.01),
        sleep=lambda _s: None,
        rng=random.Random(0),
    )


@pytest.fixture
def client(transport: httpx.WSGITransport, token: dict[str, Any]) -> Iterator[AllegroClient]:
    with fast_client(transport, StaticTokenProvider(token["access_token"])) as c:
        yield c


def pair_from(data: dict[str, Any]) -> TokenPair:
    return TokenPair.from_response(data)


@pytest.fixture
def account(emulator: EmulatorApp) -> SellerAccount:
    """A seller account connected to the emulator, its tokens in the database."""
    return account_connect(
        name="demo", environment="emulator", api_url=EMULATOR_URL, tokens=pair_from(emulator.oauth.issue())
    )


def make_client(account: SellerAccount, transport: httpx.BaseTransport, attempts: int = 8) -> AllegroClient:
    """The account's production client over `transport`, never sleeping between its retries."""
    return client_for_account(
        account,
        transport=transport,
        limiter=RateLimiter(limits={}),
        breakers=BreakerRegistry(lambda: CircuitBreaker(threshold=10_000)),
        retry=RetryPolicy(attempts=attempts, base_delay=0.001),
        sleep=lambda _s: None,
        rng=random.Random(3),
    )


@pytest.fixture
def allegro(account: SellerAccount, transport: httpx.WSGITransport) -> AllegroClient:
    return make_client(account, transport)


def dies_on_second_page(real_import: Callable[..., Any]) -> Callable[..., Any]:
    """An intake import that writes half of the second page and then the worker is killed."""
    calls = {"n": 0}

    def import_then_die(*, items: list[Any], account: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            real_import(items=items[: len(items) // 2], account=account)
            raise SystemExit("worker killed")
        return real_import(items=items, account=account)

    return import_then_die
