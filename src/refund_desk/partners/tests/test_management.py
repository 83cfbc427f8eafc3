"""Managing webhook subscriptions, partners and payment settings: supervisors edit, auditors only read,
secrets are stored encrypted, shown once on creation/rotation, and existing rows are migrated."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import AbstractUser
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from refund_desk.cases.actors import Actor
from refund_desk.cases.models import SellerAccount
from refund_desk.cases.tests.factories import make_user
from refund_desk.core.changes import change_confirm
from refund_desk.core.crypto import decrypt
from refund_desk.core.errors import PermissionDenied, ValidationFailed
from refund_desk.core.models import ChangeRequest, ChangeStatus
from refund_desk.core.roles import Role
from refund_desk.demo import live
from refund_desk.partners import services
from refund_desk.partners.models import Partner, WebhookSubscription
from refund_desk.payments import selectors as payment_selectors
from refund_desk.payments.models import AccountPaymentSettings

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor(db: Any) -> AbstractUser:
    return make_user("audit-ada", [Role.AUDITOR])


def logged_in(user: AbstractUser) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]  # the project user model is an AbstractUser
    return client


def test_supervisor_creates_a_subscription_and_sees_the_secret_once(supervisor: AbstractUser) -> None:
    client = logged_in(supervisor)
    response = client.post(
        "/partners/subscriptions/new/",
        {"name": "ERP", "url": "https://erp.example/hooks", "events": "refund.*, case.*", "is_active": "on"},
    )
    assert response.status_code == 200
    subscription = WebhookSubscription.objects.get()
    secret = subscription.secret
    assert secret and secret in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    # stored encrypted, never in plain text
    assert secret not in subscription.secret_encrypted and decrypt(subscription.secret_encrypted) == secret
    assert subscription.events == ["refund.*", "case.*"]
    listing = client.get("/partners/subscriptions/").content.decode()
    assert "erp.example" in listing and secret not in listing
    assert secret not in client.get(f"/partners/subscriptions/{subscription.pk}/").content.decode()


def test_supervisor_edits_disables_and_rotates(supervisor: AbstractUser) -> None:
    subscription = services.webhook_subscription_create(name="wms", url="https://a.example/", events=[])
    old_secret = subscription.secret
    client = logged_in(supervisor)

    edited = client.post(
        f"/partners/subscriptions/{subscription.pk}/",
        {"name": "wms", "url": "https://b.example/hook", "events": "refund.succeeded", "is_active": "on"},
    )
    assert edited.status_code == 302
    subscription.refresh_from_db()
    assert (subscription.url, subscription.events) == ("https://b.example/hook", ["refund.succeeded"])
    assert subscription.secret == old_secret  # editing keeps the secret

    rotated = client.post(f"/partners/subscriptions/{subscription.pk}/rotate/")
    subscription.refresh_from_db()
    assert subscription.secret != old_secret and subscription.secret in rotated.content.decode()

    client.post(f"/partners/subscriptions/{subscription.pk}/disable/")
    subscription.refresh_from_db()
    assert not subscription.is_active
    assert services.webhook_event_emit(event="refund.succeeded", account=None, payload={}) == []


def test_invalid_subscription_input_is_shown_not_saved(supervisor: AbstractUser) -> None:
    response = logged_in(supervisor).post(
        "/partners/subscriptions/new/",
        {"name": "x", "url": "https://x.example/", "events": "refund.*, Bad Event"},
    )
    assert response.status_code == 200 and "not an event name" in response.content.decode()
    assert not WebhookSubscription.objects.exists()
    with pytest.raises(ValidationFailed):
        services.webhook_subscription_create(name="x", url="ftp://x.example/", events=[])


def test_auditor_reads_but_cannot_change(
    auditor: AbstractUser, agent: AbstractUser, account: SellerAccount
) -> None:
    subscription = services.webhook_subscription_create(name="erp", url="https://erp.example/", events=[])
    client = logged_in(auditor)
    page = client.get("/partners/subscriptions/")
    assert page.status_code == 200 and "erp.example" in page.content.decode()
    assert "Rotate secret" not in page.content.decode()
    assert client.get("/partners/partners/").status_code == 200
    assert client.get("/payments/settings/").status_code == 200
    for url in (
        "/partners/subscriptions/new/",
        f"/partners/subscriptions/{subscription.pk}/rotate/",
        f"/partners/subscriptions/{subscription.pk}/disable/",
        "/partners/partners/new/",
        f"/payments/settings/{account.pk}/",
    ):
        assert client.post(url, {"name": "x", "url": "https://evil.example/"}).status_code == 403
    subscription.refresh_from_db()
    assert subscription.is_active and subscription.url == "https://erp.example/"
    assert logged_in(agent).get("/partners/subscriptions/").status_code == 403
    with pytest.raises(PermissionDenied):
        services.webhook_subscription_rotate_secret(subscription=subscription, actor=Actor.for_user(auditor))


def test_partner_created_with_an_inbound_secret_shown_once(supervisor: AbstractUser) -> None:
    client = logged_in(supervisor)
    response = client.post(
        "/partners/partners/new/",
        {"name": "Magazyn Łódź", "slug": "magazyn-lodz", "kind": "WAREHOUSE", "is_active": "on"},
    )
    partner = Partner.objects.get(slug="magazyn-lodz")
    secret = partner.inbound_secret
    assert (
        secret in response.content.decode() and "/partners/inbound/magazyn-lodz/" in response.content.decode()
    )
    assert secret not in partner.inbound_secret_encrypted
    assert secret not in client.get("/partners/partners/").content.decode()

    rotated = client.post(f"/partners/partners/{partner.pk}/rotate/")
    partner.refresh_from_db()
    assert partner.inbound_secret != secret and partner.inbound_secret in rotated.content.decode()

    client.post(
        f"/partners/partners/{partner.pk}/",
        {"name": "Magazyn Łódź", "slug": "magazyn-lodz", "kind": "WAREHOUSE", "carrier_id": ""},
    )
    partner.refresh_from_db()
    assert not partner.is_active  # unchecked box disables it


def test_payment_settings_thresholds_per_currency(supervisor: AbstractUser, account: SellerAccount) -> None:
    client = logged_in(supervisor)
    page = client.get("/payments/settings/").content.decode()
    assert "1000" in page  # the PLN default is shown before anything is saved
    response = client.post(
        f"/payments/settings/{account.pk}/",
        {"currency": "EUR", "approval_threshold": "300.50", "debtor_iban": "DE89 3704 0044 0532 0130 00"},
    )
    assert response.status_code == 302
    row = AccountPaymentSettings.objects.get(account=account, currency="EUR")
    # The bank account is saved now; a threshold above the one in force (250 EUR) waits for four eyes.
    assert row.approval_threshold == Decimal("250.00") and row.debtor_iban == "DE89370400440532013000"
    change = ChangeRequest.objects.get(status=ChangeStatus.PENDING)
    assert change.kind == "payments.approval_threshold" and change.requested_by == supervisor
    with pytest.raises(PermissionDenied):
        change_confirm(change=change, actor=Actor.for_user(supervisor))
    change_confirm(change=change, actor=Actor.for_user(make_user("second-sup", [Role.SUPERVISOR])))
    row.refresh_from_db()
    assert row.approval_threshold == Decimal("300.50")
    assert payment_selectors.approval_threshold(account_id=account.pk, currency="EUR") == Decimal("300.50")
    client.post(f"/payments/settings/{account.pk}/", {"currency": "EUR", "approval_threshold": "100"})
    row.refresh_from_db()
    assert row.approval_threshold == Decimal("100.00")  # stricter: at once
    client.post(f"/payments/settings/{account.pk}/", {"currency": "EUR", "approval_threshold": "-1"})
    row.refresh_from_db()
    assert row.approval_threshold == Decimal("100.00")


def test_demo_prepare_sets_thresholds_idempotently(account: SellerAccount) -> None:
    live.demo_payments_prepare(account)
    live.demo_payments_prepare(account)
    rows = dict(
        AccountPaymentSettings.objects.filter(account=account).values_list("currency", "approval_threshold")
    )
    assert rows == {c: Decimal(v) for c, v in live.DEMO_APPROVAL_THRESHOLDS.items()}


@pytest.mark.django_db(transaction=True)
def test_migration_encrypts_existing_secrets() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([("partners", "0001_initial")])
    old_apps = executor.loader.project_state([("partners", "0001_initial")]).apps
    OldPartner = old_apps.get_model("partners", "Partner")
    OldSubscription = old_apps.get_model("partners", "WebhookSubscription")
    OldPartner.objects.create(name="Old", slug="old", kind="ERP", inbound_secret="in-plain")
    OldSubscription.objects.create(name="old", url="https://old.example/", secret="out-plain", events=[])

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    partner = Partner.objects.get(slug="old")
    subscription = WebhookSubscription.objects.get(name="old")
    assert partner.inbound_secret == "in-plain" and "in-plain" not in partner.inbound_secret_encrypted
    assert subscription.secret == "out-plain" and "out-plain" not in subscription.secret_encrypted
