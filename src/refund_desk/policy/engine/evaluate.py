"""The refund policy engine: pure functions from (case, policy, now, language) to an Evaluation.

No database, no Django, no I/O. Every rule appends one or more trace entries (rule id, outcome, one
sentence for the buyer); the decision is derived from the trace. Sources for each rule: `law.SOURCES`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from refund_desk.policy.engine import law
from refund_desk.policy.engine.cancellation import evaluate_cancellation
from refund_desk.policy.engine.complaint import evaluate_complaint
from refund_desk.policy.engine.inputs import CaseInput
from refund_desk.policy.engine.policy import Policy
from refund_desk.policy.engine.result import Evaluation
from refund_desk.policy.engine.run import Run
from refund_desk.policy.engine.withdrawal import evaluate_withdrawal


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
    run = Run(case=case, policy=policy, now=moment, lang=resolve_language(lang, case.marketplace))
    if case.cancellation is not None:
        return evaluate_cancellation(run)
    if case.customer_return is not None and (case.issue is None or not case.issue.claim):
        return evaluate_withdrawal(run)
    return evaluate_complaint(run)
