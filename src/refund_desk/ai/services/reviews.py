"""Automatic review, the ai app's part: each account's automation mode, the verdict on a scored case, the
recorded review, outcomes and replays. Acting on a verdict composes other apps: `workflows.review`."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from refund_desk.ai.choices import Recommendation, ReviewAction
from refund_desk.ai.models import (
    AccountAutomation,
    AutomationChange,
    AutomationMode,
    RiskReview,
)
from refund_desk.ai.risk.features import features_from_json, features_to_json
from refund_desk.ai.selectors import agent_decision
from refund_desk.cases.access import require_account
from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import ActorType, CaseStatus
from refund_desk.cases.isolation import case_isolated
from refund_desk.cases.models import RefundCase, SellerAccount
from refund_desk.core.changes import change_request
from refund_desk.core.errors import DomainError, ValidationFailed
from refund_desk.core.models import ChangeRequest
from refund_desk.core.permissions import Perm, require

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
    values again records nothing. `actor` defaults to the system. Four eyes: a person who gives the
    model more say (a mode further towards live, or a higher risk threshold) only asks for it; the change
    applies once a second person confirms it (`core.changes`), and the row is returned unchanged.
    """
    actor = actor or Actor.system("ai")
    if actor.user is not None:
        require(actor, Perm.AUTOMATION_CHANGE)
        require_account(actor, account.pk)
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
    if actor.user is not None and _loosens(before, after):
        change_request(
            kind=AUTOMATION_CHANGE,
            account_id=account.pk,
            summary=f"{account}: automatic review {before['mode']} → {mode}"
            + (f", risk threshold {risk_threshold}" if risk_threshold is not None else ""),
            before=before,
            after=after,
            actor=actor,
        )
        return row
    return _automation_apply(row, account, before, after, actor)


MODE_RANK = {AutomationMode.OFF: 0, AutomationMode.SHADOW: 1, AutomationMode.LIVE: 2}
AUTOMATION_CHANGE = "ai.automation"


def _loosens(before: dict[str, Any], after: dict[str, Any]) -> bool:
    """More automation: a mode nearer to live, or a risk threshold that lets more through."""
    if MODE_RANK[AutomationMode(after["mode"])] > MODE_RANK[AutomationMode(before["mode"])]:
        return True
    old, new = before["risk_threshold"], after["risk_threshold"]
    return (new is not None and (old is None or new > old)) or (new is None and old is not None)


def automation_change_apply(change: ChangeRequest, actor: Actor) -> None:
    """Apply a confirmed automation change, recorded in the name of the confirming person."""
    row = AccountAutomation.objects.select_for_update().get(account_id=change.account_id)
    _automation_apply(row, row.account, _automation_state(row), change.after, actor)


def _automation_apply(
    row: AccountAutomation,
    account: SellerAccount,
    before: dict[str, Any],
    after: dict[str, Any],
    actor: Actor,
) -> AccountAutomation:
    mode, risk_threshold = after["mode"], after["risk_threshold"]
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


@dataclass(frozen=True, slots=True)
class Verdict:
    recommendation: str
    reasons: list[str]


def review_verdict(
    score: float, threshold: float, low_confidence: list[str], policy_reasons: list[str]
) -> Verdict:
    """The recommendation: approve as asked only when the engine, the policy and the model all allow it."""
    reasons = list(policy_reasons)
    if score >= threshold:
        reasons.append(f"risk {score:.1%} is not below the account's threshold {threshold:.1%}")
    reasons.extend(f"low confidence: {why}" for why in low_confidence)
    return Verdict(Recommendation.PERSON if reasons else Recommendation.APPROVE, reasons)


def review_record(
    *,
    case: RefundCase,
    model_version: str,
    mode: str,
    row: Any,
    scored: Any,
    threshold: float,
    evaluation: Any,
    verdict: Verdict,
) -> RiskReview:
    """Record one scoring of a case (callers hold the case's row lock); nothing is done with it yet."""
    return RiskReview.objects.create(
        case=case,
        model_version=model_version,
        policy_version=evaluation.policy_version if evaluation is not None else "",
        mode=mode,
        features=features_to_json(row),
        score=scored.probability,
        threshold=threshold,
        factors=[f.to_json() for f in scored.factors],
        engine_decision=evaluation.decision if evaluation is not None else "",
        recommendation=verdict.recommendation,
        action=ReviewAction.NONE,
        automatic=False,
        reasons=verdict.reasons,
    )


def review_mark(review: RiskReview, **changes: Any) -> RiskReview:
    """Record what was done with a review (its action, whether it was automatic, a changed verdict)."""
    RiskReview.objects.filter(pk=review.pk).update(**changes)
    for name, value in changes.items():
        setattr(review, name, value)
    return review


@transaction.atomic
def review_outcomes_record(*, limit: int = 5000) -> int:
    """Stamp reviews with the decision a person made afterwards (for the shadow agreement report)."""
    stamped = 0
    pending = RiskReview.objects.filter(agent_decision="").select_related("case").order_by("id")[:limit]
    for review in pending:
        with case_isolated(review.case_id, job="review outcomes"):
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
    # Deferred: the risk model loads scikit-learn, which only scoring needs.
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
    verdict = review_verdict(scored.probability, review.threshold or 0.0, scored.low_confidence, recorded)
    recommendation = Recommendation.PERSON if PAYMENT_FAILED in review.reasons else verdict.recommendation
    matches = (
        abs(scored.probability - (review.score or 0.0)) < 1e-9 and recommendation == review.recommendation
    )
    return Replay(review=review, score=scored.probability, recommendation=recommendation, matches=matches)
