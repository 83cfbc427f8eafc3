"""Enumerations of the refund-case domain."""

from __future__ import annotations

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class Marketplace(TextChoices):
    PL = "allegro-pl", "allegro.pl"
    CZ = "allegro-cz", "allegro.cz"
    SK = "allegro-sk", "allegro.sk"
    HU = "allegro-hu", "allegro.hu"


class Currency(TextChoices):
    PLN = "PLN", "PLN"
    CZK = "CZK", "CZK"
    EUR = "EUR", "EUR"
    HUF = "HUF", "HUF"


class AccountEnvironment(TextChoices):
    PRODUCTION = "production", _("Production")
    SANDBOX = "sandbox", _("Sandbox")
    EMULATOR = "emulator", _("Emulator")


class CaseKind(TextChoices):
    WITHDRAWAL = "WITHDRAWAL", _("Withdrawal (customer return)")
    COMPLAINT = "COMPLAINT", _("Complaint")
    CANCELLATION = "CANCELLATION", _("Cancellation")
    OTHER = "OTHER", _("Other")


class CaseSource(TextChoices):
    CUSTOMER_RETURN = "CUSTOMER_RETURN", _("Allegro customer return")
    POST_PURCHASE_ISSUE = "POST_PURCHASE_ISSUE", _("Allegro post-purchase issue")
    ORDER_EVENT = "ORDER_EVENT", _("Allegro order event")
    MANUAL = "MANUAL", _("Entered manually")


class CaseStatus(TextChoices):
    NEW = "NEW", _("New")
    UNDER_REVIEW = "UNDER_REVIEW", _("Under review")
    AWAITING_RETURN = "AWAITING_RETURN", _("Awaiting return")
    RETURN_RECEIVED = "RETURN_RECEIVED", _("Return received")
    APPROVED = "APPROVED", _("Approved")
    REFUND_PENDING = "REFUND_PENDING", _("Refund pending")
    REFUNDED = "REFUNDED", _("Refunded")
    CLOSED = "CLOSED", _("Closed")
    REJECTED = "REJECTED", _("Rejected")
    ESCALATED = "ESCALATED", _("Escalated")
    APPEALED = "APPEALED", _("Appealed")
    REMEDY = "REMEDY", _("Repair or replacement under way")


class ActorType(TextChoices):
    USER = "USER", _("Person")
    SYSTEM = "SYSTEM", _("System")
    MODEL = "MODEL", _("Model")


class EventType(TextChoices):
    CREATED = "CREATED", _("Case opened")
    TRANSITION = "TRANSITION", _("Status changed")
    SYNCED = "SYNCED", _("Updated from Allegro")
    NOTE = "NOTE", _("Note")
    EDIT = "EDIT", _("Edited")
    DECISION = "DECISION", _("Decision")
    ATTENTION = "ATTENTION", _("Needs attention")
    ATTENTION_CLEARED = "ATTENTION_CLEARED", _("Attention cleared")
    OUTBOUND = "OUTBOUND", _("Allegro")
    NOTICE = "NOTICE", _("Notice to the buyer")


# Allegro CustomerReturnItemReason.type values (free strings in the API; unknown ones are kept as-is).
RETURN_REASON_TYPES = (
    "NONE",
    "MISTAKE",
    "TRANSPORT",
    "DAMAGED",
    "NOT_AS_DESCRIBED",
    "DONT_LIKE_IT",
    "OVERDUE_DELIVERY",
    "INCOMPLETE",
    "HIDDEN_FLAW",
    "OTHER_FLAW",
    "DIFFERENT",
    "COUNTERFEIT",
    "NOT_NEW",
    "TOO_LARGE",
    "TOO_SMALL",
    "NOT_AS_EXPECTED",
    "ORDERED_FOR_COMPARISON",
)

MARKETPLACE_TIME_ZONES = {
    Marketplace.PL: "Europe/Warsaw",
    Marketplace.CZ: "Europe/Prague",
    Marketplace.SK: "Europe/Bratislava",
    Marketplace.HU: "Europe/Budapest",
}
