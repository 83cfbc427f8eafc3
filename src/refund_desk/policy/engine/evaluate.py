"""The refund policy engine: pure functions from (case, policy, now, language) to an Evaluation.

No database, no Django, no I/O. Every rule appends one or more trace entries (rule id, outcome, one
sentence for the buyer); the decision is derived from the trace. Sources for each rule: `law.SOURCES`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from refund_desk.core.money import Money
from refund_desk.integrations.allegro.interface import LineItem, PostPurchaseIssue
from refund_desk.policy.calendar import period_end, period_end_extended, zone_for
from refund_desk.policy.engine import law
from refund_desk.policy.engine.inputs import CaseInput
from refund_desk.policy.engine.messages import (
    TEMPLATES,
    cause_label,
    expectation_label,
    format_date,
    format_money,
    format_percent,
)
from refund_desk.policy.engine.policy import Policy
from refund_desk.policy.engine.result import (
    AppliedDeduction,
    Decision,
    Evaluation,
    Outcome,
    RefundLine,
    RuleResult,
)

HUNDRED = Decimal(100)
REASON_REFUND = "REFUND"
REASON_COMPLAINT = "COMPLAINT"


@dataclass(slots=True)
class _Run:
    """Mutable state of one evaluation."""

    case: CaseInput
    policy: Policy
    now: datetime
    lang: str
    rules: list[RuleResult] = field(default_factory=list)
    rejection: tuple[str, str] | None = None
    escalated: bool = False
    templates: dict[str, str] = field(default_factory=dict)
    zone: ZoneInfo | None = None

    def __post_init__(self) -> None:
        self.templates = TEMPLATES[self.lang]
        self.zone = zone_for(self.case.marketplace)

    def add(self, rule_id: str, outcome: str, key: str, **params: str) -> str:
        template = self.templates[key]
        text = template.format(**params) if params else template
        self.rules.append(RuleResult(rule_id, outcome, text))
        if outcome == Outcome.ESCALATE:
            self.escalated = True
        return text

    def reject(self, rule_id: str, code: str, key: str, **params: str) -> None:
        text = self.add(rule_id, Outcome.REJECT, key, **params)
        if self.rejection is None:
            self.rejection = (code, text[:250])

    def date(self, moment: datetime) -> str:
        return format_date(moment.astimezone(self.zone), self.lang)

    def money(self, money: Money) -> str:
        return format_money(money, self.lang)


@dataclass(slots=True)
class _Portion:
    line: LineItem
    quantity: int
    reason: str


def resolve_language(lang: str | None, marketplace: str) -> str:
    if lang in law.LANGUAGES:
        assert lang is not None
        return lang
    return law.MARKETPLACE_LANGUAGE.get(marketplace, "en")


def evaluate(
    case: CaseInput, policy: Policy, *, now: datetime | None = None, lang: str | None = None
) -> Evaluation:
    """Decide a case under a policy. Deterministic for a given `now` (else the case's `now`, else the clock)."""
    moment = now or case.now or datetime.now(UTC)
    run = _Run(case=case, policy=policy, now=moment, lang=resolve_language(lang, case.marketplace))
    if case.customer_return is not None and (case.issue is None or case.issue.type != "CLAIM"):
        return _withdrawal(run)
    return _complaint(run)


# --- shared pieces ---------------------------------------------------------------------------------


def _item_label(line: LineItem) -> str:
    return line.offer.name or line.offer.id


def _check_paid(run: _Run) -> None:
    status = run.case.order.status
    if status in law.UNPAID_ORDER_STATUSES:
        run.add("order.paid", Outcome.ESCALATE, "order.paid.escalate", status=status)
    elif status:
        run.add("order.paid", Outcome.PASS, "order.paid.pass")


def _allocate(case: CaseInput, wanted: list[tuple[str, int, str]]) -> list[_Portion]:
    """Map (offer id, quantity, reason) onto line items, filling the lines of one offer in order."""
    lines_by_offer: dict[str, list[LineItem]] = defaultdict(list)
    for line in case.order.lineItems:
        lines_by_offer[line.offer.id].append(line)
    used: dict[str, int] = defaultdict(int)
    portions: list[_Portion] = []
    for offer_id, quantity, reason in wanted:
        remaining = quantity
        for line in lines_by_offer.get(offer_id, ()):
            free = line.quantity - used[line.id]
            if free <= 0 or remaining <= 0:
                continue
            take = min(free, remaining)
            used[line.id] += take
            remaining -= take
            portions.append(_Portion(line, take, reason))
    return portions


def _quantity_lines(portions: list[_Portion]) -> dict[str, tuple[LineItem, int]]:
    merged: dict[str, tuple[LineItem, int]] = {}
    for portion in portions:
        previous = merged.get(portion.line.id)
        merged[portion.line.id] = (portion.line, (previous[1] if previous else 0) + portion.quantity)
    return merged


def _automation_limits(run: _Run, total: Money) -> None:
    policy, case = run.policy, run.case
    limit = policy.auto_max_amount.get(total.currency)
    if limit is not None:
        limit_money = Money(limit, total.currency)
        if total > limit_money:
            run.add(
                "automation.amount_limit",
                Outcome.ESCALATE,
                "automation.amount_limit.escalate",
                amount=run.money(total),
                limit=run.money(limit_money),
            )
        else:
            run.add("automation.amount_limit", Outcome.PASS, "automation.amount_limit.pass")
    max_cases = policy.auto_max_cases_per_buyer
    count = case.buyer_cases_last_30_days
    if max_cases is not None and count is not None:
        if count > max_cases:
            run.add(
                "automation.buyer_frequency",
                Outcome.ESCALATE,
                "automation.buyer_frequency.escalate",
                count=str(count),
            )
        else:
            run.add("automation.buyer_frequency", Outcome.PASS, "automation.buyer_frequency.pass")


def _finish(
    run: _Run,
    *,
    approved: str,
    refund_reason: str,
    lines: list[RefundLine],
    delivery: Money | None,
    deductions: list[AppliedDeduction],
    withdrawal_ends_at: datetime | None,
    refund_by: datetime | None,
    respond_by: datetime | None,
) -> Evaluation:
    currency = run.case.currency
    amount = sum((line.value.amount for line in lines), Decimal(0))
    if delivery is not None:
        amount += delivery.amount
    total = Money(amount, currency)
    if run.rejection is None and lines and approved in (Decision.REFUND, Decision.AWAIT_RETURN):
        _automation_limits(run, total)
    if run.rejection is not None:
        decision = Decision.REJECT
        code: str | None = run.rejection[0]
        reason: str | None = run.rejection[1]
        lines, delivery, deductions, total = [], None, [], Money.zero(currency)
        refund_by = None
    else:
        code = reason = None
        decision = Decision.ESCALATE if run.escalated or not lines else approved
    return Evaluation(
        decision=decision,
        rejection_code=code,
        rejection_reason=reason,
        refund_reason=refund_reason,
        lines=tuple(lines),
        delivery=delivery,
        deductions=tuple(deductions),
        total=total.rounded(),
        withdrawal_ends_at=withdrawal_ends_at,
        refund_by=refund_by,
        respond_by=respond_by,
        rules=tuple(run.rules),
        policy_version=run.policy.version,
        lang=run.lang,
    )


# --- withdrawal (customer return) ----------------------------------------------------------------


def _withdrawal(run: _Run) -> Evaluation:
    case, policy = run.case, run.policy
    ret = case.customer_return
    assert ret is not None
    marketplace = case.marketplace
    _check_paid(run)

    # Business purchases: no statutory right, except sole traders outside their profession (UPK Art. 38a).
    if case.order.company is None:
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

    portions = _allocate(
        case,
        [(item.offerId, item.quantity, item.reason.type if item.reason else "NONE") for item in ret.items],
    )
    withdrawal_ends_at = _check_period(run, portions)

    goods_back = case.return_delivered_at is not None or ret.status in law.GOODS_BACK_STATUSES
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
    refund_by = period_end(ret.createdAt, law.STATUTORY_REFUND_DAYS, marketplace)
    if lines:
        run.add("refund.deadline", Outcome.INFO, "refund.deadline.withdrawal", date=run.date(refund_by))
        _refund_method(run)
    if case.issue is not None:
        run.add("issue.dispute", Outcome.INFO, "issue.dispute.info")
    return _finish(
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


def _check_period(run: _Run, portions: list[_Portion]) -> datetime | None:
    """14 days (or the policy's longer period) from the day after possession; +12 months if not informed."""
    case, policy = run.case, run.policy
    ret = case.customer_return
    assert ret is not None
    statement = ret.createdAt
    days = max(policy.withdrawal_days, law.STATUTORY_WITHDRAWAL_DAYS)
    months = 0 if case.buyer_informed else law.UNINFORMED_EXTENSION_MONTHS
    rule = "withdrawal.period"
    if case.delivered_at is None:
        # Possession cannot precede the purchase, so a period counted from the purchase is a lower bound.
        bought = [line.boughtAt for line in case.order.lineItems if line.boughtAt is not None]
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


def _check_restrictions(run: _Run, portions: list[_Portion], goods_back: bool) -> tuple[list[_Portion], bool]:
    """Statutory exceptions (Dir. Art. 16): returns the portions that stay refundable and whether a seal
    still has to be inspected before the refund can go out."""
    case, policy = run.case, run.policy
    rule = "withdrawal.restriction"
    eligible: list[_Portion] = []
    excluded = 0
    seal_pending = False
    noted = False
    for portion in portions:
        offer_id = portion.line.offer.id
        facts = case.offers.get(offer_id)
        cause = policy.restriction_for(offer_id, facts.category if facts else None) or (
            facts.restriction if facts else None
        )
        if cause is None:
            eligible.append(portion)
            continue
        noted = True
        item, label = _item_label(portion.line), cause_label(cause, run.lang)
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


def _refund_lines(run: _Run, eligible: list[_Portion]) -> tuple[list[RefundLine], list[AppliedDeduction]]:
    case, policy = run.case, run.policy
    merged = _quantity_lines(eligible)
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
            lines.append(RefundLine(line_id, "QUANTITY", quantity, paid, line.offer.id, line.offer.name))
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
                item=_item_label(line),
                reason=reason,
            )
        deducted = paid - remaining
        if deducted.amount * HUNDRED > paid.amount * policy.deduction_max_percent:
            run.add(
                "refund.deductions",
                Outcome.ESCALATE,
                "refund.deductions.escalate",
                item=_item_label(line),
                percent=format_percent(policy.deduction_max_percent),
            )
        lines.append(RefundLine(line_id, "AMOUNT", None, remaining.rounded(), line.offer.id, line.offer.name))
    run.add(
        "refund.items",
        Outcome.PASS,
        "refund.items.pass",
        count=str(count),
        amount=run.money(Money(items_amount, currency)),
    )
    return lines, applied


def _refund_delivery(run: _Run, eligible: list[_Portion]) -> Money | None:
    """Dir. Art. 13(2): the original delivery up to the cheapest standard one, when the whole order goes back."""
    case, policy = run.case, run.policy
    delivery = case.order.delivery
    rule = "refund.delivery"
    if delivery is not None and delivery.smart:
        run.add(rule, Outcome.INFO, "refund.delivery.smart")
        return None
    cost = delivery.cost.money() if delivery is not None and delivery.cost is not None else None
    if cost is None or cost.amount <= 0:
        run.add(rule, Outcome.INFO, "refund.delivery.none")
        return None
    returned = _quantity_lines(eligible)
    whole_order = all(
        line.id in returned and returned[line.id][1] >= line.quantity for line in case.order.lineItems
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


def _timing(run: _Run, goods_back: bool, seal_pending: bool) -> str:
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
        if case.return_dispatched_at is not None or ret.status in law.DISPATCHED_STATUSES:
            run.add(rule, Outcome.PASS, "refund.timing.dispatch_proven")
            return Decision.REFUND
        if policy.refund_timing == "ON_DISPATCH" and any(p.waybill for p in ret.parcels):
            run.add(rule, Outcome.PASS, "refund.timing.parcel_registered")
            return Decision.REFUND
    run.add(rule, Outcome.PENDING, "refund.timing.await")
    return Decision.AWAIT_RETURN


def _refund_method(run: _Run) -> None:
    payment = run.case.order.payment
    if payment is not None and payment.type == "CASH_ON_DELIVERY":
        run.add("refund.method", Outcome.INFO, "refund.method.bank_account")
    else:
        run.add("refund.method", Outcome.INFO, "refund.method.original")


# --- complaints (post-purchase issues) -----------------------------------------------------------


def _complaint(run: _Run) -> Evaluation:
    case, policy = run.case, run.policy
    issue = case.issue
    assert issue is not None
    marketplace = case.marketplace
    _check_paid(run)
    if issue.type != "CLAIM":
        run.add("complaint.type", Outcome.ESCALATE, "complaint.type.dispute")
        return _finish(
            run,
            approved=Decision.ESCALATE,
            refund_reason=REASON_COMPLAINT,
            lines=[],
            delivery=None,
            deductions=[],
            withdrawal_ends_at=None,
            refund_by=None,
            respond_by=None,
        )
    run.add("complaint.type", Outcome.INFO, "complaint.type.claim")
    respond_by = _complaint_deadline(issue, policy, marketplace, run.now)
    status = issue.status or "CLAIM_SUBMITTED"
    overdue = run.now > respond_by
    granted_at: datetime | None = None
    if status == "CLAIM_REJECTED":
        run.add("complaint.deadline", Outcome.INFO, "complaint.deadline.answered", date=run.date(respond_by))
        run.reject("complaint.status", law.REJECTION_REFUND_REJECTED, "complaint.status.rejected")
    elif status == "CLAIM_ACCEPTED":
        run.add("complaint.deadline", Outcome.INFO, "complaint.deadline.answered", date=run.date(respond_by))
        run.add("complaint.status", Outcome.PASS, "complaint.status.accepted")
        granted_at = run.now
    elif overdue and marketplace in law.DEEMED_ACCEPTANCE_MARKETPLACES:
        run.add("complaint.status", Outcome.INFO, "complaint.status.open")
        run.add(
            "complaint.deadline",
            Outcome.PASS,
            "complaint.deadline.deemed_accepted",
            date=run.date(respond_by),
        )
        granted_at = respond_by
    else:
        run.add("complaint.status", Outcome.INFO, "complaint.status.open")
        key = "complaint.deadline.overdue" if overdue else "complaint.deadline.pending"
        run.add("complaint.deadline", Outcome.ESCALATE, key, date=run.date(respond_by))

    lines: list[RefundLine] = []
    if run.rejection is None:
        lines = _complaint_lines(run, issue)
    approved = Decision.REFUND
    refund_by: datetime | None = None
    if granted_at is not None and lines:
        state = issue.currentState
        if state is not None and state.returnRequired:
            # Termination: money due within 14 days of the goods or proof of dispatch (UPK Art. 43g).
            proof = case.return_delivered_at or case.return_dispatched_at
            if proof is None:
                run.add("refund.timing", Outcome.PENDING, "refund.timing.await")
                approved = Decision.AWAIT_RETURN
            else:
                key = (
                    "refund.timing.goods_back"
                    if case.return_delivered_at
                    else "refund.timing.dispatch_proven"
                )
                run.add("refund.timing", Outcome.PASS, key)
                refund_by = period_end(proof, law.STATUTORY_REFUND_DAYS, marketplace)
        else:
            refund_by = period_end(granted_at, law.STATUTORY_REFUND_DAYS, marketplace)
        if refund_by is not None:
            run.add("refund.deadline", Outcome.INFO, "refund.deadline.complaint", date=run.date(refund_by))
        run.add("refund.delivery", Outcome.INFO, "refund.delivery.complaint")
        _refund_method(run)
    return _finish(
        run,
        approved=approved,
        refund_reason=REASON_COMPLAINT,
        lines=lines,
        delivery=None,
        deductions=[],
        withdrawal_ends_at=None,
        refund_by=refund_by,
        respond_by=respond_by,
    )


def _complaint_deadline(
    issue: PostPurchaseIssue, policy: Policy, marketplace: str, now: datetime
) -> datetime:
    """Allegro's decisionDueDate wins; otherwise the policy's answer period from the opening (UPK Art. 7a)."""
    due = issue.due_date
    if due is not None:
        return due.astimezone(zone_for(marketplace))
    days = policy.complaint_answer_days.get(marketplace, law.DEFAULT_COMPLAINT_ANSWER_DAYS)
    if marketplace in law.DEEMED_ACCEPTANCE_MARKETPLACES:
        days = min(days, law.PL_COMPLAINT_ANSWER_DAYS)
    return period_end(issue.openedDate or now, days, marketplace)


def _complaint_lines(run: _Run, issue: PostPurchaseIssue) -> list[RefundLine]:
    case = run.case
    names = [e.name for e in issue.expectations if e.name]
    expectation = next((e for e in issue.expectations if e.name in ("REFUND", "PARTIAL_REFUND")), None)
    if issue.offer is not None and issue.offer.id is not None:
        bought = sum(line.quantity for line in case.order.lineItems if line.offer.id == issue.offer.id)
        wanted = [(issue.offer.id, issue.offer.quantity or bought, "")]
    else:
        wanted = [(line.offer.id, line.quantity, "") for line in case.order.lineItems]
    merged = _quantity_lines(_allocate(case, wanted))
    rule = "complaint.expectation"
    if expectation is None:
        if names:
            label = expectation_label(names[0], run.lang)
            run.add(rule, Outcome.ESCALATE, "complaint.expectation.other", expectation=label)
        else:
            run.add(rule, Outcome.ESCALATE, "complaint.expectation.missing")
        # The person deciding sees what a full refund of the claimed goods would be.
        return [
            RefundLine(lid, "QUANTITY", qty, line.price.money() * qty, line.offer.id, line.offer.name)
            for lid, (line, qty) in merged.items()
        ]
    if expectation.name == "REFUND":
        labels = ", ".join(_item_label(line) for line, _ in merged.values())
        run.add(rule, Outcome.PASS, "complaint.expectation.refund", item=labels)
        return [
            RefundLine(lid, "QUANTITY", qty, line.price.money() * qty, line.offer.id, line.offer.name)
            for lid, (line, qty) in merged.items()
        ]
    if expectation.refund is None:
        run.add(rule, Outcome.ESCALATE, "complaint.expectation.missing")
        return []
    asked = expectation.refund.money()
    paid = Money.zero(case.currency)
    for line, qty in merged.values():
        paid = paid + line.price.money() * qty
    if asked > paid:
        run.add(
            rule,
            Outcome.PASS,
            "complaint.expectation.partial_capped",
            amount=run.money(asked),
            paid=run.money(paid),
        )
        asked = paid
    else:
        run.add(rule, Outcome.PASS, "complaint.expectation.partial_refund", amount=run.money(asked))
    lines: list[RefundLine] = []
    remaining = asked
    for lid, (line, qty) in merged.items():
        if remaining.amount <= 0:
            break
        value = line.price.money() * qty
        take = remaining if remaining <= value else value
        remaining = remaining - take
        lines.append(RefundLine(lid, "AMOUNT", None, take.rounded(), line.offer.id, line.offer.name))
    return lines
