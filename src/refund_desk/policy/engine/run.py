"""The state of one evaluation and the pieces both kinds of case share.

`Run` builds the rule trace (one entry per rule: id, outcome, a sentence for the buyer); `finish` derives
the decision from it and applies the automation limits.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from refund_desk.core.calendar import zone_for
from refund_desk.core.money import Money
from refund_desk.policy.engine.inputs import CaseInput, LineInput
from refund_desk.policy.engine.messages import TEMPLATES, format_date, format_money
from refund_desk.policy.engine.policy import Policy
from refund_desk.policy.engine.result import (
    AppliedDeduction,
    Decision,
    Evaluation,
    Outcome,
    RefundLine,
    RuleResult,
)


@dataclass(slots=True)
class Run:
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
class Portion:
    line: LineInput
    quantity: int
    reason: str


def item_label(line: LineInput) -> str:
    return line.offer_name or line.offer_id


def check_paid(run: Run) -> None:
    order = run.case.order
    if order.unpaid:
        run.add("order.paid", Outcome.ESCALATE, "order.paid.escalate", status=order.status)
    elif order.status:
        run.add("order.paid", Outcome.PASS, "order.paid.pass")


def allocate(case: CaseInput, wanted: list[tuple[str, int, str]]) -> list[Portion]:
    """Map (offer id, quantity, reason) onto line items, filling the lines of one offer in order."""
    lines_by_offer: dict[str, list[LineInput]] = defaultdict(list)
    for line in case.order.lines:
        lines_by_offer[line.offer_id].append(line)
    used: dict[str, int] = defaultdict(int)
    portions: list[Portion] = []
    for offer_id, quantity, reason in wanted:
        remaining = quantity
        for line in lines_by_offer.get(offer_id, ()):
            free = line.quantity - used[line.id]
            if free <= 0 or remaining <= 0:
                continue
            take = min(free, remaining)
            used[line.id] += take
            remaining -= take
            portions.append(Portion(line, take, reason))
    return portions


def quantity_lines(portions: list[Portion]) -> dict[str, tuple[LineInput, int]]:
    merged: dict[str, tuple[LineInput, int]] = {}
    for portion in portions:
        previous = merged.get(portion.line.id)
        merged[portion.line.id] = (portion.line, (previous[1] if previous else 0) + portion.quantity)
    return merged


def _automation_limits(run: Run, total: Money) -> None:
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


def finish(
    run: Run,
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


def refund_method(run: Run) -> None:
    if run.case.order.cash_on_delivery:
        run.add("refund.method", Outcome.INFO, "refund.method.bank_account")
    else:
        run.add("refund.method", Outcome.INFO, "refund.method.original")
