"""Enumerations of the logistics domain."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class ParcelState(TextChoices):
    DECLARED = "DECLARED", _("Declared by the buyer")
    PENDING = "PENDING", _("Label prepared")
    IN_TRANSIT = "IN_TRANSIT", _("In transit")
    RELEASED_FOR_DELIVERY = "RELEASED_FOR_DELIVERY", _("Out for delivery")
    AVAILABLE_FOR_PICKUP = "AVAILABLE_FOR_PICKUP", _("Available for pickup")
    NOTICE_LEFT = "NOTICE_LEFT", _("Delivery attempt failed")
    DELIVERED = "DELIVERED", _("Delivered")
    ISSUE = "ISSUE", _("Problem (refused, lost…)")
    RETURNED = "RETURNED", _("Returned to sender")


# Any carrier scan but "label prepared" means the carrier accepted the parcel: proof of dispatch.
NOT_YET_DISPATCHED = frozenset({ParcelState.DECLARED, ParcelState.PENDING})
PROBLEM_STATES = frozenset({ParcelState.ISSUE, ParcelState.RETURNED})


class InspectionOutcome(TextChoices):
    OK = "OK", _("OK")
    DAMAGED_IN_TRANSIT = "DAMAGED_IN_TRANSIT", _("Damaged in transit")
    DAMAGED_BY_BUYER = "DAMAGED_BY_BUYER", _("Damaged by the buyer")
    USED = "USED", _("Used")
    SEAL_BROKEN = "SEAL_BROKEN", _("Seal broken")
    MISSING_PARTS = "MISSING_PARTS", _("Missing parts")
    WRONG_ITEM = "WRONG_ITEM", _("Wrong item")


# What each finding suggests: share of the line's value to deduct (before the policy's cap) and the
# Allegro rejection code that matches it. Transit damage is the carrier's, never the buyer's.
OUTCOME_SUGGESTIONS: dict[str, tuple[Decimal, str | None]] = {
    InspectionOutcome.OK: (Decimal(0), None),
    InspectionOutcome.DAMAGED_IN_TRANSIT: (Decimal(0), None),
    InspectionOutcome.DAMAGED_BY_BUYER: (Decimal(50), "REFUND_REJECTED"),
    InspectionOutcome.USED: (Decimal(20), "REFUND_REJECTED"),
    InspectionOutcome.SEAL_BROKEN: (Decimal(100), "NO_RETURN_RIGHT"),
    InspectionOutcome.MISSING_PARTS: (Decimal(30), "REFUND_REJECTED"),
    InspectionOutcome.WRONG_ITEM: (Decimal(100), "ITEM_MISMATCH"),
}


class InspectionSource(TextChoices):
    DESK = "DESK", _("Warehouse page")
    API = "API", _("API")
    WEBHOOK = "WEBHOOK", _("Partner webhook")
