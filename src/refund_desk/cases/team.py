"""The team: people who work in the desk, their roles and the seller accounts they work for.

Admins manage everyone; a supervisor leads a team: they add and change agents and auditors, within the
accounts they work for themselves, and cannot hand out the supervisor or admin role. Every change is in
the audit log, in the same transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from knox.models import AuthToken

from refund_desk.cases.access import forget_cached_accounts, visible_account_ids
from refund_desk.cases.actors import Actor
from refund_desk.cases.models import AccountMembership, SellerAccount
from refund_desk.core.audit import audit_record
from refund_desk.core.errors import PermissionDenied, ValidationFailed
from refund_desk.core.permissions import Perm, require
from refund_desk.core.roles import Role, has_role, user_roles

LEAD_GRANTS = frozenset({Role.AGENT, Role.AUDITOR})
USERNAME_MAX = 150


@dataclass(frozen=True, slots=True)
class Access:
    """What a person may do and where: roles, and accounts (None: every account)."""

    roles: frozenset[Role]
    accounts: frozenset[int] | None


def member_access(user: Any) -> Access:
    rows = list(AccountMembership.objects.filter(user=user).values_list("account_id", flat=True))
    return Access(
        roles=frozenset(Role(g) for g in user.groups.values_list("name", flat=True) if g in Role.values),
        accounts=None if None in rows else frozenset(rows),
    )


def team_visible(viewer: Any) -> Any:
    """The people `viewer` manages or sees on the team page: everyone for an admin or an all-account
    lead; else the people who work for at least one of the viewer's accounts (all-account members too)."""
    people = get_user_model().objects.order_by("username")
    mine = visible_account_ids(viewer)
    if mine is None:
        return people
    members = AccountMembership.objects.filter(Q(account__isnull=True) | Q(account_id__in=mine))
    return people.filter(pk__in=members.values("user_id"))


def _state(user: Any) -> dict[str, Any]:
    access = member_access(user)
    return {
        "username": user.get_username(),
        "active": user.is_active,
        "roles": sorted(role.value for role in access.roles),
        "accounts": "all" if access.accounts is None else sorted(access.accounts),
    }


def _check_grant(actor: Actor, roles: frozenset[Role], accounts: frozenset[int] | None, target: Any) -> None:
    require(actor, Perm.TEAM_MANAGE)
    if has_role(actor.user, Role.ADMIN):
        return
    if target is not None and user_roles(target) - LEAD_GRANTS:
        raise PermissionDenied("a supervisor manages agents and auditors only; ask an admin")
    if roles - LEAD_GRANTS:
        raise PermissionDenied("only an admin may give the supervisor or admin role")
    mine = visible_account_ids(actor.user)
    already = (member_access(target).accounts or frozenset()) if target is not None else frozenset()
    if mine is not None and (accounts is None or not (accounts - already) <= mine):
        raise PermissionDenied("you may give access only to seller accounts you work for yourself")


def _validate(
    roles: Iterable[str], account_ids: Iterable[int] | None
) -> tuple[frozenset[Role], frozenset[int] | None]:
    errors: list[tuple[str, str]] = []
    chosen: set[Role] = set()
    for value in roles:
        if value not in Role.values:
            errors.append(("roles", f"unknown role {value!r}"))
        else:
            chosen.add(Role(value))
    accounts: frozenset[int] | None = None
    if account_ids is not None:
        accounts = frozenset(int(pk) for pk in account_ids)
        known = set(SellerAccount.objects.filter(pk__in=accounts).values_list("pk", flat=True))
        if accounts - known:
            errors.append(("accounts", "unknown seller account"))
    if errors:
        raise ValidationFailed(errors)
    return frozenset(chosen), accounts


def _apply(user: Any, roles: frozenset[Role], accounts: frozenset[int] | None) -> None:
    user.groups.set([Group.objects.get_or_create(name=role.value)[0] for role in sorted(roles)])
    AccountMembership.objects.filter(user=user).delete()
    if accounts is None:
        AccountMembership.objects.create(user=user, account=None)
    else:
        AccountMembership.objects.bulk_create(
            AccountMembership(user=user, account_id=pk) for pk in sorted(accounts)
        )
    forget_cached_accounts(user)
    if hasattr(user, "_refund_desk_roles"):
        delattr(user, "_refund_desk_roles")


@transaction.atomic
def team_member_create(
    *,
    username: str,
    email: str,
    roles: Iterable[str],
    account_ids: Iterable[int] | None,
    actor: Actor,
    password: str = "",
) -> tuple[AbstractUser, str]:
    """Add a person. Returns them and their first password (generated when none is given, shown once)."""
    chosen, accounts = _validate(roles, account_ids)
    _check_grant(actor, chosen, accounts, None)
    username = username.strip()
    errors: list[tuple[str, str]] = []
    if not username or len(username) > USERNAME_MAX or not all(c.isalnum() or c in "@.+-_" for c in username):
        errors.append(("username", "1 to 150 letters, digits and @ . + - _"))
    elif get_user_model().objects.filter(username__iexact=username).exists():
        errors.append(("username", "somebody already has this login"))
    if len(email) > 254:
        errors.append(("email", "at most 254 characters"))
    if password and len(password) < 12:
        errors.append(("password", "at least 12 characters"))
    if errors:
        raise ValidationFailed(errors)
    first_password = password or secrets.token_urlsafe(12)
    user = get_user_model().objects.create_user(
        username=username, email=email.strip(), password=first_password
    )
    _apply(user, chosen, accounts)
    audit_record(
        actor=actor,
        action="team.member_created",
        object_type="User",
        object_id=user.pk,
        summary=f"{username} joined the team",
        after=_state(user),
    )
    return user, first_password


def _keep_accounts_beyond_lead(actor: Actor, user: Any, accounts: frozenset[int] | None) -> Any:
    """A lead changes memberships of their own accounts only: the person keeps the others."""
    mine = visible_account_ids(actor.user)
    if mine is None or has_role(actor.user, Role.ADMIN):
        return accounts
    current = member_access(user).accounts
    if current is None:
        raise PermissionDenied("this person works for every seller account; ask an admin to change them")
    if accounts is None:
        return None  # refused by the grant check: a lead cannot give every account
    return accounts | (current - mine)


@transaction.atomic
def team_member_update(
    *, user: Any, roles: Iterable[str], account_ids: Iterable[int] | None, active: bool, actor: Actor
) -> AbstractUser:
    """Change a person's roles, accounts, or deactivate them (a deactivated person cannot sign in and
    their API token stops working)."""
    chosen, accounts = _validate(roles, account_ids)
    accounts = _keep_accounts_beyond_lead(actor, user, accounts)
    _check_grant(actor, chosen, accounts, user)
    if user.pk == actor.user.pk and (not active or Role.ADMIN in user_roles(user) - chosen):
        raise PermissionDenied("you cannot deactivate yourself or take away your own admin role")
    before = _state(user)
    _apply(user, chosen, accounts)
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])
        if not active:
            AuthToken.objects.filter(user=user).delete()
    after = _state(user)
    if after != before:
        audit_record(
            actor=actor,
            action="team.member_changed",
            object_type="User",
            object_id=user.pk,
            summary=f"{user.get_username()}: roles, accounts or access changed",
            before=before,
            after=after,
        )
    return user


def api_token_issue(*, user: Any) -> tuple[str, Any]:
    """A new API token for `user`: returned once in plain text, stored as a digest, with its expiry. Expired
    tokens are dropped, and beyond TOKEN_LIMIT_PER_USER live ones the oldest go."""
    AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
    limit = int(cast(int, settings.REST_KNOX.get("TOKEN_LIMIT_PER_USER") or 0))
    if limit:
        live = list(AuthToken.objects.filter(user=user).order_by("-created").values_list("pk", flat=True))
        AuthToken.objects.filter(pk__in=live[limit - 1 :]).delete()
    instance, token = AuthToken.objects.create(user=user)
    return token, instance.expiry


@transaction.atomic
def team_member_token_reset(*, user: Any, actor: Actor) -> str:
    """Revoke every API token of the person and issue a new one (shown once)."""
    _check_grant(actor, member_access(user).roles, member_access(user).accounts, user)
    AuthToken.objects.filter(user=user).delete()
    token, _expiry = api_token_issue(user=user)
    audit_record(
        actor=actor,
        action="team.token_reset",
        object_type="User",
        object_id=user.pk,
        summary=f"{user.get_username()}: API token reset",
    )
    return token
