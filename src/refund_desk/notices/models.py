"""Notices to buyers: the versioned templates supervisors edit, and every text sent on a case."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone

from refund_desk.cases.models import RefundCase
from refund_desk.notices.choices import NoticeChannel, NoticeKind, NoticeLanguage
from refund_desk.outbound.models import Command


class NoticeTemplate(models.Model):
    """One version of the wording of a kind of notice in one language. Versions are never changed: an
    edit adds the next version, and the newest one is used. Version 0 is the built-in text (not stored)."""

    kind = models.CharField(max_length=20, choices=NoticeKind.choices)
    lang = models.CharField(max_length=2, choices=NoticeLanguage.choices)
    version = models.PositiveIntegerField()
    body = models.TextField()
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "lang", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "lang", "version"], name="notice_template_version_unique"
            ),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="notice_template_version_stored"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.lang} v{self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("notice template versions are never changed; save a new version")
        super().save(*args, **kwargs)


class Notice(models.Model):
    """What the buyer was told about a decision on the case, exactly as sent, and how it went out.

    `command` carries it to Allegro (an issue chat message, a Message Center reply, or the claim decision
    whose message it is); none when the case has no Allegro conversation. Notices are never changed.
    """

    case = models.ForeignKey(RefundCase, on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField(max_length=20, choices=NoticeKind.choices)
    lang = models.CharField(max_length=2, choices=NoticeLanguage.choices)
    channel = models.CharField(max_length=20, choices=NoticeChannel.choices)
    text = models.TextField()
    template_version = models.PositiveIntegerField()
    automated = models.BooleanField()
    # A person changed the drafted text before it went.
    edited = models.BooleanField(default=False)
    sent_by = models.CharField(max_length=150)
    command = models.OneToOneField(
        Command, null=True, blank=True, on_delete=models.PROTECT, related_name="notice"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"], name="notice_case_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(channel=NoticeChannel.NONE) | models.Q(command__isnull=False),
                name="notice_sent_has_command",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to case {self.case_id} ({self.channel})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("notices are never changed once sent")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("notices are kept")
