"""An in-memory Allegro for tests and demos, behaving like Allegro where money is concerned.

- `commandId` idempotency: a second POST with a known commandId returns the first refund, never a new one.
- 422 when a refund would exceed what was paid for a line (quantity or amount), for delivery or in total.
- Refunds start as NEW and become SUCCESS after `settle()`; CANCELED instead when the seller balance
  (`balances[account_pk]`) cannot cover them.
- Scripted faults (`fail_next`): 5xx, 429 or timeout before acting, or a dropped connection *after*
  acting (the refund exists but the caller sees an error — the "late response" case).
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from refund_desk.cases.models import Order, SellerAccount
from refund_desk.core.ports import GatewayNotFound, GatewayRejected, GatewayUnavailable
from refund_desk.logistics.gateway import TrackingScan, WaybillHistory, tracking_gateway
from refund_desk.payments.gateway import GatewayClaim, GatewayRefund, RecentRefunds, refund_gateway

BEFORE = ("5xx", "429", "timeout")
AFTER = "drop_after"


@dataclass
class FakePayment:
    order_id: str
    payment_id: str
    currency: str
    lines: dict[str, tuple[int, Decimal]]  # line id -> (quantity, unit price)
    delivery: Decimal


@dataclass
class FakeRefund:
    id: str
    account_pk: int
    command_id: str
    order_id: str
    payment_id: str
    status: str
    total: Decimal
    currency: str
    quantities: dict[str, int]
    amounts: dict[str, Decimal]
    delivery: Decimal
    created_at: datetime

    def details(self) -> GatewayRefund:
        return GatewayRefund(
            id=self.id,
            status=self.status,
            total=self.total,
            currency=self.currency,
            created_at=self.created_at,
            order_id=self.order_id,
            command_id=self.command_id,
        )


@dataclass
class FakeClaim:
    id: str
    account_pk: int
    line_item_id: str
    offer_id: str
    quantity: int
    status: str
    commission: Decimal
    currency: str
    type: str = "MANUAL"

    def details(self) -> GatewayClaim:
        return GatewayClaim(
            id=self.id,
            status=self.status,
            line_item_id=self.line_item_id,
            quantity=self.quantity,
            commission=self.commission,
            currency=self.currency,
            type=self.type,
        )


@dataclass
class FakeGateway:
    payments: dict[str, FakePayment] = field(default_factory=dict)
    refunds: dict[tuple[int, str], FakeRefund] = field(default_factory=dict)  # (account, commandId)
    balances: dict[int, Decimal] = field(default_factory=dict)
    claims: dict[str, FakeClaim] = field(default_factory=dict)
    line_offers: dict[str, str] = field(default_factory=dict)
    commission_rate: Decimal = Decimal("0.10")
    recent_page_size: int = 100
    tracking_data: dict[tuple[str, str], list[TrackingScan]] = field(default_factory=dict)
    faults: list[str] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    # --- set-up -----------------------------------------------------------------------------------

    def register_order(self, order: Order) -> None:
        """Make the order's payment refundable, with the amounts stored in the desk's snapshot."""
        self.payments[order.external_id] = FakePayment(
            order_id=order.external_id,
            payment_id=order.payment_id,
            currency=order.currency,
            lines={li.external_id: (li.quantity, li.unit_price) for li in order.line_items.all()},
            delivery=order.delivery_cost,
        )
        for li in order.line_items.all():
            self.line_offers[li.external_id] = li.offer_id

    def fail_next(self, *kinds: str) -> None:
        """Script the next calls' faults: '5xx', '429', 'timeout' (nothing done) or 'drop_after'."""
        self.faults.extend(kinds)

    def settle(self, status: str | None = None) -> None:
        """Finish every pending refund: SUCCESS if the balance covers it, else CANCELED (or `status`)."""
        for refund in self.refunds.values():
            if refund.status not in ("NEW", "IN_PROGRESS"):
                continue
            if status is not None:
                refund.status = status
                continue
            balance = self.balances.get(refund.account_pk)
            if balance is not None and balance < refund.total:
                refund.status = "CANCELED"
            else:
                refund.status = "SUCCESS"
                if balance is not None:
                    self.balances[refund.account_pk] = balance - refund.total

    def set_tracking(self, carrier_id: str, waybill: str, *scans: tuple[datetime, str]) -> None:
        self.tracking_data[(carrier_id, waybill)] = [
            TrackingScan(occurred_at=at, code=code) for at, code in scans
        ]

    def decide_claim(self, claim_id: str, status: str) -> None:
        self.claims[claim_id].status = status

    def add_automatic_claim(self, account: SellerAccount, line_item_id: str, quantity: int) -> str:
        claim_id = str(uuid.uuid4())
        self.claims[claim_id] = FakeClaim(
            id=claim_id,
            account_pk=account.pk,
            line_item_id=line_item_id,
            offer_id=self.line_offers.get(line_item_id, ""),
            quantity=quantity,
            status="IN_PROGRESS",
            commission=Decimal("1.00"),
            currency="PLN",
            type="AUTOMATIC",
        )
        return claim_id

    # --- faults -----------------------------------------------------------------------------------

    def _fault_before(self, operation: str) -> str | None:
        self.calls.append((operation, self.faults[0] if self.faults else "ok"))
        if not self.faults:
            return None
        kind = self.faults.pop(0)
        if kind in BEFORE:
            raise GatewayUnavailable(f"{operation}: simulated {kind}")
        return kind

    # --- refunds ----------------------------------------------------------------------------------

    def _refunded(self, order_id: str, exclude: str) -> tuple[dict[str, int], dict[str, Decimal], Decimal]:
        quantities: dict[str, int] = {}
        amounts: dict[str, Decimal] = {}
        delivery = Decimal(0)
        for refund in self.refunds.values():
            if refund.order_id != order_id or refund.command_id == exclude or refund.status == "CANCELED":
                continue
            for line_id, qty in refund.quantities.items():
                quantities[line_id] = quantities.get(line_id, 0) + qty
            for line_id, amount in refund.amounts.items():
                amounts[line_id] = amounts.get(line_id, Decimal(0)) + amount
            delivery += refund.delivery
        return quantities, amounts, delivery

    def initiate_refund(
        self, account: SellerAccount, command_id: str, payload: dict[str, Any]
    ) -> GatewayRefund:
        after = self._fault_before("initiateRefund")
        if not command_id or not payload.get("order", {}).get("id"):
            raise GatewayRejected("commandId and order.id are required", codes=["VALIDATION_ERROR"])
        existing = self.refunds.get((account.pk, command_id))
        if existing is not None:
            if after == AFTER:
                raise GatewayUnavailable("initiateRefund: connection dropped after the refund was accepted")
            return existing.details()
        payment = self.payments.get(payload["order"]["id"])
        if payment is None or payment.payment_id != payload.get("payment", {}).get("id"):
            raise GatewayNotFound("payment not found", codes=["NOT_FOUND"])
        done_qty, done_amount, done_delivery = self._refunded(payment.order_id, command_id)
        quantities: dict[str, int] = {}
        amounts: dict[str, Decimal] = {}
        for line in payload.get("lineItems") or []:
            if line["id"] not in payment.lines:
                raise GatewayRejected(f"unknown line item {line['id']}", codes=["VALIDATION_ERROR"])
            bought, unit = payment.lines[line["id"]]
            if line["type"] == "QUANTITY":
                quantities[line["id"]] = quantities.get(line["id"], 0) + int(line["quantity"])
                amount = unit * int(line["quantity"])
            else:
                amount = Decimal(line["value"]["amount"])
            amounts[line["id"]] = amounts.get(line["id"], Decimal(0)) + amount
            if done_qty.get(line["id"], 0) + quantities.get(line["id"], 0) > bought or (
                done_amount.get(line["id"], Decimal(0)) + amounts[line["id"]] > unit * bought
            ):
                raise GatewayRejected(
                    f"refund exceeds the paid value of line item {line['id']}",
                    codes=["VALIDATION_ERROR"],
                    user_message="The refund amount exceeds the amount paid for the item.",
                )
        delivery = Decimal((payload.get("delivery") or {}).get("value", {}).get("amount", "0"))
        if done_delivery + delivery > payment.delivery:
            raise GatewayRejected(
                "delivery refund exceeds the delivery cost",
                codes=["VALIDATION_ERROR"],
                user_message="The delivery refund exceeds the delivery cost paid.",
            )
        total = sum(amounts.values(), Decimal(0)) + delivery
        if total <= 0:
            raise GatewayRejected("nothing to refund", codes=["VALIDATION_ERROR"])
        refund = FakeRefund(
            id=str(uuid.uuid4()),
            account_pk=account.pk,
            command_id=command_id,
            order_id=payment.order_id,
            payment_id=payment.payment_id,
            status="NEW",
            total=total,
            currency=payment.currency,
            quantities=quantities,
            amounts=amounts,
            delivery=delivery,
            created_at=timezone.now(),
        )
        self.refunds[(account.pk, command_id)] = refund
        if after == AFTER:
            raise GatewayUnavailable("initiateRefund: connection dropped after the refund was accepted")
        return refund.details()

    def list_refunds(self, account: SellerAccount, order_id: str) -> list[GatewayRefund]:
        self._fault_before("getRefundedPayments")
        return [
            r.details()
            for r in self.refunds.values()
            if r.account_pk == account.pk and r.order_id == order_id
        ]

    def recent_refunds(self, account: SellerAccount, *, since: datetime, max_pages: int) -> RecentRefunds:
        """Newest first, `recent_page_size` per call; each page is one call (and can fail)."""
        found = sorted(
            (r for r in self.refunds.values() if r.account_pk == account.pk and r.created_at >= since),
            key=lambda r: r.created_at,
            reverse=True,
        )
        page = self.recent_page_size
        listed: list[GatewayRefund] = []
        for calls in range(1, max_pages + 1):
            self._fault_before("getRefundedPayments:since")
            listed.extend(r.details() for r in found[(calls - 1) * page : calls * page])
            if len(listed) >= len(found):
                return RecentRefunds(tuple(listed), complete=True, calls=calls)
        return RecentRefunds(tuple(listed), complete=False, calls=max_pages)

    def refund_count(self, order_id: str | None = None) -> int:
        return sum(1 for r in self.refunds.values() if order_id is None or r.order_id == order_id)

    # --- commission claims ------------------------------------------------------------------------

    def create_refund_claim(self, account: SellerAccount, line_item_id: str, quantity: int) -> str:
        self._fault_before("createRefundApplication")
        if any(c.line_item_id == line_item_id for c in self.claims.values()):
            raise GatewayRejected("ClaimExistsException", codes=["ClaimExistsException"])
        unit = next(
            (p.lines[line_item_id][1] for p in self.payments.values() if line_item_id in p.lines), None
        )
        currency = next((p.currency for p in self.payments.values() if line_item_id in p.lines), "PLN")
        claim_id = str(next(self._ids))
        self.claims[claim_id] = FakeClaim(
            id=claim_id,
            account_pk=account.pk,
            line_item_id=line_item_id,
            offer_id=self.line_offers.get(line_item_id, ""),
            quantity=quantity,
            status="IN_PROGRESS",
            commission=((unit or Decimal(0)) * quantity * self.commission_rate).quantize(Decimal("0.01")),
            currency=currency,
        )
        return claim_id

    def get_refund_claim(self, account: SellerAccount, claim_id: str) -> GatewayClaim:
        self._fault_before("getRefundApplication")
        claim = self.claims.get(claim_id)
        if claim is None or claim.account_pk != account.pk:
            raise GatewayNotFound(f"claim {claim_id} not found")
        return claim.details()

    def list_refund_claims(
        self, account: SellerAccount, *, offer_id: str | None = None
    ) -> list[GatewayClaim]:
        self._fault_before("getRefundApplications")
        return [
            c.details()
            for c in self.claims.values()
            if c.account_pk == account.pk and (offer_id is None or c.offer_id == offer_id)
        ]

    # --- tracking ---------------------------------------------------------------------------------

    def tracking(
        self, account: SellerAccount, carrier_id: str, waybills: Sequence[str]
    ) -> list[WaybillHistory]:
        self._fault_before("getParcelTrackingUsingGET")
        if not 1 <= len(waybills) <= 20:
            raise GatewayRejected("1 to 20 waybills per call")
        return [
            WaybillHistory(waybill=w, scans=tuple(self.tracking_data.get((carrier_id, w), [])))
            for w in waybills
        ]


@contextmanager
def gateway_override(gateway: Any) -> Iterator[Any]:
    """Serve refunds, claims and tracking from `gateway` (a FakeGateway, or an AllegroGateway over the
    emulator) inside the block."""
    with refund_gateway.override(gateway), tracking_gateway.override(gateway):
        yield gateway
