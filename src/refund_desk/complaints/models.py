"""A repair or replacement granted on a complaint: what was granted, where it stands, and the parcel that
takes the repaired or new item back to the buyer."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from refund_desk.cases.models import RefundCase
from refund_desk.complaints.choices import REMEDY_TRANSITIONS, RemedyKind, RemedyStatus


class Remedy(models.Model):
    """One remedy per case: a complaint accepted with a repair or a replacement."""

    case = models.OneToOneField(RefundCase, on_delete=models.PROTECT, related_name="remedy")
    kind = models.CharField(max_length=20, choices=RemedyKind.choices)
    status = models.CharField(max_length=20, choices=RemedyStatus.choices)
    item_required = models.BooleanField(default=True)
    decided_by = models.CharField(max_length=150)
    decided_at = models.DateTimeField(default=timezone.now)
    item_received_at = models.DateTimeField(null=True, blank=True)
    sent_back_at = models.DateTimeField(null=True, blank=True)
    waybill = models.CharField(max_length=64, blank=True)
    carrier = models.CharField(max_length=40, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status=RemedyStatus.SENT_BACK)
                | (models.Q(sent_back_at__isnull=False) & ~models.Q(waybill="")),
                name="remedy_sent_back_has_waybill",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} case {self.case_id} {self.status}"

    def can_move_to(self, status: str) -> bool:
        return status in REMEDY_TRANSITIONS[RemedyStatus(self.status)]
