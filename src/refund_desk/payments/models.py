"""Refund orders and what keeps them safe: the outbox, the refund ledgers, approvals, bank transfer
batches, commission claims and team alerts."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from refund_desk.cases.choices import Currency
from refund_desk.cases.models import Order, OrderLineItem, RefundCase, SellerAccount
from refund_desk.core.money import Money
from refund_desk.payments.choices import (
    FINAL_STATUSES,
    REFUND_TRANSITIONS,
    AlertKind,
    ClaimStatus,
    LineType,
    OutboxKind,
    OutboxStatus,
    RefundMethod,
    RefundReason,
    RefundStatus,
    TransferFormat,
)

# Every amount here has two decimal places. SQLite keeps decimals as binary floats, so sums compared in
# CHECK constraints (0.10 + 0.20 vs 0.30) may differ in the last bit; comparing within half a cent is exact
# for two-decimal amounts on every database and immune to that rounding.
HALF_CENT = Value(Decimal("0.005"))


class AccountPaymentSettings(models.Model):
    """Per account and currency: the four-eyes threshold and the seller's own bank account for transfers."""

    account = models.ForeignKey(SellerAccount, on_delete=models.CASCADE, related_name="payment_settings")
    currency = models.CharField(max_length=3, choices=Currency.choices)
    approval_threshold = models.DecimalField(_("approval needed above"), max_digits=14, decimal_places=2)
    debtor_name = models.CharField(_("payer name"), max_length=140, blank=True)
    debtor_iban = models.CharField(_("payer IBAN"), max_length=34, blank=True)
    debtor_bic = models.CharField(_("payer BIC"), max_length=11, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "currency"], name="payment_settings_unique"),
            models.CheckConstraint(condition=Q(approval_threshold__gte=0), name="threshold_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.currency}"


class RefundOrder(models.Model):
    """One decision to pay a buyer: the lines and delivery to refund, how, and where it stands.

    `command_id` is generated once, when the order is created, and sent with every attempt: Allegro
    executes a refund at most once per commandId.
    """

    case = models.ForeignKey(RefundCase, on_delete=models.PROTECT, related_name="refund_orders")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refund_orders")
    account = models.ForeignKey(SellerAccount, on_delete=models.PROTECT, related_name="refund_orders")
    command_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    method = models.CharField(max_length=20, choices=RefundMethod.choices)
    status = models.CharField(max_length=20, choices=RefundStatus.choices)
    reason = models.CharField(max_length=30, choices=RefundReason.choices)
    currency = models.CharField(max_length=3, choices=Currency.choices)
    lines_total = models.DecimalField(max_digits=14, decimal_places=2)
    delivery_amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    total = models.DecimalField(max_digits=14, decimal_places=2)
    seller_comment = models.CharField(max_length=250, blank=True)
    engine_decision = models.CharField(max_length=20, blank=True)
    engine_total = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    policy_version = models.CharField(max_length=200, blank=True)
    overrides_engine = models.BooleanField(default=False)
    override_reason = models.TextField(blank=True)
    approval_reasons = models.JSONField(default=list, blank=True)
    # The buyer's notice confirmed with the decision, sent when the refund is released (notices app).
    notice = models.JSONField(default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_by_label = models.CharField(max_length=150)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    allegro_refund_id = models.CharField(max_length=64, blank=True)
    allegro_status = models.CharField(max_length=30, blank=True)
    error_codes = models.JSONField(default=list, blank=True)
    error_message = models.TextField(_("problem"), blank=True)
    bank_owner = models.CharField(max_length=140, blank=True)
    bank_iban = models.CharField(max_length=34, blank=True)
    bank_account_number = models.CharField(max_length=64, blank=True)
    bank_swift = models.CharField(max_length=11, blank=True)
    # A refund paid outside the desk: when and with which reference (bank transfer id, receipt number).
    paid_outside_at = models.DateTimeField(null=True, blank=True)
    outside_reference = models.CharField(max_length=100, blank=True)
    transfer_batch = models.ForeignKey(
        "TransferBatch", null=True, blank=True, on_delete=models.PROTECT, related_name="refund_orders"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(total__gt=0), name="refund_total_positive"),
            models.CheckConstraint(condition=Q(delivery_amount__gte=0), name="refund_delivery_not_negative"),
            models.CheckConstraint(
                condition=Q(total__gte=F("lines_total") + F("delivery_amount") - HALF_CENT)
                & Q(total__lte=F("lines_total") + F("delivery_amount") + HALF_CENT),
                name="refund_total_adds_up",
            ),
            # Four eyes, enforced by the database too: whoever requested cannot approve.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True)
                | Q(requested_by__isnull=True)
                | ~Q(approved_by=F("requested_by")),
                name="refund_four_eyes",
            ),
            # One live refund per case at a time: a second click, tab or worker cannot plan a second one.
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status__in=["AWAITING_APPROVAL", "PLANNED", "SUBMITTED", "MANUAL"]),
                name="refund_one_live_per_case",
            ),
            models.UniqueConstraint(
                fields=["account", "allegro_refund_id"],
                condition=~Q(allegro_refund_id=""),
                name="refund_allegro_id_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_check_at"], name="refund_status_check_idx"),
            models.Index(fields=["method", "status", "currency"], name="refund_method_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.total} {self.currency} ({self.get_status_display()})"

    def total_money(self) -> Money:
        return Money(self.total, self.currency)

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    def can_move_to(self, status: str) -> bool:
        return status in REFUND_TRANSITIONS[RefundStatus(self.status)]

    def can_be_approved(self) -> bool:
        return self.status == RefundStatus.AWAITING_APPROVAL


class RefundOrderLine(models.Model):
    """One lineItems[] entry of the refund: whole units (QUANTITY) or a partial value (AMOUNT)."""

    refund_order = models.ForeignKey(RefundOrder, on_delete=models.CASCADE, related_name="lines")
    line_item = models.ForeignKey(OrderLineItem, on_delete=models.PROTECT, related_name="refund_lines")
    type = models.CharField(max_length=10, choices=LineType.choices)
    quantity = models.PositiveIntegerField(null=True, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_line_amount_positive"),
            models.CheckConstraint(
                condition=(Q(type="QUANTITY") & Q(quantity__gt=0))
                | (Q(type="AMOUNT") & Q(quantity__isnull=True)),
                name="refund_line_quantity_matches_type",
            ),
            models.UniqueConstraint(fields=["refund_order", "line_item"], name="refund_line_once_per_order"),
        ]

    def __str__(self) -> str:
        return f"{self.line_item_id} {self.type} {self.quantity or self.amount}"

    def to_allegro(self, currency: str) -> dict[str, object]:
        if self.type == LineType.QUANTITY:
            return {"id": self.line_item.external_id, "type": "QUANTITY", "quantity": self.quantity}
        return {
            "id": self.line_item.external_id,
            "type": "AMOUNT",
            "value": Money(self.amount, currency).to_json(),
        }


class LineRefundLedger(models.Model):
    """What was paid for one order line and how much of it refunds hold. The database refuses a hold
    above what was paid, whatever the code above it does."""

    line_item = models.OneToOneField(OrderLineItem, on_delete=models.PROTECT, related_name="refund_ledger")
    paid_quantity = models.PositiveIntegerField()
    paid_amount = models.DecimalField(max_digits=14, decimal_places=2)
    held_quantity = models.PositiveIntegerField(default=0)
    held_amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(held_quantity__lte=F("paid_quantity")), name="line_refund_quantity_within_paid"
            ),
            models.CheckConstraint(
                condition=Q(held_amount__lte=F("paid_amount") + HALF_CENT) & Q(held_amount__gte=0),
                name="line_refund_amount_within_paid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line_item_id}: {self.held_amount}/{self.paid_amount}"


class OrderRefundLedger(models.Model):
    """What was paid for the order (and its delivery) and how much refunds hold, checked by the database."""

    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="refund_ledger")
    paid_total = models.DecimalField(max_digits=14, decimal_places=2)
    held_total = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    paid_delivery = models.DecimalField(max_digits=14, decimal_places=2)
    held_delivery = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(held_total__lte=F("paid_total") + HALF_CENT) & Q(held_total__gte=0),
                name="order_refund_total_within_paid",
            ),
            models.CheckConstraint(
                condition=Q(held_delivery__lte=F("paid_delivery") + HALF_CENT) & Q(held_delivery__gte=0),
                name="order_refund_delivery_within_paid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.held_total}/{self.paid_total}"


class OutboxMessage(models.Model):
    """The intent to call Allegro, committed in the same transaction as the decision to pay.

    A worker claims a message with a lease; a crash leaves it PENDING with an expired lease and the
    next run (or `payments run-outbox`) sends it again with the same commandId.
    """

    kind = models.CharField(max_length=40, choices=OutboxKind.choices, default=OutboxKind.REFUND_INITIATE)
    refund_order = models.ForeignKey(RefundOrder, on_delete=models.PROTECT, related_name="outbox")
    status = models.CharField(max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "refund_order"], name="outbox_once_per_refund"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.refund_order_id} {self.status}"


class Alert(models.Model):
    """Something the team must look at (a canceled refund, a parcel without scans...)."""

    kind = models.CharField(max_length=30, choices=AlertKind.choices)
    account = models.ForeignKey(
        SellerAccount, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    case = models.ForeignKey(
        RefundCase, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    message = models.TextField()
    payload = models.JSONField(default=dict, blank=True)
    dedup_key = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dedup_key"], condition=Q(resolved_at__isnull=True), name="alert_open_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.message[:60]}"


class TransferBatch(models.Model):
    """A file of bank transfers for refunds Allegro cannot pay (cash on delivery, wire transfer)."""

    account = models.ForeignKey(SellerAccount, on_delete=models.PROTECT, related_name="transfer_batches")
    currency = models.CharField(max_length=3, choices=Currency.choices)
    format = models.CharField(max_length=10, choices=TransferFormat.choices)
    message_id = models.CharField(max_length=35, unique=True)
    file_name = models.CharField(max_length=100)
    content = models.TextField()
    total = models.DecimalField(max_digits=14, decimal_places=2)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by_label = models.CharField(max_length=150)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_by_label = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Four eyes: who exported a transfer file never confirms it was paid.
            models.CheckConstraint(
                condition=Q(confirmed_by__isnull=True)
                | Q(created_by__isnull=True)
                | ~Q(confirmed_by=F("created_by")),
                name="transfer_batch_four_eyes",
            ),
        ]

    def __str__(self) -> str:
        return self.file_name


class CommissionClaim(models.Model):
    """A commission refund application for one line item (Allegro allows one per line item, ever)."""

    account = models.ForeignKey(SellerAccount, on_delete=models.PROTECT, related_name="commission_claims")
    line_item = models.OneToOneField(OrderLineItem, on_delete=models.PROTECT, related_name="commission_claim")
    case = models.ForeignKey(
        RefundCase, null=True, blank=True, on_delete=models.SET_NULL, related_name="commission_claims"
    )
    refund_order = models.ForeignKey(
        RefundOrder, null=True, blank=True, on_delete=models.SET_NULL, related_name="commission_claims"
    )
    quantity = models.PositiveIntegerField()
    status = models.CharField(max_length=30, choices=ClaimStatus.choices, default=ClaimStatus.PLANNED)
    allegro_claim_id = models.CharField(max_length=64, blank=True)
    created_by_allegro = models.BooleanField(default=False)
    commission_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    deadline_at = models.DateTimeField()
    filed_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="claim_quantity_positive")]

    def __str__(self) -> str:
        return f"claim {self.line_item_id} {self.status}"
