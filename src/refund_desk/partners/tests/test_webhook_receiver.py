"""Signed webhooks to a real HTTP receiver on 127.0.0.1: case and refund events arrive with a valid
HMAC and a fresh timestamp; a receiver answering 500 is retried and every response code is logged."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.contrib.auth.models import AbstractUser
from django.utils import timezone

from refund_desk.cases.actors import Actor
from refund_desk.cases.models import SellerAccount
from refund_desk.cases.services import case_transition
from refund_desk.partners import services
from refund_desk.partners.choices import DeliveryStatus
from refund_desk.partners.models import WebhookAttempt, WebhookDelivery
from refund_desk.payments import services as payments
from refund_desk.payments.tests.conftest import SYSTEM, ingest
from refund_desk.payments.tests.fakes import FakeGateway
from refund_desk.policy.tests.builders import case as case_file


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int


@dataclass
class Receiver:
    """A partner's endpoint: answers with the queued codes (then 200) and keeps every request."""

    url: str
    codes: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with lock:
                code = state.codes.pop(0) if state.codes else 200
                state.received.append(Received(self.path, dict(self.headers.items()), body, code))
            self.send_response(code)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok" if code < 300 else b"receiver broke")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/refund-desk"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def verify(secret: str, received: Received, *, tolerance: int = 300) -> dict[str, Any]:
    """What a partner does: parse t= and v1=, recompute HMAC-SHA256("<t>.<body>"), check the clock."""
    parts = dict(p.split("=", 1) for p in received.headers["X-RefundDesk-Signature"].split(","))
    timestamp = int(parts["t"])
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + received.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, parts["v1"]), "signature does not match"
    assert abs(time.time() - timestamp) <= tolerance, "stale timestamp"
    payload: dict[str, Any] = json.loads(received.body)
    return payload


def test_real_receiver_gets_signed_case_and_refund_events_and_500_is_retried(
    receiver: Receiver, account: SellerAccount, fake: FakeGateway, agent: AbstractUser
) -> None:
    # Given a partner subscribed to case and refund events, whose endpoint fails once with a 500
    subscription = services.webhook_subscription_create(
        name="erp", url=receiver.url, events=["case.*", "refund.*"]
    )
    secret = subscription.secret
    receiver.codes = [500]

    # When a case is approved and refunded, and the worker delivers what is due (real HTTP)
    case = ingest(account, case_file())
    fake.register_order(case.order)
    case = case_transition(case=case, to="APPROVED", actor=SYSTEM)
    refund = payments.refund_order_create(case=case, actor=Actor.for_user(agent))
    payments.refund_execute(refund_order_id=refund.pk)
    services.case_events_publish()
    now = timezone.now()
    first_round = services.webhook_deliver_due(now=now)
    retried = services.webhook_deliver_due(now=now + timedelta(minutes=2))

    # Then every event arrived signed with the subscription's secret and a current timestamp
    events = set(WebhookDelivery.objects.values_list("event", flat=True))
    assert {"refund.created", "refund.submitted", "case.created", "case.transition"} <= events
    assert first_round == WebhookDelivery.objects.count() and retried == 1
    payloads = [verify(secret, r) for r in receiver.received]
    assert {r.path for r in receiver.received} == {"/hooks/refund-desk"}
    assert {p["event"] for p in payloads} == events
    submitted = next(p for p in payloads if p["event"] == "refund.submitted")
    assert submitted["data"]["refund"]["commandId"] == str(refund.command_id)
    case_event = next(p for p in payloads if p["event"].startswith("case."))
    assert case_event["data"]["case"]["id"] == case.pk
    assert all(
        r.headers["X-RefundDesk-Event"] == p["event"]
        for r, p in zip(receiver.received, payloads, strict=True)
    )

    # And the one that got a 500 was retried with the same event id, and the log shows both answers
    failed_once = WebhookDelivery.objects.get(attempts=2)
    assert failed_once.status == DeliveryStatus.DELIVERED and failed_once.last_status_code == 200
    assert list(failed_once.attempt_log.values_list("status_code", flat=True)) == [500, 200]
    assert "HTTP 500" in failed_once.attempt_log.first().error  # type: ignore[union-attr]
    same_event = [p for p in payloads if p["id"] == str(failed_once.event_id)]
    assert len(same_event) == 2 and same_event[0] == same_event[1]
    assert [r.answered for r in receiver.received].count(500) == 1
    assert WebhookAttempt.objects.count() == len(receiver.received)
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}


def test_a_forged_or_rotated_secret_does_not_verify(receiver: Receiver, db: Any) -> None:
    # Given a subscription whose secret was rotated after a delivery was signed with the old one
    subscription = services.webhook_subscription_create(name="wms", url=receiver.url, events=["refund.*"])
    old_secret = subscription.secret
    [delivery] = services.webhook_event_emit(
        event="refund.failed", account=None, payload={"refund": {"id": 7}}
    )
    services.webhook_deliver(delivery_id=delivery.pk)
    _, new_secret = services.webhook_subscription_rotate_secret(subscription=subscription, actor=SYSTEM)
    [second] = services.webhook_event_emit(event="refund.failed", account=None, payload={"refund": {"id": 8}})
    services.webhook_deliver(delivery_id=second.pk)

    # Then each delivery verifies only with the secret it was signed with
    first, latest = receiver.received
    assert verify(old_secret, first)["data"] == {"refund": {"id": 7}}
    assert verify(new_secret, latest)["data"] == {"refund": {"id": 8}}
    with pytest.raises(AssertionError, match="signature"):
        verify(old_secret, latest)
