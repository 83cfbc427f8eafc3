"""The refund ledgers: what every order line, delivery and order has paid and has held for refunds.

A refund holds its amounts when it is created and gives them back when it fails, is canceled or
declined; the holds can never exceed what was paid (checked here, enforced by database constraints).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F

from refund_desk.cases.models import OrderLineItem, RefundCase
from refund_desk.core.errors import DomainError
from refund_desk.core.money import CENT
from refund_desk.payments.models import LineRefundLedger, OrderRefundLedger, RefundOrder


class OverRefund(DomainError):
    """A refund would return more than was paid for a line, the delivery or the order."""


@dataclass(frozen=True, slots=True)
class PlannedLine:
    """An order line with what a refund pays back for it (units or a value)."""

    line: OrderLineItem
    type: str
    quantity: int | None
    amount: Decimal


def _ledger_for_line(line: OrderLineItem) -> LineRefundLedger:
    ledger, _ = LineRefundLedger.objects.get_or_create(
        line_item=line,
        defaults={
            "paid_quantity": line.quantity,
            "paid_amount": (line.unit_price * line.quantity).quantize(CENT),
        },
    )
    return ledger


def _ledger_for_order(case: RefundCase) -> OrderRefundLedger:
    order = case.order
    lines_paid = sum((li.unit_price * li.quantity for li in order.line_items.all()), Decimal(0))
    paid = order.paid_amount or order.total_to_pay or (lines_paid + order.delivery_cost)
    ledger, _ = OrderRefundLedger.objects.get_or_create(
        order=order, defaults={"paid_total": paid.quantize(CENT), "paid_delivery": order.delivery_cost}
    )
    return ledger


def ledger_hold(case: RefundCase, planned: Sequence[PlannedLine], delivery: Decimal, sign: int) -> None:
    """Add (sign=1) or release (sign=-1) amounts on the ledgers, locking rows in pk order.

    The code checks first to explain the problem in plain words; the database CHECK constraints refuse
    an over-refund even if two transactions raced past the check.
    """
    order_ledger = _ledger_for_order(case)
    line_ledgers = {p.line.pk: _ledger_for_line(p.line) for p in planned}
    locked_lines = {
        row.line_item_id: row
        for row in LineRefundLedger.objects.select_for_update()
        .filter(pk__in=[ledger.pk for ledger in line_ledgers.values()])
        .order_by("pk")
    }
    locked_order = OrderRefundLedger.objects.select_for_update().get(pk=order_ledger.pk)
    total = sum((p.amount for p in planned), Decimal(0)) + delivery
    if sign > 0:
        problems: list[str] = []
        for p in planned:
            row = locked_lines[p.line.pk]
            if p.quantity and row.held_quantity + p.quantity > row.paid_quantity:
                problems.append(
                    f"{p.line.offer_name or p.line.external_id}: {row.paid_quantity - row.held_quantity} "
                    f"of {row.paid_quantity} units are left to refund"
                )
            elif row.held_amount + p.amount > row.paid_amount:
                problems.append(
                    f"{p.line.offer_name or p.line.external_id}: {row.paid_amount - row.held_amount:.2f} "
                    f"{case.currency} is left to refund"
                )
        if locked_order.held_delivery + delivery > locked_order.paid_delivery:
            problems.append(
                f"delivery: {locked_order.paid_delivery - locked_order.held_delivery:.2f} is left"
            )
        if locked_order.held_total + total > locked_order.paid_total:
            problems.append(
                f"order: {locked_order.paid_total - locked_order.held_total:.2f} is left to refund"
            )
        if problems:
            raise OverRefund("this refund would pay back more than was paid — " + "; ".join(problems))
    try:
        with transaction.atomic():
            for p in sorted(planned, key=lambda item: locked_lines[item.line.pk].pk):
                LineRefundLedger.objects.filter(pk=locked_lines[p.line.pk].pk).update(
                    held_quantity=F("held_quantity") + sign * (p.quantity or 0),
                    held_amount=F("held_amount") + sign * p.amount,
                )
            OrderRefundLedger.objects.filter(pk=locked_order.pk).update(
                held_total=F("held_total") + sign * total,
                held_delivery=F("held_delivery") + sign * delivery,
            )
    except IntegrityError as exc:
        raise OverRefund("the database refused this refund: it would pay back more than was paid") from exc


def line_refundable(line: OrderLineItem) -> Decimal:
    """What is left to refund on an order line (paid, less what refunds hold)."""
    ledger = _ledger_for_line(line)
    return max(Decimal(0), ledger.paid_amount - ledger.held_amount)


def refund_release(refund: RefundOrder) -> None:
    """Give a refund's amounts back to the ledgers (it failed, was canceled or declined)."""
    planned = [
        PlannedLine(line.line_item, line.type, line.quantity, line.amount)
        for line in refund.lines.select_related("line_item")
    ]
    ledger_hold(refund.case, planned, refund.delivery_amount, -1)
