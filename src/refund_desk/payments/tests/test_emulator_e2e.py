"""End to end through the Allegro emulator (not the fake): synced cases are approved, refunded through the
outbox with the real AllegroGateway and AllegroClient under every fault switch, reconciled to SUCCESS, and
the emulator's ledger shows no double payment and nothing over-refunded."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from django.contrib.auth.models import AbstractUser
from django.utils import timezone

from refund_desk.cases.actors import Actor
from refund_desk.cases.models import RefundCase, SellerAccount
from refund_desk.cases.services import case_transition
from refund_desk.integrations.allegro import gateway as allegro_gateway
from refund_desk.integrations.allegro.client import AllegroClient, RetryPolicy
from refund_desk.integrations.allegro.emulator import build_app
from refund_desk.integrations.allegro.emulator.app import EmulatorApp
from refund_desk.integrations.allegro.emulator.ledger import ledger_report
from refund_desk.integrations.allegro.emulator.scenario import Rates
from refund_desk.integrations.allegro.gateway import AllegroGateway
from refund_desk.integrations.allegro.oauth import TokenPair
from refund_desk.integrations.allegro.ratelimit import BreakerRegistry, CircuitBreaker, RateLimiter
from refund_desk.integrations.allegro.services import account_connect, client_for_account
from refund_desk.integrations.allegro.sync import sync_customer_returns
from refund_desk.payments import services
from refund_desk.payments.choices import AlertKind, OutboxStatus, RefundMethod, RefundStatus
from refund_desk.payments.models import Alert, OutboxMessage, RefundOrder
from refund_desk.payments.services.refunds import ENGINE_PAYS
from refund_desk.payments.tests.fakes import gateway_override
from refund_desk.policy.selectors import case_evaluation

pytestmark = pytest.mark.django_db

EMULATOR_URL = "http://emulator.test"
ALL_FAULTS = "5xx=0.12,429=0.12,drop=0.1,duplicate=0.1,timeout=0.06"
SYSTEM = Actor.system("e2e")


@pytest.fixture
def emulator() -> Iterator[EmulatorApp]:
    # No marketplace life: new orders would top up the seller balance the CANCELED test empties.
    quiet = Rates(orders=0, returns=0, issues=0, cancellations=0, messages=0)
    app = build_app(":memory:", seed=11, speed=0, device_interval=0, rates=quiet, message_posts_per_second=0)
    yield app
    app.store.close()


@pytest.fixture
def admin(emulator: EmulatorApp) -> Iterator[httpx.Client]:
    with httpx.Client(transport=httpx.WSGITransport(app=emulator), base_url=EMULATOR_URL) as client:
        yield client


@pytest.fixture
def account(emulator: EmulatorApp) -> SellerAccount:
    return account_connect(
        name="e2e-shop",
        environment="emulator",
        api_url=EMULATOR_URL,
        tokens=TokenPair.from_response(emulator.oauth.issue()),
    )


def emulator_client(
    account: SellerAccount, emulator: EmulatorApp, *, attempts: int = 2, rng: random.Random | None = None
) -> AllegroClient:
    """The production client over the in-process emulator, without sleeping between its retries."""
    return client_for_account(
        account,
        transport=httpx.WSGITransport(app=emulator),
        limiter=RateLimiter(limits={}),
        breakers=BreakerRegistry(lambda: CircuitBreaker(threshold=10_000)),
        retry=RetryPolicy(attempts=attempts, base_delay=0.001),
        sleep=lambda _s: None,
        rng=rng or random.Random(5),
    )


@pytest.fixture
def gateway(account: SellerAccount, emulator: EmulatorApp) -> Iterator[AllegroGateway]:
    rng = random.Random(9)
    real = AllegroGateway(client_factory=lambda acc: emulator_client(acc, emulator, rng=rng))
    with gateway_override(real):
        yield real


def approved_cases(
    account: SellerAccount, emulator: EmulatorApp, admin: httpx.Client, n: int
) -> list[RefundCase]:
    """Returns seeded in the emulator, synced into cases by the real sync, approved."""
    admin.post("/__emulator/seed", json={"returns": n}).raise_for_status()
    run = sync_customer_returns(account=account, client=emulator_client(account, emulator, attempts=8))
    assert run.errors == 0, run.message
    approved = []
    for case in RefundCase.objects.filter(account=account).order_by("pk"):
        if case.order.payment_type in ("CASH_ON_DELIVERY", "WIRE_TRANSFER"):
            continue  # paid by bank transfer, not through Allegro
        evaluation = case_evaluation(case)
        if evaluation is None or evaluation.decision not in ENGINE_PAYS:
            continue  # the engine wants a person to decide: not this test's subject
        if case.can_transition_to("APPROVED"):
            approved.append(case_transition(case=case, to="APPROVED", actor=SYSTEM))
    return approved


def drain_outbox(start: datetime, *, max_rounds: int = 60) -> tuple[datetime, int]:
    """Run the outbox like the worker would until nothing is pending; returns the clock and attempts made."""
    moment, attempts = start, 0
    for _ in range(max_rounds):
        if not OutboxMessage.objects.filter(status=OutboxStatus.PENDING).exists():
            return moment, attempts
        attempts += services.outbox_run(now=moment)
        moment += timedelta(hours=1)  # past every backoff step
    raise AssertionError("outbox did not drain")


def settle(admin: httpx.Client) -> None:
    """Let emulated time pass until Allegro has settled every refund (NEW -> SUCCESS/CANCELED)."""
    admin.post("/__emulator/clock", json={"advance": 3600}).raise_for_status()


def reconcile_until_final(start: datetime, *, max_rounds: int = 30) -> None:
    moment = start
    for _ in range(max_rounds):
        if not RefundOrder.objects.filter(status=RefundStatus.SUBMITTED).exists():
            return
        services.refunds_reconcile_all(now=moment)
        moment += timedelta(hours=1)
    raise AssertionError("refunds stayed SUBMITTED")


def test_refunds_through_emulator_faults_are_paid_exactly_once(
    account: SellerAccount,
    emulator: EmulatorApp,
    admin: httpx.Client,
    gateway: AllegroGateway,
    supervisor: AbstractUser,
    agent: AbstractUser,
) -> None:
    # Given approved cases synced from the emulator, and Allegro misbehaving in every way it can
    cases = approved_cases(account, emulator, admin, 40)
    assert len(cases) >= 20
    for currency in ("PLN", "CZK", "EUR", "HUF"):
        services.payment_settings_set(
            account=account, currency=currency, approval_threshold="1000000", actor=SYSTEM
        )
    refunds = [services.refund_order_create(case=case, actor=Actor.for_user(agent)) for case in cases]
    assert {r.status for r in refunds} == {RefundStatus.PLANNED}
    assert {r.method for r in refunds} == {RefundMethod.ALLEGRO}
    admin.post("/__emulator/faults", json={"faults": ALL_FAULTS, "timeoutDelay": 0.01}).raise_for_status()

    # When the worker runs the outbox, Allegro settles, and reconciliation polls (still under faults)
    moment, attempts = drain_outbox(timezone.now())
    settle(admin)
    reconcile_until_final(moment)

    # Then every refund is paid once, retries happened, and the emulator's ledger agrees
    statuses = dict(RefundOrder.objects.values_list("pk", "status"))
    assert set(statuses.values()) == {RefundStatus.SUCCESS}, statuses
    assert attempts > len(refunds)  # some attempts failed and were retried with the same commandId
    assert set(RefundCase.objects.filter(pk__in=[c.pk for c in cases]).values_list("status", flat=True)) == {
        "REFUNDED"
    }
    report = ledger_report(emulator.store)
    assert report.problems == []
    assert report.duplicate_commands == {}
    by_order = {o.order_id: o for o in report.orders}
    for refund in RefundOrder.objects.select_related("order"):
        ledger = by_order[refund.order.external_id]
        assert ledger.commands == {str(refund.command_id)}
        assert ledger.refunded == refund.total
        assert ledger.refunded <= ledger.paid
    ledger_json = admin.get("/__emulator/ledger").json()
    assert ledger_json["problems"] == []


def test_canceled_refund_alerts_and_returns_the_case_to_the_queue(
    account: SellerAccount,
    emulator: EmulatorApp,
    admin: httpx.Client,
    gateway: AllegroGateway,
    agent: AbstractUser,
) -> None:
    # Given an approved case and a seller balance that cannot cover any refund
    [case, *_] = approved_cases(account, emulator, admin, 5)
    admin.post("/__emulator/balance", json={"currency": case.currency, "amount": "0"}).raise_for_status()
    refund = services.refund_order_create(case=case, actor=Actor.for_user(agent))
    if refund.status == RefundStatus.AWAITING_APPROVAL:
        pytest.fail("threshold defaults should let a single demo refund through")

    # When it is sent and Allegro settles it
    moment, _ = drain_outbox(timezone.now())
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUBMITTED
    settle(admin)
    reconcile_until_final(moment)

    # Then it is CANCELED, the team is alerted and the case is back in the queue, its amounts released
    refund.refresh_from_db()
    assert refund.status == RefundStatus.CANCELED and refund.allegro_status == "CANCELED"
    assert "balance" in refund.error_message
    alert = Alert.objects.get(kind=AlertKind.REFUND_CANCELED)
    assert alert.case_id == case.pk and alert.resolved_at is None
    assert RefundCase.objects.get(pk=case.pk).status == "APPROVED"
    assert case.order.refund_ledger.held_total == Decimal("0.00")
    [order_ledger] = [o for o in ledger_report(emulator.store).orders if o.order_id == case.order.external_id]
    assert order_ledger.canceled == refund.total and order_ledger.refunded == Decimal("0")
    assert ledger_report(emulator.store).problems == []

    # And once the balance is topped up, a new refund for the same case is paid
    admin.post("/__emulator/balance", json={"currency": case.currency, "amount": "100000"}).raise_for_status()
    again = services.refund_order_create(case=RefundCase.objects.get(pk=case.pk), actor=Actor.for_user(agent))
    assert again.command_id != refund.command_id
    drain_outbox(moment)
    settle(admin)
    reconcile_until_final(moment + timedelta(hours=2))
    again.refresh_from_db()
    assert again.status == RefundStatus.SUCCESS
    assert RefundCase.objects.get(pk=case.pk).status == "REFUNDED"
    assert ledger_report(emulator.store).problems == []


def test_recent_refunds_pages_through_the_accounts_refunds_since_a_moment(
    account: SellerAccount,
    emulator: EmulatorApp,
    admin: httpx.Client,
    gateway: AllegroGateway,
    agent: AbstractUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    approved = approved_cases(account, emulator, admin, 30)
    assert len(approved) >= 7
    cases = approved[:7]
    for currency in ("PLN", "CZK", "EUR", "HUF"):
        services.payment_settings_set(
            account=account, currency=currency, approval_threshold="1000000", actor=SYSTEM
        )
    refunds = [services.refund_order_create(case=case, actor=Actor.for_user(agent)) for case in cases]
    drain_outbox(timezone.now())
    sent = {r.allegro_refund_id for r in RefundOrder.objects.filter(pk__in=[r.pk for r in refunds])}
    assert len(sent) == 7 and "" not in sent
    monkeypatch.setattr(allegro_gateway, "REFUNDS_PAGE", 3)
    clock = datetime.fromisoformat(admin.get("/__emulator/clock").json()["now"].replace("Z", "+00:00"))

    everything = gateway.recent_refunds(account, since=clock - timedelta(hours=1), max_pages=10)
    capped = gateway.recent_refunds(account, since=clock - timedelta(hours=1), max_pages=2)
    none_yet = gateway.recent_refunds(account, since=clock + timedelta(hours=1), max_pages=10)

    assert {r.id for r in everything.refunds} == sent
    assert (everything.complete, everything.calls) == (True, 3)
    assert {r.status for r in everything.refunds} == {"NEW"}
    assert (len(capped.refunds), capped.complete, capped.calls) == (6, False, 2)
    assert (none_yet.refunds, none_yet.complete, none_yet.calls) == ((), True, 1)
