"""Return-parcel tracking, stale alerts, partner issues and warehouse inspections."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from refund_desk.cases.models import RefundCase, SellerAccount
from refund_desk.cases.services import case_transition
from refund_desk.logistics import services
from refund_desk.logistics.models import Inspection, Parcel
from refund_desk.partners.choices import IssueKind
from refund_desk.partners.models import PartnerIssue
from refund_desk.payments.choices import AlertKind, RefundStatus
from refund_desk.payments.models import Alert, RefundOrder
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


def test_inspection_ok_releases_the_refund(returning_case: RefundCase) -> None:
    findings = [services.ItemFinding(case_item_id=i.pk, outcome="OK") for i in returning_case.items.all()]
    inspection = services.inspection_record(case=returning_case, findings=findings, actor=SYSTEM)
    assert inspection.all_ok
    refund = RefundOrder.objects.get(case=returning_case)
    assert refund.status == RefundStatus.PLANNED and refund.total == Decimal("212.99")
    assert RefundCase.objects.get(pk=returning_case.pk).status == "REFUND_PENDING"


def test_inspection_findings_go_to_a_person_with_a_suggestion(returning_case: RefundCase) -> None:
    items = list(returning_case.items.select_related("line_item"))
    findings = [
        services.ItemFinding(case_item_id=items[0].pk, outcome="USED", note="scratches"),
        services.ItemFinding(case_item_id=items[1].pk, outcome="WRONG_ITEM"),
    ]
    inspection = services.inspection_record(case=returning_case, findings=findings, actor=SYSTEM)
    assert not inspection.all_ok
    assert inspection.suggestion["rejectionCode"] == "ITEM_MISMATCH"
    # Used mugs: 20 % of 100.00; wrong kettle: its full 100.00.
    assert inspection.suggestion["deductionTotal"] == "120.00"
    assert RefundCase.objects.get(pk=returning_case.pk).status == "ESCALATED"
    assert not RefundOrder.objects.exists()


def test_inspection_page_and_api(
    returning_case: RefundCase, client: Client, agent: Any, settings: object
) -> None:
    services.parcels_sync_from_case(case=returning_case)
    client.force_login(agent)
    page = client.get("/logistics/inspect/", {"q": "WB-1"})
    assert (
        page.status_code == 200
        and "Kubek" in page.content.decode()
        and 'capture="environment"' in page.content.decode()
    )

    response = client.post(
        "/api/v1/inspections/",
        {"reference": "WB-1", "items": [{"lineItemId": "li-1", "outcome": "SEAL_BROKEN"}]},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["suggestion"]["rejectionCode"] == "NO_RETURN_RIGHT"
    assert Inspection.objects.get().parcel == Parcel.objects.get()

    bad = client.post(
        "/api/v1/inspections/",
        {"reference": "nope", "items": [{"lineItemId": "li-1", "outcome": "OK"}]},
        content_type="application/json",
    )
    assert bad.status_code in (400, 422)


def test_inspection_page_records_outcomes_from_the_form(
    returning_case: RefundCase, client: Client, agent: Any, settings: object
) -> None:
    client.force_login(agent)
    data = {"q": returning_case.reference, **{f"outcome-{i.pk}": "OK" for i in returning_case.items.all()}}
    response = client.post("/logistics/inspect/", data)
    assert response.status_code == 302
    assert Inspection.objects.get().all_ok
