"""The outbox of decisions Allegro must know: one command per decision, written in the decision's
transaction, sent by the worker with a lease, retried, and read back before it is sent again."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from refund_desk.cases.models import RefundCase
from refund_desk.outbound.choices import CommandKind, CommandStatus


class Command(models.Model):
    """The intent to tell Allegro about a decision on a case (e.g. reject a customer return's refund).

    `key` makes it once per decision: a second rejection of the same case (after an appeal) finds the
    first command and sends nothing again. A worker claims it with a lease; a crash leaves it PENDING
    with an expired lease, and the next attempt first reads Allegro back to see whether it already acted.
    """

    case = models.ForeignKey(RefundCase, on_delete=models.PROTECT, related_name="commands")
    kind = models.CharField(max_length=30, choices=CommandKind.choices)
    key = models.CharField(max_length=100, unique=True)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=CommandStatus.choices, default=CommandStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    answer = models.JSONField(default=dict, blank=True)
    requested_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="command_due_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status=CommandStatus.DONE) | models.Q(done_at__isnull=False),
                name="command_done_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} case {self.case_id} {self.status}"
