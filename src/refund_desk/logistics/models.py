"""Return parcels and their tracking history, and warehouse inspections of what came back."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from refund_desk.cases.models import CaseItem, RefundCase
from refund_desk.logistics.choices import InspectionOutcome, InspectionSource, ParcelState


class Parcel(models.Model):
    """A return parcel from the customer return snapshot (carrier id + waybill), followed at Allegro."""

    case = models.ForeignKey(RefundCase, on_delete=models.CASCADE, related_name="parcels")
    carrier_id = models.CharField(_("carrier"), max_length=64)
    waybill = models.CharField(_("waybill"), max_length=100, db_index=True)
    state = models.CharField(max_length=30, choices=ParcelState.choices, default=ParcelState.DECLARED)
    declared_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(_("accepted by the carrier"), null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_scan_at = models.DateTimeField(null=True, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    stale_alerted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "carrier_id", "waybill"], name="parcel_unique_per_case"),
        ]

    def __str__(self) -> str:
        return f"{self.carrier_id} {self.waybill}"

    @property
    def is_open(self) -> bool:
        return self.state not in (ParcelState.DELIVERED, ParcelState.RETURNED)


class TrackingEvent(models.Model):
    """One carrier scan of a parcel, as Allegro reported it."""

    parcel = models.ForeignKey(Parcel, on_delete=models.CASCADE, related_name="tracking_events")
    occurred_at = models.DateTimeField()
    code = models.CharField(max_length=30)
    description = models.CharField(max_length=300, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["parcel", "occurred_at", "code"], name="tracking_event_once"),
        ]

    def __str__(self) -> str:
        return f"{self.code} at {self.occurred_at:%Y-%m-%d %H:%M}"


class Inspection(models.Model):
    """What a warehouse found when it opened a returned parcel."""

    case = models.ForeignKey(RefundCase, on_delete=models.PROTECT, related_name="inspections")
    parcel = models.ForeignKey(
        Parcel, null=True, blank=True, on_delete=models.SET_NULL, related_name="inspections"
    )
    source = models.CharField(max_length=10, choices=InspectionSource.choices)
    inspected_by_label = models.CharField(max_length=150)
    all_ok = models.BooleanField()
    suggestion = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"inspection of {self.case} ({'OK' if self.all_ok else 'findings'})"


class InspectionItem(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="items")
    case_item = models.ForeignKey(CaseItem, on_delete=models.PROTECT, related_name="inspections")
    outcome = models.CharField(max_length=30, choices=InspectionOutcome.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "case_item"], name="inspection_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.case_item_id}: {self.outcome}"


class InspectionPhoto(models.Model):
    item = models.ForeignKey(InspectionItem, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to="inspections/%Y/%m/")
    uploaded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.image.name
