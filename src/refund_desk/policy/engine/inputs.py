"""Engine input: a refund case in the engine's own terms, plus the facts a marketplace does not carry.

These types name only what the rules read. An adapter fills them: for Allegro,
`integrations/allegro/documents.py` turns a case document (the checkout form with its customer return or
post-purchase issue, in Allegro's shapes) into a `CaseInput`; the policy app reaches it through the
`policy.documents.case_documents` port. Nothing here knows a marketplace's payloads or status codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from refund_desk.core.money import Money


@dataclass(frozen=True, slots=True)
class LineInput:
    """A line of the order: one offer, how many were bought, the unit price paid."""

    id: str
    offer_id: str
    offer_name: str
    quantity: int
    price: Money
    bought_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class OrderInput:
    """The order a request is about. `unpaid`: the buyer has not paid yet (nothing to refund);
    `status` is the marketplace's word for the order's state, quoted in the trace."""

    id: str
    lines: tuple[LineInput, ...]
    status: str = ""
    unpaid: bool = False
    cash_on_delivery: bool = False
    delivery_cost: Money | None = None
    delivery_smart: bool = False
    business: bool = False


@dataclass(frozen=True, slots=True)
class ReturnItemInput:
    offer_id: str
    quantity: int
    reason: str = "NONE"


@dataclass(frozen=True, slots=True)
class ReturnInput:
    """A withdrawal: when the statement came, what goes back, and what the marketplace knows of the parcel
    (`goods_back`: delivered to the seller; `dispatched`: a carrier has it; `waybill`: a parcel is
    registered)."""

    id: str
    created_at: datetime
    items: tuple[ReturnItemInput, ...]
    goods_back: bool = False
    dispatched: bool = False
    waybill: bool = False


@dataclass(frozen=True, slots=True)
class ExpectationInput:
    """What the buyer asks for in a complaint (REPAIR, EXCHANGE, REFUND, PARTIAL_REFUND), with its amount."""

    name: str | None
    refund: Money | None = None


@dataclass(frozen=True, slots=True)
class IssueInput:
    """A complaint (`claim`) or a dispute about the order. `status` is ACCEPTED, REJECTED or OPEN once
    a claim is answered or not; `due_at` is the marketplace's answer deadline, when it gives one."""

    claim: bool
    status: str = "OPEN"
    opened_at: datetime | None = None
    due_at: datetime | None = None
    return_required: bool = False
    expectations: tuple[ExpectationInput, ...] = ()
    offer_id: str | None = None
    offer_quantity: int | None = None


class IssueStatus:
    OPEN = "OPEN"
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"


@dataclass(frozen=True, slots=True)
class OfferFacts:
    """What the seller knows about an offer: its restriction cause, category and, after inspection, the seal."""

    restriction: str | None = None
    category: str | None = None
    seal_broken: bool | None = None


@dataclass(frozen=True, slots=True)
class Deduction:
    """A deduction for diminished value found at inspection (Dir. 2011/83/EU Art. 14(2))."""

    line_item_id: str
    amount: Money
    reason: str


@dataclass(frozen=True, slots=True)
class CancellationInput:
    """An order cancelled after it was paid (Allegro order events BUYER_CANCELLED, AUTO_CANCELLED)."""

    type: str
    at: datetime


@dataclass(frozen=True, slots=True)
class CaseInput:
    order: OrderInput
    marketplace: str
    currency: str
    customer_return: ReturnInput | None = None
    issue: IssueInput | None = None
    cancellation: CancellationInput | None = None
    delivered_at: datetime | None = None
    return_dispatched_at: datetime | None = None
    return_delivered_at: datetime | None = None
    buyer_informed: bool = True
    offers: Mapping[str, OfferFacts] = field(default_factory=dict)
    deductions: tuple[Deduction, ...] = ()
    cheapest_standard_delivery: Money | None = None
    buyer_cases_last_30_days: int | None = None
    now: datetime | None = None
