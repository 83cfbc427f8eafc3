"""Risk model: aggregates, binding policy bounds, automatic approval with payment, shadow mode, replay,
promotion and the evaluate command."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.contrib.auth.models import AbstractUser

from refund_desk.ai import selectors, services
from refund_desk.ai.models import BuyerStats
from refund_desk.ai.risk import model as risk_model
from refund_desk.ai.risk import training
from refund_desk.ai.risk.dataset import dataset_from_history
from refund_desk.ai.risk.features import FEATURES, INDEX, CommentReading
from refund_desk.ai.synthetic.history import generate_history
from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import ActorType, CaseStatus
from refund_desk.cases.models import CaseEvent, RefundCase, SellerAccount
from refund_desk.cases.services import case_transition
from refund_desk.cases.tests.factories import make_user
from refund_desk.core.roles import Role
from refund_desk.integrations.allegro.intake import account_get_or_create, case_ingest_customer_return
from refund_desk.notices.models import Notice
from refund_desk.notices.texts import DECIDED_AUTOMATICALLY
from refund_desk.payments.models import RefundOrder
from refund_desk.payments.tests.fakes import FakeGateway, gateway_override
from refund_desk.policy import services as policy_services
from refund_desk.policy.tests.builders import case as case_file
from refund_desk.workflows.review import review_case

IMMEDIATE_WITH_LIMIT = (
    "name: Immediate\nwithdrawal:\n  periodDays: 30\n  refundTiming: IMMEDIATELY\n"
    'automaticApproval:\n  maxAmountPerCase:\n    PLN: "{limit}"\n'
)
SYSTEM = Actor.system("test")


def _no_comment(text: str, reason: str) -> CommentReading:
    return CommentReading()


@pytest.fixture
def fake() -> Iterator[FakeGateway]:
    gateway = FakeGateway()
    with gateway_override(gateway):
        yield gateway


@pytest.fixture
def agent(db: Any) -> AbstractUser:
    return make_user("agent-ai", [Role.AGENT])


def _account(limit: str = "1000") -> SellerAccount:
    account = account_get_or_create(name="shop-ai")
    policy_services.policy_publish(
        account=account,
        marketplace="allegro-pl",
        yaml_text=IMMEDIATE_WITH_LIMIT.format(limit=limit),
        actor=SYSTEM,
    )
    return account


def _ingest(account: SellerAccount, data: dict[str, Any]) -> RefundCase:
    result = case_ingest_customer_return(
        data={"order": data["order"], "customerReturn": data["customerReturn"]}, account=account
    )
    assert result.case_id is not None, result.errors
    return RefundCase.objects.get(pk=result.case_id)


def _force_score(model: risk_model.RiskModel, monkeypatch: pytest.MonkeyPatch, probability: float) -> None:
    monkeypatch.setattr(model, "calibrate", lambda raw: np.full_like(raw, probability))
    monkeypatch.setattr(risk_model, "load", lambda version=None: model)


@pytest.mark.django_db
def test_features_from_aggregates_match_a_direct_computation(agent: AbstractUser, comment_model: Any) -> None:
    account = _account()
    base = case_file()
    first = _ingest(account, base)
    second_data = case_file()
    second_data["order"]["id"] = "order-2"
    second_data["customerReturn"]["id"] = "return-2"
    second_data["customerReturn"]["orderId"] = "order-2"
    second = _ingest(account, second_data)
    case_transition(case=first, to=CaseStatus.REJECTED, actor=Actor.for_user(agent))
    for case in (first, second, first, second):  # repeated calls must not double count
        services.stats_update_for_case(case)

    row = selectors.case_features(second)

    others = RefundCase.objects.filter(account=account, buyer=second.buyer).exclude(pk=second.pk)
    rejected = CaseEvent.objects.filter(
        case__in=others, actor_type=ActorType.USER, to_status=CaseStatus.REJECTED
    ).count()
    orders = others.values("order_id").distinct().count()
    assert row[INDEX["buyer_prior_cases"]] == others.count() == 1
    assert row[INDEX["buyer_not_approved"]] == rejected == 1
    assert row[INDEX["buyer_prior_orders"]] == orders
    assert row[INDEX["buyer_not_approved_rate"]] == 1.0
    stats = BuyerStats.objects.get(account=account, buyer=second.buyer)
    assert (stats.cases, stats.decided, stats.not_approved) == (2, 1, 1)
    assert len(row) == len(FEATURES)


@pytest.mark.django_db
@pytest.mark.parametrize("limit", ["1000", "10"])
def test_never_auto_approves_when_engine_or_limit_forbids(
    saved_model: risk_model.RiskModel, monkeypatch: pytest.MonkeyPatch, comment_model: Any, limit: str
) -> None:
    account = _account(limit)
    services.account_automation_set(account=account, mode="live")
    data = case_file()
    if limit == "1000":  # a company purchase: the engine escalates (no statutory withdrawal right)
        data["order"]["invoice"] = {
            "required": True,
            "address": {
                "company": {"name": "Firma Sp. z o.o.", "ids": [{"type": "PL_NIP", "value": "1234567890"}]}
            },
        }
    case = _ingest(account, data)
    _force_score(saved_model, monkeypatch, 0.0001)  # the model would happily approve

    review = review_case(case)

    assert review is not None and not review.automatic and review.recommendation == "PERSON"
    assert review.engine_decision == "ESCALATE"
    case.refresh_from_db()
    assert case.status in (CaseStatus.ESCALATED, CaseStatus.UNDER_REVIEW)
    assert not RefundOrder.objects.filter(case=case).exists()


@pytest.mark.django_db
def test_auto_approve_writes_model_event_and_pays_full_refund(
    saved_model: risk_model.RiskModel, monkeypatch: pytest.MonkeyPatch, comment_model: Any, fake: FakeGateway
) -> None:
    account = _account("1000")
    services.account_automation_set(account=account, mode="live")
    case = _ingest(account, case_file())
    fake.register_order(case.order)
    _force_score(saved_model, monkeypatch, 0.001)

    review = review_case(case)

    assert review is not None and review.automatic and review.action == "AUTO_APPROVED_REFUND"
    event = CaseEvent.objects.get(case=case, to_status=CaseStatus.APPROVED)
    assert event.actor_type == ActorType.MODEL and event.actor_label == f"risk-{saved_model.version}"
    assert event.payload["modelVersion"] == saved_model.version and event.payload["policyVersion"]
    refund = RefundOrder.objects.get(case=case)
    assert not refund.overrides_engine and refund.requested_by_label == f"risk-{saved_model.version}"
    assert refund.total == refund.engine_total
    assert set(review.features) == set(FEATURES)
    # the buyer is told at once, automatically, in the marketplace's language, that a person may look
    notice = Notice.objects.get(case=case)
    assert notice.kind == "REFUND" and notice.automated and notice.sent_by == f"risk-{saved_model.version}"
    assert DECIDED_AUTOMATICALLY[notice.lang] in notice.text and notice.command is not None


@pytest.mark.django_db
def test_one_automatic_flow_evaluates_the_case_once_and_counts_its_statistics_once(
    saved_model: risk_model.RiskModel, monkeypatch: pytest.MonkeyPatch, comment_model: Any, fake: FakeGateway
) -> None:
    from refund_desk.payments.services import refunds
    from refund_desk.workflows import review

    account = _account("1000")
    services.account_automation_set(account=account, mode="live")
    case = _ingest(account, case_file())
    fake.register_order(case.order)
    _force_score(saved_model, monkeypatch, 0.001)
    calls: list[str] = []
    evaluate, update = review.case_evaluation, review.stats_update_for_case

    def counted(name: str, function: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            calls.append(name)
            return function(*args, **kwargs)

        return call

    monkeypatch.setattr(review, "case_evaluation", counted("evaluate", evaluate))
    monkeypatch.setattr(review, "stats_update_for_case", counted("stats", update))
    monkeypatch.setattr(refunds, "case_evaluation", counted("again", evaluate))

    reviewed = review_case(case)

    assert reviewed is not None and reviewed.action == "AUTO_APPROVED_REFUND"
    assert calls == ["stats", "evaluate"]
    assert RefundOrder.objects.filter(case=case).count() == 1


@pytest.mark.django_db
def test_shadow_mode_changes_no_status_and_records_agreement_later(
    saved_model: risk_model.RiskModel, comment_model: Any, agent: AbstractUser
) -> None:
    account = _account("1000")
    services.account_automation_set(account=account, mode="shadow")
    case = _ingest(account, case_file())
    status_before = case.status

    review = review_case(case)

    assert review is not None and review.mode == "shadow" and not review.automatic
    case.refresh_from_db()
    assert case.status == status_before
    assert services.review_outcomes_record() == 0  # nobody decided yet
    case_transition(case=case, to=CaseStatus.APPROVED, actor=Actor.for_user(agent))
    assert services.review_outcomes_record() == 1
    review.refresh_from_db()
    assert review.agent_decision == "APPROVED"
    report = selectors.shadow_agreement()
    assert report.decided == 1 and report.agreed == int(review.recommendation == "APPROVE")


@pytest.mark.django_db
def test_replay_reproduces_the_recorded_score(saved_model: risk_model.RiskModel, comment_model: Any) -> None:
    account = _account("1000")
    services.account_automation_set(account=account, mode="shadow")
    case = _ingest(account, case_file())
    review = review_case(case)
    assert review is not None

    replay = services.review_replay(case_id=case.pk)

    assert replay.matches and replay.score == pytest.approx(review.score, abs=1e-12)


def test_missing_features_are_scored_and_routed_to_a_person(small_model: risk_model.RiskModel) -> None:
    row = np.full(len(FEATURES), np.nan)

    scored = small_model.score(row)

    assert 0.0 <= scored.probability <= 1.0
    assert scored.low_confidence  # key facts missing: never decided automatically


def test_promotion_refuses_a_worse_model(
    small_model: risk_model.RiskModel, settings: Any, tmp_path: Path
) -> None:
    settings.DATA_DIR = tmp_path
    held_out = dataset_from_history(generate_history(seed=12, buyers=800), read=_no_comment)
    good = small_model
    good.metadata["version"] = "20260101T000000000000Z"
    risk_model.save(good)
    risk_model.set_current(good.version, reason="test")
    rng = np.random.default_rng(0)
    noise = dataset_from_history(generate_history(seed=13, buyers=800), read=_no_comment)
    worse = risk_model.fit(noise.x, rng.permutation(noise.y), noise.eligible)
    worse.metadata["version"] = "20260102T000000000000Z"
    risk_model.save(worse)

    promoted, why = training.promote_if_not_worse(worse, held_out, risk_model.load())

    assert not promoted and "ROC AUC" in why
    assert risk_model.current_version() == good.version
    training.rollback(worse.version)  # an explicit rollback/switch is still possible
    assert risk_model.current_version() == worse.version
    risk_model.forget_cached()


@pytest.mark.django_db
def test_evaluate_json_has_the_headline_keys(
    saved_model: risk_model.RiskModel,
    comment_model: Any,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from refund_desk.cli import main

    monkeypatch.setattr(training, "EVAL_BUYERS", 600)
    try:
        main(["refund-desk", "ai", "evaluate", "--seed", "5", "--json"])
    except SystemExit as exc:
        assert not exc.code
    data = json.loads(capsys.readouterr().out)

    assert data["classifier"]["macro_f1"] > 0
    assert 0.5 < data["risk"]["roc_auc"] <= 1.0
    for key in ("automation_rate", "wrong_decision_rate", "scoring_p99_ms"):
        assert data[key] is not None
