"""Allegro connection state: credentials per seller account, sync cursors, sync runs, quarantine."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from refund_desk.cases.models import SellerAccount
from refund_desk.core.crypto import decrypt, encrypt


class CredentialStatus(models.TextChoices):
    CONNECTED = "connected", _("Connected")
    NEEDS_RECONNECT = "needs_reconnect", _("Needs reconnect")


class AllegroCredentials(models.Model):
    """OAuth tokens of one seller account, encrypted at rest. One refresh at a time (row lock)."""

    account = models.OneToOneField(
        SellerAccount, on_delete=models.CASCADE, related_name="allegro_credentials"
    )
    access_token_encrypted = models.TextField(blank=True)
    refresh_token_encrypted = models.TextField(blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    scope = models.TextField(blank=True)
    status = models.CharField(
        max_length=20, choices=CredentialStatus.choices, default=CredentialStatus.CONNECTED
    )
    status_reason = models.TextField(blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Allegro credentials")
        verbose_name_plural = _("Allegro credentials")

    def __str__(self) -> str:
        return f"{self.account} ({self.status})"

    @property
    def access_token(self) -> str:
        return decrypt(self.access_token_encrypted)

    @access_token.setter
    def access_token(self, value: str) -> None:
        self.access_token_encrypted = encrypt(value)

    @property
    def refresh_token(self) -> str:
        return decrypt(self.refresh_token_encrypted)

    @refresh_token.setter
    def refresh_token(self, value: str) -> None:
        self.refresh_token_encrypted = encrypt(value)

    def can_call(self) -> bool:
        return self.status == CredentialStatus.CONNECTED


class SyncStream(models.TextChoices):
    CUSTOMER_RETURNS = "customer-returns", _("Customer returns")
    OPEN_RETURNS = "open-returns", _("Customer returns still in motion")
    ORDER_EVENTS = "order-events", _("Order events")
    ISSUES = "issues", _("Post-purchase issues")
    MESSAGES = "messages", _("Message Center threads")


class SyncCursor(models.Model):
    """Where a stream's sync resumes: the last committed item id (Allegro's `from`) and a time watermark.

    Moved only in the transaction that commits the page it points past; locked by the committing worker.
    """

    account = models.ForeignKey(SellerAccount, on_delete=models.CASCADE, related_name="allegro_cursors")
    stream = models.CharField(max_length=32, choices=SyncStream.choices)
    position = models.CharField(max_length=64, blank=True)
    watermark = models.DateTimeField(null=True, blank=True)
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "stream"], name="allegro_cursor_per_stream")
        ]

    def __str__(self) -> str:
        return f"{self.account}/{self.stream} @ {self.position or '-'}"


class SyncRunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped (another worker holds the stream)")


class SyncRun(models.Model):
    """One sync of one stream of one account, with its counts."""

    account = models.ForeignKey(SellerAccount, on_delete=models.CASCADE, related_name="allegro_sync_runs")
    stream = models.CharField(max_length=32, choices=SyncStream.choices)
    status = models.CharField(max_length=16, choices=SyncRunStatus.choices, default=SyncRunStatus.RUNNING)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    pages = models.PositiveIntegerField(default=0)
    items_seen = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    quarantined = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["account", "stream", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.account}/{self.stream} {self.status} {self.started_at:%Y-%m-%d %H:%M}"


class QuarantinedItem(models.Model):
    """An item Allegro sent that could not become a case; kept whole for a human to look at."""

    account = models.ForeignKey(SellerAccount, on_delete=models.CASCADE, related_name="allegro_quarantine")
    stream = models.CharField(max_length=32, choices=SyncStream.choices)
    external_id = models.CharField(max_length=64, blank=True)
    payload = models.JSONField()
    reason = models.TextField()
    trace_id = models.CharField(max_length=64, blank=True)
    run = models.ForeignKey(
        SyncRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="quarantined_items"
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["account", "stream", "external_id"])]

    def __str__(self) -> str:
        return f"{self.stream} {self.external_id}: {self.reason[:60]}"
