"""Return-parcel tracking, stale alerts, partner issues and warehouse inspections."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from refund_desk.cases.models import RefundCase, SellerAccount
from refund_desk.cases.services import case_transition
from refund_desk.logistics import services
from refund_desk.partners.choices import IssueKind
from refund_desk.partners.models import PartnerIssue
from refund_desk.payments.choices import AlertKind
from refund_desk.payments.models import Alert
from refund_desk.payments.tests.conftest import SYSTEM, ingest
from refund_desk.payments.tests.fakes import FakeGateway
from refund_desk.policy.tests.builders import case as case_file
from refund_desk.policy.tests.builders import customer_return

PARCELS = [{"createdAt": "2025-03-10T13:00:00Z", "waybill": "WB-1", "carrierId": "INPOST"}]
T0 = datetime(2025, 3, 11, 8, 0, tzinfo=UTC)


@pytest.fixture
def returning_case(account: SellerAccount, fake: FakeGateway) -> RefundCase:
    case = ingest(account, case_file(return_data=customer_return(parcels=PARCELS)))
    fake.register_order(case.order)
    return case_transition(case=case, to="AWAITING_RETURN", actor=SYSTEM)


def test_parcels_come_from_the_return_and_delivery_moves_the_case(
    returning_case: RefundCase, fake: FakeGateway
) -> None:
    [parcel] = services.parcels_sync_from_case(case=returning_case)
    assert (parcel.carrier_id, parcel.waybill) == ("INPOST", "WB-1")
    fake.set_tracking("INPOST", "WB-1", (T0, "PENDING"), (T0 + timedelta(hours=5), "IN_TRANSIT"))

    services.parcels_track()
    parcel.refresh_from_db()
    assert parcel.state == "IN_TRANSIT" and parcel.dispatched_at == T0 + timedelta(hours=5)
    assert returning_case.events.filter(reason__contains="proof of dispatch").count() == 1

    fake.set_tracking(
        "INPOST",
        "WB-1",
        (T0, "PENDING"),
        (T0 + timedelta(hours=5), "IN_TRANSIT"),
        (T0 + timedelta(days=2), "DELIVERED"),
    )
    services.parcels_track()
    services.parcels_track()  # idempotent: scans are stored once
    parcel.refresh_from_db()
    assert parcel.tracking_events.count() == 3 and parcel.state == "DELIVERED"
    assert RefundCase.objects.get(pk=returning_case.pk).status == "RETURN_RECEIVED"


def test_a_parcel_without_scans_raises_one_alert(returning_case: RefundCase, settings: object) -> None:
    [parcel] = services.parcels_sync_from_case(case=returning_case)
    settings.LOGISTICS_STALE_PARCEL_DAYS = 3  # type: ignore[attr-defined]
    declared = parcel.declared_at
    assert declared is not None
    assert services.parcels_check_stale(now=declared + timedelta(days=2)) == 0
    assert services.parcels_check_stale(now=declared + timedelta(days=4)) == 1
    assert services.parcels_check_stale(now=declared + timedelta(days=5)) == 0
    assert Alert.objects.filter(kind=AlertKind.PARCEL_STALE).count() == 1


def test_returned_parcel_alerts_and_is_recorded_against_the_carrier(
    returning_case: RefundCase, fake: FakeGateway
) -> None:
    [parcel] = services.parcels_sync_from_case(case=returning_case)
    fake.set_tracking("INPOST", "WB-1", (T0, "IN_TRANSIT"), (T0 + timedelta(days=3), "RETURNED"))
    services.parcels_track()
    assert Alert.objects.filter(kind=AlertKind.PARCEL_PROBLEM).count() == 1
    services.parcel_report_issue(parcel=parcel, kind=IssueKind.PARCEL_RETURNED, actor=SYSTEM)
    issue = PartnerIssue.objects.get()
    assert issue.partner.carrier_id == "INPOST" and issue.reference == "WB-1" and issue.case == returning_case
