"""Risk features of one refund request: a pure function of the request, the buyer's and the offer's
aggregates (BuyerStats/OfferStats, or the same numbers kept by the history generator) and the comment
classifier's reading of the buyer's comment. No database access here; missing facts become NaN.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from refund_desk.ai.choices import DEFECT_REASONS, REASONS

# Foreign currency units per PLN (rough, stable enough for a risk feature; money itself is never converted).
PLN_RATES: dict[str, float] = {"PLN": 1.0, "CZK": 5.9, "EUR": 0.23, "HUF": 92.0}
MARKETPLACE_CODES: tuple[str, ...] = ("allegro-pl", "allegro-cz", "allegro-sk", "allegro-hu")
KIND_CODES: tuple[str, ...] = ("WITHDRAWAL", "COMPLAINT", "CANCELLATION", "OTHER")
ONLINE_PAYMENTS = frozenset({"ONLINE", "SPLIT_PAYMENT", "EXTENDED_TERM"})

FEATURES: tuple[str, ...] = (
    "buyer_prior_cases",
    "buyer_prior_orders",
    "buyer_return_rate",
    "buyer_not_approved",
    "buyer_not_approved_rate",
    "buyer_complaints",
    "buyer_days_since_last_case",
    "account_age_days",
    "amount_pln",
    "order_total_pln",
    "share_of_order",
    "days_since_purchase",
    "days_since_delivery",
    "reason",
    "reason_is_defect",
    "comment_reason_mismatch",
    "comment_damage",
    "comment_legal_threat",
    "comment_abusive",
    "comment_empty",
    "comment_confidence",
    "offer_return_rate",
    "offer_not_approved_rate",
    "has_return_parcel",
    "business_purchase",
    "paid_offline",
    "marketplace",
    "kind",
    "items",
)
INDEX = {name: i for i, name in enumerate(FEATURES)}
CATEGORICAL = ("reason", "marketplace", "kind")
CATEGORICAL_MASK = np.array([name in CATEGORICAL for name in FEATURES])

# Factor groups used to explain a score: the group's features are set to typical values and the change
# in the score is the group's contribution.
GROUPS: dict[str, tuple[str, ...]] = {
    "buyer_history": (
        "buyer_prior_cases",
        "buyer_prior_orders",
        "buyer_return_rate",
        "buyer_not_approved",
        "buyer_not_approved_rate",
        "buyer_complaints",
        "buyer_days_since_last_case",
    ),
    "account_age": ("account_age_days",),
    "value": ("amount_pln", "order_total_pln", "share_of_order"),
    "timing": ("days_since_purchase", "days_since_delivery"),
    "reason_and_comment": (
        "reason",
        "reason_is_defect",
        "comment_reason_mismatch",
        "comment_damage",
        "comment_legal_threat",
        "comment_abusive",
        "comment_empty",
        "comment_confidence",
    ),
    "offer": ("offer_return_rate", "offer_not_approved_rate"),
    "parcel": ("has_return_parcel",),
    "purchase": ("business_purchase", "paid_offline", "items"),
    "marketplace": ("marketplace", "kind"),
}


@dataclass(slots=True)
class BuyerHistory:
    """What the seller knows about a buyer before this request (mirror of a BuyerStats row)."""

    orders: int = 0
    cases: int = 0
    decided: int = 0
    not_approved: int = 0
    complaints: int = 0
    first_seen_at: datetime | None = None
    last_case_at: datetime | None = None


@dataclass(slots=True)
class OfferHistory:
    """Aggregates of one offer (mirror of an OfferStats row)."""

    orders: int = 0
    cases: int = 0
    decided: int = 0
    not_approved: int = 0


@dataclass(slots=True)
class CommentReading:
    """The parts of the comment classifier's answer the risk model uses."""

    flags: Sequence[str] = ()
    confidence: float = math.nan
    empty: bool = True

    @classmethod
    def from_analysis(cls, analysis: Any, text: str) -> CommentReading:
        return cls(flags=tuple(analysis.flags), confidence=float(analysis.confidence), empty=not text.strip())


@dataclass(slots=True)
class RequestFacts:
    """The request itself, as read from a case or a generated case file."""

    marketplace: str
    kind: str
    currency: str
    reason: str
    amount: float
    order_total: float | None
    items: int
    opened_at: datetime
    bought_at: datetime | None
    delivered_at: datetime | None = None
    has_return_parcel: bool = False
    business_purchase: bool = False
    payment_type: str = ""
    offer_ids: Sequence[str] = field(default_factory=tuple)


def _days(later: datetime, earlier: datetime | None) -> float:
    if earlier is None:
        return math.nan
    return (later - earlier).total_seconds() / 86400.0


def _rate(part: int, whole: int) -> float:
    return part / whole if whole > 0 else math.nan


def _pln(amount: float | None, currency: str) -> float:
    if amount is None:
        return math.nan
    rate = PLN_RATES.get(currency)
    return amount / rate if rate else math.nan


def _code(value: str, codes: Sequence[str]) -> float:
    try:
        return float(codes.index(value))
    except ValueError:
        return math.nan  # unknown values are treated like missing ones


def feature_vector(
    request: RequestFacts, buyer: BuyerHistory, offer: OfferHistory, comment: CommentReading
) -> np.ndarray:
    """The model's input row (float64, NaN where a fact is unknown)."""
    amount = _pln(request.amount, request.currency)
    total = _pln(request.order_total, request.currency)
    flags = set(comment.flags)
    has_comment = not comment.empty
    row = [
        float(buyer.cases),
        float(buyer.orders),
        _rate(buyer.cases, buyer.orders),
        float(buyer.not_approved),
        _rate(buyer.not_approved, buyer.decided),
        float(buyer.complaints),
        _days(request.opened_at, buyer.last_case_at),
        _days(request.opened_at, buyer.first_seen_at),
        amount,
        total,
        amount / total if total and not math.isnan(total) and total > 0 else math.nan,
        _days(request.opened_at, request.bought_at),
        _days(request.opened_at, request.delivered_at),
        _code(request.reason or "NONE", REASONS),
        float(request.reason in DEFECT_REASONS),
        float("reason_mismatch" in flags) if has_comment else math.nan,
        float("damage" in flags) if has_comment else math.nan,
        float("legal_threat" in flags) if has_comment else math.nan,
        float("abusive_language" in flags) if has_comment else math.nan,
        float(comment.empty),
        comment.confidence if has_comment else math.nan,
        _rate(offer.cases, offer.orders),
        _rate(offer.not_approved, offer.decided),
        float(request.has_return_parcel),
        float(request.business_purchase),
        float(bool(request.payment_type) and request.payment_type not in ONLINE_PAYMENTS)
        if request.payment_type
        else math.nan,
        _code(request.marketplace, MARKETPLACE_CODES),
        _code(request.kind, KIND_CODES),
        float(request.items),
    ]
    return np.asarray(row, dtype=np.float64)


def features_to_json(row: np.ndarray) -> dict[str, float | None]:
    """A feature row as JSON (NaN → null), the form reviews record and replays read back."""
    return {
        name: (None if math.isnan(v) else round(float(v), 6)) for name, v in zip(FEATURES, row, strict=True)
    }


def features_from_json(data: dict[str, Any]) -> np.ndarray:
    return np.asarray(
        [math.nan if data.get(name) is None else float(data[name]) for name in FEATURES], dtype=np.float64
    )


# --- plain words --------------------------------------------------------------------------------


def _fmt(value: float, digits: int = 0) -> str:
    if math.isnan(value):
        return "unknown"
    return f"{value:.{digits}f}"


def describe_group(group: str, row: np.ndarray) -> str:
    """What this request looks like on one factor group, in words an agent understands."""

    def v(name: str) -> float:
        return float(row[INDEX[name]])

    if group == "buyer_history":
        cases, orders = v("buyer_prior_cases"), v("buyer_prior_orders")
        if cases == 0:
            return "first refund request from this buyer"
        text = f"buyer asked for {_fmt(cases)} earlier refunds on {_fmt(orders)} orders"
        if not math.isnan(v("buyer_not_approved_rate")):
            text += f"; {_fmt(v('buyer_not_approved'))} of them were not approved as asked"
        if v("buyer_complaints"):
            text += f"; {_fmt(v('buyer_complaints'))} complaints"
        return text
    if group == "account_age":
        days = v("account_age_days")
        return "buyer first seen today" if days < 1 else f"buyer known for {_fmt(days)} days"
    if group == "value":
        return f"requested {_fmt(v('amount_pln'))} PLN (about) of an order worth {_fmt(v('order_total_pln'))} PLN"
    if group == "timing":
        text = f"asked {_fmt(v('days_since_purchase'), 1)} days after purchase"
        if not math.isnan(v("days_since_delivery")):
            text += f", {_fmt(v('days_since_delivery'), 1)} days after delivery"
        return text
    if group == "reason_and_comment":
        code = v("reason")
        reason = REASONS[int(code)] if not math.isnan(code) else "an unknown reason"
        if v("comment_empty") == 1:
            return f"reason {reason}, no comment"
        parts = [f"reason {reason}"]
        if v("comment_reason_mismatch") == 1:
            parts.append("the comment contradicts the chosen reason")
        if v("comment_damage") == 1:
            parts.append("the comment describes damage")
        if v("comment_legal_threat") == 1:
            parts.append("the comment threatens legal steps")
        if v("comment_abusive") == 1:
            parts.append("abusive language")
        if len(parts) == 1:
            parts.append("the comment fits the reason")
        return ", ".join(parts)
    if group == "offer":
        rate = v("offer_return_rate")
        return "no return history for this offer" if math.isnan(rate) else f"offer return rate {rate:.0%}"
    if group == "parcel":
        return "return parcel registered" if v("has_return_parcel") == 1 else "no return parcel yet"
    if group == "purchase":
        parts = ["company purchase" if v("business_purchase") == 1 else "consumer purchase"]
        if v("paid_offline") == 1:
            parts.append("paid offline")
        parts.append(f"{_fmt(v('items'))} item line(s)")
        return ", ".join(parts)
    code = v("marketplace")
    return f"marketplace {MARKETPLACE_CODES[int(code)] if not math.isnan(code) else 'unknown'}"
