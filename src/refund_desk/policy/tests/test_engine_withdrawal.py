"""Withdrawal (customer return) rules, table-driven, with boundary days and the law each rule encodes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from refund_desk.integrations.allegro.documents import parse_case
from refund_desk.policy.engine import STATUTORY_DEFAULT, Policy, evaluate, policy_from_document
from refund_desk.policy.engine.result import Decision, Evaluation
from refund_desk.policy.tests.builders import case, customer_return, line, order


def run(data: dict[str, Any], policy: Policy = STATUTORY_DEFAULT, lang: str = "en") -> Evaluation:
    return evaluate(parse_case(data), policy, lang=lang)


def rule(evaluation: Evaluation, rule_id: str) -> list[tuple[str, str]]:
    return [(r.outcome, r.explanation) for r in evaluation.rules if r.id == rule_id]


def policy(**sections: Any) -> Policy:
    return policy_from_document(sections, version="test/v1")


# --- 14-day period (Dir. 2011/83/EU Art. 9, 11(2); UPK Art. 27, 28, 35) ---------------------------


@pytest.mark.parametrize(
    ("marketplace", "delivered", "statement", "decision"),
    [
        # Delivered Mon 3 Mar; day 14 = Mon 17 Mar. Sending on day 14 is enough, day 15 is late.
        ("allegro-pl", "2025-03-03T15:00:00+01:00", "2025-03-17T12:00:00+01:00", Decision.AWAIT_RETURN),
        ("allegro-pl", "2025-03-03T15:00:00+01:00", "2025-03-18T12:00:00+01:00", Decision.REJECT),
        # 23:59 vs 00:00 local time on the last day.
        ("allegro-pl", "2025-03-03T15:00:00+01:00", "2025-03-17T23:59:59+01:00", Decision.AWAIT_RETURN),
        ("allegro-pl", "2025-03-03T15:00:00+01:00", "2025-03-18T00:00:00+01:00", Decision.REJECT),
        # Same instants written in UTC.
        ("allegro-pl", "2025-03-03T14:00:00Z", "2025-03-17T22:59:59Z", Decision.AWAIT_RETURN),
        ("allegro-pl", "2025-03-03T14:00:00Z", "2025-03-17T23:00:00Z", Decision.REJECT),
        # DST ends 26 Oct 2025: delivered 00:30 local on 20 Oct (UTC 19 Oct) -> ends 3 Nov 23:59 CET.
        ("allegro-pl", "2025-10-19T22:30:00Z", "2025-11-03T22:59:59Z", Decision.AWAIT_RETURN),
        ("allegro-pl", "2025-10-19T22:30:00Z", "2025-11-03T23:00:00Z", Decision.REJECT),
        # Last day on a Saturday -> Monday (PL); Independence Day -> Wednesday.
        ("allegro-pl", "2025-03-01T10:00:00+01:00", "2025-03-17T20:00:00+01:00", Decision.AWAIT_RETURN),
        ("allegro-pl", "2025-10-28T10:00:00+01:00", "2025-11-12T20:00:00+01:00", Decision.AWAIT_RETURN),
        ("allegro-pl", "2025-10-28T10:00:00+01:00", "2025-11-13T00:00:00+01:00", Decision.REJECT),
        # CZ 28 Oct, SK 29 Aug + weekend, HU 23 Oct + bridge day + weekend.
        ("allegro-cz", "2025-10-14T10:00:00+02:00", "2025-10-29T23:00:00+01:00", Decision.AWAIT_RETURN),
        ("allegro-cz", "2025-10-14T10:00:00+02:00", "2025-10-30T00:00:00+01:00", Decision.REJECT),
        ("allegro-sk", "2025-08-15T10:00:00+02:00", "2025-09-01T23:00:00+02:00", Decision.AWAIT_RETURN),
        ("allegro-sk", "2025-08-15T10:00:00+02:00", "2025-09-02T00:00:00+02:00", Decision.REJECT),
        ("allegro-hu", "2025-10-09T10:00:00+02:00", "2025-10-27T23:00:00+01:00", Decision.AWAIT_RETURN),
        ("allegro-hu", "2025-10-09T10:00:00+02:00", "2025-10-28T00:00:00+01:00", Decision.REJECT),
    ],
)
def test_withdrawal_period_boundaries(
    marketplace: str, delivered: str, statement: str, decision: str
) -> None:
    data = case(
        marketplace,
        delivered_at=delivered,
        return_data=customer_return(created_at=statement, marketplace=marketplace),
    )
    evaluation = run(data)
    assert evaluation.decision == decision
    if decision == Decision.REJECT:
        assert evaluation.rejection_code == "REFUND_REJECTED"
        assert evaluation.rejection_reason
        assert evaluation.total.is_zero and evaluation.lines == ()


def test_period_runs_from_the_last_parcel_of_a_split_delivery() -> None:
    data = case(
        delivered_at=["2025-03-03T15:00:00+01:00", "2025-03-05T15:00:00+01:00"],
        return_data=customer_return(created_at="2025-03-19T12:00:00+01:00"),
    )
    evaluation = run(data)
    assert evaluation.decision == Decision.AWAIT_RETURN
    assert evaluation.withdrawal_ends_at is not None
    assert evaluation.withdrawal_ends_at.isoformat() == "2025-03-19T23:59:59.999999+01:00"


def test_policy_can_lengthen_the_period_but_not_shorten_it() -> None:
    late = case(return_data=customer_return(created_at="2025-03-25T12:00:00+01:00"))
    assert run(late).decision == Decision.REJECT
    assert run(late, policy(withdrawal={"periodDays": 30})).decision == Decision.AWAIT_RETURN


@pytest.mark.parametrize(
    ("statement", "decision"),
    [("2026-03-17T23:59:00+01:00", Decision.AWAIT_RETURN), ("2026-03-18T00:00:00+01:00", Decision.REJECT)],
)
def test_not_informed_extends_the_period_by_twelve_months(statement: str, decision: str) -> None:
    # Dir. 2011/83/EU Art. 10(1); UPK Art. 29.
    data = case(return_data=customer_return(created_at=statement), buyerInformedOfWithdrawalRight=False)
    evaluation = run(data)
    assert evaluation.decision == decision
    assert rule(evaluation, "withdrawal.information")[0][0] == "INFO"


@pytest.mark.parametrize(
    "reason",
    [
        "DAMAGED",
        "HIDDEN_FLAW",
        "OTHER_FLAW",
        "INCOMPLETE",
        "NOT_AS_DESCRIBED",
        "DIFFERENT",
        "NOT_NEW",
        "COUNTERFEIT",
    ],
)
def test_late_declaration_with_a_defect_reason_goes_to_a_person(reason: str) -> None:
    data = case(
        return_data=customer_return([("offer-1", 1, reason)], created_at="2025-04-30T12:00:00+02:00"),
    )
    evaluation = run(data)
    assert evaluation.decision == Decision.ESCALATE
    assert rule(evaluation, "withdrawal.period")[0][0] == "ESCALATE"


def test_unknown_delivery_date_uses_the_purchase_as_a_safe_lower_bound() -> None:
    in_time = case(delivered_at=None, return_data=customer_return(created_at="2025-03-12T12:00:00+01:00"))
    assert run(in_time).decision == Decision.AWAIT_RETURN
    unknown = case(delivered_at=None, return_data=customer_return(created_at="2025-03-20T12:00:00+01:00"))
    assert run(unknown).decision == Decision.ESCALATE


# --- statutory exceptions (Dir. Art. 16; UPK Art. 38) ---------------------------------------------


@pytest.mark.parametrize(
    "cause",
    [
        "CUSTOM_ITEM",
        "SHORT_SHELF_LIFE",
        "INSEPARABLY_LINKED",
        "PRESS",
        "MEDICINAL_PRODUCT",
        "NOT_RECORDED_DIGITAL_CONTENT",
        "VALUE_DEPENDENT_ON_FINANCIAL_MARKET",
    ],
)
def test_restricted_offers_have_no_withdrawal_right(cause: str) -> None:
    data = case(offers={"offer-1": {"restriction": cause}, "offer-2": {"restriction": cause}})
    evaluation = run(data)
    assert evaluation.decision == Decision.REJECT
    assert evaluation.rejection_code == "NO_RETURN_RIGHT"


def test_restriction_from_the_policy_per_offer_and_category() -> None:
    by_offer = policy(restrictions={"offers": {"offer-1": "CUSTOM_ITEM", "offer-2": "PRESS"}})
    assert run(case(), by_offer).rejection_code == "NO_RETURN_RIGHT"
    by_category = policy(restrictions={"categories": {"257": "SHORT_SHELF_LIFE"}})
    data = case(offers={"offer-1": {"category": "257"}, "offer-2": {"category": "257"}})
    assert run(data, by_category).rejection_code == "NO_RETURN_RIGHT"


def test_partly_restricted_return_refunds_only_the_other_items() -> None:
    evaluation = run(case(offers={"offer-1": {"restriction": "CUSTOM_ITEM"}}))
    assert evaluation.decision == Decision.AWAIT_RETURN
    assert [line.line_item_id for line in evaluation.lines] == ["li-2"]
    assert evaluation.delivery is None  # not the whole order any more
    assert evaluation.total.amount == Decimal("100.00")


def test_waived_restriction_is_more_generous() -> None:
    generous = policy(restrictions={"waived": ["CUSTOM_ITEM"]})
    data = case(offers={"offer-1": {"restriction": "CUSTOM_ITEM"}, "offer-2": {"restriction": "CUSTOM_ITEM"}})
    assert run(data, generous).decision == Decision.AWAIT_RETURN


@pytest.mark.parametrize("cause", ["SEALED_MEDIA", "SEALED_ITEM_NO_RETURN_DUE_HEALTH_OR_HYGIENE"])
@pytest.mark.parametrize(
    ("seal_broken", "status", "decision"),
    [
        (None, "CREATED", Decision.AWAIT_RETURN),  # known only after inspection
        (None, "DISPATCHED", Decision.AWAIT_RETURN),  # proof of dispatch does not settle the seal
        (None, "DELIVERED", Decision.ESCALATE),  # back: a person inspects the seal
        (False, "DELIVERED", Decision.REFUND),
        (True, "DELIVERED", Decision.REJECT),
    ],
)
def test_seal_based_exceptions_apply_only_when_the_seal_is_broken(
    cause: str, seal_broken: bool | None, status: str, decision: str
) -> None:
    offers = {o: {"restriction": cause, "sealBroken": seal_broken} for o in ("offer-1", "offer-2")}
    evaluation = run(case(offers=offers, return_data=customer_return(status=status)))
    assert evaluation.decision == decision
    if decision == Decision.REJECT:
        assert evaluation.rejection_code == "NO_RETURN_RIGHT"


# --- business purchases (UPK Art. 38a) -----------------------------------------------------------


def test_business_purchase_goes_to_a_person_by_default() -> None:
    evaluation = run(case(order_data=order(company=True)))
    assert evaluation.decision == Decision.ESCALATE
    assert rule(evaluation, "withdrawal.business_purchase")[0][0] == "ESCALATE"
    assert evaluation.total.amount == Decimal("212.99")  # the proposed refund is shown to the person


def test_business_returns_allowed_by_policy() -> None:
    evaluation = run(
        case(order_data=order(company=True)), policy(withdrawal={"businessReturnsAllowed": True})
    )
    assert evaluation.decision == Decision.AWAIT_RETURN


# --- refund timing (Dir. Art. 13(3); UPK Art. 32(3)) and deadline (Art. 13(1)) ---------------------


@pytest.mark.parametrize(
    ("extra", "status", "timing", "decision"),
    [
        ({}, "CREATED", "ON_RETURN_OR_PROOF_OF_DISPATCH", Decision.AWAIT_RETURN),
        (
            {"returnDispatchedAt": "2025-03-11T10:00:00+01:00"},
            "CREATED",
            "ON_RETURN_OR_PROOF_OF_DISPATCH",
            Decision.REFUND,
        ),
        (
            {"returnDeliveredAt": "2025-03-11T10:00:00+01:00"},
            "CREATED",
            "ON_RETURN_OR_PROOF_OF_DISPATCH",
            Decision.REFUND,
        ),
        ({}, "IN_TRANSIT", "ON_RETURN_OR_PROOF_OF_DISPATCH", Decision.REFUND),
        ({}, "DELIVERED", "ON_RETURN_OR_PROOF_OF_DISPATCH", Decision.REFUND),
        ({}, "CREATED", "IMMEDIATELY", Decision.REFUND),
        ({}, "CREATED", "ON_DISPATCH", Decision.AWAIT_RETURN),
    ],
)
def test_refund_timing(extra: dict[str, Any], status: str, timing: str, decision: str) -> None:
    data = case(return_data=customer_return(status=status), **extra)
    assert run(data, policy(withdrawal={"refundTiming": timing})).decision == decision


def test_on_dispatch_policy_pays_once_a_return_parcel_is_registered() -> None:
    parcels = [{"waybill": "AB123", "carrierId": "INPOST", "createdAt": "2025-03-11T10:00:00+01:00"}]
    data = case(return_data=customer_return(parcels=parcels))
    assert run(data).decision == Decision.AWAIT_RETURN
    assert run(data, policy(withdrawal={"refundTiming": "ON_DISPATCH"})).decision == Decision.REFUND


def test_refund_is_due_fourteen_days_after_the_statement() -> None:
    evaluation = run(case(return_data=customer_return(created_at="2025-03-10T12:00:00+01:00")))
    assert evaluation.refund_by is not None
    assert evaluation.refund_by.isoformat() == "2025-03-24T23:59:59.999999+01:00"


# --- delivery cost (Dir. Art. 13(2); UPK Art. 33; Allegro Smart!) ---------------------------------


@pytest.mark.parametrize(
    ("order_kwargs", "items", "extra", "delivery"),
    [
        ({}, None, {}, "12.99"),
        ({}, [("offer-1", 2, "NONE")], {}, None),  # partial withdrawal
        ({}, [("offer-1", 1, "NONE"), ("offer-2", 1, "NONE")], {}, None),  # one unit kept
        ({"smart": True}, None, {}, None),
        ({"delivery_cost": "0.00"}, None, {}, None),
        ({}, None, {"cheapestStandardDelivery": {"amount": "8.99", "currency": "PLN"}}, "8.99"),
        ({}, None, {"cheapestStandardDelivery": {"amount": "19.99", "currency": "PLN"}}, "12.99"),
    ],
)
def test_delivery_refund(
    order_kwargs: dict[str, Any],
    items: list[tuple[str, int, str]] | None,
    extra: dict[str, Any],
    delivery: str | None,
) -> None:
    data = case(order_data=order(**order_kwargs), return_data=customer_return(items), **extra)
    evaluation = run(data)
    assert (evaluation.delivery.to_json()["amount"] if evaluation.delivery else None) == delivery


def test_policy_may_refund_delivery_on_partial_withdrawal() -> None:
    data = case(return_data=customer_return([("offer-1", 2, "NONE")]))
    generous = policy(delivery={"refundOnPartialWithdrawal": True})
    assert run(data, generous).total.amount == Decimal("112.99")


# --- refund lines and deductions (Dir. Art. 14(2); UPK Art. 34(4)) ---------------------------------


def test_refund_lines_use_allegro_quantity_and_amount_types() -> None:
    deduction = {
        "lineItemId": "li-2",
        "amount": {"amount": "15.00", "currency": "PLN"},
        "reason": "scratched lid",
    }
    evaluation = run(case(deductions=[deduction]))
    lines = {line.line_item_id: line.to_json() for line in evaluation.lines}
    assert lines["li-1"] == {"id": "li-1", "type": "QUANTITY", "quantity": 2}
    assert lines["li-2"] == {"id": "li-2", "type": "AMOUNT", "value": {"amount": "85.00", "currency": "PLN"}}
    assert evaluation.total.amount == Decimal("197.99")


def test_no_deduction_when_the_buyer_was_not_informed() -> None:
    deduction = {"lineItemId": "li-2", "amount": {"amount": "15.00", "currency": "PLN"}, "reason": "used"}
    evaluation = run(case(deductions=[deduction], buyerInformedOfWithdrawalRight=False))
    assert evaluation.total.amount == Decimal("212.99")
    assert evaluation.deductions == ()


def test_large_deduction_needs_a_person() -> None:
    deduction = {"lineItemId": "li-2", "amount": {"amount": "60.00", "currency": "PLN"}, "reason": "broken"}
    strict = policy(deductions={"maxPercentWithoutReview": "50"})
    assert run(case(deductions=[deduction]), strict).decision == Decision.ESCALATE


def test_same_offer_on_two_lines_is_filled_line_by_line() -> None:
    lines = [line("li-a", "offer-1", 1, "10.00", "PLN"), line("li-b", "offer-1", 2, "12.00", "PLN")]
    data = case(order_data=order(lines=lines), return_data=customer_return([("offer-1", 2, "NONE")]))
    evaluation = run(data)
    assert [(x.line_item_id, x.quantity) for x in evaluation.lines] == [("li-a", 1), ("li-b", 1)]
    assert evaluation.total.amount == Decimal("22.00")


# --- automation limits and other checks ----------------------------------------------------------


def test_automatic_approval_limits() -> None:
    limits = policy(automaticApproval={"maxAmountPerCase": {"PLN": "200.00"}, "maxCasesPerBuyerPer30Days": 2})
    assert run(case(), limits).decision == Decision.ESCALATE  # 212.99 > 200
    small = case(return_data=customer_return([("offer-1", 1, "NONE")]), buyerCasesLast30Days=2)
    assert run(small, limits).decision == Decision.AWAIT_RETURN
    frequent = case(return_data=customer_return([("offer-1", 1, "NONE")]), buyerCasesLast30Days=3)
    assert run(frequent, limits).decision == Decision.ESCALATE


def test_unpaid_order_goes_to_a_person() -> None:
    assert run(case(order_data=order(status="FILLED_IN"))).decision == Decision.ESCALATE


def test_cash_on_delivery_refund_goes_to_the_bank_account() -> None:
    evaluation = run(case(order_data=order(payment_type="CASH_ON_DELIVERY")))
    assert "bank account" in rule(evaluation, "refund.method")[0][1]


@pytest.mark.parametrize("lang", ["pl", "cs", "sk", "hu", "en"])
def test_every_rule_is_explained_in_the_buyers_language(lang: str) -> None:
    evaluation = run(case(), lang=lang)
    assert evaluation.lang == lang
    assert all(r.explanation and "{" not in r.explanation for r in evaluation.rules)


def test_default_language_is_the_marketplaces() -> None:
    data = case("allegro-hu", return_data=customer_return(marketplace="allegro-hu"))
    assert evaluate(parse_case(data), STATUTORY_DEFAULT).lang == "hu"


def test_to_json_has_the_documented_shape() -> None:
    out = run(case()).to_json()
    assert set(out) >= {"decision", "rejectionCode", "refund", "deadlines", "rules", "policyVersion"}
    assert set(out["refund"]) >= {"reason", "lineItems", "delivery", "total"}
    assert set(out["deadlines"]) == {"withdrawalEndsAt", "refundBy", "respondBy"}
    assert out["policyVersion"] == "statutory-default/v1"
