"""Partner pages (delivery log, replay, issue report) and the inbound webhook for warehouse/ERP systems."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from refund_desk.cases.actors import Actor
from refund_desk.core.errors import DomainError, ValidationFailed
from refund_desk.core.roles import Role, has_role
from refund_desk.logistics.api import inspection_from_payload
from refund_desk.logistics.choices import InspectionSource
from refund_desk.partners import selectors, services
from refund_desk.partners.models import Partner, WebhookDelivery


@login_required
def deliveries(request: HttpRequest) -> HttpResponse:
    if not has_role(request.user, Role.SUPERVISOR):
        return HttpResponseForbidden("supervisors only")
    return render(
        request,
        "partners/deliveries.html",
        {"deliveries": selectors.deliveries_recent(), "inbound": selectors.inbound_recent()},
    )


@login_required
@require_POST
def replay(request: HttpRequest, delivery_id: int) -> HttpResponse:
    if not has_role(request.user, Role.SUPERVISOR):
        return HttpResponseForbidden("supervisors only")
    delivery = get_object_or_404(WebhookDelivery, pk=delivery_id)
    services.webhook_delivery_replay(delivery=delivery, actor=Actor.for_user(request.user))
    messages.success(request, f"Delivery {delivery.pk} queued again")
    return redirect("partners:deliveries")


@login_required
def issues_report(request: HttpRequest) -> HttpResponse:
    return render(request, "partners/issues.html", {"rows": selectors.partner_issue_report()})


def _remote(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


@csrf_exempt  # authenticated by the HMAC signature instead of a session
@require_POST
def inbound(request: HttpRequest, slug: str) -> HttpResponse:
    """Inspection results from a warehouse/ERP: signed like our outbound webhooks; invalid → 401, logged."""
    body = request.body
    partner = Partner.objects.filter(slug=slug, is_active=True).first()
    header = request.headers.get(services.SIGNATURE_HEADER, "")
    if partner is None or not services.signature_valid(
        secret=partner.inbound_secret, header=header, body=body
    ):
        services.inbound_log(
            partner=partner,
            slug=slug,
            accepted=False,
            status_code=401,
            error="invalid signature",
            body=body,
            remote_addr=_remote(request),
        )
        return JsonResponse({"error": "invalid signature"}, status=401)
    try:
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValidationFailed([("body", "must be a JSON object")])
        inspection = inspection_from_payload(
            data=data, actor=Actor.system(f"partner:{partner.slug}"), source=InspectionSource.WEBHOOK
        )
    except (ValueError, DomainError) as exc:
        services.inbound_log(
            partner=partner,
            slug=slug,
            accepted=False,
            status_code=422,
            error=str(exc),
            body=body,
            remote_addr=_remote(request),
        )
        return JsonResponse({"error": str(exc)}, status=422)
    services.inbound_log(
        partner=partner,
        slug=slug,
        accepted=True,
        status_code=201,
        error="",
        body=body,
        remote_addr=_remote(request),
    )
    return JsonResponse({"inspection": inspection.pk, "caseStatus": inspection.case.status}, status=201)
