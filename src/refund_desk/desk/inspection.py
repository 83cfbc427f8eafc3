"""The warehouse inspection page (phone-sized): scan a waybill or reference, record what came back."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import CaseStatus
from refund_desk.core.errors import DomainError
from refund_desk.core.permissions import Perm, permission_required
from refund_desk.logistics.choices import InspectionOutcome
from refund_desk.logistics.models import Inspection
from refund_desk.logistics.selectors import case_find_for_inspection
from refund_desk.logistics.services import ItemFinding
from refund_desk.workflows.inspection import inspection_receive


def _outcome_message(inspection: Inspection) -> str:
    if not inspection.all_ok:
        return _("Saved: sent to a person for a decision")
    if inspection.case.status in (CaseStatus.REFUND_PENDING, CaseStatus.REFUNDED):
        return _("Saved: everything OK, refund released")
    return _("Saved: everything OK; a person decides the refund")


@permission_required(Perm.CASE_READ, write=Perm.INSPECTION_RECORD)
def inspect(request: HttpRequest) -> HttpResponse:
    query = (request.GET.get("q") or request.POST.get("q") or "").strip()
    case, parcel = case_find_for_inspection(query=query, viewer=request.user)
    if request.method == "POST" and case is not None:
        findings = [
            ItemFinding(
                case_item_id=item.pk,
                outcome=request.POST.get(f"outcome-{item.pk}", ""),
                note=request.POST.get(f"note-{item.pk}", ""),
                photos=request.FILES.getlist(f"photos-{item.pk}"),
            )
            for item in case.items.all()
            if request.POST.get(f"outcome-{item.pk}")
        ]
        try:
            inspection = inspection_receive(
                case=case, findings=findings, actor=Actor.for_user(request.user), parcel=parcel
            )
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _outcome_message(inspection))
            return redirect("desk:inspect")
    items = list(case.items.select_related("line_item")) if case else []
    return render(
        request,
        "desk/inspect.html",
        {
            "query": query,
            "case": case,
            "parcel": parcel,
            "items": items,
            "outcomes": InspectionOutcome.choices,
        },
    )
