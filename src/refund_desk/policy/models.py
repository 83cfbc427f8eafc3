"""Versioned refund policies per seller account and marketplace, with an append-only change log."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from refund_desk.cases.choices import ActorType, Marketplace
from refund_desk.cases.models import SellerAccount


class RefundPolicy(models.Model):
    """The refund policy of one seller account on one marketplace; its content lives in versions."""

    account = models.ForeignKey(SellerAccount, on_delete=models.PROTECT, related_name="refund_policies")
    marketplace = models.CharField(_("marketplace"), max_length=20, choices=Marketplace.choices)
    active_version = models.ForeignKey(
        "PolicyVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["account__name", "marketplace"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "marketplace"], name="policy_unique_per_account_marketplace"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} / {self.marketplace}"


class AppendOnlyQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("policy versions and changes are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("policy versions and changes are append-only")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError(f"{type(self).__name__} is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError(f"{type(self).__name__} is append-only")


class PolicyVersion(AppendOnlyModel):
    """One immutable version of a policy; evaluations record its `label`."""

    policy = models.ForeignKey(RefundPolicy, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    label = models.CharField(max_length=200)
    document = models.JSONField()
    source_yaml = models.TextField()
    comment = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by_label = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["policy", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="policy_version_unique_number"),
        ]

    def __str__(self) -> str:
        return self.label


class PolicyChangeAction(models.TextChoices):
    PUBLISHED = "PUBLISHED", _("Published in the desk")
    IMPORTED = "IMPORTED", _("Imported from YAML")


class PolicyChange(AppendOnlyModel):
    """Audit record of a policy change: who, when, how, and the documents before and after."""

    policy = models.ForeignKey(RefundPolicy, on_delete=models.PROTECT, related_name="changes")
    version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="changes")
    action = models.CharField(max_length=20, choices=PolicyChangeAction.choices)
    actor_type = models.CharField(max_length=10, choices=ActorType.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=150)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField()
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.version} by {self.actor_label}"


class CaseFacts(models.Model):
    """What Allegro's data does not say about a case and a person records on it (or the desk learns),
    fed to the policy engine: when the buyer got the goods, whether they were told of the right of
    withdrawal, which sealed offers came back opened, the cheapest standard delivery, proof of dispatch.
    Empty fields mean "not recorded": the engine then uses Allegro's data or its own defaults."""

    case = models.OneToOneField("cases.RefundCase", on_delete=models.CASCADE, related_name="facts")
    delivered_at = models.DateTimeField(_("delivered to the buyer"), null=True, blank=True)
    buyer_informed = models.BooleanField(_("buyer informed of the withdrawal right"), null=True, blank=True)
    # Offer id -> whether its seal was broken (only offers sold sealed, e.g. software, hygiene).
    seal_broken = models.JSONField(default=dict, blank=True)
    cheapest_delivery = models.DecimalField(
        _("cheapest standard delivery"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    return_dispatched_at = models.DateTimeField(_("return dispatched (proof)"), null=True, blank=True)
    updated_by = models.CharField(max_length=150, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cheapest_delivery__isnull=True) | models.Q(cheapest_delivery__gte=0),
                name="facts_cheapest_delivery_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"facts of case {self.case_id}"
