"""Reads of the partners app: delivery logs and the monthly partner issue report."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth

from refund_desk.cases.access import visible_account_ids
from refund_desk.partners.models import (
    InboundWebhookLog,
    Partner,
    PartnerIssue,
    WebhookDelivery,
    WebhookSubscription,
)


def _for_viewer(queryset: QuerySet[Any], viewer: Any, field: str) -> QuerySet[Any]:
    """Rows of the viewer's accounts, and those of no account (installation-wide subscriptions)."""
    ids = visible_account_ids(viewer)
    if ids is None:
        return queryset
    return queryset.filter(Q(**{f"{field}__isnull": True}) | Q(**{f"{field}_id__in": ids}))


def deliveries_recent(*, viewer: Any, limit: int | None = 200) -> QuerySet[WebhookDelivery]:
    deliveries = _for_viewer(WebhookDelivery.objects.all(), viewer, "subscription__account")
    deliveries = deliveries.select_related("subscription").prefetch_related("attempt_log")
    return deliveries if limit is None else deliveries[:limit]


def subscriptions_visible(*, viewer: Any) -> QuerySet[WebhookSubscription]:
    return _for_viewer(WebhookSubscription.objects.all(), viewer, "account")


def inbound_recent(*, limit: int = 100) -> QuerySet[InboundWebhookLog]:
    return InboundWebhookLog.objects.select_related("partner")[:limit]


def partner_issue_report(*, viewer: Any, partner: Partner | None = None) -> list[dict[str, Any]]:
    """Issues per partner and month, split by kind: [{partner, month, total, kinds: {kind: n}}]."""
    rows = _for_viewer(PartnerIssue.objects.all(), viewer, "case__account")
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
