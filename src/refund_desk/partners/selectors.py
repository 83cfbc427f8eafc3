"""Reads of the partners app: delivery logs and the monthly partner issue report."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth

from refund_desk.partners.models import InboundWebhookLog, Partner, PartnerIssue, WebhookDelivery


def deliveries_recent(*, limit: int = 200) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.select_related("subscription").prefetch_related("attempt_log")[:limit]


def inbound_recent(*, limit: int = 100) -> QuerySet[InboundWebhookLog]:
    return InboundWebhookLog.objects.select_related("partner")[:limit]


def partner_issue_report(*, partner: Partner | None = None) -> list[dict[str, Any]]:
    """Issues per partner and month, split by kind: [{partner, month, total, kinds: {kind: n}}]."""
    rows = PartnerIssue.objects.all()
    if partner is not None:
        rows = rows.filter(partner=partner)
    grouped = (
        rows.annotate(month=TruncMonth("created_at"))
        .values("partner__name", "month", "kind")
        .annotate(n=Count("id"))
        .order_by("partner__name", "-month", "kind")
    )
    report: dict[tuple[str, str], dict[str, Any]] = {}
    kinds: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for row in grouped:
        key = (row["partner__name"], row["month"].strftime("%Y-%m"))
        entry = report.setdefault(key, {"partner": key[0], "month": key[1], "total": 0})
        entry["total"] += row["n"]
        kinds[key][row["kind"]] = row["n"]
    return [{**entry, "kinds": kinds[key]} for key, entry in report.items()]
