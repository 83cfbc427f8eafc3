"""Background work of the logistics app: tracking every hour, stale-parcel check every morning."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from refund_desk.cases.choices import CaseStatus
from refund_desk.cases.models import RefundCase
from refund_desk.logistics import services


@db_periodic_task(crontab(minute="40"))
def parcels_track_task() -> None:
    for case in (
        RefundCase.objects.filter(status=CaseStatus.AWAITING_RETURN).exclude(snapshot__parcels=[]).iterator()
    ):
        services.parcels_sync_from_case(case=case)
    services.parcels_track()


@db_periodic_task(crontab(hour="7", minute="5"))
def parcels_check_stale_task() -> None:
    services.parcels_check_stale()
