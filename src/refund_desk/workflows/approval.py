"""Whether a case may be approved and paid without a person: one guard for every automatic path.

The automatic review, an all-OK inspection, a partner's inspection result and anything later ask
`automatic_approval_check`; `case_approve_automatically` carries an allowed approval out, checking the
guard once more. The guard, in order:

1. the policy engine decided REFUND or AWAIT_RETURN: automation never rejects, and never approves what
   the engine escalates;
2. the account's policy sets an automatic-approval limit for the currency, and the refund is within it;
3. the refund is full: no deductions and every line in whole units (a partial refund needs a person);
4. the account's automatic decisions are live (off and shadow mode only recommend).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from refund_desk.ai.choices import ReviewAction
from refund_desk.ai.models import AutomationMode
from refund_desk.ai.selectors import automation_for
from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import CaseStatus
from refund_desk.cases.models import RefundCase
from refund_desk.cases.services import case_transition
from refund_desk.core.errors import PermissionDenied
from refund_desk.notices.choices import NoticeKind
from refund_desk.notices.services import notice_send
from refund_desk.payments.choices import LineType
from refund_desk.payments.services import refund_order_create
from refund_desk.policy.engine import Decision, Evaluation, Outcome, Policy
from refund_desk.policy.selectors import policy_active
from refund_desk.workflows.notices import Decided, decision_notice
from refund_desk.workflows.refunds import refund_notice_for, refund_plan

logger = logging.getLogger("refund_desk.workflows")

MODE_REASONS = {
    AutomationMode.OFF: "automatic decisions are off for this account",
    AutomationMode.SHADOW: "automatic decisions are in shadow mode for this account: they only recommend",
}


@dataclass(frozen=True, slots=True)
class ApprovalCheck:
    """The guard's answer for one case: the engine's evaluation, why the policy keeps it from automation
    (empty: it does not) and the account's mode."""

    evaluation: Evaluation | None
    policy_reasons: tuple[str, ...]
    mode: str

    @property
    def reasons(self) -> tuple[str, ...]:
        """Every reason a person must decide (empty: automation may approve and pay)."""
        if self.mode == AutomationMode.LIVE:
            return self.policy_reasons
        return (*self.policy_reasons, MODE_REASONS.get(AutomationMode(self.mode), "automation is not live"))

    @property
    def allowed(self) -> bool:
        return not self.reasons


def approval_blockers(evaluation: Evaluation | None, policy: Policy) -> list[str]:
    """Why the engine's result and the policy do not allow an automatic approval (empty: they do)."""
    if evaluation is None:
        return ["the case's Allegro data does not validate for the policy engine"]
    if evaluation.decision == Decision.REJECT:
        return ["the policy engine says REJECT; only a person may reject (automation never rejects)"]
    if evaluation.decision == Decision.ESCALATE:
        escalations = [r.explanation for r in evaluation.rules if r.outcome == Outcome.ESCALATE]
        return ["the policy engine escalates: " + ("; ".join(escalations) or "a person must decide")]
    reasons = []
    limit = policy.auto_max_amount.get(evaluation.total.currency)
    if limit is None:
        reasons.append(f"the policy sets no automatic-approval limit for {evaluation.total.currency}")
    elif evaluation.total.amount > limit:
        reasons.append(f"{evaluation.total} is above the policy's automatic-approval limit {limit}")
    if evaluation.deductions or any(line.type != LineType.QUANTITY for line in evaluation.lines):
        reasons.append("the refund is partial (deductions or amounts); automation pays only full refunds")
    return reasons


def automatic_approval_check(
    *, case: RefundCase, evaluation: Evaluation | None, mode: str | None = None
) -> ApprovalCheck:
    """May automation approve and pay `case` as the engine evaluated it? (`mode`: the account's
    automation mode when the caller already read it.)"""
    policy = policy_active(account=case.account_id, marketplace=case.marketplace)
    reasons = approval_blockers(evaluation, policy)
    if case.needs_attention:
        reasons.insert(0, f"the case is set aside as needing attention: {case.attention}")
    return ApprovalCheck(
        evaluation=evaluation,
        policy_reasons=tuple(reasons),
        mode=mode if mode is not None else automation_for(case.account_id).mode,
    )


@transaction.atomic
def case_approve_automatically(
    *,
    case: RefundCase,
    actor: Actor,
    check: ApprovalCheck,
    reason: str,
    payload: dict[str, Any],
    requester: Actor | None = None,
) -> str:
    """Approve as the engine decided, and when it says REFUND, create the full refund it computed.

    `requester`: who the refund is asked for by, when not the automatic actor itself (an inspection's
    refund is the inspector's, a partner's result the partner's), so four eyes hold for it. Returns
    what was done (a `ReviewAction`). Raises PermissionDenied when the guard does not allow it, and a
    DomainError when the case cannot move or the refund cannot be prepared (nothing is written).
    """
    if not check.allowed or check.evaluation is None:
        raise PermissionDenied("automation may not approve this case: " + "; ".join(check.reasons))
    evaluation = check.evaluation
    if evaluation.decision == Decision.AWAIT_RETURN:
        waiting = case_transition(
            case=case, to=CaseStatus.AWAITING_RETURN, actor=actor, reason=reason, payload=payload
        )
        decided = Decided(kind=NoticeKind.AWAIT_RETURN, automated=True, amount=evaluation.total.amount)
        notice_send(case=waiting, draft=decision_notice(case=waiting, decided=decided), actor=actor)
        return ReviewAction.AUTO_APPROVED_AWAIT_RETURN
    approved = case_transition(case=case, to=CaseStatus.APPROVED, actor=actor, reason=reason, payload=payload)
    refund_order_create(
        case=approved,
        actor=requester or actor,
        evaluation=evaluation,
        notice=refund_notice_for(case=approved, automated=True, plan=refund_plan(approved, evaluation)),
    )
    return ReviewAction.AUTO_APPROVED_REFUND
