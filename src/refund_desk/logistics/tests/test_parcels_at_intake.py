"""The return parcels Allegro lists become parcel records at intake, so scanning a delivered return's
waybill finds it; the inspection search also finds a return by order id or buyer login."""

from __future__ import annotations

from typing import Any

import pytest

from refund_desk.cases.models import SellerAccount
from refund_desk.logistics.models import Parcel
from refund_desk.logistics.selectors import case_find_for_inspection
from refund_desk.payments.tests.conftest import ingest
from refund_desk.policy.tests.builders import case as case_file
from refund_desk.policy.tests.builders import customer_return

pytestmark = pytest.mark.django_db
PARCELS = [
    {"createdAt": "2025-03-10T13:00:00Z", "waybill": "WB-1", "carrierId": "INPOST"},
    {"createdAt": "2025-03-11T13:00:00Z", "waybill": "X", "transportingWaybill": "TR-2", "carrierId": "DPD",
     "transportingCarrierId": "DHL"},
    {"createdAt": "2025-03-11T13:00:00Z", "waybill": "", "carrierId": "DPD"},
]  # fmt: skip


def _delivered(parcels: list[dict[str, Any]]) -> dict[str, Any]:
    ret = customer_return(parcels=parcels)
    ret["status"] = "DELIVERED"
    return case_file(return_data=ret)


def test_a_delivered_return_gets_its_parcels_at_intake_and_is_found_by_waybill(
    account: SellerAccount,
) -> None:
    case = ingest(account, _delivered(PARCELS))
    parcels = {(p.carrier_id, p.waybill) for p in Parcel.objects.filter(case=case)}
    assert parcels == {("INPOST", "WB-1"), ("DHL", "TR-2")}  # the carrying waybill wins; no waybill, no row
    found, parcel = case_find_for_inspection(query="tr-2")
    assert found == case and parcel is not None and parcel.waybill == "TR-2"


def test_parcels_declared_later_are_added_when_the_return_changes(account: SellerAccount) -> None:
    data = _delivered([])
    case = ingest(account, data)
    assert not Parcel.objects.filter(case=case).exists()
    data["customerReturn"]["parcels"] = PARCELS[:1]
    ingest(account, data)
    assert list(Parcel.objects.filter(case=case).values_list("waybill", flat=True)) == ["WB-1"]
    ingest(account, data)  # the same file again changes nothing
    assert Parcel.objects.filter(case=case).count() == 1


def test_the_inspection_search_finds_a_return_by_order_id_or_buyer_login(account: SellerAccount) -> None:
    case = ingest(account, _delivered([]))
    assert case_find_for_inspection(query=case.order_external_id) == (case, None)
    assert case_find_for_inspection(query=case.buyer_login.upper()) == (case, None)
    assert case_find_for_inspection(query="nobody-at-all") == (None, None)
