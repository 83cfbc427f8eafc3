"""Accepting a complaint with its remedy, and the steps of a repair or replacement: the form, then a
confirmation with the notice the buyer gets (editable), then the decision goes to Allegro."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from refund_desk.cases.actors import Actor
from refund_desk.cases.models import RefundCase
from refund_desk.core.errors import DomainError, ValidationFailed
from refund_desk.core.permissions import Perm, permission_required
from refund_desk.desk.views import load_case
from refund_desk.outbound.choices import ClaimAcceptanceStatus
from refund_desk.workflows.complaints import acceptance_check, claim_accept, remedy_received, remedy_send_back
from refund_desk.workflows.rejection import deemed_accepted_since


def _amount(raw: str) -> Decimal | None:
    text = (raw or "").strip().replace(",", ".").replace(" ", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return Decimal("NaN")
    return value if value.is_finite() and abs(value) < Decimal("1e12") else Decimal("NaN")


@permission_required(Perm.CASE_DECIDE)
@require_http_methods(["GET", "POST"])
def case_accept_view(request: HttpRequest, case_id: int) -> HttpResponse:
    case = load_case(request, case_id)
    back = reverse("desk:case", args=[case.pk])
    actor = Actor.for_user(request.user)
    values = {
        "status": request.POST.get("status", ClaimAcceptanceStatus.ACCEPTED_REFUND),
        "amount": request.POST.get("amount", "")[:20],
        "reason": request.POST.get("reason", "")[:1000],
        "item_required": request.POST.get("item_required", "1" if request.method == "GET" else "") == "1",
    }
    if request.method == "GET":
        return _page(request, case, values, confirming=False)
    try:
        acceptance = acceptance_check(
            case=case,
            actor=actor,
            status=str(values["status"]),
            amount=_amount(str(values["amount"])),
            reason=str(values["reason"]),
            item_required=bool(values["item_required"]),
        )
    except ValidationFailed as exc:
        return _page(request, case, values, confirming=False, errors=dict(exc.errors), status=422)
    except DomainError as exc:
        messages.error(request, _("This complaint cannot be accepted now: %(error)s") % {"error": exc})
        return HttpResponseRedirect(back, status=303)
    if "confirm" not in request.POST or "edit" in request.POST:
        return _page(request, case, values, confirming="edit" not in request.POST, draft=acceptance.draft)
    try:
        claim_accept(
            case=case,
            actor=actor,
            status=acceptance.status,
            amount=_amount(str(values["amount"])),
            reason=str(values["reason"]),
            item_required=bool(values["item_required"]),
            notice=request.POST.get("notice"),
        )
    except ValidationFailed as exc:
        return _page(
            request,
            case,
            values,
            confirming=True,
            draft=acceptance.draft,
            errors=dict(exc.errors),
            status=422,
        )
    except DomainError as exc:
        messages.error(request, _("The complaint was not accepted: %(error)s") % {"error": exc})
        return HttpResponseRedirect(back, status=303)
    messages.success(request, _("The complaint is accepted; the decision is on its way to Allegro."))
    return HttpResponseRedirect(back, status=303)


def _page(
    request: HttpRequest,
    case: RefundCase,
    values: dict[str, object],
    *,
    confirming: bool,
    draft: object = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "case": case,
        "values": values,
        "choices": ClaimAcceptanceStatus.choices,
        "confirming": confirming,
        "draft": draft,
        "notice_text": request.POST.get("notice") or (getattr(draft, "text", "") if draft else ""),
        "errors": errors or {},
        "deemed": deemed_accepted_since(case),
    }
    return render(request, "desk/accept.html", context, status=status)


@permission_required(Perm.CASE_WORK)
@require_POST
def remedy_received_view(request: HttpRequest, case_id: int) -> HttpResponse:
    case = load_case(request, case_id)
    try:
        remedy_received(case=case, actor=Actor.for_user(request.user))
        messages.success(request, _("Recorded: the item has arrived."))
    except DomainError as exc:
        messages.error(request, str(exc))
    return HttpResponseRedirect(reverse("desk:case", args=[case.pk]), status=303)


@permission_required(Perm.CASE_WORK)
@require_POST
def remedy_sent_view(request: HttpRequest, case_id: int) -> HttpResponse:
    case = load_case(request, case_id)
    try:
        remedy_send_back(
            case=case,
            actor=Actor.for_user(request.user),
            waybill=request.POST.get("waybill", ""),
            carrier=request.POST.get("carrier", ""),
        )
        messages.success(request, _("Sent back; the buyer is told the waybill and the case is closed."))
    except ValidationFailed as exc:
        messages.error(request, "; ".join(message for _field, message in exc.errors))
    except DomainError as exc:
        messages.error(request, str(exc))
    return HttpResponseRedirect(reverse("desk:case", args=[case.pk]), status=303)
