"""Automatic review: each account's automation mode, reviewing a case, recording outcomes, replays."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from refund_desk.ai.models import (
    AccountAutomation,
    AutomationChange,
    AutomationMode,
    RiskReview,
)
from refund_desk.ai.risk.features import features_from_json, features_to_json
from refund_desk.ai.selectors import (
    agent_decision,
    automation_for,
    case_features,
    review_latest,
)
from refund_desk.ai.services.stats import stats_update_for_case
from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import ActorType, CaseStatus, EventType
from refund_desk.cases.models import RefundCase, SellerAccount
from refund_desk.cases.services import case_move_if_allowed, case_transition, event_append
from refund_desk.core.errors import DomainError, ValidationFailed
from refund_desk.policy.engine import Decision, Outcome
from refund_desk.policy.selectors import case_evaluation, policy_active

logger = logging.getLogger("refund_desk.ai.services")


PAYMENT_FAILED = "the payment could not be prepared automatically"


class ReviewNotFound(DomainError):
    """No risk review (or no longer the model it used) for a replay."""


def _automation_state(row: AccountAutomation) -> dict[str, Any]:
    return {"mode": str(row.mode), "risk_threshold": row.risk_threshold}


@transaction.atomic
def account_automation_set(
    *,
    account: SellerAccount,
    mode: str,
    risk_threshold: float | None = None,
    actor: Actor | None = None,
) -> AccountAutomation:
    """Switch the risk model off, to shadow (recommend only) or live (decide) for one account.

    Every actual change is audited as an `AutomationChange` (who, when, before, after); setting the same
    values again records nothing. `actor` defaults to the system.
    """
    actor = actor or Actor.system("ai")
    errors: list[tuple[str, str]] = []
    if mode not in AutomationMode.values:
        errors.append(("mode", f"must be one of {', '.join(AutomationMode.values)}"))
    if risk_threshold is not None and not 0.0 <= risk_threshold <= 1.0:
        errors.append(("risk_threshold", "must be between 0 and 1"))
    if errors:
        raise ValidationFailed(errors)
    # A new row has the defaults (off, model threshold), the same as no row: a row to lock either way.
    AccountAutomation.objects.get_or_create(account=account)
    row = AccountAutomation.objects.select_for_update().get(account=account)
    before = _automation_state(row)
    after = {"mode": mode, "risk_threshold": risk_threshold}
    if before == after:
        return row
    row.mode, row.risk_threshold, row.updated_at = mode, risk_threshold, timezone.now()
    row.save(update_fields=["mode", "risk_threshold", "updated_at"])
    AutomationChange.objects.create(
        account=account,
        actor_type=actor.type,
        actor_user=actor.user if actor.type == ActorType.USER else None,
        actor_label=actor.label,
        before=before,
        after=after,
        created_at=row.updated_at,
    )
    return row


REVIEWABLE = frozenset({CaseStatus.NEW, CaseStatus.UNDER_REVIEW})


def _engine_reasons(evaluation: Any, policy: Any, case: RefundCase) -> list[str]:
    """Why the policy engine's result does not allow an automatic approval (empty: it does)."""
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
    if evaluation.deductions or any(line.type != "QUANTITY" for line in evaluation.lines):
        reasons.append("the refund is partial (deductions or amounts); automation pays only full refunds")
    return reasons


@dataclass(frozen=True, slots=True)
class _Verdict:
    recommendation: str
    reasons: list[str]


def _verdict(
    score: float, threshold: float, low_confidence: list[str], engine_reasons: list[str]
) -> _Verdict:
    reasons = list(engine_reasons)
    if score >= threshold:
        reasons.append(f"risk {score:.1%} is not below the account's threshold {threshold:.1%}")
    reasons.extend(f"low confidence: {why}" for why in low_confidence)
    return _Verdict("PERSON" if reasons else "APPROVE", reasons)


def review_case(case: RefundCase) -> RiskReview | None:
    """Score a case and, by the account's mode, record a recommendation (shadow) or act on it (live).

    Binding order: the policy engine first (automation never approves what it rejects or escalates, never
    rejects at all), then the policy's automatic-approval limit, then the risk score and its confidence.
    Idempotent: a case already reviewed by the current model, or no longer NEW/UNDER_REVIEW, is left alone.
    """
    from refund_desk.ai.risk import model as risk_model

    case = RefundCase.objects.select_related("order", "account").get(pk=case.pk)
    settings_row = automation_for(case.account_id)
    if settings_row.mode == AutomationMode.OFF or case.status not in REVIEWABLE:
        return None
    model = risk_model.load()
    if model is None:
        logger.warning("risk review of case %s skipped: no risk model trained", case.pk)
        return None
    existing = review_latest(case)
    if existing is not None and existing.model_version == model.version:
        return existing
    stats_update_for_case(case)
    row = case_features(case)
    scored = model.score(row)
    evaluation = case_evaluation(case)
    policy = policy_active(account=case.account_id, marketplace=case.marketplace)
    threshold = settings_row.risk_threshold if settings_row.risk_threshold is not None else model.threshold
    verdict = _verdict(
        scored.probability, threshold, scored.low_confidence, _engine_reasons(evaluation, policy, case)
    )
    return _review_apply(
        case=case,
        model=model,
        mode=settings_row.mode,
        row=row,
        scored=scored,
        threshold=threshold,
        evaluation=evaluation,
        verdict=verdict,
    )


@transaction.atomic
def _review_apply(
    *,
    case: RefundCase,
    model: Any,
    mode: str,
    row: Any,
    scored: Any,
    threshold: float,
    evaluation: Any,
    verdict: _Verdict,
) -> RiskReview:
    actor = Actor.model(f"risk-{model.version}")
    locked = RefundCase.objects.select_for_update().get(pk=case.pk)
    # Checked again under the row lock: two workers given the same case record one review, not two.
    already = review_latest(locked)
    if already is not None and already.model_version == model.version:
        return already
    review = RiskReview.objects.create(
        case=locked,
        model_version=model.version,
        policy_version=evaluation.policy_version if evaluation is not None else "",
        mode=mode,
        features=features_to_json(row),
        score=scored.probability,
        threshold=threshold,
        factors=[f.to_json() for f in scored.factors],
        engine_decision=evaluation.decision if evaluation is not None else "",
        recommendation=verdict.recommendation,
        action="NONE",
        automatic=False,
        reasons=verdict.reasons,
    )
    payload = {
        "review": review.pk,
        "modelVersion": model.version,
        "policyVersion": review.policy_version,
        "score": round(scored.probability, 6),
        "threshold": round(threshold, 6),
        "recommendation": verdict.recommendation,
        "factors": review.factors,
        "reasons": verdict.reasons,
        "mode": mode,
    }
    words = "; ".join(f["words"] for f in review.factors)
    if mode == AutomationMode.SHADOW or locked.status not in REVIEWABLE:
        event_append(
            case=locked,
            type=EventType.NOTE,
            actor=actor,
            reason=f"shadow recommendation: {verdict.recommendation} (risk {scored.probability:.1%}; {words})",
            payload=payload,
        )
        return review
    if verdict.recommendation == "APPROVE":
        action = _auto_approve(locked, actor, evaluation, payload, scored.probability)
        if action:
            review.action, review.automatic = action, True
            RiskReview.objects.filter(pk=review.pk).update(action=action, automatic=True)
            return review
        verdict.reasons.append(PAYMENT_FAILED)
        RiskReview.objects.filter(pk=review.pk).update(recommendation="PERSON", reasons=verdict.reasons)
        review.recommendation, review.reasons = "PERSON", verdict.reasons
        payload.update(recommendation="PERSON", reasons=verdict.reasons)
    high_risk = scored.probability >= threshold and locked.can_transition_to(CaseStatus.ESCALATED)
    target = CaseStatus.ESCALATED if high_risk else CaseStatus.UNDER_REVIEW
    text = f"for a person: {'; '.join(verdict.reasons)} (risk {scored.probability:.1%}; {words})"
    moved = case_move_if_allowed(case=locked, to=target, actor=actor, reason=text, payload=payload)
    review.action = "ESCALATED" if moved and target == CaseStatus.ESCALATED else "LEFT_FOR_PERSON"
    RiskReview.objects.filter(pk=review.pk).update(action=review.action)
    return review


def _auto_approve(
    case: RefundCase, actor: Actor, evaluation: Any, payload: dict[str, Any], score: float
) -> str:
    """Approve as the engine decided; pay a full refund now when the engine says REFUND. '' if not possible."""
    from refund_desk.payments.services import refund_order_create

    reason = f"approved automatically: risk {score:.1%} below threshold, within policy limits"
    try:
        with transaction.atomic():
            if evaluation.decision == Decision.AWAIT_RETURN:
                case_transition(
                    case=case, to=CaseStatus.AWAITING_RETURN, actor=actor, reason=reason, payload=payload
                )
                return "AUTO_APPROVED_AWAIT_RETURN"
            approved = case_transition(
                case=case, to=CaseStatus.APPROVED, actor=actor, reason=reason, payload=payload
            )
            refund_order_create(case=approved, actor=actor)
            return "AUTO_APPROVED_REFUND"
    except DomainError as exc:
        logger.warning("automatic approval of case %s failed: %s", case.pk, exc)
        return ""


@transaction.atomic
def review_outcomes_record(*, limit: int = 5000) -> int:
    """Stamp reviews with the decision a person made afterwards (for the shadow agreement report)."""
    stamped = 0
    pending = RiskReview.objects.filter(agent_decision="").select_related("case").order_by("id")[:limit]
    for review in pending:
        decision, when = agent_decision(review.case)
        if decision and when is not None and when >= review.created_at:
            RiskReview.objects.filter(pk=review.pk).update(agent_decision=decision, agent_decided_at=when)
            stamped += 1
    return stamped


@dataclass(frozen=True, slots=True)
class Replay:
    review: RiskReview
    score: float
    recommendation: str
    matches: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "review": self.review.pk,
            "case": self.review.case_id,
            "modelVersion": self.review.model_version,
            "recordedScore": self.review.score,
            "replayedScore": self.score,
            "recordedRecommendation": self.review.recommendation,
            "replayedRecommendation": self.recommendation,
            "matches": self.matches,
        }


def review_replay(*, case_id: int) -> Replay:
    """Recompute the latest review of a case with the model version and features it recorded."""
    from refund_desk.ai.risk import model as risk_model

    review = RiskReview.objects.filter(case_id=case_id).order_by("-created_at", "-id").first()
    if review is None:
        raise ReviewNotFound(f"case {case_id} has no risk review")
    model = risk_model.load(review.model_version)
    if model is None:
        raise ReviewNotFound(f"risk model {review.model_version} is no longer on disk")
    scored = model.score(features_from_json(review.features))
    # The engine's and the policy's reasons were recorded; the model's part is recomputed.
    recorded = [r for r in review.reasons if not r.startswith(("risk ", "low confidence: ", PAYMENT_FAILED))]
    verdict = _verdict(scored.probability, review.threshold or 0.0, scored.low_confidence, recorded)
    recommendation = "PERSON" if PAYMENT_FAILED in review.reasons else verdict.recommendation
    matches = (
        abs(scored.probability - (review.score or 0.0)) < 1e-9 and recommendation == review.recommendation
    )
    return Replay(review=review, score=scored.probability, recommendation=recommendation, matches=matches)
