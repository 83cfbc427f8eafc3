"""Labelled buyer comments: agents' corrections that retraining merges with the shipped corpus."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from refund_desk.ai.choices import LabelSource


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
