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
