"""A complaint accepted with each remedy: Allegro gets the acceptance once with the buyer's notice as its
message; a refund is paid, a price reduction waits for a second person, a repair goes from the item
received to the repaired item sent back with a waybill; an unanswered Polish complaint cannot be rejected."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any, cast

import pytest
from django.test import Client

from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import CaseKind, CaseSource, CaseStatus
from refund_desk.cases.models import RefundCase, SellerAccount
from refund_desk.cases.services import case_transition
from refund_desk.cases.tests.factories import make_user
from refund_desk.complaints.choices import RemedyStatus
from refund_desk.complaints.models import Remedy
from refund_desk.core.errors import IllegalTransition, ValidationFailed
from refund_desk.core.roles import Role
from refund_desk.notices.models import Notice
from refund_desk.notices.texts import REMEDIES
from refund_desk.outbound import services as outbound
from refund_desk.outbound.choices import CommandKind, CommandStatus
from refund_desk.outbound.models import Command
from refund_desk.outbound.tests.test_commands import FakeDecisions, allegro  # noqa: F401  -- fixture
from refund_desk.payments.choices import RefundStatus
from refund_desk.payments.models import RefundOrder
from refund_desk.payments.services import refund_order_approve
from refund_desk.payments.tests.conftest import account, ingest  # noqa: F401  -- fixture
from refund_desk.policy.tests.builders import case as case_file
from refund_desk.workflows.complaints import claim_accept, remedy_received, remedy_send_back
from refund_desk.workflows.refunds import specs_from_amounts
from refund_desk.workflows.rejection import case_reject

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(account: SellerAccount) -> RefundCase:  # noqa: F811
    case = ingest(account, case_file())
    RefundCase.objects.filter(pk=case.pk).update(
        source=CaseSource.POST_PURCHASE_ISSUE,
        kind="COMPLAINT",
        snapshot={"type": "CLAIM", "id": case.external_id},
    )
    case.refresh_from_db()
    return case


@pytest.fixture
def agent(db: Any) -> Actor:
    return Actor.for_user(make_user("agent-zofia", [Role.AGENT]))


def _sent(allegro: FakeDecisions, case: RefundCase) -> Command:  # noqa: F811
    command = Command.objects.get(case=case, kind=CommandKind.CLAIM_ACCEPT)
    assert outbound.command_execute(command_id=command.pk).status == CommandStatus.DONE
    return command


def test_accepted_with_a_refund_pays_and_tells_the_buyer_in_one_chat_message(
    claim: RefundCase,
    agent: Actor,
    allegro: FakeDecisions,  # noqa: F811
) -> None:
    accepted = claim_accept(case=claim, actor=agent, status="ACCEPTED_REFUND")
    assert accepted.status == CaseStatus.APPROVED
    refund = RefundOrder.objects.get(case=claim)
    assert refund.reason == "COMPLAINT" and refund.total > 0
    command = _sent(allegro, claim)
    assert allegro.decisions == [(claim.external_id, "ACCEPTED_REFUND", None)]
    [message] = allegro.chats[claim.external_id]
    notice = Notice.objects.get(case=claim)
    assert notice.command == command and message == notice.text and notice.kind == "REFUND"
    assert f"{refund.total:.2f}".replace(".", ",") in message
    # no second message for the refund itself
    assert not Command.objects.filter(case=claim, kind__in=["ISSUE_MESSAGE", "NEW_MESSAGE"]).exists()


def test_a_price_reduction_is_a_partial_refund_a_second_person_approves(
    claim: RefundCase,
    agent: Actor,
    allegro: FakeDecisions,  # noqa: F811
) -> None:
    for bad in (None, Decimal("0"), Decimal("-1"), Decimal("0.001"), Decimal("99999999")):
        with pytest.raises(ValidationFailed) as refused:
            claim_accept(case=claim, actor=agent, status="ACCEPTED_PARTIAL_REFUND", amount=bad)
        assert refused.value.errors[0][0] == "amount"
    assert not RefundOrder.objects.exists() and not Command.objects.exists()

    claim_accept(
        case=claim,
        actor=agent,
        status="ACCEPTED_PARTIAL_REFUND",
        amount=Decimal("40.00"),
        reason="Rysa na obudowie",
    )
    refund = RefundOrder.objects.get(case=claim)
    assert refund.total == Decimal("40.00") and refund.status == RefundStatus.AWAITING_APPROVAL
    _sent(allegro, claim)
    assert allegro.decisions == [(claim.external_id, "ACCEPTED_PARTIAL_REFUND", (Decimal("40.00"), "PLN"))]
    assert "Rysa na obudowie" in allegro.chats[claim.external_id][0]
    lead = Actor.for_user(make_user("lead-jan", [Role.SUPERVISOR]))
    assert refund_order_approve(refund=refund, actor=lead).status == RefundStatus.PLANNED


def test_a_repair_waits_for_the_item_then_goes_back_with_a_waybill(
    claim: RefundCase,
    agent: Actor,
    allegro: FakeDecisions,  # noqa: F811
) -> None:
    claim_accept(case=claim, actor=agent, status="ACCEPTED_REPAIR")
    claim.refresh_from_db()
    remedy = Remedy.objects.get(case=claim)
    assert claim.status == CaseStatus.REMEDY and remedy.status == RemedyStatus.AWAITING_ITEM
    assert not RefundOrder.objects.exists()
    _sent(allegro, claim)
    assert REMEDIES["ACCEPTED_REPAIR"]["pl"] in allegro.chats[claim.external_id][0]

    with pytest.raises(IllegalTransition):
        remedy_send_back(case=claim, actor=agent, waybill="WB1")  # the item is not back yet
    remedy_received(case=claim, actor=agent)
    with pytest.raises(ValidationFailed) as no_waybill:
        remedy_send_back(case=claim, actor=agent, waybill="  ")
    assert no_waybill.value.errors[0][0] == "waybill"
    closed = remedy_send_back(case=claim, actor=agent, waybill="6200123456789", carrier="INPOST")
    assert closed.status == CaseStatus.CLOSED
    remedy.refresh_from_db()
    assert remedy.status == RemedyStatus.SENT_BACK and remedy.waybill == "6200123456789"
    told = Notice.objects.filter(case=claim).order_by("pk").last()
    assert told is not None and told.kind == "REMEDY_SENT" and "6200123456789 (INPOST)" in told.text
    assert told.command is not None and told.command.kind == CommandKind.ISSUE_MESSAGE


def test_a_remedy_is_only_for_complaints(account: SellerAccount, agent: Actor) -> None:  # noqa: F811
    ret = ingest(account, case_file())
    with pytest.raises(ValidationFailed, match="claim"):
        claim_accept(case=ret, actor=agent, status="ACCEPTED_REPAIR")


def test_an_unanswered_polish_complaint_is_deemed_accepted_and_cannot_be_rejected(
    claim: RefundCase, agent: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from refund_desk.workflows import rejection

    monkeypatch.setattr(
        rejection, "deemed_accepted_since", lambda case: claim.created_at + timedelta(days=14)
    )
    with pytest.raises(IllegalTransition, match=r"Art\. 7a"):
        case_reject(case=claim, actor=agent, code="REJECTED_OTHER", reason="Nie")
    claim.refresh_from_db()
    assert claim.status == CaseStatus.NEW and not Command.objects.exists()


def test_the_desk_accepts_with_a_confirmation_of_the_notice(
    claim: RefundCase,
    allegro: FakeDecisions,  # noqa: F811
) -> None:
    client = Client()
    client.force_login(cast(Any, make_user("agent-ula", [Role.AGENT])))
    url = f"/cases/{claim.pk}/accept/"
    assert "Accept complaint" in client.get(url).content.decode()
    bad = client.post(url, {"status": "ACCEPTED_PARTIAL_REFUND", "amount": "abc"})
    assert bad.status_code == 422 and not RefundOrder.objects.exists()
    review = client.post(url, {"status": "ACCEPTED_EXCHANGE", "item_required": "1"})
    page = review.content.decode()
    assert "Confirm the acceptance" in page and REMEDIES["ACCEPTED_EXCHANGE"]["pl"] in page
    assert not Command.objects.exists()
    client.post(
        url, {"status": "ACCEPTED_EXCHANGE", "item_required": "1", "confirm": "1", "notice": "Wymienimy."}
    )
    claim.refresh_from_db()
    assert claim.status == CaseStatus.REMEDY
    assert Command.objects.get(case=claim).payload["message"] == "Wymienimy."
    # the plain transition cannot accept a complaint behind Allegro's back
    plain = client.post(f"/cases/{claim.pk}/transition/", {"to": "APPROVED"}, follow=True)
    assert "use the Accept the complaint button" in plain.content.decode()
    claim.refresh_from_db()
    assert claim.status == CaseStatus.REMEDY


def test_cases_entered_by_hand_are_evaluated_and_decided_in_the_desk(
    account: SellerAccount,  # noqa: F811
    agent: Actor,
    allegro: FakeDecisions,  # noqa: F811
) -> None:
    from refund_desk.cases.services import case_open_manual
    from refund_desk.policy.selectors import case_evaluation
    from refund_desk.workflows.refunds import case_refund, refund_plan

    order = ingest(account, case_file()).order
    line = order.line_items.all()[0]

    def opened(kind: str, n: int) -> RefundCase:
        return case_open_manual(
            order=order,
            kind=CaseKind(kind),
            items=[(line, 1, "DAMAGED", "telefon")],
            actor=agent,
            external_id=f"m-{n}",
        )

    complaint, cancellation, other = opened("COMPLAINT", 1), opened("CANCELLATION", 2), opened("OTHER", 3)
    assert case_evaluation(complaint) is not None and case_evaluation(cancellation) is not None
    assert case_evaluation(other) is None and refund_plan(other).decision == ""

    claim_accept(case=complaint, actor=agent, status="ACCEPTED_REPAIR", item_required=False)
    complaint.refresh_from_db()
    assert complaint.status == CaseStatus.REMEDY and not Command.objects.filter(case=complaint).exists()
    assert Notice.objects.get(case=complaint).channel == "NONE"  # kept for the person to pass on

    approved = case_transition(case=other, to=CaseStatus.APPROVED, actor=agent)
    with pytest.raises(ValidationFailed, match="compose the refund"):
        case_refund(case=approved, actor=agent)
    plan = refund_plan(approved)
    refund = case_refund(
        case=approved,
        actor=agent,
        lines=specs_from_amounts(plan, {plan.lines[0].line_item_id: Decimal("12.00")}),
        delivery=Decimal("0.00"),
        override_reason="Zwrot kosztu drugiej paczki.",
    )
    assert refund.total == Decimal("12.00") and refund.status == RefundStatus.AWAITING_APPROVAL
