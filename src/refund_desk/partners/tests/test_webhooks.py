"""Outbound signed webhooks with retries, delivery log and replay; inbound signed webhooks; issue report."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import httpx
import pytest
from django.test import Client
from django.utils import timezone

from refund_desk.ai.services import account_automation_set
from refund_desk.cases.actors import Actor
from refund_desk.cases.models import RefundCase, SellerAccount
from refund_desk.cases.services import case_transition
from refund_desk.cases.tests.factories import make_user
from refund_desk.core.roles import Role
from refund_desk.partners import selectors, services
from refund_desk.partners.choices import DeliveryStatus, IssueKind, PartnerKind
from refund_desk.partners.models import InboundWebhookLog, Partner, WebhookAttempt, WebhookDelivery
from refund_desk.payments.tests.conftest import SYSTEM, ingest
from refund_desk.payments.tests.fakes import FakeGateway
from refund_desk.policy import services as policy_services
from refund_desk.policy.tests.builders import case as case_file
from refund_desk.workflows.tests.test_inspection import AUTOMATIC

SECRET = "s3cret"


def receiver(codes: list[int], seen: list[httpx.Request]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(codes.pop(0) if codes else 200)

    return httpx.MockTransport(handle)


@pytest.fixture
def subscription(db: Any) -> Any:
    sub = services.webhook_subscription_create(
        name="erp", url="https://erp.example/hooks", events=["refund.*"]
    )
    sub.secret = SECRET
    sub.save()
    return sub


def test_deliveries_are_signed_retried_and_logged(
    subscription: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        [delivery] = services.webhook_event_emit(
            event="refund.succeeded", account=None, payload={"refund": {"id": 1}}
        )
        assert services.webhook_event_emit(event="case.note", account=None, payload={}) == []
    assert len(callbacks) == 1  # sent by huey after commit, never inside the request

    seen: list[httpx.Request] = []
    transport = receiver([503, 200], seen)
    now = timezone.now()
    first = services.webhook_deliver(delivery_id=delivery.pk, now=now, transport=transport)
    assert first.status == DeliveryStatus.PENDING and first.last_status_code == 503
    assert first.next_attempt_at == now + timedelta(minutes=1)
    second = services.webhook_deliver_due(now=now + timedelta(minutes=2), transport=transport)
    assert second == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert list(WebhookAttempt.objects.values_list("status_code", flat=True)) == [503, 200]

    request = seen[-1]
    header = request.headers["X-RefundDesk-Signature"]
    assert services.signature_valid(secret=SECRET, header=header, body=request.content, now=int(header[2:12]))
    assert json.loads(request.content)["data"] == {"refund": {"id": 1}}


def test_a_receiver_down_for_a_day_is_given_up_and_can_be_replayed(subscription: Any) -> None:
    [delivery] = services.webhook_event_emit(event="refund.failed", account=None, payload={})
    transport = httpx.MockTransport(lambda request: (_ for _ in ()).throw(httpx.ConnectError("down")))
    moment = timezone.now()
    for _ in range(len(services.RETRY_SCHEDULE) + 1):
        delivery = services.webhook_deliver(delivery_id=delivery.pk, now=moment, transport=transport)
        moment = delivery.next_attempt_at
    assert delivery.status == DeliveryStatus.FAILED
    assert moment - delivery.created_at >= timedelta(hours=24)
    replay = services.webhook_delivery_replay(delivery=delivery, actor=SYSTEM)
    assert replay.event_id == delivery.event_id and replay.status == DeliveryStatus.PENDING
    delivered = services.webhook_deliver(delivery_id=replay.pk, transport=receiver([200], []))
    assert delivered.status == DeliveryStatus.DELIVERED


def test_case_events_are_published_once(account: SellerAccount, fake: FakeGateway) -> None:
    services.webhook_subscription_create(name="all", url="https://x.example/", events=["case.*"])
    case = ingest(account, case_file())
    case_transition(case=case, to="APPROVED", actor=SYSTEM)
    assert services.case_events_publish() == case.events.count()
    assert services.case_events_publish() == 0
    assert WebhookDelivery.objects.filter(event="case.transition").count() == 1


def test_inbound_webhook_needs_a_valid_signature(
    account: SellerAccount, fake: FakeGateway, client: Client, settings: Any
) -> None:
    partner = Partner(name="Magazyn", slug="magazyn", kind=PartnerKind.WAREHOUSE)
    partner.inbound_secret = SECRET
    partner.save()
    partner.accounts.add(account)
    # The account lets automation pay full refunds up to 1000 PLN (the approval guard).
    policy_services.policy_publish(
        account=account, marketplace="allegro-pl", yaml_text=AUTOMATIC, actor=SYSTEM
    )
    account_automation_set(account=account, mode="live")
    case = ingest(account, case_file())
    case_transition(case=case, to="AWAITING_RETURN", actor=SYSTEM)
    body = json.dumps(
        {"reference": case.reference, "items": [{"lineItemId": "li-1", "outcome": "OK"}]}
    ).encode()

    forged = client.post(
        "/partners/inbound/magazyn/",
        body,
        content_type="application/json",
        headers={"X-RefundDesk-Signature": f"t={int(time.time())},v1=deadbeef"},
    )
    assert forged.status_code == 401
    stale = services.signature_header(secret=SECRET, timestamp=int(time.time()) - 3600, body=body)
    assert (
        client.post(
            "/partners/inbound/magazyn/",
            body,
            content_type="application/json",
            headers={"X-RefundDesk-Signature": stale},
        ).status_code
        == 401
    )

    good = services.signature_header(secret=SECRET, timestamp=int(time.time()), body=body)
    response = client.post(
        "/partners/inbound/magazyn/",
        body,
        content_type="application/json",
        headers={"X-RefundDesk-Signature": good},
    )
    assert response.status_code == 201, response.content
    assert RefundCase.objects.get(pk=case.pk).status == "REFUND_PENDING"
    assert list(InboundWebhookLog.objects.order_by("id").values_list("status_code", "partner")) == [
        (401, partner.pk),
        (401, partner.pk),
        (201, partner.pk),
    ]


def test_partner_issue_monthly_report(db: Any) -> None:
    carrier = services.partner_for_carrier(carrier_id="DPD")
    for kind in (IssueKind.PARCEL_LOST, IssueKind.PARCEL_LOST, IssueKind.PARCEL_RETURNED):
        services.partner_issue_record(partner=carrier, kind=kind, actor=Actor.system("t"))
    [row] = selectors.partner_issue_report(viewer=make_user("lead", [Role.SUPERVISOR]))
    assert row["partner"] == "Carrier DPD" and row["total"] == 3
    assert row["kinds"] == {"PARCEL_LOST": 2, "PARCEL_RETURNED": 1}
