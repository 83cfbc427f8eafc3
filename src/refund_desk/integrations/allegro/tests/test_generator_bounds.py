"""The emulator's and the demo's generator hold the intake's limits: what they make, intake accepts."""

from __future__ import annotations

import copy
import random
from datetime import UTC, datetime
from typing import Any

import pytest

from refund_desk.ai.synthetic.casefiles import (
    MARKETPLACES,
    OutOfBounds,
    build_order,
    make_buyer,
    order_within_bounds,
)
from refund_desk.integrations.allegro.intake.common import amount_errors
from refund_desk.integrations.allegro.interface import CheckoutForm

MOMENT = datetime(2026, 11, 2, 10, tzinfo=UTC)


def _orders(count: int) -> list[dict[str, Any]]:
    rng = random.Random(11)
    return [
        build_order(rng, marketplace=marketplace, bought_at=MOMENT, buyer=make_buyer(rng), company=n % 7 == 0)
        for n in range(count)
        for marketplace in MARKETPLACES
    ]


def test_every_generated_order_passes_the_intake_models_and_limits() -> None:
    orders = _orders(500)
    for order in orders:
        form = CheckoutForm.model_validate(order)
        assert amount_errors(form, form.lineItems[0].price.currency) == [], order["id"]
    assert len(orders) == 2000


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda o: o["lineItems"][0]["price"].update(amount="0.00"), "lineItems[0].price.amount"),
        (lambda o: o["lineItems"][0]["price"].update(amount="1.005"), "lineItems[0].price.amount"),
        (lambda o: o["lineItems"][0].update(quantity=100_001), "lineItems[0].quantity"),
        (lambda o: o["lineItems"][0]["price"].update(amount="900000.00"), "lineItems[0]"),
        (lambda o: o["summary"]["totalToPay"].update(amount="1.00"), "summary.totalToPay"),
        (lambda o: o["payment"]["paidAmount"].update(amount="-1.00"), "payment.paidAmount"),
    ],
)
def test_the_generator_refuses_an_order_outside_the_limits_naming_the_field(change: Any, field: str) -> None:
    order = copy.deepcopy(next(o for o in _orders(1) if o["marketplace"]["id"] == "allegro-pl"))
    change(order)
    with pytest.raises(OutOfBounds, match=field.replace("[", r"\[").replace("]", r"\]")):
        order_within_bounds(order)
