"""Changes waiting for a second person: a higher approval threshold or automatic-approval limit, more
automation. Supervisors confirm or decline what someone else asked for; auditors read."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from refund_desk.cases.access import visible_account_ids
from refund_desk.cases.actors import Actor
from refund_desk.core.changes import change_confirm, change_decline, changes_pending
from refund_desk.core.errors import DomainError
from refund_desk.core.models import ChangeRequest
from refund_desk.core.permissions import Perm, permission_required


def _visible(request: HttpRequest, change_id: int) -> ChangeRequest:
    ids = visible_account_ids(request.user)
    queryset = ChangeRequest.objects.all()
    if ids is not None:
        queryset = queryset.filter(account_id__in=ids)
    return get_object_or_404(queryset, pk=change_id)


@permission_required(Perm.AUDIT_READ, write=Perm.CHANGES_CONFIRM)
def changes(request: HttpRequest) -> HttpResponse:
    pending = list(changes_pending(account_ids=visible_account_ids(request.user)))
    return render(request, "desk/changes.html", {"changes": pending})


@permission_required(Perm.CHANGES_CONFIRM)
@require_POST
def change_confirm_view(request: HttpRequest, change_id: int) -> HttpResponse:
    change = _visible(request, change_id)
    try:
        change_confirm(change=change, actor=Actor.for_user(request.user))
        messages.success(request, _("Confirmed and applied: %(change)s") % {"change": change.summary})
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("desk:changes")


@permission_required(Perm.CHANGES_CONFIRM)
@require_POST
def change_decline_view(request: HttpRequest, change_id: int) -> HttpResponse:
    change = _visible(request, change_id)
    try:
        change_decline(change=change, actor=Actor.for_user(request.user), note=request.POST.get("note", ""))
        messages.success(request, _("Declined: %(change)s") % {"change": change.summary})
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("desk:changes")
