"""The payments app's port to the marketplace: refunds and commission refund claims, typed.

The Allegro integration provides `refund_gateway` (integrations/allegro/gateway.py); unit tests override
it with an in-memory fake. Errors (`core.ports`) are split by what the caller should do: retry with the
same commandId, stop and tell a person, or treat the id as unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from refund_desk.cases.models import SellerAccount
from refund_desk.core.ports import (
    GatewayError,
    GatewayNotFound,
    GatewayRejected,
    GatewayUnavailable,
    Port,
)


class RemoteRefundStatus:
    """A refund's state as the marketplace reports it (Allegro's RefundDetails.status values; others are
    passed through as they come)."""

    NEW = "NEW"
    VALIDATED = "VALIDATED"
    VALIDATE_FAILED = "VALIDATE_FAILED"
    IN_PROGRESS = "IN_PROGRESS"
    PARTIAL = "PARTIAL"
    SUCCESS = "SUCCESS"
    CANCELED = "CANCELED"


# After these nothing will change any more.
FINAL_REFUND_STATUSES = frozenset(
    {RemoteRefundStatus.SUCCESS, RemoteRefundStatus.CANCELED, RemoteRefundStatus.VALIDATE_FAILED}
)


@dataclass(frozen=True, slots=True)
class GatewayRefund:
    """Allegro's RefundDetails, reduced to what reconciliation needs."""

    id: str
    status: str
    total: Decimal | None
    currency: str | None
    created_at: datetime | None = None
    order_id: str | None = None
    command_id: str | None = None

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_REFUND_STATUSES


@dataclass(frozen=True, slots=True)
class GatewayClaim:
    """Allegro's RefundClaim (commission refund application)."""

    id: str
    status: str
    line_item_id: str | None
    quantity: int | None
    commission: Decimal | None
    currency: str | None
    type: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class RecentRefunds:
    """The account's refunds since a moment, newest first; `complete` is False when paging stopped early."""

    refunds: tuple[GatewayRefund, ...]
    complete: bool
    calls: int


class RefundGateway(Protocol):
    def initiate_refund(
        self, account: SellerAccount, command_id: str, payload: dict[str, Any]
    ) -> GatewayRefund: ...

    def list_refunds(self, account: SellerAccount, order_id: str) -> list[GatewayRefund]: ...

    def recent_refunds(self, account: SellerAccount, *, since: datetime, max_pages: int) -> RecentRefunds: ...

    def create_refund_claim(self, account: SellerAccount, line_item_id: str, quantity: int) -> str: ...

    def get_refund_claim(self, account: SellerAccount, claim_id: str) -> GatewayClaim: ...

    def list_refund_claims(
        self, account: SellerAccount, *, offer_id: str | None = None
    ) -> list[GatewayClaim]: ...


refund_gateway: Port[RefundGateway] = Port("payments.refund_gateway")

__all__ = [
    "FINAL_REFUND_STATUSES",
    "GatewayClaim",
    "GatewayError",
    "GatewayNotFound",
    "GatewayRefund",
    "GatewayRejected",
    "GatewayUnavailable",
    "RecentRefunds",
    "RefundGateway",
    "RemoteRefundStatus",
    "refund_gateway",
]
