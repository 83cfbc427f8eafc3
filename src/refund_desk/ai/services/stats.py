"""Buyer and offer aggregates the risk model reads, kept up to date as cases are decided."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F

from refund_desk.ai.models import (
    BuyerStats,
    OfferStats,
    StatsContribution,
)
from refund_desk.ai.selectors import (
    agent_decision,
)
from refund_desk.cases.choices import CaseKind
from refund_desk.cases.models import RefundCase


@transaction.atomic
def stats_update_for_case(case: RefundCase) -> None:
    """Bring BuyerStats/OfferStats up to date with one case (call when a case is created or decided).

    Incremental and idempotent: the case's previous contribution is kept in StatsContribution and only
    the difference is added, so calling it twice, or after every change, never double counts.
    """
    case = RefundCase.objects.select_related("order").get(pk=case.pk)
    own = StatsContribution.objects.select_for_update().filter(case_id=case.pk).first()
    decision, _ = agent_decision(case)
    order_counted_elsewhere = (
        StatsContribution.objects.filter(case__order_id=case.order_id, counted_order=True)
        .exclude(case_id=case.pk)
        .exists()
    )
    offer_ids = sorted({offer for offer in case.items.values_list("line_item__offer_id", flat=True)})
    order_offers = sorted(set(case.order.line_items.values_list("offer_id", flat=True)))
    new = {
        "counted_order": bool(own.counted_order) if own else not order_counted_elsewhere,
        "complaint": case.kind == CaseKind.COMPLAINT,
        "decided": bool(decision),
        "not_approved": decision == "REJECTED",
    }
    old = {
        "counted_order": bool(own and own.counted_order),
        "complaint": bool(own and own.complaint),
        "decided": bool(own and own.decided),
        "not_approved": bool(own and own.not_approved),
    }
    delta = {k: int(new[k]) - int(old[k]) for k in new}
    first_seen = min(d for d in (case.order.bought_at, case.opened_at) if d is not None)

    buyer_stats, _ = BuyerStats.objects.get_or_create(
        account_id=case.account_id, buyer_id=case.buyer_id, defaults={"first_seen_at": first_seen}
    )
    buyer_stats = BuyerStats.objects.select_for_update().get(pk=buyer_stats.pk)
    previous_last = buyer_stats.last_case_at
    BuyerStats.objects.filter(pk=buyer_stats.pk).update(
        orders=F("orders") + delta["counted_order"],
        cases=F("cases") + int(own is None),
        decided=F("decided") + delta["decided"],
        not_approved=F("not_approved") + delta["not_approved"],
        complaints=F("complaints") + delta["complaint"],
        first_seen_at=min(d for d in (buyer_stats.first_seen_at, first_seen) if d is not None),
        last_case_at=max(d for d in (previous_last, case.opened_at) if d is not None),
    )
    touched = sorted(set(offer_ids) | (set(order_offers) if delta["counted_order"] else set()))
    for offer_id in touched:  # fixed order (by offer id) keeps row locks deadlock-free
        OfferStats.objects.get_or_create(account_id=case.account_id, offer_id=offer_id)
        in_case = offer_id in offer_ids
        OfferStats.objects.filter(account_id=case.account_id, offer_id=offer_id).update(
            orders=F("orders") + (delta["counted_order"] if offer_id in order_offers else 0),
            cases=F("cases") + int(in_case and own is None),
            decided=F("decided") + (delta["decided"] if in_case else 0),
            not_approved=F("not_approved") + (delta["not_approved"] if in_case else 0),
        )
    if own is None:
        StatsContribution.objects.create(
            case_id=case.pk, offer_ids=offer_ids, previous_last_case_at=previous_last, **new
        )
    elif any(delta.values()):
        StatsContribution.objects.filter(pk=own.pk).update(**new)


def stats_backfill(*, account_id: int | None = None, progress: Any = None) -> int:
    """Compute the aggregates for every stored case, oldest first (safe to re-run: updates are idempotent)."""
    cases = RefundCase.objects.order_by("opened_at", "id")
    if account_id is not None:
        cases = cases.filter(account_id=account_id)
    count = 0
    for case in cases.only("pk").iterator(chunk_size=2000):
        stats_update_for_case(case)
        count += 1
        if progress is not None and count % 1000 == 0:
            progress(count)
    return count
