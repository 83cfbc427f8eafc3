"""CASE.json validation (field paths) and policy documents (law as the floor, YAML round trip)."""

from __future__ import annotations

from typing import Any

import pytest

from refund_desk.core.errors import ValidationFailed
from refund_desk.integrations.allegro.documents import parse_case
from refund_desk.policy.engine import STATUTORY_DEFAULT, policy_from_document, policy_from_yaml
from refund_desk.policy.tests.builders import case, customer_return, order


def paths(data: object) -> list[str]:
    with pytest.raises(ValidationFailed) as exc:
        parse_case(data)
    return [path for path, _ in exc.value.errors]


def with_(data: dict[str, Any], **changes: Any) -> dict[str, Any]:
    data.update(changes)
    return data


def test_missing_order() -> None:
    assert paths({"customerReturn": customer_return()}) == ["order"]


def test_items_not_in_the_order_and_quantities_above_what_was_bought() -> None:
    data = case(return_data=customer_return([("offer-9", 1, "NONE"), ("offer-1", 3, "NONE")]))
    assert paths(data) == ["customerReturn.items[0].offerId", "customerReturn.items[1].quantity"]


def test_mixed_currencies() -> None:
    data = case()
    data["order"]["lineItems"][1]["price"]["currency"] = "EUR"
    assert "order.lineItems[1].price.currency" in paths(data)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("deliveredAt", "yesterday"),
        ("deliveredAt", "2025-03-03T10:00:00"),
        ("returnDispatchedAt", 5),
        ("now", "2025-13-01T00:00:00Z"),
    ],
)
def test_malformed_dates(field: str, value: object) -> None:
    assert paths(with_(case(), **{field: value})) == [field]


def test_pydantic_errors_carry_the_path() -> None:
    data = case()
    data["order"]["lineItems"][0]["price"]["amount"] = "abc"
    assert paths(data) == ["order.lineItems[0].price.amount"]


def test_case_needs_a_return_or_an_issue_and_ignores_extra_fields() -> None:
    assert paths({"order": order()}) == ["customerReturn"]
    assert parse_case(with_(case(), somethingElse=1)).marketplace == "allegro-pl"


def test_unknown_restriction_and_bad_deduction() -> None:
    data = case(
        offers={"offer-1": {"restriction": "ALCOHOL_X"}},
        deductions=[{"lineItemId": "li-1", "amount": {"amount": "1.00", "currency": "PLN"}}],
    )
    assert paths(data) == ["offers.offer-1.restriction", "deductions[0].reason"]


# --- policy documents -------------------------------------------------------------------------------


def policy_paths(document: object) -> list[str]:
    with pytest.raises(ValidationFailed) as exc:
        policy_from_document(document, version="t")
    return [path for path, _ in exc.value.errors]


@pytest.mark.parametrize(
    ("document", "path"),
    [
        ({"withdrawal": {"periodDays": 13}}, "withdrawal.periodDays"),
        ({"withdrawal": {"refundTiming": "WHEN_I_FEEL_LIKE_IT"}}, "withdrawal.refundTiming"),
        ({"withdrawal": {"returnShippingPaidBy": "NOBODY"}}, "withdrawal.returnShippingPaidBy"),
        ({"complaints": {"answerDays": {"allegro-pl": 30}}}, "complaints.answerDays.allegro-pl"),
        ({"restrictions": {"offers": {"1": "ALCOHOL"}}}, "restrictions.offers.1"),
        ({"automaticApproval": {"maxAmountPerCase": {"USD": "1"}}}, "automaticApproval.maxAmountPerCase.USD"),
        ({"deductions": {"maxPercentWithoutReview": "120"}}, "deductions.maxPercentWithoutReview"),
        ({"withdrawl": {}}, "withdrawl"),
    ],
)
def test_policy_weaker_than_the_law_or_malformed_is_refused(document: dict[str, Any], path: str) -> None:
    assert path in policy_paths(document)


def test_statutory_default_round_trips_through_yaml() -> None:
    text = STATUTORY_DEFAULT.to_yaml()
    parsed = policy_from_yaml(text, version=STATUTORY_DEFAULT.version)
    assert parsed == STATUTORY_DEFAULT
    assert STATUTORY_DEFAULT.withdrawal_days == 14
    assert STATUTORY_DEFAULT.return_shipping_paid_by == "BUYER"
    assert STATUTORY_DEFAULT.refund_timing == "ON_RETURN_OR_PROOF_OF_DISPATCH"
    assert STATUTORY_DEFAULT.business_returns_allowed is False


def test_yaml_version_and_syntax_errors() -> None:
    assert (
        policy_from_yaml("version: shop-2025-03\nwithdrawal:\n  periodDays: 30\n").version == "shop-2025-03"
    )
    assert policy_from_yaml("withdrawal:\n  periodDays: 30\n").version.startswith("file/")
    with pytest.raises(ValidationFailed) as exc:
        policy_from_yaml("withdrawal: [\n")
    assert exc.value.errors[0][0].startswith("line")
