"""Refund policy engine: a pure library (no Django, no database) deciding refund cases lawfully.

case = parse_case(json_document)            # or CaseInput(...) from stored snapshots
evaluation = evaluate(case, STATUTORY_DEFAULT, now=..., lang="pl")
evaluation.to_json()
"""

from refund_desk.policy.engine.evaluate import evaluate, resolve_language
from refund_desk.policy.engine.inputs import CaseInput, Deduction, OfferFacts, parse_case
from refund_desk.policy.engine.policy import (
    STATUTORY_DEFAULT,
    Policy,
    policy_from_document,
    policy_from_yaml,
    policy_to_yaml,
)
from refund_desk.policy.engine.result import Decision, Evaluation, Outcome, RefundLine, RuleResult

__all__ = [
    "STATUTORY_DEFAULT",
    "CaseInput",
    "Decision",
    "Deduction",
    "Evaluation",
    "OfferFacts",
    "Outcome",
    "Policy",
    "RefundLine",
    "RuleResult",
    "evaluate",
    "parse_case",
    "policy_from_document",
    "policy_from_yaml",
    "policy_to_yaml",
    "resolve_language",
]
