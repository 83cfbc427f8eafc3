"""The engine's answer: decision, exact refund, deadlines and the rule trace."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from refund_desk.core.money import Money


class Decision:
    REFUND = "REFUND"  # pay now
    AWAIT_RETURN = "AWAIT_RETURN"  # approved; pay when the goods are back or dispatch is proven
    REJECT = "REJECT"
    ESCALATE = "ESCALATE"  # a person must decide

    ALL = (REFUND, AWAIT_RETURN, REJECT, ESCALATE)
    AUTOMATED = frozenset({REFUND, AWAIT_RETURN, REJECT})


class Outcome:
    PASS = "PASS"  # noqa: S105 -- a rule outcome, not a password
    INFO = "INFO"
    PENDING = "PENDING"
    REJECT = "REJECT"
    ESCALATE = "ESCALATE"


# Trace and line records are created many times per evaluation; plain slotted dataclasses initialise
# several times faster than frozen ones. Treat them as read-only.
@dataclass(slots=True)
class RefundLine:
    """One line of Allegro's InitializeRefund.lineItems: QUANTITY (whole units) or AMOUNT (a partial value)."""

    line_item_id: str
    type: str
    quantity: int | None
    value: Money
    offer_id: str
    offer_name: str

    def to_json(self) -> dict[str, Any]:
        if self.type == "QUANTITY":
            return {"id": self.line_item_id, "type": "QUANTITY", "quantity": self.quantity}
        return {"id": self.line_item_id, "type": "AMOUNT", "value": self.value.to_json()}


@dataclass(slots=True)
class AppliedDeduction:
    line_item_id: str
    amount: Money
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"lineItemId": self.line_item_id, "amount": self.amount.to_json(), "reason": self.reason}


@dataclass(slots=True)
class RuleResult:
    id: str
    outcome: str
    explanation: str

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "outcome": self.outcome, "explanation": self.explanation}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


@dataclass(frozen=True, slots=True)
class Evaluation:
    decision: str
    rejection_code: str | None
    rejection_reason: str | None
    refund_reason: str
    lines: tuple[RefundLine, ...]
    delivery: Money | None
    deductions: tuple[AppliedDeduction, ...]
    total: Money
    withdrawal_ends_at: datetime | None
    refund_by: datetime | None
    respond_by: datetime | None
    rules: tuple[RuleResult, ...]
    policy_version: str
    lang: str

    @property
    def currency(self) -> str:
        return self.total.currency

    @property
    def is_automated(self) -> bool:
        return self.decision in Decision.AUTOMATED

    def to_json(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "rejectionCode": self.rejection_code,
            "rejectionReason": self.rejection_reason,
            "refund": {
                "reason": self.refund_reason,
                "lineItems": [line.to_json() for line in self.lines],
                "delivery": self.delivery.to_json() if self.delivery is not None else None,
                "deductions": [d.to_json() for d in self.deductions],
                "total": self.total.to_json(),
            },
            "deadlines": {
                "withdrawalEndsAt": _iso(self.withdrawal_ends_at),
                "refundBy": _iso(self.refund_by),
                "respondBy": _iso(self.respond_by),
            },
            "rules": [rule.to_json() for rule in self.rules],
            "policyVersion": self.policy_version,
            "lang": self.lang,
        }
