"""The case page's return-parcels panel: each parcel with its scans, and the carrier-issue form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from refund_desk.cases.models import RefundCase
from refund_desk.logistics.choices import PROBLEM_STATES
from refund_desk.logistics.models import Parcel, TrackingEvent
from refund_desk.logistics.selectors import case_parcels


@dataclass(frozen=True, slots=True)
class ParcelRow:
    parcel: Parcel
    scans: list[TrackingEvent]

    @property
    def may_report_issue(self) -> bool:
        """A carrier issue can be recorded for a parcel in trouble or without scans for too long."""
        return self.parcel.state in PROBLEM_STATES or self.parcel.stale_alerted_at is not None


def parcels_panel(case: RefundCase, request: HttpRequest) -> dict[str, Any]:
    return {
        "parcels": [
            ParcelRow(parcel=parcel, scans=list(parcel.tracking_events.all()))  # prefetched
            for parcel in case_parcels(case=case)
        ]
    }
