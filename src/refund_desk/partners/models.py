"""Partners: outbound webhook subscriptions and their delivery log, inbound webhooks from warehouse and
ERP systems, and the log of issues with partners (carriers, warehouses)."""

from __future__ import annotations

import secrets
import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from refund_desk.cases.models import RefundCase, SellerAccount
from refund_desk.core.crypto import decrypt, encrypt
from refund_desk.partners.choices import DeliveryStatus, IssueKind, PartnerKind


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def new_encrypted_secret() -> str:
    """A fresh signing secret, already encrypted (the default of the secret columns)."""
    return encrypt(new_secret())


class Partner(models.Model):
    """A system or company the desk works with: a warehouse, an ERP, a carrier."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(unique=True)
    kind = models.CharField(max_length=20, choices=PartnerKind.choices)
    carrier_id = models.CharField(_("Allegro carrier id"), max_length=64, blank=True, db_index=True)
    # Fernet-encrypted (core.crypto); read and set through `inbound_secret`.
    inbound_secret_encrypted = models.TextField(default=new_encrypted_secret)
    # The seller accounts whose returns the partner handles: its signed results touch only their cases.
    accounts = models.ManyToManyField(SellerAccount, blank=True, related_name="partners")
    # Set when the stored secret cannot be decrypted (the encryption key changed): rotate it.
    needs_new_secret = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def inbound_secret(self) -> str:
        return decrypt(self.inbound_secret_encrypted)

    @inbound_secret.setter
    def inbound_secret(self, value: str) -> None:
        self.inbound_secret_encrypted = encrypt(value)


class WebhookSubscription(models.Model):
    """Where to send which events, and the secret that signs them."""

    partner = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.CASCADE, related_name="subscriptions"
    )
    account = models.ForeignKey(
        SellerAccount, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500)
    # Fernet-encrypted (core.crypto); read and set through `secret`.
    secret_encrypted = models.TextField(default=new_encrypted_secret)
    # Event names ("refund.succeeded") or prefixes ending in "*" ("refund.*"); empty means every event.
    events = models.JSONField(default=list, blank=True)
    needs_new_secret = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} → {self.url}"

    @property
    def secret(self) -> str:
        return decrypt(self.secret_encrypted)

    @secret.setter
    def secret(self, value: str) -> None:
        self.secret_encrypted = encrypt(value)

    def wants(self, event: str) -> bool:
        if not self.events:
            return True
        return any(event == e or (e.endswith("*") and event.startswith(e[:-1])) for e in self.events)


class WebhookDelivery(models.Model):
    """One event for one subscriber, retried with backoff for a day."""

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=60)
    event_id = models.UUIDField(default=uuid.uuid4)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    replay_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replays"
    )
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_due_idx")]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription_id} ({self.status})"


class WebhookAttempt(models.Model):
    """One HTTP attempt of a delivery: what the receiver answered."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    attempted_at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["attempted_at", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} → {self.status_code or self.error[:40]}"


class InboundWebhookReceipt(models.Model):
    """A signed inbound request that was acted on, so that the same one is never acted on twice: by its
    signature (the same body at the same second) and by the partner's delivery id, when it sends one."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="receipts")
    key = models.CharField(max_length=100)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["partner", "key"], name="inbound_receipt_once")]

    def __str__(self) -> str:
        return f"{self.partner_id} {self.key}"


class InboundWebhookLog(models.Model):
    """Every inbound webhook call, accepted or refused."""

    partner = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_log"
    )
    partner_slug = models.CharField(max_length=50)
    received_at = models.DateTimeField(default=timezone.now)
    accepted = models.BooleanField(default=False)
    status_code = models.PositiveIntegerField()
    error = models.TextField(blank=True)
    body = models.TextField(blank=True)
    remote_addr = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.partner_slug} {self.status_code}"


class PartnerIssue(models.Model):
    """Something a partner got wrong: a lost or returned parcel, a late inspection..."""

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="issues")
    account = models.ForeignKey(
        SellerAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    case = models.ForeignKey(
        RefundCase, null=True, blank=True, on_delete=models.SET_NULL, related_name="partner_issues"
    )
    kind = models.CharField(max_length=30, choices=IssueKind.choices)
    reference = models.CharField(_("waybill or reference"), max_length=100, blank=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by_label = models.CharField(max_length=150)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["partner", "created_at"], name="partner_issue_month_idx")]

    def __str__(self) -> str:
        return f"{self.partner}: {self.get_kind_display()}"


class PublishCursor(models.Model):
    """How far an append-only log (the case event log) was published to subscribers."""

    name = models.CharField(max_length=50, unique=True)
    last_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_id}"
