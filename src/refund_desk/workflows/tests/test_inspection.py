"""An inspected return settles its case: all OK and allowed by the approval guard, the refund goes out;
otherwise a person decides. The desk page, the API and partners' results all come through the workflow."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from refund_desk.ai.services import account_automation_set
from refund_desk.cases.choices import EventType
from refund_desk.cases.models import RefundCase, SellerAccount
from refund_desk.cases.services import case_transition
from refund_desk.logistics.models import Inspection, Parcel
from refund_desk.logistics.services import ItemFinding, parcels_sync_from_case
from refund_desk.payments.choices import RefundStatus
from refund_desk.payments.models import RefundOrder
from refund_desk.payments.tests.conftest import SYSTEM, ingest
from refund_desk.payments.tests.fakes import FakeGateway
from refund_desk.policy import services as policy_services
from refund_desk.policy.tests.builders import case as case_file
from refund_desk.policy.tests.builders import customer_return
from refund_desk.workflows.inspection import inspection_receive

PARCELS = [{"createdAt": "2025-03-10T13:00:00Z", "waybill": "WB-1", "carrierId": "INPOST"}]
AUTOMATIC = (
    "name: Immediate, automatic up to 1000 PLN\nwithdrawal:\n  periodDays: 30\n  refundTiming: IMMEDIATELY\n"
    "automaticApproval:\n  maxAmountPerCase:\n    PLN: '1000.00'\n"
)


@pytest.fixture
def returning_case(account: SellerAccount, fake: FakeGateway) -> RefundCase:
    case = ingest(account, case_file(return_data=customer_return(parcels=PARCELS)))
    fake.register_order(case.order)
    return case_transition(case=case, to="AWAITING_RETURN", actor=SYSTEM)


@pytest.fixture
def automatic(account: SellerAccount) -> SellerAccount:
    """The account lets automation pay full refunds up to 1000 PLN."""
    policy_services.policy_publish(
        account=account, marketplace="allegro-pl", yaml_text=AUTOMATIC, actor=SYSTEM
    )
    account_automation_set(account=account, mode="live")
    return account


def test_inspection_ok_releases_the_refund(returning_case: RefundCase, automatic: SellerAccount) -> None:
    findings = [ItemFinding(case_item_id=i.pk, outcome="OK") for i in returning_case.items.all()]
    inspection = inspection_receive(case=returning_case, findings=findings, actor=SYSTEM)
    assert inspection.all_ok
    refund = RefundOrder.objects.get(case=returning_case)
    assert refund.status == RefundStatus.PLANNED and refund.total == Decimal("212.99")
    assert RefundCase.objects.get(pk=returning_case.pk).status == "REFUND_PENDING"


@pytest.mark.parametrize("mode", ["off", "shadow"])
def test_inspection_ok_waits_for_a_person_when_the_guard_says_so(
    returning_case: RefundCase, account: SellerAccount, mode: str
) -> None:
    """The same guard as the automatic review: the account's mode, then the policy's limits."""
    account_automation_set(account=account, mode=mode)
    findings = [ItemFinding(case_item_id=i.pk, outcome="OK") for i in returning_case.items.all()]
    inspection_receive(case=returning_case, findings=findings, actor=SYSTEM)
    case = RefundCase.objects.get(pk=returning_case.pk)
    assert case.status == "RETURN_RECEIVED" and not RefundOrder.objects.exists()
    note = case.events.filter(type=EventType.NOTE).order_by("-id").first()
    assert note is not None and note.reason.startswith("inspection OK; a person decides the refund: ")
    assert "the policy sets no automatic-approval limit for PLN" in note.payload["reasons"]
    assert f"automatic decisions are {mode}" in note.reason or "shadow mode" in note.reason


def test_inspection_ok_above_the_policy_limit_waits_for_a_person(
    returning_case: RefundCase, automatic: SellerAccount
) -> None:
    small = AUTOMATIC.replace("1000.00", "50.00")
    policy_services.policy_publish(account=automatic, marketplace="allegro-pl", yaml_text=small, actor=SYSTEM)
    findings = [ItemFinding(case_item_id=i.pk, outcome="OK") for i in returning_case.items.all()]
    inspection_receive(case=returning_case, findings=findings, actor=SYSTEM)
    assert RefundCase.objects.get(pk=returning_case.pk).status == "RETURN_RECEIVED"
    assert not RefundOrder.objects.exists()
    note = returning_case.events.filter(type=EventType.NOTE).order_by("-id")[0]
    assert "the policy engine escalates: The amount 212.99 PLN is above the limit for automatic approval" in (
        note.reason
    )


def test_inspection_findings_go_to_a_person_with_a_suggestion(returning_case: RefundCase) -> None:
    items = list(returning_case.items.select_related("line_item"))
    findings = [
        ItemFinding(case_item_id=items[0].pk, outcome="USED", note="scratches"),
        ItemFinding(case_item_id=items[1].pk, outcome="WRONG_ITEM"),
    ]
    inspection = inspection_receive(case=returning_case, findings=findings, actor=SYSTEM)
    assert not inspection.all_ok
    assert inspection.suggestion["rejectionCode"] == "ITEM_MISMATCH"
    # Used mugs: 20 % of 100.00; wrong kettle: its full 100.00.
    assert inspection.suggestion["deductionTotal"] == "120.00"
    assert RefundCase.objects.get(pk=returning_case.pk).status == "ESCALATED"
    assert not RefundOrder.objects.exists()


def test_inspection_page_and_api(
    returning_case: RefundCase, client: Client, agent: Any, settings: object
) -> None:
    parcels_sync_from_case(case=returning_case)
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


def test_an_inspection_refund_is_the_inspectors_so_they_cannot_approve_it(
    returning_case: RefundCase, automatic: SellerAccount, supervisor: Any
) -> None:
    """The refund an all-OK inspection releases is asked for by the inspector: above the approval
    threshold a different person approves it."""
    from refund_desk.cases.actors import Actor
    from refund_desk.core.errors import PermissionDenied
    from refund_desk.payments import services as payments
    from refund_desk.payments.models import AccountPaymentSettings

    AccountPaymentSettings.objects.create(
        account=automatic, currency="PLN", approval_threshold=Decimal("100")
    )
    inspector = Actor.for_user(supervisor)
    findings = [ItemFinding(case_item_id=i.pk, outcome="OK") for i in returning_case.items.all()]
    inspection_receive(case=returning_case, findings=findings, actor=inspector)
    refund = RefundOrder.objects.get(case=returning_case)
    assert refund.status == RefundStatus.AWAITING_APPROVAL and refund.requested_by == supervisor
    with pytest.raises(PermissionDenied, match="requested a refund cannot approve it"):
        payments.refund_order_approve(refund=refund, actor=inspector)
    assert RefundOrder.objects.get(pk=refund.pk).status == RefundStatus.AWAITING_APPROVAL
