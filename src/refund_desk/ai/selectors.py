"""Reads of the ai app: a case's risk features (from the precomputed aggregates), reviews, the
shadow-mode agreement report and the labelled data retraining learns from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
from django.db.models import QuerySet

from refund_desk.ai.choices import LabelSource, Recommendation
from refund_desk.ai.models import (
    AccountAutomation,
    AutomationChange,
    AutomationMode,
    BuyerStats,
    CommentLabel,
    OfferStats,
    RiskReview,
    StatsContribution,
)
from refund_desk.ai.risk.dataset import Dataset
from refund_desk.ai.risk.features import (
    BuyerHistory,
    CommentReading,
    OfferHistory,
    RequestFacts,
    feature_vector,
    features_from_json,
)
from refund_desk.cases.access import accounts_visible, scoped
from refund_desk.cases.choices import ActorType, CaseStatus, EventType
from refund_desk.cases.models import CaseEvent, RefundCase, SellerAccount
from refund_desk.policy.selectors import FACTS_KEY

if TYPE_CHECKING:
    from refund_desk.ai.comments import CommentAnalysis

APPROVING = (CaseStatus.APPROVED, CaseStatus.AWAITING_RETURN)
DECIDING = (*APPROVING, CaseStatus.REJECTED)


def automation_for(account_id: int) -> AccountAutomation:
    """The account's automation settings (mode off when never set)."""
    row = AccountAutomation.objects.filter(account_id=account_id).first()
    return row or AccountAutomation(account_id=account_id, mode=AutomationMode.OFF)


@dataclass(frozen=True, slots=True)
class AccountAutomationRow:
    account: SellerAccount
    mode: str
    risk_threshold: float | None
    updated_at: datetime | None


def automation_overview(*, viewer: Any) -> list[AccountAutomationRow]:
    """Every seller account with its automation mode and threshold (off / model default when never set)."""
    settings_by_account = {row.account_id: row for row in AccountAutomation.objects.all()}
    rows = []
    for account in accounts_visible(viewer):
        row = settings_by_account.get(account.pk)
        rows.append(
            AccountAutomationRow(
                account=account,
                mode=str(row.mode) if row else AutomationMode.OFF.value,
                risk_threshold=row.risk_threshold if row else None,
                updated_at=row.updated_at if row else None,
            )
        )
    return rows


def automation_changes(*, limit: int = 50) -> QuerySet[AutomationChange]:
    """The newest changes of automation settings (the audit trail shown on /ai/)."""
    return AutomationChange.objects.select_related("account").order_by("-created_at", "-id")[:limit]


def agent_decision(case: RefundCase) -> tuple[str, datetime | None]:
    """The latest decision a person made: ("APPROVED"|"REJECTED", when) or ("", None)."""
    row = (
        CaseEvent.objects.filter(
            case_id=case.pk, type=EventType.TRANSITION, actor_type=ActorType.USER, to_status__in=DECIDING
        )
        .order_by("-created_at", "-id")
        .values_list("to_status", "created_at")
        .first()
    )
    if row is None:
        return "", None
    return (CaseStatus.REJECTED if row[0] == CaseStatus.REJECTED else CaseStatus.APPROVED), row[1]


def case_comment_text(case: RefundCase) -> str:
    """The buyer's comment the models read for a case: the first returned item's comment with text."""
    return next((item.comment for item in case.items.all() if item.comment.strip()), "")


def _comment_reading(case: RefundCase) -> CommentReading:
    # Deferred: the comment model loads scikit-learn, which only reading comments needs.
    from refund_desk.ai import comments

    text = case_comment_text(case)
    if not text:
        return CommentReading()
    analysis = comments.classify(text, case.primary_reason or None)
    return CommentReading.from_analysis(analysis, text)


def case_comment_prediction(case: RefundCase) -> CommentAnalysis | None:
    """What the saved comment model reads in the case's buyer comment; None without a comment or a model.

    Never trains a model (that takes seconds): a page must not wait for it.
    """
    # Deferred: the comment model loads scikit-learn, which only reading comments needs.
    from refund_desk.ai import comments

    text = case_comment_text(case)
    model = comments.load() if text else None
    if model is None:
        return None
    return model.analyse(text, case.primary_reason or None)


def case_comment_label_latest(case: RefundCase) -> CommentLabel | None:
    """The newest agent correction of how the case's buyer comment was understood, if any."""
    return (
        CommentLabel.objects.filter(case_id=case.pk, source=LabelSource.AGENT)
        .select_related("created_by")
        .order_by("-created_at", "-pk")
        .first()
    )


def request_facts(case: RefundCase) -> RequestFacts:

    order = case.order
    facts = (case.snapshot or {}).get(FACTS_KEY) or {}
    delivered = facts.get("deliveredAt")
    delivered_at = None
    if isinstance(delivered, str):
        try:
            delivered_at = datetime.fromisoformat(delivered.replace("Z", "+00:00"))
        except ValueError:
            delivered_at = None
    items = list(case.items.all())
    bought = [li.bought_at for li in order.line_items.all() if li.bought_at is not None]
    if order.bought_at is not None:
        bought.append(order.bought_at)
    return RequestFacts(
        marketplace=case.marketplace,
        kind=case.kind,
        currency=case.currency,
        reason=case.primary_reason,
        amount=float(case.requested_amount),
        order_total=float(order.total_to_pay) if order.total_to_pay is not None else None,
        items=len(items),
        opened_at=case.opened_at,
        bought_at=min(bought, default=None),
        delivered_at=delivered_at,
        has_return_parcel=bool((case.snapshot or {}).get("parcels")),
        business_purchase=order.is_business_purchase,
        payment_type=order.payment_type,
        offer_ids=[item.line_item.offer_id for item in items],
    )


def _histories(case: RefundCase, offer_ids: list[str]) -> tuple[BuyerHistory, OfferHistory]:
    """The aggregates minus this case's own contribution: what was known apart from this request."""
    own = StatsContribution.objects.filter(case_id=case.pk).first()
    b = BuyerStats.objects.filter(account_id=case.account_id, buyer_id=case.buyer_id).first()
    buyer = BuyerHistory()
    if b is not None:
        buyer = BuyerHistory(
            orders=b.orders - int(bool(own and own.counted_order)),
            cases=b.cases - int(own is not None),
            decided=b.decided - int(bool(own and own.decided)),
            not_approved=b.not_approved - int(bool(own and own.not_approved)),
            complaints=b.complaints - int(bool(own and own.complaint)),
            first_seen_at=b.first_seen_at,
            last_case_at=(
                own.previous_last_case_at if own and b.last_case_at == case.opened_at else b.last_case_at
            ),
        )
    offer = OfferHistory()
    own_offers = set(own.offer_ids) if own else set()
    for row in OfferStats.objects.filter(account_id=case.account_id, offer_id__in=sorted(set(offer_ids))):
        mine = row.offer_id in own_offers
        offer.orders += row.orders - int(bool(mine and own and own.counted_order))
        offer.cases += row.cases - int(mine)
        offer.decided += row.decided - int(bool(mine and own and own.decided))
        offer.not_approved += row.not_approved - int(bool(mine and own and own.not_approved))
    return buyer, offer


def case_features(case: RefundCase) -> np.ndarray:
    """The risk model's input for a stored case: O(1) aggregate rows, never a scan of the buyer's cases."""
    facts = request_facts(case)
    buyer, offer = _histories(case, list(facts.offer_ids))
    return feature_vector(facts, buyer, offer, _comment_reading(case))


def review_latest(case: RefundCase) -> RiskReview | None:
    return RiskReview.objects.filter(case_id=case.pk).order_by("-created_at", "-id").first()


def reviews_for(case: RefundCase) -> QuerySet[RiskReview]:
    return RiskReview.objects.filter(case_id=case.pk).order_by("-created_at", "-id")


@dataclass(slots=True)
class AgreementReport:
    """How shadow-mode recommendations compare with what people later decided."""

    reviews: int = 0
    decided: int = 0
    agreed: int = 0
    matrix: dict[str, int] = field(default_factory=dict)
    per_account: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def agreement_rate(self) -> float | None:
        return round(self.agreed / self.decided, 4) if self.decided else None

    @property
    def would_be_wrong(self) -> int:
        """Recommended automatic approval, but a person rejected."""
        return self.matrix.get("APPROVE/REJECTED", 0)

    def to_json(self) -> dict[str, Any]:
        return {
            "reviews": self.reviews,
            "decided": self.decided,
            "agreed": self.agreed,
            "agreementRate": self.agreement_rate,
            "wouldBeWrong": self.would_be_wrong,
            "matrix": dict(sorted(self.matrix.items())),
            "perAccount": self.per_account,
        }


def shadow_agreement(
    *, account_id: int | None = None, since: datetime | None = None, viewer: Any = None
) -> AgreementReport:
    """Agreement of shadow-mode reviews with people's later decisions (stamped by `review_outcomes_record`),
    over the accounts `viewer` works for (every account when no viewer is given: the CLI)."""
    rows = RiskReview.objects.filter(mode=AutomationMode.SHADOW)
    if viewer is not None:
        rows = scoped(rows, viewer, field="case__account")
    if account_id is not None:
        rows = rows.filter(case__account_id=account_id)
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    report = AgreementReport()
    for recommendation, decision, account_name in rows.values_list(
        "recommendation", "agent_decision", "case__account__name"
    ).iterator(chunk_size=2000):
        report.reviews += 1
        per = report.per_account.setdefault(account_name, {"reviews": 0, "decided": 0, "agreed": 0})
        per["reviews"] += 1
        if not decision:
            continue
        report.decided += 1
        per["decided"] += 1
        key = f"{recommendation}/{decision}"
        report.matrix[key] = report.matrix.get(key, 0) + 1
        if (recommendation == Recommendation.APPROVE) == (decision == CaseStatus.APPROVED):
            report.agreed += 1
            per["agreed"] += 1
    return report


def labelled_dataset(limit: int = 200_000) -> Dataset | None:
    """Cases a person decided, with their features: the recorded ones of the first review when there is
    one (exactly what the model saw), else recomputed from the aggregates without the case itself."""

    events = (
        CaseEvent.objects.filter(type=EventType.TRANSITION, actor_type=ActorType.USER, to_status__in=DECIDING)
        .order_by("case_id", "-created_at", "-id")
        .values_list("case_id", "to_status")
    )
    decisions: dict[int, str] = {}
    for case_id, status in events.iterator(chunk_size=5000):
        decisions.setdefault(case_id, status)
        if len(decisions) >= limit:
            break
    if not decisions:
        return None
    recorded: dict[int, dict[str, Any]] = {}
    for case_id, features in (
        RiskReview.objects.filter(case_id__in=list(decisions))
        .order_by("case_id", "created_at")
        .values_list("case_id", "features")
    ):
        recorded.setdefault(case_id, features)
    rows, labels, marketplaces, reasons, opened = [], [], [], [], []
    cases = (
        RefundCase.objects.filter(pk__in=list(decisions))
        .select_related("order")
        .prefetch_related("items__line_item", "order__line_items")
    )
    for case in cases.iterator(chunk_size=500):
        row = features_from_json(recorded[case.pk]) if case.pk in recorded else case_features(case)
        rows.append(row)
        labels.append(int(decisions[case.pk] == CaseStatus.REJECTED))
        marketplaces.append(case.marketplace)
        reasons.append(case.primary_reason or "NONE")
        opened.append(case.opened_at)
    return Dataset(
        x=np.vstack(rows),
        y=np.array(labels, dtype=np.int8),
        marketplaces=marketplaces,
        reasons=reasons,
        eligible=np.ones(len(labels), dtype=bool),
        opened_at=opened,
        source=f"{len(labels)} cases decided by people in this installation",
    )
