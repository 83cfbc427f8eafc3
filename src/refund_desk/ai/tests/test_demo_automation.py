"""The live demo's automatic-review setup: models found (or trained), the demo policy, the modes and a
review of the requests already waiting — each idempotent, so a second start changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from refund_desk.ai import bootstrap
from refund_desk.ai.models import AutomationChange, RiskReview
from refund_desk.ai.risk import model as risk_model
from refund_desk.ai.services import account_automation_set
from refund_desk.cases.models import RefundCase
from refund_desk.core import effects
from refund_desk.demo import live
from refund_desk.integrations.allegro.intake import account_get_or_create, case_ingest_customer_return
from refund_desk.policy.models import RefundPolicy
from refund_desk.policy.selectors import policy_active
from refund_desk.policy.tests.builders import case as case_file

pytestmark = pytest.mark.django_db


def test_models_ensure_uses_saved_models_without_training(
    saved_model: risk_model.RiskModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    def forbidden(**kwargs: Any) -> None:
        raise AssertionError("must not train when models are saved")

    monkeypatch.setattr("refund_desk.ai.risk.training.train", forbidden)
    lines: list[str] = []

    ready = bootstrap.models_ensure(say=lines.append)

    assert ready.trained == ()
    assert ready.risk_version == saved_model.version
    assert lines == []


def test_demo_policy_allows_automatic_approval_and_is_published_once() -> None:
    account = account_get_or_create(name=live.LIVE_ACCOUNT)

    first = live.demo_policy_ensure(account)
    second = live.demo_policy_ensure(account)

    assert len(first) == 4
    assert second == []
    assert RefundPolicy.objects.filter(account=account).count() == 4
    assert policy_active(account=account, marketplace="allegro-pl").auto_max_amount["PLN"] == 1500


def test_demo_modes_are_set_once_and_a_supervisors_choice_is_kept() -> None:
    live_account = account_get_or_create(name=live.LIVE_ACCOUNT)
    shadow_account = account_get_or_create(name=live.SHADOW_ACCOUNT)

    assert live.demo_automation_ensure(live_account) == {
        live.LIVE_ACCOUNT: "live",
        live.SHADOW_ACCOUNT: "shadow",
    }
    account_automation_set(account=shadow_account, mode="off")
    assert live.demo_automation_ensure(live_account)[live.SHADOW_ACCOUNT] == "off"
    assert AutomationChange.objects.filter(actor_label="demo").count() == 2


def test_waiting_requests_are_reviewed_once(
    saved_model: risk_model.RiskModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    queued: list[list[int]] = []
    task = effects.task_named("workflows.review_cases")

    def run_now(case_ids: list[int]) -> None:  # what the worker does with the queued task
        queued.append(case_ids)
        task.call_local(case_ids)

    monkeypatch.setitem(effects.TASKS, "workflows.review_cases", run_now)
    account = account_get_or_create(name=live.SHADOW_ACCOUNT)
    data = case_file()
    result = case_ingest_customer_return(
        data={"order": data["order"], "customerReturn": data["customerReturn"]}, account=account
    )
    assert result.case_id is not None
    account_automation_set(account=account, mode="shadow")

    assert live.open_cases_review_queue([live.SHADOW_ACCOUNT]) == 1
    assert live.open_cases_review_queue([live.SHADOW_ACCOUNT]) == 0

    assert queued == [[result.case_id]]
    review = RiskReview.objects.get(case_id=result.case_id)
    assert review.mode == "shadow"
    assert RefundCase.objects.get(pk=result.case_id).status == "NEW"
