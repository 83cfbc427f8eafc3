"""Money is exact, carries its currency and never mixes currencies."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refund_desk.core.errors import DomainError
from refund_desk.core.money import CurrencyMismatch, Money, money_sum, parse_amount

amounts = st.decimals(min_value=Decimal("-1000000"), max_value=Decimal("1000000"), places=2)


def test_parse_amount_is_exact_and_refuses_floats() -> None:
    assert parse_amount("0.10") + parse_amount("0.20") == Decimal("0.30")
    assert parse_amount(12) == Decimal("12")
    with pytest.raises(DomainError, match="decimal string"):
        parse_amount(0.1)
    for bad in ("abc", "", "NaN", "Infinity"):
        with pytest.raises(DomainError, match="not a valid amount"):
            parse_amount(bad)


def test_unknown_currency_is_refused() -> None:
    with pytest.raises(DomainError, match="unknown currency 'USD'"):
        Money.of("1.00", "USD")


def test_arithmetic_never_mixes_currencies() -> None:
    pln, eur = Money.of("10.00", "PLN"), Money.of("10.00", "EUR")
    with pytest.raises(CurrencyMismatch, match="PLN with EUR"):
        pln + eur
    with pytest.raises(CurrencyMismatch):
        pln - eur
    with pytest.raises(CurrencyMismatch):
        _ = pln < eur
    with pytest.raises(TypeError):
        pln * 1.5  # type: ignore[operator]


def test_json_shape_and_rounding_half_up() -> None:
    assert Money.of("2.345", "PLN").to_json() == {"amount": "2.35", "currency": "PLN"}
    assert Money.of("2.344", "HUF").to_json() == {"amount": "2.34", "currency": "HUF"}
    assert str(Money.of("1990", "HUF")) == "1990.00 HUF"


def test_sum_of_nothing_is_zero_in_that_currency() -> None:
    assert money_sum([], "CZK") == Money.zero("CZK")


@given(st.lists(amounts, max_size=20))
def test_sum_equals_decimal_sum(values: list[Decimal]) -> None:
    total = money_sum((Money(v, "PLN") for v in values), "PLN")
    assert total.amount == sum(values, Decimal("0"))
    assert total.currency == "PLN"


@given(amounts, amounts)
def test_subtraction_inverts_addition(a: Decimal, b: Decimal) -> None:
    assert (Money(a, "EUR") + Money(b, "EUR") - Money(b, "EUR")) == Money(a, "EUR")
