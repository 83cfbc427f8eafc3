"""factory_boy factories for desk tests: staff users with roles, and complete refund cases."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import factory
from django.contrib.auth.models import Group, User
from django.utils import timezone

from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import CaseKind, CaseSource, CaseStatus, EventType, Marketplace
from refund_desk.cases.models import (
    AccountMembership,
    Buyer,
    CaseItem,
    Order,
    OrderLineItem,
    RefundCase,
    SellerAccount,
)
from refund_desk.cases.services import case_due_at, event_append
from refund_desk.core.money import MARKETPLACE_CURRENCY

PASSWORD = "correct-horse-battery"
DEFAULT_COMMENT = "Za mały rozmiar, proszę o zwrot"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    roles = factory.PostGeneration(lambda user, create, extracted, **kwargs: _add_roles(user, extracted))


class SellerAccountFactory(factory.django.DjangoModelFactory[SellerAccount]):
    class Meta:
        model = SellerAccount
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"shop-{n}")


class BuyerFactory(factory.django.DjangoModelFactory[Buyer]):
    class Meta:
        model = Buyer

    allegro_id = factory.Sequence(lambda n: f"{40_000_000 + n}")
    login = factory.Sequence(lambda n: f"buyer_{n}")
    email_masked = factory.LazyAttribute(lambda b: f"{b.login}+1234@allegromail.pl")


class OrderFactory(factory.django.DjangoModelFactory[Order]):
    class Meta:
        model = Order

    account = factory.SubFactory(SellerAccountFactory)
    external_id = factory.Faker("uuid4")
    buyer = factory.SubFactory(BuyerFactory)
    marketplace = Marketplace.PL
    currency = factory.LazyAttribute(lambda o: MARKETPLACE_CURRENCY[o.marketplace])
    status = "READY_FOR_PROCESSING"
    payment_id = factory.Faker("uuid4")
    payment_type = "ONLINE"
    payment_provider = "P24"
    paid_amount = Decimal("262.98")
    delivery_method = "Allegro Paczkomaty InPost"
    delivery_cost = Decimal("12.99")
    total_to_pay = Decimal("262.98")
    bought_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=10))
    snapshot = factory.LazyAttribute(lambda o: {"buyer": {"firstName": "Anna", "lastName": "Nowak"}})


class OrderLineItemFactory(factory.django.DjangoModelFactory[OrderLineItem]):
    class Meta:
        model = OrderLineItem

    order = factory.SubFactory(OrderFactory)
    external_id = factory.Faker("uuid4")
    offer_id = factory.Sequence(lambda n: f"{10_000_000_000 + n}")
    offer_name = "Słuchawki bezprzewodowe ANC Pro"
    quantity = 1
    unit_price = Decimal("249.99")


class RefundCaseFactory(factory.django.DjangoModelFactory[RefundCase]):
    """A case with its order, one returned item and its CREATED event.

    `with_item__comment="..."` sets the buyer's comment; `with_item=False` leaves the case bare.
    """

    class Meta:
        model = RefundCase
        skip_postgeneration_save = True

    class Params:
        days_left = 7

    account = factory.SubFactory(SellerAccountFactory)
    order = factory.SubFactory(
        OrderFactory,
        account=factory.SelfAttribute("..account"),
        marketplace=factory.SelfAttribute("..marketplace"),
    )
    buyer = factory.SelfAttribute("order.buyer")
    kind = CaseKind.WITHDRAWAL
    source = CaseSource.CUSTOMER_RETURN
    external_id = factory.Faker("uuid4")
    reference = factory.Sequence(lambda n: f"R{10000 + n}X")
    status = CaseStatus.NEW
    marketplace = Marketplace.PL
    currency = factory.LazyAttribute(lambda c: MARKETPLACE_CURRENCY[c.marketplace])
    buyer_login = factory.LazyAttribute(lambda c: c.buyer.login.lower())
    order_external_id = factory.SelfAttribute("order.external_id")
    primary_reason = "TOO_SMALL"
    requested_amount = Decimal("249.99")
    opened_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=2))
    respond_by = factory.LazyAttribute(lambda c: timezone.now() + timedelta(days=c.days_left, hours=1))
    refund_by = factory.SelfAttribute("respond_by")
    due_at = factory.LazyAttribute(
        lambda c: case_due_at(status=c.status, respond_by=c.respond_by, refund_by=c.refund_by)
    )

    with_item = factory.PostGeneration(
        lambda case, create, extracted, **kwargs: _add_item_and_event(case, create, extracted, **kwargs)
    )


def _add_roles(user: User, roles: list[str] | None) -> None:
    """The roles, and (like an in-house team) every seller account; scoping tests narrow it."""
    user.save()
    for name in roles or []:
        user.groups.add(Group.objects.get(name=name))
    AccountMembership.objects.get_or_create(user=user, account=None)


def _add_item_and_event(case: RefundCase, create: bool, extracted: bool | None, **kwargs: Any) -> None:
    if not create or extracted is False:
        return
    line = OrderLineItemFactory.create(order=case.order, unit_price=case.requested_amount)
    CaseItem.objects.create(
        case=case,
        line_item=line,
        quantity=1,
        reason_type=case.primary_reason,
        comment=kwargs.get("comment", DEFAULT_COMMENT),
    )
    event_append(
        case=case,
        type=EventType.CREATED,
        actor=Actor.system("intake"),
        to_status=case.status,
        payload={"source": case.source, "externalId": case.external_id},
    )
