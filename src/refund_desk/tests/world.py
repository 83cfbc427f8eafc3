"""A small installation with one of everything a route can point at, for tests that walk every route.

Two seller accounts: `shop-a` holds every object (cases in several states, a refund awaiting approval,
a bank-transfer batch, an alert, a parcel, a pending four-eyes change, a partner, a webhook delivery);
`shop-b` holds one case, so that a person who works only for `shop-b` ("outsider") can be tried on
everything of `shop-a`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.contrib.auth.models import Group, User

from refund_desk.cases.actors import Actor
from refund_desk.cases.models import AccountMembership, RefundCase, SellerAccount
from refund_desk.cases.services import case_transition
from refund_desk.cases.tests.factories import make_user
from refund_desk.core.models import ChangeRequest
from refund_desk.core.roles import Role
from refund_desk.integrations.allegro.intake import account_get_or_create
from refund_desk.logistics import services as logistics
from refund_desk.partners.services.admin import partner_create, webhook_subscription_create
from refund_desk.partners.services.webhooks import webhook_event_emit
from refund_desk.payments import services as payments
from refund_desk.payments.choices import AlertKind
from refund_desk.payments.models import RefundOrder
from refund_desk.payments.tests.conftest import IMMEDIATE, SYSTEM, ingest
from refund_desk.payments.tests.fakes import FakeGateway
from refund_desk.policy import services as policy_services
from refund_desk.policy.tests.builders import case as case_file
from refund_desk.policy.tests.builders import customer_return, order

PARCELS = [{"createdAt": "2025-03-10T13:00:00Z", "waybill": "WB-77", "carrierId": "INPOST"}]
BANK = {"owner": "Jan Kowalski", "accountNumber": "61109010140000071219812874"}
MARKETPLACE = "allegro-pl"

# The people a route is tried as: (name, roles, account names they work for; None = every account).
PEOPLE: dict[str, tuple[list[Role], list[str] | None]] = {
    "no-role": ([], None),
    "agent": ([Role.AGENT], ["shop-a"]),
    "supervisor": ([Role.SUPERVISOR], ["shop-a"]),
    "auditor": ([Role.AUDITOR], None),
    "admin": ([Role.ADMIN], None),
    "outsider": ([Role.SUPERVISOR], ["shop-b"]),
}


@dataclass
class World:
    account: SellerAccount
    other_account: SellerAccount
    gateway: FakeGateway
    people: dict[str, User] = field(default_factory=dict)
    kwargs: dict[str, Any] = field(default_factory=dict)
    cases: dict[str, RefundCase] = field(default_factory=dict)


def _person(name: str, roles: list[Role], accounts: list[SellerAccount] | None) -> User:
    user = cast(User, make_user(f"matrix-{name}", roles))
    if accounts is not None:
        AccountMembership.objects.filter(user=user).delete()
        for account in accounts:
            AccountMembership.objects.create(user=user, account=account)
    return user


def unique_case_file(data: dict[str, Any], n: int) -> dict[str, Any]:
    """A case file with its own order and return numbers (the builders reuse one of each)."""
    data["order"]["id"] = data["customerReturn"]["orderId"] = f"matrix-order-{n}"
    data["customerReturn"]["id"] = f"matrix-return-{n}"
    data["customerReturn"]["referenceNumber"] = f"ZWR-M{n}"
    return data


def world_build(gateway: FakeGateway) -> World:
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    shop_a = account_get_or_create(name="shop-a")
    shop_b = account_get_or_create(name="shop-b")
    for account in (shop_a, shop_b):
        policy_services.policy_publish(
            account=account, marketplace=MARKETPLACE, yaml_text=IMMEDIATE, actor=SYSTEM
        )
    world = World(account=shop_a, other_account=shop_b, gateway=gateway)
    by_name = {"shop-a": shop_a, "shop-b": shop_b}
    for name, (roles, accounts) in PEOPLE.items():
        chosen = None if accounts is None else [by_name[a] for a in accounts]
        world.people[name] = _person(name, roles, chosen)
    requester = _person("requester", [Role.AGENT], [shop_a])
    lead = _person("second-lead", [Role.SUPERVISOR], [shop_a])

    # A case on its way back, with a parcel: tracking, parcel issues, inspection.
    returning = ingest(shop_a, unique_case_file(case_file(return_data=customer_return(parcels=PARCELS)), 1))
    gateway.register_order(returning.order)
    returning = case_transition(case=returning, to="AWAITING_RETURN", actor=SYSTEM)
    [parcel] = logistics.parcels_sync_from_case(case=returning)

    # A case whose refund waits for a supervisor's approval (above a 10 PLN threshold).
    payments.payment_settings_set(
        account=shop_a, currency="PLN", approval_threshold=Decimal("10.00"), actor=Actor.for_user(lead)
    )
    awaiting = ingest(shop_a, unique_case_file(case_file(), 2))
    gateway.register_order(awaiting.order)
    awaiting = case_transition(case=awaiting, to="APPROVED", actor=SYSTEM)
    refund = payments.refund_order_create(case=awaiting, actor=Actor.for_user(requester))
    assert refund.status == "AWAITING_APPROVAL", refund.status

    # A cash-on-delivery case paid by bank transfer, exported in a batch someone else confirms.
    ret = customer_return()
    ret["refund"] = {"bankAccount": BANK}
    cod = ingest(
        shop_a,
        unique_case_file(case_file(order_data=order(payment_type="CASH_ON_DELIVERY"), return_data=ret), 3),
    )
    cod = case_transition(case=cod, to="APPROVED", actor=SYSTEM)
    payments.refund_order_create(case=cod, actor=Actor.for_user(requester))
    RefundOrder.objects.filter(case=cod).update(status="MANUAL")
    batch = payments.transfer_batch_export(account=shop_a, currency="PLN", actor=Actor.for_user(lead))
    assert batch is not None

    # A new case nobody has touched: transitions, notes, refunds, comments.
    fresh_file = unique_case_file(case_file(), 4)
    fresh_file["customerReturn"]["items"][0]["reason"]["userComment"] = "Kubek przyszedł pęknięty"
    fresh = ingest(shop_a, fresh_file)
    gateway.register_order(fresh.order)
    other_case = ingest(shop_b, unique_case_file(case_file(), 5))

    alert = payments.alert_raise(
        kind=AlertKind.PARCEL_STALE, message="no scans for 9 days", dedup_key="matrix-alert", case=returning
    )
    # A threshold raise the second lead asked for, waiting for a second person.
    payments.payment_settings_set(
        account=shop_a, currency="PLN", approval_threshold=Decimal("5000.00"), actor=Actor.for_user(lead)
    )
    change = ChangeRequest.objects.get(status="PENDING")
    partner, _secret = partner_create(
        name="Warehouse", slug="warehouse", kind="WAREHOUSE", actor=Actor.for_user(lead)
    )
    subscription = webhook_subscription_create(
        name="erp", url="https://erp.example/hook", events=[], account=shop_a, actor=Actor.for_user(lead)
    )
    [delivery] = webhook_event_emit(event="case.updated", account=shop_a, payload={"id": fresh.pk})
    world.cases = {
        "returning": returning,
        "awaiting": awaiting,
        "cod": cod,
        "fresh": fresh,
        "other": other_case,
    }
    world.kwargs = {
        "case_id": fresh.pk,
        "refund_id": refund.pk,
        "alert_id": alert.pk,
        "batch_id": batch.pk,
        "account_id": shop_a.pk,
        "marketplace": MARKETPLACE,
        "number": 1,
        "parcel_id": parcel.pk,
        "delivery_id": delivery.pk,
        "subscription_id": subscription.pk,
        "partner_id": partner.pk,
        "user_id": requester.pk,
        "change_id": change.pk,
        "slug": partner.slug,
        "kind": "REJECTED",
        "lang": "pl",
    }
    return world
