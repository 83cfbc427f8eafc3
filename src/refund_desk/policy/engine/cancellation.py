"""Cancellations: an order cancelled after it was paid is refunded in full — every line and the delivery
(nothing was delivered) — within 14 days of the cancellation, with nothing to send back."""

from __future__ import annotations

from refund_desk.core.calendar import period_end
from refund_desk.policy.engine import law
from refund_desk.policy.engine.result import Decision, Evaluation, Outcome, RefundLine
from refund_desk.policy.engine.run import Run, check_paid, finish, refund_method

REASON_REFUND = "REFUND"


def evaluate_cancellation(run: Run) -> Evaluation:
    case = run.case
    cancellation = case.cancellation
    assert cancellation is not None
    check_paid(run)
    key = "cancellation.type.buyer" if cancellation.type == "BUYER_CANCELLED" else "cancellation.type.auto"
    run.add("cancellation.type", Outcome.INFO, key)
    lines = [
        RefundLine(
            line_item_id=line.id,
            type="QUANTITY",
            quantity=line.quantity,
            value=line.price * line.quantity,
            offer_id=line.offer_id,
            offer_name=line.offer_name,
        )
        for line in case.order.lines
        if line.quantity > 0
    ]
    delivery = None
    cost = case.order.delivery_cost
    if lines and cost is not None and cost.amount > 0 and not case.order.delivery_smart:
        delivery = cost.rounded()
        run.add("refund.delivery", Outcome.PASS, "refund.delivery.cancellation", amount=run.money(delivery))
    refund_by = period_end(cancellation.at, law.STATUTORY_REFUND_DAYS, case.marketplace)
    if lines:
        run.add("refund.deadline", Outcome.INFO, "refund.deadline.cancellation", date=run.date(refund_by))
        refund_method(run)
    return finish(
        run,
        approved=Decision.REFUND,
        refund_reason=REASON_REFUND,
        lines=lines,
        delivery=delivery,
        deductions=[],
        withdrawal_ends_at=None,
        refund_by=refund_by,
        respond_by=None,
    )
