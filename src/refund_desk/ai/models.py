"""Labelled buyer comments: agents' corrections that retraining merges with the shipped corpus."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from refund_desk.ai.choices import LabelSource, Recommendation, ReviewAction
from refund_desk.cases.choices import ActorType, CaseStatus
from refund_desk.policy.models import AppendOnlyModel


class CommentLabel(models.Model):
    """The reason type and flags a person says a buyer comment expresses (weighted above the corpus)."""

    text = models.TextField(_("comment text"))
    language = models.CharField(_("language"), max_length=16, blank=True)
    reason = models.CharField(_("reason type"), max_length=40)
    flags = models.JSONField(_("flags"), default=list, blank=True)
    source = models.CharField(
        _("source"), max_length=16, choices=LabelSource.choices, default=LabelSource.AGENT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comment_labels",
    )
    case = models.ForeignKey(
        "cases.RefundCase", on_delete=models.SET_NULL, null=True, blank=True, related_name="comment_labels"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["source", "created_at"])]

    def __str__(self) -> str:
        return f"{self.reason}: {self.text[:40]}"


class AutomationMode(models.TextChoices):
    OFF = "off", _("off")
    SHADOW = "shadow", _("shadow (recommend only)")
    LIVE = "live", _("live (decide automatically)")


class AccountAutomation(models.Model):
    """How the risk model may act for one seller account; no row means mode `off`."""

    account = models.OneToOneField("cases.SellerAccount", on_delete=models.CASCADE, related_name="automation")
    mode = models.CharField(max_length=10, choices=AutomationMode.choices, default=AutomationMode.OFF)
    # Below this risk score a request may be approved automatically; null = the model's own threshold.
    risk_threshold = models.FloatField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.account}: {self.mode}"


class AutomationChange(AppendOnlyModel):
    """Audit record of a change to an account's automation settings: who, when, before and after."""

    account = models.ForeignKey("cases.SellerAccount", on_delete=models.CASCADE, related_name="+")
    actor_type = models.CharField(max_length=10, choices=ActorType.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=150)
    before = models.JSONField()  # {"mode": ..., "risk_threshold": ...}
    after = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.before} -> {self.after} by {self.actor_label}"


class BuyerStats(models.Model):
    """Running aggregates of one buyer with one seller account, kept by `stats_update_for_case`."""

    account = models.ForeignKey("cases.SellerAccount", on_delete=models.CASCADE, related_name="+")
    buyer = models.ForeignKey("cases.Buyer", on_delete=models.CASCADE, related_name="+")
    orders = models.PositiveIntegerField(default=0)
    cases = models.PositiveIntegerField(default=0)
    decided = models.PositiveIntegerField(default=0)
    not_approved = models.PositiveIntegerField(default=0)
    complaints = models.PositiveIntegerField(default=0)
    first_seen_at = models.DateTimeField(null=True, blank=True)
    last_case_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "buyer"], name="buyer_stats_unique")]

    def __str__(self) -> str:
        return f"buyer {self.buyer_id}: {self.cases} cases / {self.orders} orders"


class OfferStats(models.Model):
    """Running aggregates of one offer of one seller account."""

    account = models.ForeignKey("cases.SellerAccount", on_delete=models.CASCADE, related_name="+")
    offer_id = models.CharField(max_length=64)
    orders = models.PositiveIntegerField(default=0)
    cases = models.PositiveIntegerField(default=0)
    decided = models.PositiveIntegerField(default=0)
    not_approved = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "offer_id"], name="offer_stats_unique")]

    def __str__(self) -> str:
        return f"offer {self.offer_id}: {self.cases} cases / {self.orders} orders"


class StatsContribution(models.Model):
    """What one case currently adds to the aggregates, so updates are incremental and idempotent."""

    case = models.OneToOneField("cases.RefundCase", on_delete=models.CASCADE, related_name="+")
    counted_order = models.BooleanField(default=False)
    complaint = models.BooleanField(default=False)
    decided = models.BooleanField(default=False)
    not_approved = models.BooleanField(default=False)
    offer_ids = models.JSONField(default=list)
    previous_last_case_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"case {self.case_id}"


class RiskReview(models.Model):
    """One scoring of a case by the risk model: what it saw, said and did (append-only)."""

    case = models.ForeignKey("cases.RefundCase", on_delete=models.CASCADE, related_name="risk_reviews")
    model_version = models.CharField(max_length=40)
    policy_version = models.CharField(max_length=200, blank=True)
    mode = models.CharField(max_length=10, choices=AutomationMode.choices)
    features = models.JSONField()
    score = models.FloatField(null=True, blank=True)
    threshold = models.FloatField(null=True, blank=True)
    factors = models.JSONField(default=list)
    engine_decision = models.CharField(max_length=20, blank=True)
    recommendation = models.CharField(max_length=20, choices=Recommendation.choices)
    action = models.CharField(max_length=30, choices=ReviewAction.choices)
    automatic = models.BooleanField(default=False)
    reasons = models.JSONField(default=list)  # why it was (not) automatic, in words
    agent_decision = models.CharField(max_length=20, blank=True)  # filled once a person decides
    agent_decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["case", "created_at"], name="risk_review_case_idx"),
            models.Index(fields=["mode", "agent_decision"], name="risk_review_mode_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.recommendation} ({self.score})"

    @property
    def acted(self) -> bool:
        """The review did something beyond recommending."""
        return self.action != ReviewAction.NONE

    @property
    def agreed(self) -> bool | None:
        if not self.agent_decision:
            return None
        return (self.recommendation == Recommendation.APPROVE) == (self.agent_decision == CaseStatus.APPROVED)
