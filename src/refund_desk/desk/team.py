"""The team page: admins and supervisors (as leads) add people, set their roles and seller accounts,
deactivate them and reset their API tokens. The rules are the service's (`cases.team`)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from refund_desk.cases.access import accounts_visible, visible_account_ids
from refund_desk.cases.actors import Actor
from refund_desk.cases.models import AccountMembership
from refund_desk.cases.team import (
    LEAD_GRANTS,
    member_access,
    team_member_create,
    team_member_token_reset,
    team_member_update,
    team_visible,
)
from refund_desk.core.errors import DomainError, ValidationFailed
from refund_desk.core.permissions import Perm, permission_required
from refund_desk.core.roles import Role, has_role
from refund_desk.desk.forms import TeamMemberForm
from refund_desk.desk.presenters import ROLE_LABELS


def _role_choices(request: HttpRequest) -> list[tuple[str, Any]]:
    grantable = set(Role) if has_role(request.user, Role.ADMIN) else set(LEAD_GRANTS)
    return [(role.value, ROLE_LABELS[role]) for role in Role if role in grantable]


def _form(request: HttpRequest, data: Any = None, initial: dict[str, Any] | None = None) -> TeamMemberForm:
    return TeamMemberForm(
        data, initial=initial, accounts=accounts_visible(request.user), roles=_role_choices(request)
    )


def _errors_to_form(form: TeamMemberForm, exc: DomainError) -> None:
    if isinstance(exc, ValidationFailed):
        for field, message in exc.errors:
            form.add_error(field if field in form.fields else None, message)
    else:
        form.add_error(None, str(exc))


def _once(request: HttpRequest, title: str, who: str, secret: str) -> HttpResponse:
    response = render(request, "desk/team_secret.html", {"title": title, "who": who, "secret": secret})
    response["Cache-Control"] = "no-store"
    return response


@permission_required(Perm.TEAM_MANAGE)
def team(request: HttpRequest) -> HttpResponse:
    people = team_visible(request.user).prefetch_related("groups")
    memberships: dict[int, list[str]] = {}
    mine = visible_account_ids(request.user)
    for row in AccountMembership.objects.filter(user__in=people).select_related("account"):
        if row.account is None:
            name = _("every account")
        elif mine is None or row.account_id in mine:
            name = row.account.name
        else:
            name = _("other accounts")  # a lead sees the names of their own accounts only
        if name not in memberships.setdefault(row.user_id, []):
            memberships[row.user_id].append(name)
    rows = [
        {"user": person, "roles": member_access(person).roles, "accounts": memberships.get(person.pk, [])}
        for person in people
    ]
    return render(request, "desk/team.html", {"rows": rows, "role_labels": ROLE_LABELS})


@permission_required(Perm.TEAM_MANAGE)
def team_new(request: HttpRequest) -> HttpResponse:
    form = _form(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, password = team_member_create(
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                roles=form.cleaned_data["roles"],
                account_ids=form.account_ids(),
                actor=Actor.for_user(request.user),
            )
        except DomainError as exc:
            _errors_to_form(form, exc)
        else:
            return _once(request, _("Person added"), user.get_username(), password)
    return render(request, "desk/team_member.html", {"form": form, "member": None})


@permission_required(Perm.TEAM_MANAGE)
def team_member(request: HttpRequest, user_id: int) -> HttpResponse:
    member = get_object_or_404(team_visible(request.user), pk=user_id)
    access = member_access(member)
    initial = {
        "roles": [role.value for role in access.roles],
        "all_accounts": access.accounts is None,
        "accounts": list(access.accounts or []),
        "active": member.is_active,
    }
    form = _form(request, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            team_member_update(
                user=member,
                roles=form.cleaned_data["roles"],
                account_ids=form.account_ids(),
                active=form.cleaned_data["active"],
                actor=Actor.for_user(request.user),
            )
        except DomainError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("Saved: %(who)s") % {"who": member.get_username()})
            return redirect("desk:team")
    return render(request, "desk/team_member.html", {"form": form, "member": member})


@permission_required(Perm.TEAM_MANAGE)
@require_POST
def team_token_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    member = get_object_or_404(team_visible(request.user), pk=user_id)
    try:
        token = team_member_token_reset(user=member, actor=Actor.for_user(request.user))
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("desk:team")
    return _once(request, _("New API token"), member.get_username(), token)
