"""Withdrawals (Allegro customer returns): the right, its period and exceptions, and the refund that follows.

Sources for each rule: `law.SOURCES`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from refund_desk.core.calendar import period_end, period_end_extended
from refund_desk.core.money import Money
from refund_desk.policy.engine import law
from refund_desk.policy.engine.messages import cause_label, format_percent
from refund_desk.policy.engine.result import AppliedDeduction, Decision, Evaluation, Outcome, RefundLine
from refund_desk.policy.engine.run import (
    Portion,
    Run,
    allocate,
    check_paid,
    finish,
    item_label,
    quantity_lines,
    refund_method,
)

HUNDRED = Decimal(100)
REASON_REFUND = "REFUND"


def evaluate_withdrawal(run: Run) -> Evaluation:
    case, policy = run.case, run.policy
    ret = case.customer_return
    assert ret is not None
    marketplace = case.marketplace
    check_paid(run)

    # Business purchases: no statutory right, except sole traders outside their profession (UPK Art. 38a).
    if not case.order.business:
        run.add("withdrawal.business_purchase", Outcome.PASS, "withdrawal.business_purchase.consumer")
    elif policy.business_returns_allowed:
        run.add("withdrawal.business_purchase", Outcome.PASS, "withdrawal.business_purchase.allowed")
    else:
        run.add("withdrawal.business_purchase", Outcome.ESCALATE, "withdrawal.business_purchase.escalate")

    informed = case.buyer_informed
    run.add(
        "withdrawal.information",
        Outcome.INFO,
        "withdrawal.information.informed" if informed else "withdrawal.information.extended",
    )

    portions = allocate(
        case,
        [(item.offer_id, item.quantity, item.reason) for item in ret.items],
    )
    withdrawal_ends_at = _check_period(run, portions)

    goods_back = case.return_delivered_at is not None or ret.goods_back
    eligible, seal_pending = _check_restrictions(run, portions, goods_back)

    # Return shipping (Dir. Art. 14(1)): the buyer pays unless the seller agreed or did not tell them.
    if policy.return_shipping_paid_by == "SELLER":
        run.add("withdrawal.return_shipping", Outcome.INFO, "withdrawal.return_shipping.seller")
    elif not informed:
        run.add("withdrawal.return_shipping", Outcome.INFO, "withdrawal.return_shipping.seller_uninformed")
    else:
        run.add("withdrawal.return_shipping", Outcome.INFO, "withdrawal.return_shipping.buyer")

    lines, deductions = _refund_lines(run, eligible)
    delivery = _refund_delivery(run, eligible) if lines else None

    approved = _timing(run, goods_back, seal_pending) if lines else Decision.AWAIT_RETURN
    refund_by = period_end(ret.created_at, law.STATUTORY_REFUND_DAYS, marketplace)
    if lines:
        run.add("refund.deadline", Outcome.INFO, "refund.deadline.withdrawal", date=run.date(refund_by))
        refund_method(run)
    if case.issue is not None:
        run.add("issue.dispute", Outcome.INFO, "issue.dispute.info")
    return finish(
        run,
        approved=approved,
        refund_reason=REASON_REFUND,
        lines=lines,
        delivery=delivery,
        deductions=deductions,
        withdrawal_ends_at=withdrawal_ends_at,
        refund_by=refund_by,
        respond_by=None,
    )


def _check_period(run: Run, portions: list[Portion]) -> datetime | None:
    """14 days (or the policy's longer period) from the day after possession; +12 months if not informed."""
    case, policy = run.case, run.policy
    ret = case.customer_return
    assert ret is not None
    statement = ret.created_at
    days = max(policy.withdrawal_days, law.STATUTORY_WITHDRAWAL_DAYS)
    months = 0 if case.buyer_informed else law.UNINFORMED_EXTENSION_MONTHS
    rule = "withdrawal.period"
    if case.delivered_at is None:
        # Possession cannot precede the purchase, so a period counted from the purchase is a lower bound.
        bought = [line.bought_at for line in case.order.lines if line.bought_at is not None]
        if bought and all(b.tzinfo is not None for b in bought):
            earliest_end = period_end_extended(max(bought), days, months, case.marketplace)
            if statement <= earliest_end:
                run.add(
                    rule, Outcome.PASS, "withdrawal.period.pass_lower_bound", statement=run.date(statement)
                )
                return None
        run.add(rule, Outcome.ESCALATE, "withdrawal.period.escalate_unknown")
        return None
    ends = period_end_extended(case.delivered_at, days, months, case.marketplace)
    if statement <= ends:
        run.add(
            rule, Outcome.PASS, "withdrawal.period.pass", statement=run.date(statement), ends=run.date(ends)
        )
    elif any(p.reason in law.DEFECT_REASONS for p in portions):
        run.add(rule, Outcome.ESCALATE, "withdrawal.period.escalate_defect", ends=run.date(ends))
    else:
        run.reject(
            rule,
            law.REJECTION_REFUND_REJECTED,
            "withdrawal.period.reject",
            statement=run.date(statement),
            ends=run.date(ends),
        )
    return ends


def _check_restrictions(run: Run, portions: list[Portion], goods_back: bool) -> tuple[list[Portion], bool]:
    """Statutory exceptions (Dir. Art. 16): returns the portions that stay refundable and whether a seal
    still has to be inspected before the refund can go out."""
    case, policy = run.case, run.policy
    rule = "withdrawal.restriction"
    eligible: list[Portion] = []
    excluded = 0
    seal_pending = False
    noted = False
    for portion in portions:
        offer_id = portion.line.offer_id
        facts = case.offers.get(offer_id)
        cause = policy.restriction_for(offer_id, facts.category if facts else None) or (
            facts.restriction if facts else None
        )
        if cause is None:
            eligible.append(portion)
            continue
        noted = True
        item, label = item_label(portion.line), cause_label(cause, run.lang)
        if cause in policy.waived_restrictions:
            run.add(rule, Outcome.PASS, "withdrawal.restriction.waived", item=item, cause=label)
            eligible.append(portion)
        elif cause in law.SEAL_BASED_CAUSES:
            seal_broken = facts.seal_broken if facts else None
            if seal_broken is True:
                run.add(rule, Outcome.REJECT, "withdrawal.restriction.seal_broken", item=item, cause=label)
                excluded += 1
            elif seal_broken is False:
                run.add(rule, Outcome.PASS, "withdrawal.restriction.seal_intact", item=item)
                eligible.append(portion)
            elif goods_back:
                run.add(rule, Outcome.ESCALATE, "withdrawal.restriction.seal_inspect", item=item)
                eligible.append(portion)
            else:
                run.add(rule, Outcome.PENDING, "withdrawal.restriction.seal_pending", item=item)
                seal_pending = True
                eligible.append(portion)
        else:
            run.add(rule, Outcome.REJECT, "withdrawal.restriction.reject", item=item, cause=label)
            excluded += 1
    if not noted:
        run.add(rule, Outcome.PASS, "withdrawal.restriction.pass")
    if excluded and not eligible and run.rejection is None:
        last = run.rules[-1] if run.rules[-1].outcome == Outcome.REJECT else None
        text = last.explanation if last else ""
        for result in run.rules:
            if result.id == rule and result.outcome == Outcome.REJECT:
                text = result.explanation
                break
        run.rejection = (law.REJECTION_NO_RETURN_RIGHT, text[:250])
    return eligible, seal_pending


def _refund_lines(run: Run, eligible: list[Portion]) -> tuple[list[RefundLine], list[AppliedDeduction]]:
    case, policy = run.case, run.policy
    merged = quantity_lines(eligible)
    if not merged:
        run.add("refund.items", Outcome.INFO, "refund.items.none")
        return [], []
    deduction_by_line: dict[str, list[tuple[Money, str]]] = defaultdict(list)
    if case.deductions:
        if not case.buyer_informed:
            run.add("refund.deductions", Outcome.INFO, "refund.deductions.uninformed")
        elif not policy.deductions_allowed:
            run.add("refund.deductions", Outcome.INFO, "refund.deductions.policy")
        else:
            for deduction in case.deductions:
                if deduction.line_item_id in merged:
                    deduction_by_line[deduction.line_item_id].append((deduction.amount, deduction.reason))
    lines: list[RefundLine] = []
    applied: list[AppliedDeduction] = []
    items_amount = Decimal(0)
    count = 0
    currency = case.currency
    for line_id, (line, quantity) in merged.items():
        paid = Money(line.price.amount * quantity, currency)
        items_amount += paid.amount
        count += quantity
        wanted = deduction_by_line.get(line_id)
        if not wanted:
            lines.append(RefundLine(line_id, "QUANTITY", quantity, paid, line.offer_id, line.offer_name))
            continue
        remaining = paid
        for amount, reason in wanted:
            take = amount if amount <= remaining else remaining
            remaining = remaining - take
            applied.append(AppliedDeduction(line_id, take.rounded(), reason))
            run.add(
                "refund.deductions",
                Outcome.INFO,
                "refund.deductions.applied",
                amount=run.money(take),
                item=item_label(line),
                reason=reason,
            )
        deducted = paid - remaining
        if deducted.amount * HUNDRED > paid.amount * policy.deduction_max_percent:
            run.add(
                "refund.deductions",
                Outcome.ESCALATE,
                "refund.deductions.escalate",
                item=item_label(line),
                percent=format_percent(policy.deduction_max_percent),
            )
        lines.append(RefundLine(line_id, "AMOUNT", None, remaining.rounded(), line.offer_id, line.offer_name))
    run.add(
        "refund.items",
        Outcome.PASS,
        "refund.items.pass",
        count=str(count),
        amount=run.money(Money(items_amount, currency)),
    )
    return lines, applied


def _refund_delivery(run: Run, eligible: list[Portion]) -> Money | None:
    """Dir. Art. 13(2): the original delivery up to the cheapest standard one, when the whole order goes back."""
    case, policy = run.case, run.policy
    rule = "refund.delivery"
    if case.order.delivery_smart:
        run.add(rule, Outcome.INFO, "refund.delivery.smart")
        return None
    cost = case.order.delivery_cost
    if cost is None or cost.amount <= 0:
        run.add(rule, Outcome.INFO, "refund.delivery.none")
        return None
    returned = quantity_lines(eligible)
    whole_order = all(
        line.id in returned and returned[line.id][1] >= line.quantity for line in case.order.lines
    )
    if not whole_order and not policy.refund_delivery_on_partial:
        run.add(rule, Outcome.INFO, "refund.delivery.partial")
        return None
    amount = cost
    cheapest = case.cheapest_standard_delivery
    capped = cheapest is not None and not policy.refund_delivery_above_cheapest and cheapest < cost
    if capped:
        assert cheapest is not None
        amount = cheapest
    if not whole_order:
        run.add(rule, Outcome.PASS, "refund.delivery.partial_policy", amount=run.money(amount))
    elif capped:
        run.add(rule, Outcome.PASS, "refund.delivery.capped", amount=run.money(amount))
    else:
        run.add(rule, Outcome.PASS, "refund.delivery.full", amount=run.money(amount))
    return amount.rounded()


def _timing(run: Run, goods_back: bool, seal_pending: bool) -> str:
    """Dir. Art. 13(3): the seller may withhold until the goods are back or dispatch is proven, whichever first."""
    case, policy = run.case, run.policy
    ret = case.customer_return
    assert ret is not None
    rule = "refund.timing"
    if goods_back:
        run.add(rule, Outcome.PASS, "refund.timing.goods_back")
        return Decision.REFUND
    if not seal_pending:
        if policy.refund_timing == "IMMEDIATELY":
            run.add(rule, Outcome.PASS, "refund.timing.immediately")
            return Decision.REFUND
        if case.return_dispatched_at is not None or ret.dispatched:
            run.add(rule, Outcome.PASS, "refund.timing.dispatch_proven")
            return Decision.REFUND
        if policy.refund_timing == "ON_DISPATCH" and ret.waybill:
            run.add(rule, Outcome.PASS, "refund.timing.parcel_registered")
            return Decision.REFUND
    run.add(rule, Outcome.PENDING, "refund.timing.await")
    return Decision.AWAIT_RETURN
