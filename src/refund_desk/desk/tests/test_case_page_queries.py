"""The case page is composed of the apps' panels, and its queries do not grow with what a case holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from refund_desk.cases.models import RefundCase
from refund_desk.core.panels import case_panels
from refund_desk.integrations.allegro.intake import account_get_or_create, cases_import
from refund_desk.logistics.models import Parcel, TrackingEvent
from refund_desk.messaging.models import Message, Thread
from refund_desk.payments.choices import LineType, RefundMethod, RefundStatus
from refund_desk.payments.models import RefundOrder, RefundOrderLine
from refund_desk.policy.tests.builders import case as case_file

pytestmark = pytest.mark.django_db
T0 = datetime(2025, 3, 12, 9, 0, tzinfo=UTC)


def _case(number: int) -> RefundCase:
    account = account_get_or_create(name="shop")
    data = case_file()
    data["customerReturn"]["id"] = f"return-{number}"
    data["order"]["id"] = f"order-{number}"
    data["customerReturn"]["orderId"] = f"order-{number}"
    result = cases_import(items=[data], account=account).results[0]
    assert result.case_id is not None, result.errors
    return RefundCase.objects.get(pk=result.case_id)


def _fill(case: RefundCase, count: int) -> None:
    """`count` refunds with a line each, parcels with scans, and Message Center messages."""
    line = case.order.line_items.first()
    assert line is not None
    thread = Thread.objects.create(
        account=case.account, external_id=f"thread-{case.pk}", order_external_id=case.order_external_id
    )
    for n in range(count):
        refund = RefundOrder.objects.create(
            case=case,
            order=case.order,
            account=case.account,
            method=RefundMethod.ALLEGRO,
            status=RefundStatus.SUCCESS if n else RefundStatus.AWAITING_APPROVAL,
            reason="REFUND",
            currency=case.currency,
            lines_total=Decimal("1.00"),
            total=Decimal("1.00"),
            requested_by_label="test",
        )
        RefundOrderLine.objects.create(
            refund_order=refund, line_item=line, type=LineType.AMOUNT, amount=Decimal("1.00")
        )
        parcel = Parcel.objects.create(case=case, carrier_id="INPOST", waybill=f"WB-{case.pk}-{n}")
        for k in range(3):
            TrackingEvent.objects.create(
                parcel=parcel, occurred_at=T0 + timedelta(hours=k), code="IN_TRANSIT"
            )
        Message.objects.create(
            thread=thread,
            external_id=f"m-{case.pk}-{n}",
            author_role="BUYER",
            text=f"message {n}",
            created_at=T0 + timedelta(minutes=n),
        )


def _queries(client: Client, case: RefundCase) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/cases/{case.pk}/")
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_case_page_shows_every_registered_panel(agent_client: Client) -> None:
    case = _case(1)
    _fill(case, 2)
    page = agent_client.get(f"/cases/{case.pk}/").content.decode()
    assert [panel.name for panel in case_panels.panels()] == [
        "evaluation",
        "refunds",
        "outbound",
        "remedy",
        "parcels",
        "review",
        "notices",
        "messages",
    ]
    for marker in ("policy-evaluation", "Refunds", "Return parcels", "ai-review", "case-messages"):
        assert marker in page
    assert page.count("WB-") == 2 and "message 1" in page
    assert "Waiting for a supervisor's approval" in page


def test_case_page_queries_do_not_grow_with_refunds_parcels_or_messages(agent_client: Client) -> None:
    small, large = _case(1), _case(2)
    _fill(small, 1)
    _fill(large, 6)
    agent_client.get(f"/cases/{small.pk}/")  # warm per-process caches (policies, models)
    assert _queries(agent_client, large) == _queries(agent_client, small)
