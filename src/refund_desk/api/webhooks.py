"""Inbound partner webhooks: inspection results from warehouses and ERPs, signed like our outbound ones."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from refund_desk.core.permissions import public
from refund_desk.partners.services import DELIVERY_HEADER, SIGNATURE_HEADER
from refund_desk.workflows.inspection import partner_inspection_receive


@public  # authenticated by the HMAC signature instead of a session
@csrf_exempt
@require_POST
def inbound(request: HttpRequest, slug: str) -> HttpResponse:
    """Signed inspection results (see `partner_inspection_receive` for the answers); every attempt is
    logged."""
    answer = partner_inspection_receive(
        slug=slug,
        body=request.body,
        signature=request.headers.get(SIGNATURE_HEADER, ""),
        remote_addr=str(request.META.get("REMOTE_ADDR", "")),
        delivery_id=request.headers.get(DELIVERY_HEADER, "")[:200],
    )
    return JsonResponse(answer.body, status=answer.status)
