"""One permission model: named permissions, the roles that hold them, and how views and services ask.

Every view and API operation declares the permission it needs (`@permission_required(Perm.X)` on a view,
`required_permissions` on an API view; public routes say `@public`), and every service that changes state
checks it again (`require(actor, Perm.X)`), because a service is the last line. Reads are permissions too:
an auditor reads everything and changes nothing, a signed-in user without a role reads nothing. A test
walks the URL configuration and fails on any route that declares neither.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import HttpRequest, HttpResponseBase

from refund_desk.core.errors import PermissionDenied
from refund_desk.core.roles import Role, user_roles


class Perm(StrEnum):
    # Reads
    CASE_READ = "case.read"
    PAYMENTS_READ = "payments.read"
    TRANSFERS_READ = "transfers.read"
    POLICY_READ = "policy.read"
    AUTOMATION_READ = "automation.read"
    PARTNERS_READ = "partners.read"
    ACCOUNTS_READ = "accounts.read"
    AUDIT_READ = "audit.read"
    # Work on cases
    CASE_WORK = "case.work"
    CASE_DECIDE = "case.decide"
    CASE_APPEAL_DECIDE = "case.appeal_decide"
    COMMENT_CORRECT = "comment.correct"
    INSPECTION_RECORD = "inspection.record"
    TRACKING_REFRESH = "tracking.refresh"
    PARCEL_ISSUE_RECORD = "parcel_issue.record"
    # Money
    REFUND_REQUEST = "refund.request"
    REFUND_APPROVE = "refund.approve"
    TRANSFERS_EXPORT = "transfers.export"
    TRANSFERS_CONFIRM = "transfers.confirm"
    ALERTS_RESOLVE = "alerts.resolve"
    # Settings
    PAYMENT_SETTINGS_CHANGE = "payment_settings.change"
    POLICY_PUBLISH = "policy.publish"
    NOTICES_EDIT = "notices.edit"
    AUTOMATION_CHANGE = "automation.change"
    CHANGES_CONFIRM = "changes.confirm"
    PARTNERS_MANAGE = "partners.manage"
    ACCOUNTS_MANAGE = "accounts.manage"
    TEAM_MANAGE = "team.manage"


READS = frozenset(
    {
        Perm.CASE_READ,
        Perm.PAYMENTS_READ,
        Perm.TRANSFERS_READ,
        Perm.POLICY_READ,
        Perm.AUTOMATION_READ,
        Perm.PARTNERS_READ,
        Perm.ACCOUNTS_READ,
        Perm.AUDIT_READ,
    }
)
_AGENT = frozenset(
    {
        Perm.CASE_READ,
        Perm.PAYMENTS_READ,
        Perm.CASE_WORK,
        Perm.CASE_DECIDE,
        Perm.COMMENT_CORRECT,
        Perm.INSPECTION_RECORD,
        Perm.TRACKING_REFRESH,
        Perm.PARCEL_ISSUE_RECORD,
        Perm.REFUND_REQUEST,
        Perm.ALERTS_RESOLVE,
    }
)
_SUPERVISOR = (
    _AGENT
    | READS
    | {
        Perm.CASE_APPEAL_DECIDE,
        Perm.REFUND_APPROVE,
        Perm.TRANSFERS_EXPORT,
        Perm.TRANSFERS_CONFIRM,
        Perm.PAYMENT_SETTINGS_CHANGE,
        Perm.POLICY_PUBLISH,
        Perm.NOTICES_EDIT,
        Perm.AUTOMATION_CHANGE,
        Perm.CHANGES_CONFIRM,
        Perm.PARTNERS_MANAGE,
        Perm.ACCOUNTS_MANAGE,
        Perm.TEAM_MANAGE,  # as a lead: agents and auditors, within the supervisor's own accounts
    }
)
# The one table: what each role may do. An auditor reads everything and changes nothing.
ROLE_PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.AGENT: _AGENT,
    Role.SUPERVISOR: frozenset(_SUPERVISOR),
    Role.AUDITOR: READS,
    Role.ADMIN: frozenset(Perm),
}


def user_permissions(user: Any) -> frozenset[Perm]:
    """Every permission the user holds through their roles (none when signed out or inactive)."""
    if user is None or not getattr(user, "is_active", False):
        return frozenset()
    held: set[Perm] = set()
    for role in user_roles(user):
        held |= ROLE_PERMISSIONS[role]
    return frozenset(held)


def has_perm(user: Any, perm: Perm) -> bool:
    return perm in user_permissions(user)


def require(actor: Any, perm: Perm) -> None:
    """Raise PermissionDenied unless the actor may do this. System and model actors act for the desk
    itself (sync, outbox, automatic review) and are held by the rules of the service instead."""
    user = getattr(actor, "user", None)
    if user is None and getattr(actor, "type", "USER") != "USER":
        return
    if not has_perm(user, perm):
        raise PermissionDenied(f"this needs the permission {perm.value!r}, which your role does not have")


View = TypeVar("View", bound=Callable[..., HttpResponseBase])
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def permission_for(required: dict[str, Perm], method: str) -> Perm:
    """The permission a request needs: `read` for safe methods, `write` for the others."""
    return required["read"] if method.upper() in SAFE_METHODS else required["write"]


def permission_required(perm: Perm, *, write: Perm | None = None) -> Callable[[View], View]:
    """A view needs `perm` (for POST and other writes: `write`, when given). Signed out → the login
    page; without the permission → the styled 403 page, in the user's language, with a way back."""
    required = {"read": perm, "write": write or perm}

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_perm(request.user, permission_for(required, request.method or "GET")):
                raise HttpForbidden(permission_for(required, request.method or "GET").value)
            return view(request, *args, **kwargs)

        wrapper.required_permissions = required  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def public(view: View) -> View:
    """A route anyone may open (login, language switch, signed partner webhooks, public pages)."""
    view.public = True  # type: ignore[attr-defined]
    return view
