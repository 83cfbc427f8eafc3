"""Complaints (post-purchase issues of type CLAIM): UPK Art. 7a deemed acceptance, Allegro's due date wins."""

from __future__ import annotations

from decimal import Decimal

import pytest

from refund_desk.integrations.allegro.documents import parse_case
from refund_desk.policy.engine import STATUTORY_DEFAULT, evaluate, policy_from_document
from refund_desk.policy.engine.result import Decision
from refund_desk.policy.tests.builders import case, claim, order

OPENED = "2025-03-10T12:00:00+01:00"  # answer due by Mon 24 Mar 2025 (PL, 14 days)


@pytest.mark.parametrize(
    ("marketplace", "now", "decision"),
    [
        ("allegro-pl", "2025-03-24T23:59:00+01:00", Decision.ESCALATE),  # day 14: still the seller's call
        (
            "allegro-pl",
            "2025-03-25T00:00:00+01:00",
            Decision.REFUND,
        ),  # deemed accepted -> expectation granted
        ("allegro-cz", "2025-03-25T00:00:00+01:00", Decision.ESCALATE),  # 30 days elsewhere
        ("allegro-cz", "2025-04-10T00:00:00+02:00", Decision.ESCALATE),  # overdue, but no deemed acceptance
    ],
)
def test_unanswered_complaint_in_poland_is_deemed_accepted(marketplace: str, now: str, decision: str) -> None:
    currency = {"allegro-pl": "PLN", "allegro-cz": "CZK"}[marketplace]
    data = case(marketplace, issue=claim(opened=OPENED, currency=currency), now=now)
    evaluation = evaluate(parse_case(data), STATUTORY_DEFAULT, lang="en")
    assert evaluation.decision == decision
    if decision == Decision.REFUND:
        assert evaluation.refund_reason == "COMPLAINT"
        assert [x.to_json() for x in evaluation.lines] == [{"id": "li-2", "type": "QUANTITY", "quantity": 1}]
        assert evaluation.total.amount == Decimal("100.00")
        assert evaluation.refund_by is not None


def test_respond_by_defaults_per_marketplace() -> None:
    pl = evaluate(parse_case(case(issue=claim(opened=OPENED))), STATUTORY_DEFAULT)
    assert pl.respond_by is not None and pl.respond_by.isoformat() == "2025-03-24T23:59:59.999999+01:00"
    cz = evaluate(
        parse_case(case("allegro-cz", issue=claim(opened=OPENED, currency="CZK"))), STATUTORY_DEFAULT
    )
    assert cz.respond_by is not None and cz.respond_by.date().isoformat() == "2025-04-09"
    custom = policy_from_document({"complaints": {"answerDays": {"allegro-cz": 20}}}, version="t")
    cz20 = evaluate(parse_case(case("allegro-cz", issue=claim(opened=OPENED, currency="CZK"))), custom)
    assert cz20.respond_by is not None and cz20.respond_by.date().isoformat() == "2025-03-31"


def test_allegro_decision_due_date_wins() -> None:
    data = case(issue=claim(opened=OPENED, due="2025-03-20T18:00:00+01:00"), now="2025-03-21T09:00:00+01:00")
    evaluation = evaluate(parse_case(data), STATUTORY_DEFAULT)
    assert evaluation.respond_by is not None
    assert evaluation.respond_by.isoformat() == "2025-03-20T18:00:00+01:00"
    assert evaluation.decision == Decision.REFUND


def test_accepted_partial_refund_is_an_amount_line_capped_at_the_price() -> None:
    data = case(issue=claim(status="CLAIM_ACCEPTED", expectation="PARTIAL_REFUND", refund="30.00"))
    evaluation = evaluate(parse_case(data), STATUTORY_DEFAULT)
    assert evaluation.decision == Decision.REFUND
    assert [x.to_json() for x in evaluation.lines] == [
        {"id": "li-2", "type": "AMOUNT", "value": {"amount": "30.00", "currency": "PLN"}}
    ]
    capped = case(issue=claim(status="CLAIM_ACCEPTED", expectation="PARTIAL_REFUND", refund="130.00"))
    assert evaluate(parse_case(capped), STATUTORY_DEFAULT).total.amount == Decimal("100.00")


def test_accepted_complaint_with_return_required_waits_for_the_goods() -> None:
    data = case(issue=claim(status="CLAIM_ACCEPTED", return_required=True))
    assert evaluate(parse_case(data), STATUTORY_DEFAULT).decision == Decision.AWAIT_RETURN
    data["returnDispatchedAt"] = "2025-03-11T10:00:00+01:00"
    assert evaluate(parse_case(data), STATUTORY_DEFAULT).decision == Decision.REFUND


@pytest.mark.parametrize("expectation", ["REPAIR", "EXCHANGE", None])
def test_repair_exchange_or_no_expectation_goes_to_a_person(expectation: str | None) -> None:
    data = case(issue=claim(status="CLAIM_ACCEPTED", expectation=expectation))
    assert evaluate(parse_case(data), STATUTORY_DEFAULT).decision == Decision.ESCALATE


def test_rejected_claim_and_disputes() -> None:
    rejected = evaluate(parse_case(case(issue=claim(status="CLAIM_REJECTED"))), STATUTORY_DEFAULT)
    assert (rejected.decision, rejected.rejection_code) == (Decision.REJECT, "REFUND_REJECTED")
    dispute = case(issue=claim(issue_type="DISPUTE", status="DISPUTE_ONGOING", expectation=None))
    assert evaluate(parse_case(dispute), STATUTORY_DEFAULT).decision == Decision.ESCALATE


def test_complaint_on_unpaid_order_goes_to_a_person() -> None:
    data = case(order_data=order(status="FILLED_IN"), issue=claim(status="CLAIM_ACCEPTED"))
    assert evaluate(parse_case(data), STATUTORY_DEFAULT).decision == Decision.ESCALATE
