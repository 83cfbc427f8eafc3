"""The one approval guard: what keeps automation from approving and paying, in the order it is checked."""

from __future__ import annotations

from typing import Any

import pytest

from refund_desk.ai.models import AutomationMode
from refund_desk.core.errors import PermissionDenied
from refund_desk.integrations.allegro.documents import parse_case
from refund_desk.policy.engine import STATUTORY_DEFAULT, Evaluation, evaluate, policy_from_document
from refund_desk.policy.tests.builders import case as case_file
from refund_desk.policy.tests.builders import customer_return
from refund_desk.workflows.approval import ApprovalCheck, approval_blockers, case_approve_automatically

AUTOMATIC = policy_from_document(
    {
        "withdrawal": {"refundTiming": "IMMEDIATELY"},
        "automaticApproval": {"maxAmountPerCase": {"PLN": "1000"}},
    },
    version="test/v1",
)


def _evaluation(policy: Any = AUTOMATIC, **extra: Any) -> Evaluation:
    return evaluate(parse_case(case_file(**extra)), policy, lang="en")


def test_a_full_refund_within_the_limit_passes_the_policy_part_of_the_guard() -> None:
    evaluation = _evaluation()
    assert evaluation.decision == "REFUND"
    assert approval_blockers(evaluation, AUTOMATIC) == []


def test_no_evaluation_no_limit_a_rejection_or_an_escalation_keep_it_for_a_person() -> None:
    assert approval_blockers(None, AUTOMATIC) == [
        "the case's Allegro data does not validate for the policy engine"
    ]
    [no_limit] = approval_blockers(_evaluation(STATUTORY_DEFAULT), STATUTORY_DEFAULT)
    assert "no automatic-approval limit for PLN" in no_limit or "escalates" in no_limit
    late = _evaluation(return_data=customer_return(created_at="2025-04-30T10:00:00+02:00"))
    assert late.decision in ("REJECT", "ESCALATE")
    [reason] = approval_blockers(late, AUTOMATIC)
    assert reason.startswith(("the policy engine says REJECT", "the policy engine escalates"))


def test_a_partial_refund_always_needs_a_person() -> None:
    deducting = policy_from_document(
        {
            "withdrawal": {"refundTiming": "IMMEDIATELY"},
            "deductions": {"allowed": True},
            "automaticApproval": {"maxAmountPerCase": {"PLN": "1000"}},
        },
        version="test/v2",
    )
    data = case_file()
    line_id = data["order"]["lineItems"][0]["id"]
    evaluation = evaluate(
        parse_case(
            {
                **data,
                "deductions": [
                    {"lineItemId": line_id, "amount": {"amount": "5.00", "currency": "PLN"}, "reason": "worn"}
                ],
            }
        ),
        deducting,
        lang="en",
    )
    assert evaluation.deductions
    assert "the refund is partial (deductions or amounts); automation pays only full refunds" in (
        approval_blockers(evaluation, deducting)
    )


@pytest.mark.parametrize(
    ("mode", "allowed"),
    [(AutomationMode.LIVE, True), (AutomationMode.SHADOW, False), (AutomationMode.OFF, False)],
)
def test_only_a_live_account_lets_automation_act(mode: str, allowed: bool) -> None:
    check = ApprovalCheck(evaluation=_evaluation(), policy_reasons=(), mode=mode)
    assert check.allowed is allowed
    assert check.policy_reasons == ()
    if not allowed:
        assert check.reasons == (
            f"automatic decisions are {'off' if mode == 'off' else 'in shadow mode'} for this account"
            + ("" if mode == "off" else ": they only recommend"),
        )


@pytest.mark.django_db
def test_carrying_out_checks_the_guard_again() -> None:
    check = ApprovalCheck(evaluation=_evaluation(), policy_reasons=("a reason",), mode=AutomationMode.LIVE)
    with pytest.raises(PermissionDenied, match="a reason"):
        case_approve_automatically(case=None, actor=None, check=check, reason="", payload={})  # type: ignore[arg-type]
