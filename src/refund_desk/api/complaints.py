"""Complaint API: accept a claim with its remedy, as on the desk's acceptance form."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from refund_desk.api.serializers import CaseDetailSerializer
from refund_desk.api.views import CASE_ID, JSON, ProblemAPIView, case_detail, case_or_404, problem_responses
from refund_desk.cases.actors import Actor
from refund_desk.cases.selectors import case_get
from refund_desk.core.permissions import Perm
from refund_desk.outbound.choices import THREAD_MESSAGE_MAX, ClaimAcceptanceStatus
from refund_desk.workflows.complaints import claim_accept


class AcceptanceSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=ClaimAcceptanceStatus.choices, help_text="Allegro's acceptance")
    amount = serializers.DecimalField(
        required=False,
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        help_text="with ACCEPTED_PARTIAL_REFUND: the agreed price reduction",
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)
    itemRequired = serializers.BooleanField(
        required=False, default=True, help_text="for a repair or replacement: the buyer sends the item"
    )
    notice = serializers.CharField(
        required=False,
        max_length=THREAD_MESSAGE_MAX,
        help_text="the buyer's notice (default: the one the desk drafts)",
    )


class CaseAcceptanceView(ProblemAPIView):
    required_permissions = {"read": Perm.CASE_READ, "write": Perm.CASE_DECIDE}

    @extend_schema(
        operation_id="cases_accept",
        tags=["cases"],
        summary="Accept a complaint (claim) with its remedy",
        description="Refund (the engine's, or every claimed item), price reduction (a partial refund a second "
        "person approves), repair or replacement (the case waits for the remedy). Allegro gets the "
        "acceptance with the buyer's notice as its message in the issue chat, once.",
        parameters=[CASE_ID],
        request=AcceptanceSerializer,
        responses={(200, JSON): CaseDetailSerializer, **problem_responses(400, 403, 404, 409)},
        examples=[
            OpenApiExample("Price reduction", value={"status": "ACCEPTED_PARTIAL_REFUND", "amount": "40.00"})
        ],
    )
    def post(self, request: Request, case_id: int) -> Response:
        body = AcceptanceSerializer(data=request.data)
        case = case_or_404(request, case_id)  # another account's case: 404 whatever the body
        body.is_valid(raise_exception=True)
        data = body.validated_data
        claim_accept(
            case=case,
            actor=Actor.for_user(request.user),
            status=data["status"],
            amount=data.get("amount"),
            reason=data["reason"],
            item_required=data["itemRequired"],
            notice=data.get("notice"),
        )
        return Response(case_detail(request, case_get(case_id=case.pk, viewer=request.user)))
