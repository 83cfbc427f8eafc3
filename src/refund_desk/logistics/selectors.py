"""Reads of the logistics app."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet

from refund_desk.cases.access import scoped
from refund_desk.cases.lifecycle import OPEN_STATUSES
from refund_desk.cases.models import RefundCase
from refund_desk.logistics.models import Parcel


def case_find_for_inspection(
    *, query: str, viewer: Any = None, account_ids: Iterable[int] | None = None
) -> tuple[RefundCase | None, Parcel | None]:
    """The case a warehouse is holding: by return waybill, else by return reference or Allegro id, else by
    order id or buyer login; for a
    person (`viewer`) only among the accounts they work for, for a partner only among `account_ids`."""
    query = query.strip()
    if not query:
        return None, None
    parcels = (
        Parcel.objects.all() if viewer is None else scoped(Parcel.objects.all(), viewer, "case__account")
    )
    cases = RefundCase.objects.all() if viewer is None else scoped(RefundCase.objects.all(), viewer)
    if account_ids is not None:
        allowed = list(account_ids)
        parcels, cases = parcels.filter(case__account_id__in=allowed), cases.filter(account_id__in=allowed)
    parcel = parcels.select_related("case").filter(waybill__iexact=query).order_by("-created_at").first()
    if parcel is not None:
        return parcel.case, parcel
    case = cases.filter(Q(reference__iexact=query) | Q(external_id=query)).order_by("-opened_at").first()
    if case is None:  # the order id or the buyer's login: their newest open case, else their newest
        by_order_or_buyer = cases.filter(Q(order_external_id=query) | Q(buyer_login=query.lower()))
        case = (
            by_order_or_buyer.filter(status__in=OPEN_STATUSES).order_by("-opened_at").first()
            or by_order_or_buyer.order_by("-opened_at").first()
        )
    return case, None


def case_parcels(*, case: RefundCase) -> QuerySet[Parcel]:
    return Parcel.objects.filter(case=case).prefetch_related("tracking_events").order_by("created_at", "id")
