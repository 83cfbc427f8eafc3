"""Enumerations of the partners domain."""

from __future__ import annotations

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class PartnerKind(TextChoices):
    WAREHOUSE = "WAREHOUSE", _("Warehouse")
    ERP = "ERP", _("ERP system")
    CARRIER = "CARRIER", _("Carrier")
    OTHER = "OTHER", _("Other")


class DeliveryStatus(TextChoices):
    PENDING = "PENDING", _("Pending")
    DELIVERED = "DELIVERED", _("Delivered")
    FAILED = "FAILED", _("Gave up")


class IssueKind(TextChoices):
    PARCEL_LOST = "PARCEL_LOST", _("Parcel lost")
    PARCEL_RETURNED = "PARCEL_RETURNED", _("Parcel returned to sender")
    PARCEL_DAMAGED = "PARCEL_DAMAGED", _("Damaged in transit")
    PARCEL_LATE = "PARCEL_LATE", _("Parcel late / no scans")
    INSPECTION_LATE = "INSPECTION_LATE", _("Inspection late")
    WRONG_DATA = "WRONG_DATA", _("Wrong data sent")
    OTHER = "OTHER", _("Other")
