"""Inbound partner webhooks tried as an attacker would: replays, another account's case, malformed
bodies, and a secret that can no longer be decrypted; and outbound deliveries whose secret is unreadable."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from django.test import Client

from refund_desk.cases.actors import Actor
from refund_desk.cases.models import RefundCase, SellerAccount
from refund_desk.cases.services import case_transition
from refund_desk.integrations.allegro.intake import account_get_or_create
from refund_desk.logistics.models import Inspection
from refund_desk.partners import services
from refund_desk.partners.choices import DeliveryStatus, PartnerKind
from refund_desk.partners.models import InboundWebhookLog, Partner, WebhookDelivery, WebhookSubscription
from refund_desk.payments.choices import AlertKind
from refund_desk.payments.models import Alert
from refund_desk.payments.tests.conftest import SYSTEM, ingest
from refund_desk.payments.tests.fakes import FakeGateway
from refund_desk.policy import services as policy_services
from refund_desk.policy.tests.builders import case as case_file
from refund_desk.tests.world import unique_case_file

SECRET = "inbound-s3cret"
URL = "/partners/inbound/magazyn/"


@pytest.fixture
def partner(account: SellerAccount) -> Partner:
    partner = Partner(name="Magazyn", slug="magazyn", kind=PartnerKind.WAREHOUSE)
    partner.inbound_secret = SECRET
    partner.save()
    partner.accounts.add(account)
    return partner


@pytest.fixture
def returning(account: SellerAccount, fake: FakeGateway) -> RefundCase:
    case = ingest(account, case_file())
    fake.register_order(case.order)
    return case_transition(case=case, to="AWAITING_RETURN", actor=SYSTEM)


def send(client: Client, body: bytes, *, timestamp: int | None = None, delivery: str = "") -> Any:
    header = services.signature_header(secret=SECRET, timestamp=timestamp or int(time.time()), body=body)
    headers = {"X-RefundDesk-Signature": header}
    if delivery:
        headers["X-RefundDesk-Delivery"] = delivery
    return client.post(URL, body, content_type="application/json", headers=headers)


def result(case: RefundCase) -> bytes:
    return json.dumps(
        {"reference": case.reference, "items": [{"lineItemId": "li-1", "outcome": "SEAL_BROKEN"}]}
    ).encode()


def test_the_same_signed_request_is_acted_on_once(
    partner: Partner, returning: RefundCase, client: Client
) -> None:
    body = result(returning)
    now = int(time.time())

    first = send(client, body, timestamp=now)
    again = send(client, body, timestamp=now)
    third = send(client, body, timestamp=now)

    assert first.status_code == 201, first.content
    assert (again.status_code, third.status_code) == (409, 409)
    assert "already received" in again.json()["error"]
    assert Inspection.objects.filter(case=returning).count() == 1
    assert list(InboundWebhookLog.objects.order_by("id").values_list("status_code", flat=True)) == [
        201,
        409,
        409,
    ]


def test_a_delivery_id_seen_before_is_a_replay_even_signed_anew(
    partner: Partner, returning: RefundCase, client: Client
) -> None:
    body = result(returning)
    assert send(client, body, timestamp=int(time.time()) - 5, delivery="d-77").status_code == 201
    assert send(client, body, delivery="d-77").status_code == 409
    assert Inspection.objects.count() == 1


def test_a_partner_cannot_touch_another_accounts_case(
    partner: Partner, client: Client, fake: FakeGateway
) -> None:
    other = account_get_or_create(name="shop-two")
    policy_services.policy_publish(
        account=other, marketplace="allegro-pl", yaml_text="name: X\n", actor=SYSTEM
    )
    foreign = ingest(other, unique_case_file(case_file(), 88))
    case_transition(case=foreign, to="AWAITING_RETURN", actor=SYSTEM)

    response = send(client, result(foreign))

    assert response.status_code == 422 and "no return" in response.json()["error"]
    assert Inspection.objects.count() == 0
    assert RefundCase.objects.get(pk=foreign.pk).status == "AWAITING_RETURN"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"reference": "ZWR-1", "items": "x"}', "items"),
        (b'{"reference": "ZWR-1", "items": [1]}', "items[0]"),
        (b'{"reference": 5, "items": []}', "reference"),
        (b'{"reference": "ZWR-1", "items": [{"lineItemId": "li-1"}]}', "items[0].outcome"),
        (b"[1, 2]", None),
        (b"not json", None),
        (b"[" * 5000 + b"]" * 5000, None),
    ],
)
def test_a_malformed_body_is_a_logged_json_400(
    partner: Partner, returning: RefundCase, client: Client, body: bytes, field: str | None
) -> None:
    response = send(client, body)

    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    answer = response.json()
    if field:
        assert field in [error["field"] for error in answer["errors"]]
    log = InboundWebhookLog.objects.get()
    assert (log.status_code, log.accepted, log.partner) == (400, False, partner) and log.error
    assert Inspection.objects.count() == 0


def test_an_unreadable_secret_asks_for_a_new_one_instead_of_failing(
    partner: Partner, returning: RefundCase, client: Client, settings: Any
) -> None:
    Partner.objects.filter(pk=partner.pk).update(inbound_secret_encrypted="gAAAAABnot-under-this-key")

    response = send(client, result(returning))

    assert response.status_code == 401 and "renewed" in response.json()["error"]
    partner.refresh_from_db()
    assert partner.needs_new_secret
    alert = Alert.objects.get(kind=AlertKind.SECRET_UNREADABLE)
    assert "magazyn" in alert.message and "rotate" in alert.message
    rotated, _secret = services.partner_rotate_inbound_secret(partner=partner, actor=Actor.system("test"))
    assert not rotated.needs_new_secret


def test_an_outbound_delivery_with_an_unreadable_secret_stops_and_says_why(
    account: SellerAccount, django_capture_on_commit_callbacks: Any
) -> None:
    subscription = services.webhook_subscription_create(name="erp", url="https://erp.example/", events=[])
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        secret_encrypted="gAAAAABnot-under-this-key"
    )
    [delivery] = services.webhook_event_emit(event="case.updated", account=account, payload={"id": 1})

    with django_capture_on_commit_callbacks() as queued:
        done = services.webhook_deliver(delivery_id=delivery.pk)
    for callback in queued:  # the worker's part: the alert task (tests do not run a worker)
        callback.func.call_local(*callback.args)

    assert done.status == DeliveryStatus.FAILED and "rotate it" in done.last_error
    assert WebhookDelivery.objects.get(pk=delivery.pk).locked_until is None
    assert WebhookSubscription.objects.get(pk=subscription.pk).needs_new_secret
    assert Alert.objects.filter(kind=AlertKind.SECRET_UNREADABLE).count() == 1
