"""Logistics pages: the warehouse inspection page (phone-sized) and parcel actions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from refund_desk.cases.actors import Actor
from refund_desk.cases.models import RefundCase
from refund_desk.core.errors import DomainError
from refund_desk.logistics import selectors, services
from refund_desk.logistics.choices import InspectionOutcome
from refund_desk.logistics.models import Parcel
from refund_desk.partners.choices import IssueKind


def _next(request: HttpRequest) -> str:
    target = str(request.POST.get("next") or "/")
    return target if target.startswith("/") else "/"


@login_required
def inspect(request: HttpRequest) -> HttpResponse:
    query = (request.GET.get("q") or request.POST.get("q") or "").strip()
    case, parcel = selectors.case_find_for_inspection(query=query)
    if request.method == "POST" and case is not None:
        findings = [
            services.ItemFinding(
                case_item_id=item.pk,
                outcome=request.POST.get(f"outcome-{item.pk}", ""),
                note=request.POST.get(f"note-{item.pk}", ""),
                photos=request.FILES.getlist(f"photos-{item.pk}"),
            )
            for item in case.items.all()
            if request.POST.get(f"outcome-{item.pk}")
        ]
        try:
            inspection = services.inspection_record(
                case=case, findings=findings, actor=Actor.for_user(request.user), parcel=parcel
            )
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                "Saved: everything OK, refund released"
                if inspection.all_ok
                else "Saved: sent to a person for a decision",
            )
            return redirect("logistics:inspect")
    items = list(case.items.select_related("line_item")) if case else []
    return render(
        request,
        "logistics/inspect.html",
        {
            "query": query,
            "case": case,
            "parcel": parcel,
            "items": items,
            "outcomes": InspectionOutcome.choices,
        },
    )


@login_required
@require_POST
def parcel_issue(request: HttpRequest, parcel_id: int) -> HttpResponse:
    parcel = get_object_or_404(Parcel, pk=parcel_id)
    try:
        kind = IssueKind(request.POST.get("kind", ""))
        services.parcel_report_issue(
            parcel=parcel,
            kind=kind,
            actor=Actor.for_user(request.user),
            description=request.POST.get("description", ""),
        )
        messages.success(request, "Partner issue recorded")
    except (ValueError, DomainError) as exc:
        messages.error(request, str(exc))
    return redirect(_next(request))


@login_required
@require_POST
def case_track(request: HttpRequest, case_id: int) -> HttpResponse:
    case = get_object_or_404(RefundCase, pk=case_id)
    services.parcels_sync_from_case(case=case)
    services.parcels_track(parcels=list(Parcel.objects.filter(case=case)))
    return redirect(_next(request))
