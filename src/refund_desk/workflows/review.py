"""The automatic review of a new request: score it, and by the account's mode recommend or act.

Binding order: the approval guard first (`approval`: the policy engine, the policy's automatic-approval
limit, full refunds only, the account's mode), then the risk score and its confidence. Automation only
ever approves in the buyer's favour; everything else goes to a person with the reasons in words.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from refund_desk.ai.choices import Recommendation, ReviewAction
from refund_desk.ai.models import AutomationMode, RiskReview
from refund_desk.ai.selectors import automation_for, case_features, review_latest
from refund_desk.ai.services import (
    PAYMENT_FAILED,
    REVIEWABLE,
    Verdict,
    review_mark,
    review_record,
    review_verdict,
    stats_update_for_case,
)
from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import CaseStatus, EventType
from refund_desk.cases.models import RefundCase
from refund_desk.cases.services import case_move_if_allowed, event_append
from refund_desk.core.errors import DomainError
from refund_desk.policy.engine import Evaluation
from refund_desk.policy.selectors import case_evaluation
from refund_desk.workflows.approval import ApprovalCheck, automatic_approval_check, case_approve_automatically

logger = logging.getLogger("refund_desk.workflows")


def review_case(case: RefundCase) -> RiskReview | None:
    """Score a case and, by the account's mode, record a recommendation (shadow) or act on it (live).

    The buyer and offer aggregates are brought up to date first, whatever the mode. Idempotent: a case
    already reviewed by the current model, or no longer NEW/UNDER_REVIEW, is left alone.
    """
    # Deferred: the risk model loads scikit-learn, which only scoring needs.
    from refund_desk.ai.risk import model as risk_model

    stats_update_for_case(case)
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
    row = case_features(case)
    scored = model.score(row)
    evaluation = case_evaluation(case)
    check = automatic_approval_check(case=case, evaluation=evaluation, mode=settings_row.mode)
    threshold = settings_row.risk_threshold if settings_row.risk_threshold is not None else model.threshold
    verdict = review_verdict(scored.probability, threshold, scored.low_confidence, list(check.policy_reasons))
    return _review_apply(
        case=case,
        model_version=model.version,
        row=row,
        scored=scored,
        threshold=threshold,
        evaluation=evaluation,
        check=check,
        verdict=verdict,
    )


@transaction.atomic
def _review_apply(
    *,
    case: RefundCase,
    model_version: str,
    row: Any,
    scored: Any,
    threshold: float,
    evaluation: Evaluation | None,
    check: ApprovalCheck,
    verdict: Verdict,
) -> RiskReview:
    actor = Actor.model(f"risk-{model_version}")
    locked = RefundCase.objects.select_for_update().get(pk=case.pk)
    # Checked again under the row lock: two workers given the same case record one review, not two.
    already = review_latest(locked)
    if already is not None and already.model_version == model_version:
        return already
    review = review_record(
        case=locked,
        model_version=model_version,
        mode=check.mode,
        row=row,
        scored=scored,
        threshold=threshold,
        evaluation=evaluation,
        verdict=verdict,
    )
    payload = {
        "review": review.pk,
        "modelVersion": model_version,
        "policyVersion": review.policy_version,
        "score": round(scored.probability, 6),
        "threshold": round(threshold, 6),
        "recommendation": verdict.recommendation,
        "factors": review.factors,
        "reasons": verdict.reasons,
        "mode": check.mode,
    }
    words = "; ".join(f["words"] for f in review.factors)
    if check.mode == AutomationMode.SHADOW or locked.status not in REVIEWABLE:
        event_append(
            case=locked,
            type=EventType.NOTE,
            actor=actor,
            reason=f"shadow recommendation: {verdict.recommendation} (risk {scored.probability:.1%}; {words})",
            payload=payload,
        )
        return review
    if verdict.recommendation == Recommendation.APPROVE:
        reason = (
            f"approved automatically: risk {scored.probability:.1%} below threshold, within policy limits"
        )
        try:
            with transaction.atomic():
                action = case_approve_automatically(
                    case=locked, actor=actor, check=check, reason=reason, payload=payload
                )
            return review_mark(review, action=action, automatic=True)
        except DomainError as exc:
            logger.warning("automatic approval of case %s failed: %s", locked.pk, exc)
        verdict.reasons.append(PAYMENT_FAILED)
        review_mark(review, recommendation=Recommendation.PERSON, reasons=verdict.reasons)
        payload.update(recommendation=Recommendation.PERSON, reasons=verdict.reasons)
    high_risk = scored.probability >= threshold and locked.can_transition_to(CaseStatus.ESCALATED)
    target = CaseStatus.ESCALATED if high_risk else CaseStatus.UNDER_REVIEW
    text = f"for a person: {'; '.join(verdict.reasons)} (risk {scored.probability:.1%}; {words})"
    moved = case_move_if_allowed(case=locked, to=target, actor=actor, reason=text, payload=payload)
    escalated = moved and target == CaseStatus.ESCALATED
    return review_mark(review, action=ReviewAction.ESCALATED if escalated else ReviewAction.LEFT_FOR_PERSON)
