"""Properties of every evaluation: bounded, non-negative, one currency, deterministic."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from refund_desk.core.money import Money
from refund_desk.integrations.allegro.documents import parse_case
from refund_desk.policy.engine import evaluate, policy_from_document
from refund_desk.policy.engine.law import RESTRICTION_CAUSES
from refund_desk.policy.tests.builders import CURRENCY, case, customer_return, line, order

amounts = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("5000.00"), places=2)
prices = st.decimals(
    min_value=Decimal("0.01"), max_value=Decimal("5000.00"), places=2
)  # sold for more than 0
moments = st.sampled_from(
    [
        "2025-03-01T00:00:00+01:00",
        "2025-03-10T23:59:59+01:00",
        "2025-03-18T00:00:00+01:00",
        "2025-10-26T02:30:00+01:00",
        "2025-12-24T12:00:00+01:00",
        "2026-04-01T12:00:00+02:00",
    ]
)


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    marketplace = draw(st.sampled_from(sorted(CURRENCY)))
    currency = CURRENCY[marketplace]
    count = draw(st.integers(1, 4))
    lines = [
        line(f"li-{i}", f"offer-{i % 3}", draw(st.integers(1, 3)), str(draw(prices)), currency)
        for i in range(count)
    ]
    bought: dict[str, int] = {}
    for item in lines:
        bought[item["offer"]["id"]] = bought.get(item["offer"]["id"], 0) + item["quantity"]
    returned = [
        (offer, draw(st.integers(1, qty)), draw(st.sampled_from(["NONE", "DAMAGED", "DONT_LIKE_IT"])))
        for offer, qty in bought.items()
        if draw(st.booleans())
    ] or [(next(iter(bought)), 1, "NONE")]
    data = case(
        marketplace,
        order_data=order(
            marketplace,
            lines=lines,
            delivery_cost=str(draw(amounts)),
            smart=draw(st.booleans()),
            company=draw(st.booleans()),
        ),
        return_data=customer_return(
            returned,
            created_at=draw(moments),
            marketplace=marketplace,
            status=draw(st.sampled_from(["CREATED", "DISPATCHED", "DELIVERED"])),
        ),
        delivered_at=draw(st.one_of(st.none(), moments)),
        buyerInformedOfWithdrawalRight=draw(st.booleans()),
        offers={
            offer: {
                "restriction": draw(st.sampled_from(RESTRICTION_CAUSES)),
                "sealBroken": draw(st.booleans()),
            }
            for offer in bought
            if draw(st.integers(0, 3)) == 0
        },
    )
    if draw(st.booleans()):
        data["deductions"] = [
            {
                "lineItemId": lines[0]["id"],
                "amount": {"amount": str(draw(amounts)), "currency": currency},
                "reason": "scratches",
            }
        ]
    return data


policies = st.builds(
    lambda days, timing, partial, business: policy_from_document(
        {
            "withdrawal": {"periodDays": days, "refundTiming": timing, "businessReturnsAllowed": business},
            "delivery": {"refundOnPartialWithdrawal": partial},
        },
        version="prop",
    ),
    st.integers(14, 60),
    st.sampled_from(["ON_RETURN_OR_PROOF_OF_DISPATCH", "ON_DISPATCH", "IMMEDIATELY"]),
    st.booleans(),
    st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(cases(), policies)
def test_refund_is_bounded_non_negative_single_currency_and_deterministic(
    data: dict[str, Any], policy: Any
) -> None:
    parsed = parse_case(data)
    evaluation = evaluate(parsed, policy, lang="en")
    currency = parsed.currency
    # Never mixes currencies.
    assert evaluation.total.currency == currency
    assert all(x.value.currency == currency for x in evaluation.lines)
    # Never negative.
    assert evaluation.total.amount >= 0
    assert all(x.value.amount >= 0 for x in evaluation.lines)
    # Never more than what was paid for the returned items plus the delivery cost.
    paid = Money.zero(currency)
    assert parsed.customer_return is not None
    for item in parsed.customer_return.items:
        unit_prices = sorted(
            (li.price.amount for li in parsed.order.lines if li.offer_id == item.offer_id), reverse=True
        )
        paid = paid + Money(unit_prices[0] * item.quantity, currency)
    order = parsed.order
    refundable_delivery = order.delivery_cost if order.delivery_cost and not order.delivery_smart else None
    limit = paid + refundable_delivery if refundable_delivery else paid
    assert evaluation.total <= limit.rounded()
    if evaluation.delivery is not None:
        assert refundable_delivery is not None and evaluation.delivery <= refundable_delivery
    # Quantity lines never exceed what was bought on the line.
    bought = {li.id: li.quantity for li in parsed.order.lines}
    assert all(x.quantity is None or 0 < x.quantity <= bought[x.line_item_id] for x in evaluation.lines)
    # Deterministic.
    assert evaluate(parse_case(data), policy, lang="en").to_json() == evaluation.to_json()
