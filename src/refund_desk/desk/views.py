"""Staff desk pages: the case queue and the case page with its transitions and notes (htmx-enhanced)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from refund_desk.cases.access import accounts_visible
from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import CaseStatus
from refund_desk.cases.isolation import data_error_text
from refund_desk.cases.lifecycle import required_permission
from refund_desk.cases.models import RefundCase
from refund_desk.cases.selectors import (
    QueueFilters,
    case_get,
    case_queue,
    case_timeline,
    case_transition_options,
)
from refund_desk.cases.services import (
    case_add_note,
    case_attention_flag,
    case_transition,
    check_transition_allowed,
)
from refund_desk.core.errors import DomainError, IllegalTransition, PermissionDenied, ValidationFailed
from refund_desk.core.panels import Panel, case_panels
from refund_desk.core.permissions import Perm, has_perm, permission_required
from refund_desk.desk.forms import AttentionCloseForm, NoteForm, QueueFilterForm, TransitionForm
from refund_desk.desk.presenters import ACTION_STYLES, action_label
from refund_desk.integrations.allegro.refresh import REREADABLE
from refund_desk.integrations.allegro.selectors import account_connected
from refund_desk.workflows.rejection import is_claim


def _may_act(request: HttpRequest) -> bool:
    """Auditors only read."""
    return has_perm(request.user, Perm.CASE_WORK)


def load_case(request: HttpRequest, case_id: int) -> RefundCase:
    try:
        return case_get(case_id=case_id, viewer=request.user)
    except RefundCase.DoesNotExist as exc:
        raise Http404(_("No such case.")) from exc


# --- queue -----------------------------------------------------------------------------------------


@permission_required(Perm.CASE_READ)
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """Cases sorted by deadline, filtered and searched, one keyset page at a time (no total count)."""
    form = QueueFilterForm(request.GET, accounts=accounts_visible(request.user))
    form.is_valid()  # only for redisplaying the values; QueueFilters parses the query
    cursor = request.GET.get("cursor", "").strip() or None
    errors: list[tuple[str, str]] = []
    try:
        filters = QueueFilters.from_params(request.GET)
        page = case_queue(filters=filters, viewer=request.user, cursor=cursor, limit=settings.QUEUE_PAGE_SIZE)
    except ValidationFailed as exc:
        errors = exc.errors
        page = None
    next_url = None
    first_url = None
    if page is not None and page.next_cursor:
        params = request.GET.copy()
        params["cursor"] = page.next_cursor
        next_url = f"?{params.urlencode()}"
    if cursor:
        params = request.GET.copy()
        params.pop("cursor", None)
        first_url = f"?{params.urlencode()}"
    context = {
        "form": form,
        "page": page,
        "cases": page.cases if page else [],
        "errors": errors,
        "next_url": next_url,
        "first_url": first_url,
        "is_first_page": cursor is None,
        "filtered": any(v for k, v in request.GET.items() if k != "cursor"),
        "now": timezone.now(),
    }
    htmx = getattr(request, "htmx", None)
    partial = bool(htmx) and not getattr(htmx, "history_restore_request", False)
    template = "desk/_queue_results.html" if partial else "desk/queue.html"
    response = render(request, template, {**context, "oob_announce": partial}, status=400 if errors else 200)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- case page -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Action:
    to: CaseStatus
    label: str
    style: str


def _available_actions(case: RefundCase, request: HttpRequest) -> tuple[list[Action], bool]:
    """Transitions this user may make now (the service decides), and whether some need another role."""
    if not _may_act(request):
        return [], False
    options = case_transition_options(case=case, user=request.user)
    actions = [
        Action(to=to, label=action_label(to), style=ACTION_STYLES.get(to, "default"))
        for to in options.allowed
    ]
    return actions, options.needs_other_role


def _live_context(
    request: HttpRequest,
    case: RefundCase,
    *,
    error: str = "",
    notice: str = "",
    note_form: NoteForm | None = None,
    transition_form: TransitionForm | None = None,
) -> dict[str, Any]:
    """What the swappable status / actions / timeline fragment shows."""
    actions, held_back = _available_actions(case, request)
    return {
        "case": case,
        "timeline": list(case_timeline(case=case)),
        "actions": actions,
        "is_claim": is_claim(case),
        "may_act": _may_act(request),
        "needs_supervisor": held_back,
        "error": error,
        "notice": notice,
        "note_form": note_form or NoteForm(),
        "transition_form": transition_form or TransitionForm(),
        "now": timezone.now(),
    }


@permission_required(Perm.CASE_READ)
@require_GET
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = load_case(request, case_id)
    context = _live_context(request, case)
    context.update(
        {
            "order": case.order,
            "line_items": list(case.order.line_items.all()),
            "items": list(case.items.all()),
            "buyer_name": _buyer_name(case),
            "panels": case_panels.render_all(case, request, on_error=_panel_failed(case)),
            "may_reread": case.source in REREADABLE and account_connected(case.account_id),
            "close_form": AttentionCloseForm(),
        }
    )
    return render(request, "desk/case.html", context)


def _panel_failed(case: RefundCase) -> Callable[[Panel, Exception], None]:
    def set_aside(panel: Panel, exc: Exception) -> None:
        error = f"case page, {panel.name} panel: {data_error_text(exc)}"
        if case_attention_flag(case_id=case.pk, error=error, actor=Actor.system("case page")):
            case.attention, case.attention_since = error, timezone.now()

    return set_aside


def _buyer_name(case: RefundCase) -> str:
    buyer = case.order.snapshot.get("buyer") if isinstance(case.order.snapshot, dict) else None
    if not isinstance(buyer, dict):
        return ""
    return " ".join(str(buyer.get(k) or "") for k in ("firstName", "lastName")).strip()


def _status_label(status: str) -> str:
    try:
        return str(CaseStatus(status).label)
    except ValueError:
        return status


def _transition_error(exc: DomainError, case: RefundCase, to: CaseStatus) -> tuple[str, int]:
    """A message for the person (in their language) and the HTTP status for a refused transition."""
    names = {"from": _status_label(case.status), "to": _status_label(to)}
    if isinstance(exc, IllegalTransition):
        message = _(
            "This case cannot move from “%(from)s” to “%(to)s”. It may have changed meanwhile; "
            "the page now shows its current state."
        )
        return message % names, 409
    if isinstance(exc, PermissionDenied):
        if required_permission(CaseStatus(case.status), to) == Perm.CASE_APPEAL_DECIDE:
            message = _("Only a supervisor may move a case from “%(from)s” to “%(to)s”.")
        else:
            message = _("You may not move this case from “%(from)s” to “%(to)s”.")
        return message % names, 403
    return _("The change was not saved: %(detail)s") % {"detail": exc}, 422


def _respond_live(request: HttpRequest, case_id: int, *, status: int = 200, **live: Any) -> HttpResponse:
    """htmx gets the fresh fragment; a plain form post is redirected back to the page (post/redirect/get)."""
    if getattr(request, "htmx", False):
        case = load_case(request, case_id)
        context = _live_context(request, case, **live)
        return render(request, "desk/_case_live.html", {**context, "oob_announce": True}, status=status)
    if live.get("error"):
        messages.error(request, live["error"])
    elif live.get("notice"):
        messages.success(request, live["notice"])
    return HttpResponseRedirect(reverse("desk:case", args=[case_id]), status=303)


@permission_required(Perm.CASE_WORK)
@require_POST
def case_transition_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """Move the case to the posted status through the lifecycle service."""
    case = load_case(request, case_id)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return _respond_live(request, case_id, status=422, error=error, transition_form=form)
    to = CaseStatus(form.cleaned_data["to"])
    # A rejection has its own form (Allegro's code, a reason, a confirmation); so has a complaint's acceptance
    # (the remedy, told to Allegro with the buyer's notice).
    own_form = to == CaseStatus.REJECTED or (
        is_claim(case) and to in (CaseStatus.APPROVED, CaseStatus.REMEDY)
    )
    if own_form:
        try:
            check_transition_allowed(case=case, to=to, actor=Actor.for_user(request.user))
        except DomainError as exc:
            error, status = _transition_error(exc, case, to)
            return _respond_live(request, case_id, status=status, error=error, transition_form=form)
        if to == CaseStatus.REJECTED:
            error = _("A rejection needs Allegro's rejection code and a reason: use the Reject button.")
        else:
            error = _("A complaint is accepted with its remedy: use the Accept the complaint button.")
        return _respond_live(request, case_id, status=422, error=error, transition_form=form)
    try:
        case = case_transition(
            case=case, to=to, actor=Actor.for_user(request.user), reason=form.cleaned_data["reason"]
        )
    except DomainError as exc:
        error, status = _transition_error(exc, case, to)
        return _respond_live(request, case_id, status=status, error=error, transition_form=form)
    notice = _("Status changed to “%(status)s”.") % {"status": _status_label(case.status)}
    return _respond_live(request, case_id, notice=notice)


@permission_required(Perm.CASE_WORK)
@require_POST
def case_note_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """Add a note to the case timeline."""
    case = load_case(request, case_id)
    form = NoteForm(request.POST)
    if not form.is_valid():
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return _respond_live(request, case_id, status=422, error=error, note_form=form)
    try:
        case_add_note(case=case, actor=Actor.for_user(request.user), text=form.cleaned_data["text"])
    except ValidationFailed:
        return _respond_live(request, case_id, status=422, error=_("A note cannot be empty."), note_form=form)
    return _respond_live(request, case_id, notice=_("Note added."))
