"""Typed Allegro responses the client returns (beyond the case-file models in interface.py).

Enum-like fields are plain strings: a value Allegro adds tomorrow is kept and logged, never fatal.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from refund_desk.integrations.allegro.interface import (
    AllegroModel,
    CustomerReturn,
    JsonDecimal,
    PostPurchaseIssue,
    Price,
)

logger = logging.getLogger("refund_desk.integrations.allegro")
_reported: set[tuple[str, str]] = set()

KNOWN = {
    "OrderEvent.type": {
        "BOUGHT",
        "FILLED_IN",
        "READY_FOR_PROCESSING",
        "BUYER_CANCELLED",
        "FULFILLMENT_STATUS_CHANGED",
        "BUYER_MODIFIED",
        "AUTO_CANCELLED",
    },
    "CustomerReturn.status": {
        "CREATED",
        "DISPATCHED",
        "IN_TRANSIT",
        "DELIVERED",
        "FINISHED",
        "FINISHED_APT",
        "REJECTED",
        "COMMISSION_REFUND_CLAIMED",
        "COMMISSION_REFUNDED",
        "WAREHOUSE_DELIVERED",
        "WAREHOUSE_VERIFICATION",
    },
    "RefundDetails.status": {
        "NEW",
        "VALIDATED",
        "VALIDATE_FAILED",
        "IN_PROGRESS",
        "PARTIAL",
        "SUCCESS",
        "CANCELED",
        "WAITING",
    },
    "RefundClaim.status": {
        "IN_PROGRESS",
        "WAITING_FOR_PAYMENT_REFUND",
        "GRANTED",
        "REJECTED",
        "REJECTED_AFTER_APPEAL",
        "CANCELLED",
        "APPEALED",
    },
    "TrackingStatus.code": {
        "PENDING",
        "IN_TRANSIT",
        "RELEASED_FOR_DELIVERY",
        "AVAILABLE_FOR_PICKUP",
        "NOTICE_LEFT",
        "DELIVERED",
        "ISSUE",
        "RETURNED",
    },
    "PostPurchaseIssue.status": {
        "DISPUTE_ONGOING",
        "DISPUTE_UNRESOLVED",
        "DISPUTE_CLOSED",
        "CLAIM_SUBMITTED",
        "CLAIM_ACCEPTED",
        "CLAIM_REJECTED",
    },
}


def note_enum(field: str, value: str | None) -> str | None:
    """Keep unknown enum values, and log each new one once."""
    if value is not None and value not in KNOWN[field] and (field, value) not in _reported:
        _reported.add((field, value))
        logger.warning("Allegro sent an unknown %s value %r; keeping it as is", field, value)
    return value


def tolerated(field: str) -> AfterValidator:
    """Validator for an enum-like string field: any value is kept, an unknown one is logged once."""

    def check(value: str) -> str:
        note_enum(field, value)
        return value

    return AfterValidator(check)


class CustomerReturnsPage:
    """One page of GET /order/customer-returns, kept raw (intake fingerprints the raw payload)."""

    def __init__(self, raw: list[dict[str, Any]], count: int):
        self.raw = raw
        self.count = count

    @property
    def returns(self) -> list[CustomerReturn]:
        parsed = [CustomerReturn.model_validate(item) for item in self.raw]
        for ret in parsed:
            note_enum("CustomerReturn.status", ret.status)
        return parsed


class CheckoutFormRef(AllegroModel):
    id: str
    revision: str | None = None


class EventOrder(AllegroModel):
    checkoutForm: CheckoutFormRef | None = None
    marketplace: dict[str, Any] | None = None
    buyer: dict[str, Any] | None = None


class OrderEvent(AllegroModel):
    id: str
    type: Annotated[str, tolerated("OrderEvent.type")]
    occurredAt: datetime
    order: EventOrder


class OrderEventsPage(AllegroModel):
    events: list[OrderEvent] = Field(default_factory=list)


class LatestEvent(AllegroModel):
    id: str
    occurredAt: datetime


class OrderEventStats(AllegroModel):
    latestEvent: LatestEvent | None = None


class Carrier(AllegroModel):
    id: str
    name: str = ""


class CarriersList(AllegroModel):
    carriers: list[Carrier] = Field(default_factory=list)


class TrackingStatus(AllegroModel):
    occurredAt: datetime
    code: Annotated[str, tolerated("TrackingStatus.code")]
    description: str | None = None


class TrackingDetails(AllegroModel):
    createdAt: datetime | None = None
    updatedAt: datetime | None = None
    statuses: list[TrackingStatus] = Field(default_factory=list)


class WaybillTracking(AllegroModel):
    waybill: str
    trackingDetails: TrackingDetails | None = None


class CarrierTracking(AllegroModel):
    carrierId: str
    waybills: list[WaybillTracking] = Field(default_factory=list)


class IdRef(AllegroModel):
    id: str


class RefundLine(AllegroModel):
    id: str
    type: str
    quantity: int | None = None
    value: Price | None = None


class RefundDetails(AllegroModel):
    id: str
    status: Annotated[str, tolerated("RefundDetails.status")]
    reason: str | None = None
    createdAt: datetime
    totalValue: Price | None = None
    payment: IdRef
    order: IdRef | None = None
    lineItems: list[RefundLine] = Field(default_factory=list)
    sellerComment: str | None = None


class RefundList(AllegroModel):
    refunds: list[RefundDetails] = Field(default_factory=list)
    count: int = 0
    totalCount: int = 0


class Commission(AllegroModel):
    amount: JsonDecimal  # a JSON number in Allegro's answer
    currency: str


class RefundClaim(AllegroModel):
    id: str
    status: Annotated[str, tolerated("RefundClaim.status")]
    quantity: int | None = None
    commission: Commission | None = None
    type: str | None = None
    createdAt: datetime | None = None
    lineItem: dict[str, Any] | None = None


class RefundClaimList(AllegroModel):
    refundClaims: list[RefundClaim] = Field(default_factory=list)
    count: int = 0


class IssueList(AllegroModel):
    issues: list[PostPurchaseIssue] = Field(default_factory=list)


class IssueMessageAuthor(AllegroModel):
    login: str | None = None
    role: str | None = None


class IssueMessage(AllegroModel):
    id: str
    text: str | None = None
    author: IssueMessageAuthor | None = None
    createdAt: datetime


class IssueChat(AllegroModel):
    chat: list[IssueMessage] = Field(default_factory=list)


class Interlocutor(AllegroModel):
    login: str | None = None


class Thread(AllegroModel):
    id: str
    read: bool
    lastMessageDateTime: datetime | None = None
    interlocutor: Interlocutor | None = None


class ThreadList(AllegroModel):
    threads: list[Thread] = Field(default_factory=list)
    offset: int = 0
    limit: int = 20


class MessageAuthor(AllegroModel):
    login: str
    isInterlocutor: bool = False


class Message(AllegroModel):
    id: str
    status: str
    type: str
    createdAt: datetime
    text: str
    author: MessageAuthor
    relatesTo: dict[str, Any] | None = None
    thread: dict[str, Any] | None = None


class MessageList(AllegroModel):
    messages: list[Message] = Field(default_factory=list)
    offset: int = 0
    limit: int = 20


class Me(AllegroModel):
    id: str
    login: str
    email: str | None = None
    baseMarketplace: dict[str, Any] | None = None
