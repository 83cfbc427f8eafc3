"""Repairs and replacements granted on a complaint, and where each stands."""

from __future__ import annotations

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class RemedyKind(TextChoices):
    REPAIR = "ACCEPTED_REPAIR", _("Repair")
    EXCHANGE = "ACCEPTED_EXCHANGE", _("Replacement")


class RemedyStatus(TextChoices):
    AWAITING_ITEM = "AWAITING_ITEM", _("Waiting for the buyer to send the item")
    IN_PROGRESS = "IN_PROGRESS", _("Being repaired or replaced")
    SENT_BACK = "SENT_BACK", _("Sent back to the buyer")


# The moves of a remedy: the item arrives, the repaired or new item goes back with a waybill.
REMEDY_TRANSITIONS: dict[RemedyStatus, frozenset[RemedyStatus]] = {
    RemedyStatus.AWAITING_ITEM: frozenset({RemedyStatus.IN_PROGRESS}),
    RemedyStatus.IN_PROGRESS: frozenset({RemedyStatus.SENT_BACK}),
    RemedyStatus.SENT_BACK: frozenset(),
}
