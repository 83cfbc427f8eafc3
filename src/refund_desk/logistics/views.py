"""Logistics actions on a case's return parcels: record a carrier issue, refresh tracking. (The warehouse
inspection page is the desk's: `desk.inspection`.)"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from refund_desk.cases.access import scoped
from refund_desk.cases.actors import Actor
from refund_desk.cases.models import RefundCase
from refund_desk.core.errors import DomainError
from refund_desk.core.permissions import Perm, permission_required
from refund_desk.core.redirects import redirect_back
from refund_desk.logistics import services
from refund_desk.logistics.models import Parcel
from refund_desk.partners.choices import IssueKind


@permission_required(Perm.PARCEL_ISSUE_RECORD)
@require_POST
def parcel_issue(request: HttpRequest, parcel_id: int) -> HttpResponse:
    parcel = get_object_or_404(
        scoped(Parcel.objects.all(), request.user, field="case__account"), pk=parcel_id
    )
    try:
        kind = IssueKind(request.POST.get("kind", ""))
        services.parcel_report_issue(
            parcel=parcel,
            kind=kind,
            actor=Actor.for_user(request.user),
            description=request.POST.get("description", ""),
        )
        messages.success(request, _("Partner issue recorded"))
    except (ValueError, DomainError) as exc:
        messages.error(request, str(exc))
    return redirect_back(request, f"/cases/{parcel.case_id}/")


@permission_required(Perm.TRACKING_REFRESH)
@require_POST
def case_track(request: HttpRequest, case_id: int) -> HttpResponse:
    case = get_object_or_404(scoped(RefundCase.objects.all(), request.user), pk=case_id)
    services.parcels_sync_from_case(case=case)
    services.parcels_track(parcels=list(Parcel.objects.filter(case=case)))
    return redirect_back(request, f"/cases/{case.pk}/")
