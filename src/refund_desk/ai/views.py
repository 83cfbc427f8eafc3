"""Desk pages of the ai app: the risk model card with its versions, each account's automation mode and
threshold (supervisors change them, auditors read), the shadow-mode agreement report, and agents'
corrections of how a case's buyer comment was understood (a fragment of the case page)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from refund_desk.ai import selectors, services
from refund_desk.ai.forms import AutomationForm, CommentCorrectionForm
from refund_desk.ai.panels import review_panel
from refund_desk.ai.risk import model as risk_model
from refund_desk.ai.risk import training
from refund_desk.ai.services.reviews import AUTOMATION_CHANGE
from refund_desk.cases.access import accounts_visible, scoped, visible_account_ids
from refund_desk.cases.actors import Actor
from refund_desk.cases.models import RefundCase
from refund_desk.core.changes import changes_pending
from refund_desk.core.errors import PermissionDenied as RoleDenied
from refund_desk.core.errors import ValidationFailed
from refund_desk.core.permissions import Perm, has_perm, permission_required


def _index_context(request: HttpRequest, errors: dict[int, AutomationForm] | None = None) -> dict[str, Any]:
    version = risk_model.current_version()
    card = training.load_card(version) if version else None
    errors = errors or {}
    accounts = [
        {
            "row": row,
            "form": errors.get(row.account.pk)
            or AutomationForm(initial={"mode": row.mode, "risk_threshold": row.risk_threshold}),
        }
        for row in selectors.automation_overview(viewer=request.user)
    ]
    return {
        "card": card,
        "versions": training.versions_with_cards(),
        "agreement": selectors.shadow_agreement(viewer=request.user),
        "pending_changes": changes_pending(account_ids=visible_account_ids(request.user)).filter(
            kind=AUTOMATION_CHANGE
        ),
        "accounts": accounts,
        "can_change": has_perm(request.user, Perm.AUTOMATION_CHANGE),
        "changes": selectors.automation_changes(),
    }


@permission_required(Perm.AUTOMATION_READ)
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "ai/index.html", _index_context(request))


@permission_required(Perm.AUTOMATION_CHANGE)
@require_POST
def automation_set(request: HttpRequest, account_id: int) -> HttpResponse:
    """A supervisor sets an account's mode and threshold; auditors and agents may not."""
    account = get_object_or_404(accounts_visible(request.user), pk=account_id)
    form = AutomationForm(request.POST)
    if form.is_valid():
        try:
            services.account_automation_set(
                account=account,
                mode=form.cleaned_data["mode"],
                risk_threshold=form.cleaned_data["risk_threshold"],
                actor=Actor.for_user(request.user),
            )
        except ValidationFailed as exc:
            for field, message in exc.errors:
                form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("Automation for %(account)s saved.") % {"account": account.name})
            return redirect("ai:index")
    context = _index_context(request, errors={account.pk: form})
    return render(request, "ai/index.html", context, status=422)


@permission_required(Perm.AUTOMATION_READ)
def shadow(request: HttpRequest) -> HttpResponse:
    report = selectors.shadow_agreement(viewer=request.user)
    return render(
        request,
        "ai/shadow.html",
        {
            "report": report,
            "matrix": sorted(report.matrix.items()),
            "per_account": sorted(report.per_account.items()),
        },
    )


def _review_fragment(
    request: HttpRequest,
    case: RefundCase,
    *,
    status: int = 200,
    form: CommentCorrectionForm | None = None,
    notice: str = "",
    error: str = "",
) -> HttpResponse:
    context = {"case": case, **review_panel(case, request, form=form), "notice": notice, "error": error}
    return render(request, "ai/_case_review.html", context, status=status)


def _back_to_case(case_id: int) -> HttpResponse:
    """Without htmx, a form post goes back to the case page (post/redirect/get)."""
    return HttpResponseRedirect(reverse("desk:case", args=[case_id]) + "#ai-review", status=303)


def _read_only(request: HttpRequest, case_id: int) -> HttpResponse:
    message = _("Your role can read cases but not change them.")
    if getattr(request, "htmx", False):
        case = get_object_or_404(scoped(RefundCase.objects.all(), request.user), pk=case_id)
        return _review_fragment(request, case, status=403, error=message)
    return HttpResponse(message, status=403, content_type="text/plain; charset=utf-8")


@permission_required(Perm.COMMENT_CORRECT)
@require_POST
def case_comment_correct(request: HttpRequest, case_id: int) -> HttpResponse:
    """An agent corrects the reason type and flags read in the case's buyer comment; auditors may not.

    htmx gets the re-rendered AI review fragment (422 with field errors); a plain form post is redirected
    back to the case page with a message.
    """
    case = get_object_or_404(scoped(RefundCase.objects.all(), request.user), pk=case_id)
    form = CommentCorrectionForm(request.POST)
    if form.is_valid():
        try:
            services.case_comment_correct(
                case=case,
                reason=form.cleaned_data["reason"],
                flags=form.cleaned_data["flags"],
                actor=Actor.for_user(request.user),
            )
        except RoleDenied:
            return _read_only(request, case_id)
        except ValidationFailed as exc:
            for field, message in exc.errors:
                if field == "text":
                    message = _("This case has no buyer comment to correct.")
                form.add_error(field if field in form.fields else None, message)
        else:
            notice = _("Correction saved.")
            if getattr(request, "htmx", False):
                return _review_fragment(request, case, notice=notice)
            messages.success(request, notice)
            return _back_to_case(case.pk)
    if getattr(request, "htmx", False):
        return _review_fragment(request, case, status=422, form=form)
    detail = " ".join(str(message) for errors in form.errors.values() for message in errors)
    messages.error(request, _("The change was not saved: %(detail)s") % {"detail": detail})
    return _back_to_case(case.pk)
