"""Refund-case domain: seller accounts, buyers, order snapshots, cases, their items and their event log."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from refund_desk.cases.choices import (
    AccountEnvironment,
    ActorType,
    CaseKind,
    CaseSource,
    CaseStatus,
    Currency,
    EventType,
    Marketplace,
)
from refund_desk.cases.lifecycle import ALLOWED_TRANSITIONS, OPEN_STATUSES
from refund_desk.core.money import Money


class SellerAccount(models.Model):
    """One Allegro seller account connected to this installation (an installation holds many)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    allegro_user_id = models.CharField(_("Allegro user id"), max_length=64, blank=True, db_index=True)
    allegro_login = models.CharField(_("Allegro login"), max_length=100, blank=True)
    environment = models.CharField(
        _("environment"),
        max_length=20,
        choices=AccountEnvironment.choices,
        default=AccountEnvironment.PRODUCTION,
    )
    api_url = models.URLField(_("API base URL"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AccountMembership(models.Model):
    """A person works for a seller account: sees its cases, pages, exports and notifications.

    `account` empty: every seller account of the installation, present and future (an in-house team).
    People with the admin role see every account without a membership.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_memberships"
    )
    account = models.ForeignKey(
        SellerAccount, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "account"], name="membership_unique"),
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(account__isnull=True), name="membership_all_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.account or 'every account'}"


class Buyer(models.Model):
    """An Allegro buyer as the seller sees them: login, Allegro id and Allegro's masked e-mail alias."""

    allegro_id = models.CharField(_("Allegro buyer id"), max_length=64, unique=True)
    login = models.CharField(_("login"), max_length=100, db_index=True)
    email_masked = models.CharField(_("masked e-mail"), max_length=254, blank=True)
    first_seen_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.login


class Order(models.Model):
    """Snapshot of an Allegro checkout form, as fetched when a case referring to it arrived."""

    account = models.ForeignKey(SellerAccount, on_delete=models.PROTECT, related_name="orders")
    external_id = models.CharField(_("checkout form id"), max_length=64)
    buyer = models.ForeignKey(Buyer, on_delete=models.PROTECT, related_name="orders")
    marketplace = models.CharField(max_length=20, choices=Marketplace.choices)
    currency = models.CharField(max_length=3, choices=Currency.choices)
    status = models.CharField(max_length=32, blank=True)
    payment_id = models.CharField(max_length=64, blank=True)
    payment_type = models.CharField(max_length=32, blank=True)
    payment_provider = models.CharField(max_length=32, blank=True)
    paid_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    delivery_method = models.CharField(max_length=200, blank=True)
    delivery_cost = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    delivery_smart = models.BooleanField(default=False)
    total_to_pay = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    invoice_required = models.BooleanField(default=False)
    company_name = models.CharField(max_length=300, blank=True)
    company_ids = models.JSONField(default=list, blank=True)
    bought_at = models.DateTimeField(null=True, blank=True)
    revision = models.CharField(max_length=64, blank=True)
    snapshot = models.JSONField(default=dict)
    fetched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "external_id"], name="order_unique_per_account"),
        ]

    def __str__(self) -> str:
        return self.external_id

    @property
    def is_business_purchase(self) -> bool:
        return bool(self.company_name or self.company_ids)

    def delivery_money(self) -> Money:
        return Money(self.delivery_cost, self.currency)


class OrderLineItem(models.Model):
    """A line of an order (Allegro lineItems[]); its id is what refunds and commission claims use."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="line_items")
    external_id = models.CharField(_("line item id"), max_length=64)
    offer_id = models.CharField(max_length=64, db_index=True)
    offer_name = models.CharField(max_length=300, blank=True)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=14, decimal_places=2)
    original_unit_price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    bought_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "external_id"], name="line_item_unique_per_order"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="line_item_quantity_positive"),
            models.CheckConstraint(
                condition=models.Q(unit_price__gte=0), name="line_item_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offer_name or self.offer_id} x{self.quantity}"


class RefundCase(models.Model):
    """One buyer request for money back: a customer return, a complaint, a cancellation or a manual case."""

    account = models.ForeignKey(SellerAccount, on_delete=models.PROTECT, related_name="cases")
    kind = models.CharField(_("kind"), max_length=20, choices=CaseKind.choices)
    source = models.CharField(_("source"), max_length=24, choices=CaseSource.choices)
    external_id = models.CharField(_("external id"), max_length=64)
    reference = models.CharField(_("reference"), max_length=64, blank=True)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="cases")
    buyer = models.ForeignKey(Buyer, on_delete=models.PROTECT, related_name="cases")
    status = models.CharField(_("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.NEW)
    external_status = models.CharField(_("Allegro status"), max_length=40, blank=True)
    # Denormalised from the order so the queue reads one table.
    marketplace = models.CharField(max_length=20, choices=Marketplace.choices)
    currency = models.CharField(max_length=3, choices=Currency.choices)
    buyer_login = models.CharField(max_length=100)
    order_external_id = models.CharField(max_length=64)
    primary_reason = models.CharField(_("reason"), max_length=40, blank=True)
    requested_amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    opened_at = models.DateTimeField(_("request received"))
    respond_by = models.DateTimeField(_("respond by"), null=True, blank=True)
    refund_by = models.DateTimeField(_("refund by"), null=True, blank=True)
    # Sort key for the queue: the earliest open deadline; open cases first, far future for closed ones.
    due_at = models.DateTimeField(_("due"))
    snapshot = models.JSONField(default=dict)
    fingerprint = models.CharField(max_length=64, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set aside: a stored value failed a check or a job (the error in words); no automation touches the
    # case until a person re-reads it from Allegro or closes it (cases.services.case_attention_flag).
    attention = models.TextField(_("needs attention"), blank=True)
    attention_since = models.DateTimeField(_("needs attention since"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "source", "external_id"], name="case_unique_per_source"
            ),
            models.CheckConstraint(
                condition=models.Q(requested_amount__gte=0), name="case_amount_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["due_at", "id"], name="case_queue_idx"),
            models.Index(fields=["status", "due_at", "id"], name="case_status_queue_idx"),
            models.Index(fields=["account", "status", "due_at", "id"], name="case_account_queue_idx"),
            models.Index(fields=["kind", "due_at", "id"], name="case_kind_queue_idx"),
            models.Index(fields=["marketplace", "due_at", "id"], name="case_marketplace_queue_idx"),
            models.Index(fields=["primary_reason", "due_at", "id"], name="case_reason_queue_idx"),
            models.Index(fields=["buyer_login"], name="case_buyer_login_idx"),
            models.Index(fields=["order_external_id"], name="case_order_idx"),
            models.Index(fields=["reference"], name="case_reference_idx"),
            models.Index(
                fields=["attention_since"],
                name="case_attention_idx",
                condition=models.Q(attention_since__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.reference or f"{self.get_kind_display()} {self.external_id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def needs_attention(self) -> bool:
        return self.attention_since is not None

    def can_transition_to(self, status: str) -> bool:
        return status in ALLOWED_TRANSITIONS.get(CaseStatus(self.status), frozenset())

    def allowed_transitions(self) -> list[CaseStatus]:
        return sorted(
            ALLOWED_TRANSITIONS.get(CaseStatus(self.status), frozenset()), key=list(CaseStatus).index
        )

    def requested_money(self) -> Money:
        return Money(self.requested_amount, self.currency)


class CaseItem(models.Model):
    """A line item the buyer wants money back for, with the reason and comment they gave."""

    case = models.ForeignKey(RefundCase, on_delete=models.CASCADE, related_name="items")
    line_item = models.ForeignKey(OrderLineItem, on_delete=models.PROTECT, related_name="case_items")
    quantity = models.PositiveIntegerField()
    reason_type = models.CharField(max_length=40, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="case_item_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.line_item} ({self.quantity})"


class ImmutableQuerySet(models.QuerySet["CaseEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("case events are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("case events are append-only")


class CaseEvent(models.Model):
    """Append-only record of everything that happened to a case, written in the same transaction."""

    case = models.ForeignKey(RefundCase, on_delete=models.PROTECT, related_name="events")
    type = models.CharField(max_length=20, choices=EventType.choices)
    actor_type = models.CharField(max_length=10, choices=ActorType.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=150)
    from_status = models.CharField(max_length=20, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=CaseStatus.choices, blank=True)
    reason = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at", "id"], name="case_event_timeline_idx")]

    def __str__(self) -> str:
        return f"{self.get_type_display()} by {self.actor_label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("case events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("case events are append-only")
