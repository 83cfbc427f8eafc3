"""What the desk tells Allegro about a decision, and where each such command stands."""

from __future__ import annotations

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class CommandKind(TextChoices):
    RETURN_REJECT = "RETURN_REJECT", _("Reject the customer return's refund")
    CLAIM_REJECT = "CLAIM_REJECT", _("Reject the complaint (claim)")
    CLAIM_ACCEPT = "CLAIM_ACCEPT", _("Accept the complaint (claim)")
    ISSUE_MESSAGE = "ISSUE_MESSAGE", _("Message in the issue chat")
    THREAD_MESSAGE = "THREAD_MESSAGE", _("Reply in the buyer's Message Center thread")
    NEW_MESSAGE = "NEW_MESSAGE", _("Message Center message about the order")


# Commands that post a message: Allegro takes no idempotency key for them, so a retry reads back first.
MESSAGE_KINDS = frozenset({CommandKind.ISSUE_MESSAGE, CommandKind.THREAD_MESSAGE, CommandKind.NEW_MESSAGE})
# How long a message may be where it goes (MessageRequest.text, NewMessage.text in the spec).
ISSUE_MESSAGE_MAX = 20000
THREAD_MESSAGE_MAX = 2000


class CommandStatus(TextChoices):
    PENDING = "PENDING", _("Waiting to be sent")
    DONE = "DONE", _("Carried out on Allegro")
    REFUSED = "REFUSED", _("Refused by Allegro")


# Allegro's refund rejection codes (POST /order/customer-returns/{id}/rejection), in the seller's words.
class ReturnRejectionCode(TextChoices):
    REFUND_REJECTED = "REFUND_REJECTED", _("Refund refused (say why)")
    NO_RETURN_RIGHT = "NO_RETURN_RIGHT", _("No right of withdrawal for this item")
    BUSINESS_PURCHASE = "BUSINESS_PURCHASE", _("Bought by a business (no consumer withdrawal right)")
    ITEM_MISMATCH = "ITEM_MISMATCH", _("The returned goods differ from the goods declared")
    NEW_ITEM_SENT = "NEW_ITEM_SENT", _("A replacement was sent instead")
    ITEM_FIXED = "ITEM_FIXED", _("The item was repaired instead")
    MISSING_PART_SENT = "MISSING_PART_SENT", _("The missing part was sent")


# Allegro's rejections of a claim (POST /sale/issues/{id}/status, ClaimStatusChangeRequest.status).
class ClaimRejectionStatus(TextChoices):
    REJECTED_PRODUCT_CONFORMS_TO_CONTRACT = (
        "REJECTED_PRODUCT_CONFORMS_TO_CONTRACT",
        _("The item conforms to the contract"),
    )
    REJECTED_PRODUCT_DAMAGED_BY_USER = "REJECTED_PRODUCT_DAMAGED_BY_USER", _("Damaged by the buyer")
    REJECTED_PRODUCT_NOT_RETURNED = "REJECTED_PRODUCT_NOT_RETURNED", _("The item was not sent back")
    REJECTED_ADDITIONAL_REQUIREMENTS_NOT_COMPLETED = (
        "REJECTED_ADDITIONAL_REQUIREMENTS_NOT_COMPLETED",
        _("What was asked of the buyer was not done"),
    )
    REJECTED_MINOR_DEFECT = "REJECTED_MINOR_DEFECT", _("A minor defect")
    REJECTED_CLAIM_WITHDRAWN_BY_BUYER = (
        "REJECTED_CLAIM_WITHDRAWN_BY_BUYER",
        _("The buyer withdrew the complaint"),
    )
    REJECTED_OTHER = "REJECTED_OTHER", _("Another reason (say why)")


# Allegro's acceptances of a claim (the same request): the remedy the seller grants.
class ClaimAcceptanceStatus(TextChoices):
    ACCEPTED_REFUND = "ACCEPTED_REFUND", _("Refund")
    ACCEPTED_PARTIAL_REFUND = "ACCEPTED_PARTIAL_REFUND", _("Price reduction (partial refund)")
    ACCEPTED_REPAIR = "ACCEPTED_REPAIR", _("Repair")
    ACCEPTED_EXCHANGE = "ACCEPTED_EXCHANGE", _("Replacement")


# Allegro takes 1 to 250 characters of reason text with a rejection.
REJECTION_REASON_MAX = 250
