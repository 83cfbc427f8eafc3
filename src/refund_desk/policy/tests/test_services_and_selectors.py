"""Versioned policies in the database, audit, stored-case evaluation and simulation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.template.loader import render_to_string

from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import EventType
from refund_desk.cases.models import CaseEvent, RefundCase, SellerAccount
from refund_desk.core.errors import ValidationFailed
from refund_desk.policy import selectors, services
from refund_desk.policy.engine import STATUTORY_DEFAULT, Decision, policy_from_yaml
from refund_desk.policy.models import PolicyChange, PolicyVersion

GENEROUS = "name: Generous\nwithdrawal:\n  periodDays: 30\n  refundTiming: IMMEDIATELY\n"
ACTOR = Actor.system("test")


def test_publishing_creates_versions_and_an_audit_trail(account: SellerAccount) -> None:
    first = services.policy_publish(
        account=account, marketplace="allegro-pl", yaml_text=GENEROUS, actor=ACTOR
    )
    second = services.policy_import(
        account=account, marketplace="allegro-pl", yaml_text=STATUTORY_DEFAULT.to_yaml(), actor=ACTOR
    )
    assert (first.number, second.number) == (1, 2)
    assert second.label == "shop-one/allegro-pl/v2"
    assert selectors.policy_active(account=account, marketplace="allegro-pl").version == second.label
    assert selectors.policy_active(account=account, marketplace="allegro-cz") is STATUTORY_DEFAULT
    changes = list(PolicyChange.objects.order_by("id"))
    assert [c.action for c in changes] == ["PUBLISHED", "IMPORTED"]
    assert changes[1].before == first.document and changes[1].after == second.document
    with pytest.raises(TypeError):
        first.save()


def test_weaker_policy_is_not_published(account: SellerAccount) -> None:
    with pytest.raises(ValidationFailed):
        services.policy_publish(
            account=account, marketplace="allegro-pl", yaml_text="withdrawal:\n  periodDays: 7\n", actor=ACTOR
        )
    assert not PolicyVersion.objects.exists()


def test_export_returns_the_active_policy(account: SellerAccount) -> None:
    services.policy_publish(account=account, marketplace="allegro-pl", yaml_text=GENEROUS, actor=ACTOR)
    exported = selectors.policy_export_yaml(account=account, marketplace="allegro-pl")
    assert policy_from_yaml(exported).withdrawal_days == 30


def test_case_evaluation_uses_the_accounts_active_policy(
    stored_case: RefundCase, account: SellerAccount
) -> None:
    default = selectors.case_evaluation(stored_case)
    assert default is not None and default.policy_version == STATUTORY_DEFAULT.version
    # No delivery date is stored: the purchase bounds the period from below, so the return is in time.
    assert default.decision == Decision.AWAIT_RETURN
    services.policy_publish(account=account, marketplace="allegro-pl", yaml_text=GENEROUS, actor=ACTOR)
    evaluation = selectors.case_evaluation(stored_case, lang="pl")
    assert evaluation is not None
    assert evaluation.policy_version == "shop-one/allegro-pl/v1"
    assert evaluation.decision == Decision.REFUND
    html = render_to_string("policy/_case_evaluation.html", {"evaluation": evaluation})
    assert "REFUND" in html and "shop-one/allegro-pl/v1" in html and "212.99 PLN" in html


def test_evaluation_is_recorded_on_the_case(stored_case: RefundCase) -> None:
    evaluation = selectors.case_evaluation(stored_case)
    assert evaluation is not None
    event = services.evaluation_record(case=stored_case, evaluation=evaluation, actor=ACTOR)
    stored = CaseEvent.objects.get(pk=event.pk)
    assert stored.type == EventType.DECISION
    assert stored.payload["policyVersion"] == STATUTORY_DEFAULT.version


def test_simulation_reports_moved_decisions(stored_case: RefundCase, account: SellerAccount) -> None:
    proposed = policy_from_yaml(GENEROUS, version="proposed")
    report = selectors.policy_simulate(
        proposed=proposed, account=account, now=datetime(2025, 3, 12, tzinfo=UTC)
    )
    out = report.to_json()
    assert out["cases"] == 1 and out["decisionsMoved"] == 1
    assert out["moves"] == [{"from": "AWAIT_RETURN", "to": "REFUND", "cases": 1}]
    assert out["automationRate"] == {"current": "100.0", "proposed": "100.0"}
    assert out["refundTotals"] == [
        {"currency": "PLN", "current": "212.99", "proposed": "212.99", "difference": "0.00"}
    ]
    assert out["perReason"][0]["reason"] == "DONT_LIKE_IT"
