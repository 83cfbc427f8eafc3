"""Rejections carried out through the Allegro emulator with the real gateway and client, under every fault
switch: each return ends rejected on Allegro with the person's code and reason, each command DONE."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from django.utils import timezone

from refund_desk.cases.actors import Actor
from refund_desk.cases.models import RefundCase, SellerAccount
from refund_desk.cases.tests.factories import make_user
from refund_desk.core.roles import Role
from refund_desk.integrations.allegro.emulator.app import EmulatorApp
from refund_desk.integrations.allegro.emulator.buyer_view import buyer_view
from refund_desk.integrations.allegro.gateway import AllegroGateway
from refund_desk.integrations.allegro.sync import sync_customer_returns
from refund_desk.notices.texts import ADR, CODE_PHRASES, CONTEST
from refund_desk.outbound import services
from refund_desk.outbound.choices import CommandStatus
from refund_desk.outbound.gateway import decision_gateway
from refund_desk.outbound.models import Command
from refund_desk.payments.tests.test_emulator_e2e import (  # noqa: F401  -- fixtures
    ALL_FAULTS,
    account,
    admin,
    emulator,
    emulator_client,
)
from refund_desk.policy.engine.law import MARKETPLACE_LANGUAGE
from refund_desk.workflows.rejection import case_reject

pytestmark = pytest.mark.django_db


@pytest.fixture
def gateway(account: SellerAccount, emulator: EmulatorApp) -> Iterator[AllegroGateway]:  # noqa: F811
    rng = random.Random(4)
    real = AllegroGateway(client_factory=lambda acc: emulator_client(acc, emulator, rng=rng))
    with decision_gateway.override(real):
        yield real


def _run_outbox_under_faults(admin: httpx.Client) -> None:  # noqa: F811
    """Every fault switched on, run the outbox two emulated hours apart until nothing is pending."""
    admin.post("/__emulator/faults", json={"faults": ALL_FAULTS, "timeoutDelay": 0.01}).raise_for_status()
    moment = timezone.now()
    for _ in range(40):
        if not Command.objects.filter(status=CommandStatus.PENDING).exists():
            break
        services.commands_run_due(now=moment)
        moment += timedelta(hours=2)
    admin.post("/__emulator/faults", json={"faults": ""}).raise_for_status()


def test_rejections_reach_allegro_once_under_faults(
    account: SellerAccount,  # noqa: F811
    emulator: EmulatorApp,  # noqa: F811
    admin: httpx.Client,  # noqa: F811
    gateway: AllegroGateway,
) -> None:
    admin.post("/__emulator/seed", json={"returns": 12}).raise_for_status()
    run = sync_customer_returns(account=account, client=emulator_client(account, emulator, attempts=8))
    assert run.errors == 0
    agent = Actor.for_user(make_user("agent-olga", [Role.AGENT]))
    cases = list(RefundCase.objects.filter(account=account).order_by("pk"))
    for n, case in enumerate(cases):
        case_reject(case=case, actor=agent, code="REFUND_REJECTED", reason=f"Nosi ślady użytkowania ({n})")
    _run_outbox_under_faults(admin)

    commands = list(Command.objects.order_by("pk"))
    # Per return: the rejection, and the buyer's notice in the Message Center.
    assert [c.status for c in commands] == [CommandStatus.DONE] * 2 * len(cases), [
        c.last_error for c in commands
    ]
    for n, case in enumerate(cases):
        remote = emulator.store.customer_return(case.external_id)
        assert remote is not None and remote["status"] == "REJECTED"
        assert remote["rejection"]["code"] == "REFUND_REJECTED"
        assert remote["rejection"]["reason"] == f"Nosi ślady użytkowania ({n})"
        # and the buyer sees it on Allegro
        seen = buyer_view(emulator.store, case.buyer_login)
        [shown] = [r for r in seen["returns"] if r["id"] == case.external_id]
        assert (
            shown["status"] == "REJECTED" and shown["rejection"]["reason"] == f"Nosi ślady użytkowania ({n})"
        )
        # told once, in the marketplace's language, with the reason, how to contest and where to turn
        told = [m["text"] for m in seen["sellerMessages"] if f"Nosi ślady użytkowania ({n})" in m["text"]]
        assert len(told) == 1, told
        lang = MARKETPLACE_LANGUAGE[case.marketplace]
        assert CONTEST[lang] in told[0] and ADR[case.marketplace][lang] in told[0]
    assert sum(c.attempts for c in commands) >= len(commands)


def test_claim_rejections_reach_allegro_once_under_faults(
    account: SellerAccount,  # noqa: F811
    emulator: EmulatorApp,  # noqa: F811
    admin: httpx.Client,  # noqa: F811
    gateway: AllegroGateway,
) -> None:
    import json

    from refund_desk.cases.choices import CaseSource
    from refund_desk.integrations.allegro.emulator.scenario import Rates
    from refund_desk.integrations.allegro.sync import sync_issues

    emulator.scenario.rates = Rates(orders=30, returns=0, issues=4, cancellations=0, messages=0)
    emulator.clock.advance(5 * 24 * 3600)
    emulator.scenario.tick()
    emulator.scenario.rates = Rates(orders=0, returns=0, issues=0, cancellations=0, messages=0)
    sync_issues(account=account, client=emulator_client(account, emulator, attempts=8))
    claims = [
        c
        for c in RefundCase.objects.filter(account=account, source=CaseSource.POST_PURCHASE_ISSUE).order_by(
            "pk"
        )
        if c.snapshot.get("type") == "CLAIM" and c.status == "NEW"
    ]
    assert claims, "the emulator opened no claim"
    agent = Actor.for_user(make_user("agent-iga", [Role.AGENT]))
    for n, claim in enumerate(claims):
        case_reject(
            case=claim,
            actor=agent,
            code="REJECTED_PRODUCT_CONFORMS_TO_CONTRACT",
            reason=f"Zgodny z umową ({n})",
        )
    _run_outbox_under_faults(admin)

    commands = list(Command.objects.order_by("pk"))
    assert [c.status for c in commands] == [CommandStatus.DONE] * len(claims), [
        c.last_error for c in commands
    ]
    with emulator.store.tx() as db:
        for n, claim in enumerate(claims):
            [status] = db.execute("SELECT status FROM issues WHERE id = ?", (claim.external_id,)).fetchone()
            texts = [
                json.loads(row[0])["text"]
                for row in db.execute(
                    "SELECT body FROM issue_messages WHERE issue_id = ?", (claim.external_id,)
                )
            ]
            assert status == "CLAIM_REJECTED"
            # the decision's message, the buyer's notice, in the chat once
            assert len([t for t in texts if f"Zgodny z umową ({n})" in t]) == 1
    for n, claim in enumerate(claims):
        [shown] = [
            i for i in buyer_view(emulator.store, claim.buyer_login)["issues"] if i["id"] == claim.external_id
        ]
        assert shown["status"] == "CLAIM_REJECTED"
        told = [m["text"] for m in shown["sellerMessages"] if f"Zgodny z umową ({n})" in m["text"]]
        lang = MARKETPLACE_LANGUAGE[claim.marketplace]
        assert len(told) == 1 and CODE_PHRASES["REJECTED_PRODUCT_CONFORMS_TO_CONTRACT"][lang] in told[0]
