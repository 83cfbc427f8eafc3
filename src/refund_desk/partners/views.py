"""Partner pages: the delivery log with replays, and the partner issue report. (The inbound webhook for
warehouse and ERP systems is `api.webhooks.inbound`.)"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from refund_desk.cases.actors import Actor
from refund_desk.core.permissions import Perm, permission_required
from refund_desk.partners import selectors, services


@permission_required(Perm.PARTNERS_READ)
def deliveries(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "partners/deliveries.html",
        {
            "deliveries": selectors.deliveries_recent(viewer=request.user),
            "inbound": selectors.inbound_recent(),
        },
    )


@permission_required(Perm.PARTNERS_MANAGE)
@require_POST
def replay(request: HttpRequest, delivery_id: int) -> HttpResponse:
    delivery = get_object_or_404(selectors.deliveries_recent(viewer=request.user, limit=None), pk=delivery_id)
    services.webhook_delivery_replay(delivery=delivery, actor=Actor.for_user(request.user))
    messages.success(request, _("Delivery %(id)s queued again") % {"id": delivery.pk})
    return redirect("partners:deliveries")


@permission_required(Perm.PARTNERS_READ)
def issues_report(request: HttpRequest) -> HttpResponse:
    return render(
        request, "partners/issues.html", {"rows": selectors.partner_issue_report(viewer=request.user)}
    )
