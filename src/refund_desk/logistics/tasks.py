"""Background work of the logistics app: parcel tracking and the stale-parcel check (timings in core/schedules.py)."""

from __future__ import annotations

from refund_desk.cases.choices import CaseStatus
from refund_desk.cases.isolation import case_isolated
from refund_desk.cases.models import RefundCase
from refund_desk.core.schedules import periodic
from refund_desk.logistics import services


@periodic("logistics.parcels_track")
def parcels_track_task() -> None:
    awaiting = RefundCase.objects.filter(status=CaseStatus.AWAITING_RETURN, attention_since__isnull=True)
    for case in awaiting.exclude(snapshot__parcels=[]).iterator():
        with case_isolated(case.pk, job="parcel pick-up"):
            services.parcels_sync_from_case(case=case)
    services.parcels_track()


@periodic("logistics.parcels_check_stale")
def parcels_check_stale_task() -> None:
    services.parcels_check_stale()
