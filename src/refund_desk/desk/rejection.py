"""Rejecting a case: Allegro's rejection code and a reason, then a confirmation that shows what Allegro
and the buyer will get. Only then is the case rejected and the rejection queued for Allegro."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import CaseSource, CaseStatus
from refund_desk.cases.models import RefundCase
from refund_desk.cases.services import check_transition_allowed
from refund_desk.core.errors import DomainError, ValidationFailed
from refund_desk.core.permissions import Perm, permission_required
from refund_desk.desk.forms import RejectionForm
from refund_desk.desk.views import load_case
from refund_desk.notices.services import NoticeDraft
from refund_desk.policy.selectors import case_evaluation
from refund_desk.workflows.rejection import (
    case_reject,
    is_allegro_claim,
    rejection_codes,
    rejection_notice,
)


@permission_required(Perm.CASE_WORK)
@require_http_methods(["GET", "POST"])
def case_reject_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """GET: the form. POST without `confirm`: the form checked, with what will be sent. POST with
    `confirm`: reject."""
    case = load_case(request, case_id)
    back = reverse("desk:case", args=[case.pk])
    try:
        check_transition_allowed(case=case, to=CaseStatus.REJECTED, actor=Actor.for_user(request.user))
    except DomainError as exc:
        messages.error(request, _("This case cannot be rejected now: %(error)s") % {"error": exc})
        return HttpResponseRedirect(back, status=303)
    if request.method == "GET":
        evaluation = case_evaluation(case)
        suggested = evaluation.rejection_code if evaluation is not None else None
        codes = rejection_codes(case)
        initial = suggested if suggested in codes.values else codes.values[0]
        form = RejectionForm(initial={"code": initial}, codes=codes)
        return _page(request, case, form, confirming=False)
    form = RejectionForm(request.POST, codes=rejection_codes(case))
    if not form.is_valid():
        return _page(request, case, form, confirming=False, status=422)
    if "edit" in request.POST:
        return _page(request, case, form, confirming=False)
    if "confirm" not in request.POST:
        return _page(request, case, form, confirming=True)
    notice = request.POST.get("notice")
    try:
        case_reject(
            case=case,
            actor=Actor.for_user(request.user),
            code=form.cleaned_data["code"],
            reason=form.cleaned_data["reason"],
            notice=notice,
        )
    except ValidationFailed as exc:
        notice_errors = [message for field, message in exc.errors if field == "notice"]
        if notice_errors:  # the notice is on the confirmation step: show it again there
            return _page(
                request, case, form, confirming=True, notice=notice, notice_errors=notice_errors, status=422
            )
        for field, message in exc.errors:
            form.add_error(field if field in form.fields else None, message)
        return _page(request, case, form, confirming=False, status=422)
    except DomainError as exc:
        messages.error(request, _("The case was not rejected: %(error)s") % {"error": exc})
        return HttpResponseRedirect(back, status=303)
    if case.source == CaseSource.CUSTOMER_RETURN or is_allegro_claim(case):
        messages.success(request, _("The case is rejected; the rejection is on its way to Allegro."))
    else:
        messages.success(request, _("The case is rejected."))
    return HttpResponseRedirect(back, status=303)


def _page(
    request: HttpRequest,
    case: RefundCase,
    form: RejectionForm,
    *,
    confirming: bool,
    notice: str | None = None,
    notice_errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    code = form.cleaned_data.get("code") if confirming else None
    draft: NoticeDraft | None = None
    if confirming and code:
        draft = rejection_notice(case=case, code=code, reason=form.cleaned_data["reason"])
    context = {
        "draft": draft,
        "notice_text": notice if notice is not None else (draft.text if draft else ""),
        "notice_errors": notice_errors or [],
        "case": case,
        "form": form,
        "confirming": confirming,
        "code_label": dict(rejection_codes(case).choices).get(code, "") if code else "",
        "to_allegro": case.source == CaseSource.CUSTOMER_RETURN,
        "to_claim": is_allegro_claim(case),
    }
    return render(request, "desk/reject.html", context, status=status)
