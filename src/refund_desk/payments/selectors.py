"""Reads of the payments app: refunds of a case, the approval queue, alerts, bank transfers and the
commission report."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.db.models.functions import TruncMonth

from refund_desk.cases.access import accounts_visible, scoped, visible_account_ids
from refund_desk.cases.choices import Currency
from refund_desk.cases.models import RefundCase
from refund_desk.payments.choices import CLAIM_LOST_STATUSES, ClaimStatus, RefundMethod, RefundStatus
from refund_desk.payments.models import (
    AccountPaymentSettings,
    Alert,
    CommissionClaim,
    RefundOrder,
    TransferBatch,
)


def case_refunds(*, case: RefundCase) -> QuerySet[RefundOrder]:
    """A case's refunds, newest first, with their lines and approvers (three queries however many)."""
    return (
        RefundOrder.objects.filter(case=case)
        .select_related("approved_by")
        .prefetch_related("lines__line_item")
        .order_by("-created_at", "-id")
    )


def refunds_awaiting_approval(*, viewer: Any) -> QuerySet[RefundOrder]:
    return (
        scoped(RefundOrder.objects.all(), viewer)
        .filter(status=RefundStatus.AWAITING_APPROVAL)
        .select_related("case", "requested_by")
        .prefetch_related("lines__line_item")
        .order_by("created_at", "id")
    )


def alerts_open(*, viewer: Any) -> QuerySet[Alert]:
    """Open alerts of the viewer's accounts (an installation-wide alert names no account: everyone sees it)."""
    alerts = (
        Alert.objects.filter(resolved_at__isnull=True).select_related("case").order_by("-created_at", "-id")
    )
    ids = visible_account_ids(viewer)
    return alerts if ids is None else alerts.filter(Q(account_id__in=ids) | Q(account__isnull=True))


def transfers_pending(*, viewer: Any) -> QuerySet[RefundOrder]:
    return (
        scoped(RefundOrder.objects.all(), viewer)
        .filter(method=RefundMethod.BANK_TRANSFER, status=RefundStatus.MANUAL)
        .select_related("case", "account", "transfer_batch")
        .order_by("currency", "pk")
    )


def transfer_batches(*, viewer: Any) -> QuerySet[TransferBatch]:
    return (
        scoped(TransferBatch.objects.all(), viewer).select_related("account").order_by("-created_at", "-id")
    )


def commission_report(*, viewer: Any) -> list[dict[str, Any]]:
    """Per month (of the refund) and currency: commission recovered, lost and still open."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    claims = (
        scoped(CommissionClaim.objects.all(), viewer)
        .annotate(month=TruncMonth("created_at"))
        .order_by("-month", "currency")
    )
    for claim in claims:
        key = (claim.month.strftime("%Y-%m"), claim.currency or "")
        row = rows.setdefault(
            key,
            {
                "month": key[0],
                "currency": key[1],
                "recovered": Decimal(0),
                "recovered_claims": 0,
                "missed_claims": 0,
                "missed_known": Decimal(0),
                "open_claims": 0,
            },
        )
        if claim.status == ClaimStatus.GRANTED:
            row["recovered"] += claim.commission_amount or Decimal(0)
            row["recovered_claims"] += 1
        elif claim.status in CLAIM_LOST_STATUSES:
            row["missed_claims"] += 1
            row["missed_known"] += claim.commission_amount or Decimal(0)
        else:
            row["open_claims"] += 1
    return list(rows.values())


DEFAULT_APPROVAL_THRESHOLDS = {"PLN": "1000", "CZK": "6000", "EUR": "250", "HUF": "100000"}


def approval_threshold(*, account_id: int, currency: str) -> Decimal:
    """Refunds above this amount need a supervisor's approval."""
    row = AccountPaymentSettings.objects.filter(account_id=account_id, currency=currency).first()
    if row is not None:
        return row.approval_threshold
    configured = getattr(settings, "PAYMENTS_APPROVAL_THRESHOLDS", {}) or {}
    return Decimal(str(configured.get(currency, DEFAULT_APPROVAL_THRESHOLDS.get(currency, "0"))))


def refunds_by_status() -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for status in RefundOrder.objects.values_list("status", flat=True):
        counts[status] += 1
    return dict(counts)


def payment_settings_overview(*, viewer: Any) -> list[dict[str, Any]]:
    """Per account and currency: the stored settings row (or None) and the threshold in force."""

    stored = {(s.account_id, s.currency): s for s in AccountPaymentSettings.objects.all()}
    return [
        {
            "account": account,
            "rows": [
                {
                    "currency": currency,
                    "settings": stored.get((account.pk, currency)),
                    "threshold": approval_threshold(account_id=account.pk, currency=currency),
                }
                for currency in Currency.values
            ],
        }
        for account in accounts_visible(viewer)
    ]
