"""Which seller accounts a person works for, and keeping every read and write inside them.

A person sees the accounts they are a member of (`AccountMembership`; a membership without an account
covers every account); admins see every account. Every selector of cases filters by `visible_account_ids`,
every service acting for a person checks `require_account`, and a case of another account answers 404.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from django.db.models import Model, QuerySet

from refund_desk.cases.models import AccountMembership, SellerAccount
from refund_desk.core.errors import PermissionDenied, ValidationFailed
from refund_desk.core.roles import Role, has_role

M = TypeVar("M", bound=Model)
_CACHE = "_refund_desk_account_ids"


def visible_account_ids(user: Any) -> frozenset[int] | None:
    """The ids of the accounts `user` works for; None means every account (admins, all-account members)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    if has_role(user, Role.ADMIN):
        return None
    if hasattr(user, _CACHE):
        cached: frozenset[int] | None = getattr(user, _CACHE)
        return cached
    rows = list(AccountMembership.objects.filter(user=user).values_list("account_id", flat=True))
    ids = None if None in rows else frozenset(int(row) for row in rows)
    setattr(user, _CACHE, ids)
    return ids


def may_see_account(user: Any, account_id: int | None) -> bool:
    ids = visible_account_ids(user)
    return ids is None or (account_id is not None and account_id in ids)


def scoped(queryset: QuerySet[M], user: Any, field: str = "account") -> QuerySet[M]:
    """`queryset` restricted to the accounts `user` works for (`field`: the path to the account)."""
    ids = visible_account_ids(user)
    if ids is None:
        return queryset
    return queryset.filter(**{f"{field}_id__in": ids})


def accounts_visible(user: Any) -> QuerySet[SellerAccount]:
    """The seller accounts `user` works for, by name."""
    accounts = SellerAccount.objects.order_by("name")
    ids = visible_account_ids(user)
    return accounts if ids is None else accounts.filter(pk__in=ids)


ACCOUNT_NAME = re.compile(r"[\w][\w .&()+'-]{0,99}")


def account_name_errors(name: str, field: str = "name") -> list[tuple[str, str]]:
    """A seller account's name: 1 to 100 letters, digits, spaces and . - _ & ( ) + ' (no slashes: names
    appear in file names of exports and in URLs)."""
    if not name:
        return [(field, "an account name is required")]
    if len(name) > 100:
        return [(field, "at most 100 characters")]
    if not ACCOUNT_NAME.fullmatch(name):
        return [(field, "use letters, digits, spaces and . - _ & ( ) + ' only")]
    return []


def account_named(*, name: str, viewer: Any = None) -> SellerAccount:
    """The existing seller account called `name` that `viewer` works for (None: any, for the CLI).

    A typo never creates an account: an unknown or foreign name is refused, listing the accounts
    the viewer may use.
    """
    accounts = SellerAccount.objects.order_by("name") if viewer is None else accounts_visible(viewer)
    found = accounts.filter(name=name.strip()).first()
    if found is not None:
        return found
    names = ", ".join(accounts.values_list("name", flat=True)[:50]) or "none"
    raise ValidationFailed(
        [("account", f"no seller account named {name.strip()[:100]!r}; choose one of: {names}")]
    )


def require_account(actor: Any, account_id: int | None) -> None:
    """A person may act only on the accounts they work for (system and model actors act for all)."""
    user = getattr(actor, "user", None)
    if user is None:
        return
    if not may_see_account(user, account_id):
        raise PermissionDenied("you do not work for this seller account")


def forget_cached_accounts(user: Any) -> None:
    """After memberships change within one request."""
    if hasattr(user, _CACHE):
        delattr(user, _CACHE)
