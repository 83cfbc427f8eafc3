"""Money: a Decimal amount with an explicit ISO 4217 currency. Never floats, never mixed currencies."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from refund_desk.core.errors import DomainError

SUPPORTED_CURRENCIES = ("PLN", "CZK", "EUR", "HUF")
MARKETPLACE_CURRENCY = {
    "allegro-pl": "PLN",
    "allegro-cz": "CZK",
    "allegro-sk": "EUR",
    "allegro-hu": "HUF",
}
CENT = Decimal("0.01")
# The largest quantity of one line the desk accepts (Allegro's own limits are far lower).
MAX_QUANTITY = 100_000


def amount_limit(setting: dict[str, str], currency: str) -> Decimal:
    """A per-currency limit from a setting such as INTAKE_MAX_LINE_AMOUNT (1,000,000,000 if it names none)."""
    return Decimal(str(setting.get(currency, "1000000000")))


class CurrencyMismatch(DomainError):
    """Two amounts in different currencies were combined."""


def parse_amount(value: object) -> Decimal:
    """Parse an Allegro amount ("12.30", 12, Decimal) exactly; floats are refused."""
    if isinstance(value, (bool, float)):
        raise DomainError(f"amount must be a decimal string, got {value!r}")
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise DomainError(f"not a valid amount: {value!r}") from exc
    if not amount.is_finite():
        raise DomainError(f"not a valid amount: {value!r}")
    return amount


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount in one currency."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError("Money.amount must be a Decimal")
        if self.currency not in SUPPORTED_CURRENCIES:
            raise DomainError(f"unknown currency {self.currency!r}; expected one of {SUPPORTED_CURRENCIES}")

    @classmethod
    def of(cls, amount: object, currency: str) -> Money:
        return cls(parse_amount(amount), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal("0.00"), currency)

    def _check(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: int | Decimal) -> Money:
        if isinstance(factor, (float, bool)):
            raise TypeError("Money can be multiplied by int or Decimal only")
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._check(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._check(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._check(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._check(other)
        return self.amount >= other.amount

    def rounded(self) -> Money:
        """Round half up to the minor unit (Allegro amounts carry two decimals in every currency)."""
        return Money(self.amount.quantize(CENT, rounding=ROUND_HALF_UP), self.currency)

    @property
    def is_zero(self) -> bool:
        return self.amount == 0

    def to_json(self) -> dict[str, str]:
        """Allegro's Price shape: {"amount": "12.30", "currency": "PLN"}."""
        return {"amount": f"{self.rounded().amount:.2f}", "currency": self.currency}

    def __str__(self) -> str:
        return f"{self.rounded().amount:.2f} {self.currency}"


def money_sum(items: Iterable[Money], currency: str) -> Money:
    """Sum amounts of one currency; an empty sum is zero in that currency."""
    total = Money.zero(currency)
    for item in items:
        total = total + item
    return total
