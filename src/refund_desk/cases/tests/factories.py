"""factory_boy factories and case-file builders for refund-case tests."""

from __future__ import annotations

import copy
import random
from datetime import UTC, datetime
from typing import Any, cast

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group

from refund_desk.ai.synthetic.casefiles import build_customer_return, build_order, make_buyer
from refund_desk.cases.models import AccountMembership, RefundCase, SellerAccount
from refund_desk.core.roles import Role
from refund_desk.integrations.allegro.intake import IntakeResult


class SellerAccountFactory(factory.django.DjangoModelFactory[SellerAccount]):
    class Meta:
        model = SellerAccount
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"seller-{n}")


class UserFactory(factory.django.DjangoModelFactory[AbstractUser]):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def roles(self, create: bool, extracted: list[Role] | None, **kwargs: Any) -> None:
        """The roles, and (like an in-house team) every seller account; scoping tests narrow it."""
        if not create:
            return
        user = cast(AbstractUser, self)
        AccountMembership.objects.get_or_create(user=user, account=None)
        for role in extracted or []:
            group, _ = Group.objects.get_or_create(name=role.value)
            user.groups.add(group)


def case_file(
    *,
    seed: int = 1,
    marketplace: str = "allegro-pl",
    status: str = "CREATED",
    created_at: datetime | None = None,
    company: bool = False,
) -> dict[str, Any]:
    """One valid case file {"order", "customerReturn"} built by the demo generator."""
    rng = random.Random(seed)
    created = created_at or datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    order = build_order(
        rng, marketplace=marketplace, bought_at=created.replace(day=1), buyer=make_buyer(rng), company=company
    )
    ret = build_customer_return(rng, order=order, created_at=created, status=status)
    return {"order": order, "customerReturn": ret}


def with_changes(data: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A deep copy of a case file with top-level customerReturn fields replaced."""
    copied = copy.deepcopy(data)
    copied["customerReturn"].update(changes)
    return copied


def make_account(name: str | None = None) -> SellerAccount:
    """A seller account (typed wrapper of SellerAccountFactory)."""
    account = SellerAccountFactory(name=name) if name else SellerAccountFactory()
    return cast(SellerAccount, account)


def make_user(username: str, roles: list[Role] | None = None) -> AbstractUser:
    """A staff user holding `roles` (typed wrapper of UserFactory)."""
    return cast(AbstractUser, UserFactory(username=username, roles=roles or []))


def imported_case(result: IntakeResult) -> RefundCase:
    """The case an intake result points at."""
    assert result.case_id is not None, result.errors
    return RefundCase.objects.get(pk=result.case_id)
