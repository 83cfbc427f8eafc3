"""Enumerations of the payments domain."""

from __future__ import annotations

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class RefundStatus(TextChoices):
    AWAITING_APPROVAL = "AWAITING_APPROVAL", _("Awaiting approval")
    PLANNED = "PLANNED", _("Planned")
    SUBMITTED = "SUBMITTED", _("Submitted to Allegro")
    SUCCESS = "SUCCESS", _("Paid")
    FAILED = "FAILED", _("Failed")
    CANCELED = "CANCELED", _("Canceled by Allegro")
    DECLINED = "DECLINED", _("Declined by supervisor")
    MANUAL = "MANUAL", _("Manual bank transfer")


# Refunds in these states hold their amounts against the order (they are paid or may still be paid).
HOLDING_STATUSES = frozenset(
    {
        RefundStatus.AWAITING_APPROVAL,
        RefundStatus.PLANNED,
        RefundStatus.SUBMITTED,
        RefundStatus.SUCCESS,
        RefundStatus.MANUAL,
    }
)
FINAL_STATUSES = frozenset(
    {RefundStatus.SUCCESS, RefundStatus.FAILED, RefundStatus.CANCELED, RefundStatus.DECLINED}
)

REFUND_TRANSITIONS: dict[str, frozenset[str]] = {
    RefundStatus.AWAITING_APPROVAL: frozenset(
        {RefundStatus.PLANNED, RefundStatus.MANUAL, RefundStatus.DECLINED}
    ),
    RefundStatus.PLANNED: frozenset(
        {RefundStatus.SUBMITTED, RefundStatus.SUCCESS, RefundStatus.FAILED, RefundStatus.CANCELED}
    ),
    RefundStatus.SUBMITTED: frozenset({RefundStatus.SUCCESS, RefundStatus.CANCELED, RefundStatus.FAILED}),
    RefundStatus.MANUAL: frozenset({RefundStatus.SUCCESS, RefundStatus.CANCELED}),
    RefundStatus.SUCCESS: frozenset(),
    RefundStatus.FAILED: frozenset(),
    RefundStatus.CANCELED: frozenset(),
    RefundStatus.DECLINED: frozenset(),
}


class RefundMethod(TextChoices):
    ALLEGRO = "ALLEGRO", _("Allegro payment refund")
    BANK_TRANSFER = "BANK_TRANSFER", _("Bank transfer to the buyer")
    OUTSIDE = "OUTSIDE", _("Paid outside the desk")


class LineType(TextChoices):
    QUANTITY = "QUANTITY", _("Whole units")
    AMOUNT = "AMOUNT", _("Partial amount")


class RefundReason(TextChoices):
    REFUND = "REFUND", _("Withdrawal / return")
    COMPLAINT = "COMPLAINT", _("Accepted complaint")
    PRODUCT_NOT_AVAILABLE = "PRODUCT_NOT_AVAILABLE", _("Product not available")
    CANCELLED_BY_BUYER = "CANCELLED_BY_BUYER", _("Cancelled by buyer")
    NOT_COLLECTED = "NOT_COLLECTED", _("Parcel not collected")
    OVERPAID = "OVERPAID", _("Overpaid")
    PAID_VALUE_TOO_LOW = "PAID_VALUE_TOO_LOW", _("Paid value too low")


class ApprovalReason(TextChoices):
    ABOVE_THRESHOLD = "ABOVE_THRESHOLD", _("Above the account's approval threshold")
    OVERRIDES_ENGINE = "OVERRIDES_ENGINE", _("Differs from the policy engine's decision")
    PAID_OUTSIDE = "PAID_OUTSIDE", _("Paid outside the desk: a second person confirms it")


class OutboxKind(TextChoices):
    REFUND_INITIATE = "refund.initiate", _("Send a refund to Allegro")


class OutboxStatus(TextChoices):
    PENDING = "PENDING", _("Pending")
    DONE = "DONE", _("Done")
    DEAD = "DEAD", _("Gave up")


class AlertKind(TextChoices):
    REFUND_CANCELED = "REFUND_CANCELED", _("Refund canceled by Allegro")
    REFUND_FAILED = "REFUND_FAILED", _("Refund refused by Allegro")
    REFUND_STUCK = "REFUND_STUCK", _("Refund could not be sent")
    PARCEL_STALE = "PARCEL_STALE", _("Return parcel without a scan")
    PARCEL_PROBLEM = "PARCEL_PROBLEM", _("Return parcel lost or sent back")
    CLAIM_FAILED = "CLAIM_FAILED", _("Commission claim could not be filed")
    SECRET_UNREADABLE = "SECRET_UNREADABLE", _("A partner's secret must be renewed")
    CASE_ATTENTION = "CASE_ATTENTION", _("Case set aside: its data needs a person")
    COMMAND_REFUSED = "COMMAND_REFUSED", _("Allegro refused a decision")


class TransferFormat(TextChoices):
    SEPA_XML = "SEPA_XML", _("SEPA credit transfer (pain.001)")
    CSV = "CSV", _("CSV bank import")


class ClaimStatus(TextChoices):
    PLANNED = "PLANNED", _("To be filed")
    IN_PROGRESS = "IN_PROGRESS", _("In progress")
    WAITING_FOR_PAYMENT_REFUND = "WAITING_FOR_PAYMENT_REFUND", _("Waiting for the buyer's refund")
    APPEALED = "APPEALED", _("Appealed")
    GRANTED = "GRANTED", _("Granted")
    REJECTED = "REJECTED", _("Rejected")
    REJECTED_AFTER_APPEAL = "REJECTED_AFTER_APPEAL", _("Rejected after appeal")
    CANCELLED = "CANCELLED", _("Cancelled")
    MISSED = "MISSED", _("Missed (45 days passed)")
    FAILED = "FAILED", _("Could not be filed")


CLAIM_OPEN_STATUSES = frozenset(
    {ClaimStatus.IN_PROGRESS, ClaimStatus.WAITING_FOR_PAYMENT_REFUND, ClaimStatus.APPEALED}
)
CLAIM_LOST_STATUSES = frozenset(
    {ClaimStatus.REJECTED, ClaimStatus.REJECTED_AFTER_APPEAL, ClaimStatus.MISSED, ClaimStatus.FAILED}
)
