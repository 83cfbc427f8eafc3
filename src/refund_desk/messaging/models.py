"""Allegro Message Center threads and their messages, linked to cases through the order id."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from refund_desk.cases.models import SellerAccount
from refund_desk.messaging.choices import AuthorRole


class Thread(models.Model):
    """A Message Center conversation between the seller and one buyer (Allegro `/messaging/threads`)."""

    account = models.ForeignKey(SellerAccount, on_delete=models.CASCADE, related_name="message_threads")
    external_id = models.CharField(_("thread id"), max_length=64)
    # The order the newest message that names one refers to (Allegro's `relatesTo.order.id`).
    order_external_id = models.CharField(_("order id"), max_length=64, blank=True)
    buyer_login = models.CharField(_("buyer login"), max_length=100, blank=True)
    last_message_at = models.DateTimeField(_("last message at"), null=True, blank=True)
    read = models.BooleanField(_("read"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-last_message_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "external_id"], name="thread_unique_per_account"),
        ]
        indexes = [models.Index(fields=["account", "order_external_id"], name="thread_order_idx")]

    def __str__(self) -> str:
        return f"{self.buyer_login or '?'} ({self.external_id})"


class Message(models.Model):
    """One message of a thread, as Allegro delivered it. Messages never change once written."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    external_id = models.CharField(_("message id"), max_length=64)
    author_role = models.CharField(_("author"), max_length=10, choices=AuthorRole.choices)
    author_login = models.CharField(_("author login"), max_length=100, blank=True)
    text = models.TextField(_("text"), blank=True)
    # The order this message is about, when it names one (else the thread's order applies).
    order_external_id = models.CharField(_("order id"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("sent at"))

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["thread", "external_id"], name="message_unique_per_thread"),
        ]
        indexes = [models.Index(fields=["order_external_id"], name="message_order_idx")]

    def __str__(self) -> str:
        return f"{self.get_author_role_display()} {self.created_at:%Y-%m-%d %H:%M}"
