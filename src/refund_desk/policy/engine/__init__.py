"""Refund policy engine: a pure library (no Django, no database) deciding refund cases lawfully.

case = CaseInput(order=OrderInput(...), ...)   # the engine's own input types (inputs.py); an adapter
                                               # fills them from a marketplace's payloads
evaluation = evaluate(case, STATUTORY_DEFAULT, now=..., lang="pl")
evaluation.to_json()
"""

from refund_desk.policy.engine.evaluate import evaluate, resolve_language
from refund_desk.policy.engine.inputs import (
    CaseInput,
    Deduction,
    ExpectationInput,
    IssueInput,
    IssueStatus,
    LineInput,
    OfferFacts,
    OrderInput,
    ReturnInput,
    ReturnItemInput,
)
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
    "ExpectationInput",
    "IssueInput",
    "IssueStatus",
    "LineInput",
    "OfferFacts",
    "OrderInput",
    "Outcome",
    "Policy",
    "RefundLine",
    "ReturnInput",
    "ReturnItemInput",
    "RuleResult",
    "evaluate",
    "policy_from_document",
    "policy_from_yaml",
    "policy_to_yaml",
    "resolve_language",
]
