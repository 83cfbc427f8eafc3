"""Inspection API: warehouses and scanners post what they found in a returned parcel."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from refund_desk.api.views import JSON, ProblemAPIView, problem_responses
from refund_desk.cases.actors import Actor
from refund_desk.core.permissions import Perm
from refund_desk.logistics.choices import InspectionOutcome, InspectionSource
from refund_desk.workflows.inspection import inspection_from_payload


class FindingSerializer(serializers.Serializer[Any]):
    lineItemId = serializers.CharField()
    outcome = serializers.ChoiceField(choices=InspectionOutcome.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class InspectionSerializer(serializers.Serializer[Any]):
    reference = serializers.CharField(
        help_text="return waybill, return reference number or Allegro return id"
    )
    items = FindingSerializer(many=True)


class InspectionResultSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    caseId = serializers.IntegerField()
    allOk = serializers.BooleanField()
    caseStatus = serializers.CharField()
    suggestion = serializers.JSONField(help_text="suggested deduction and Allegro rejection code, if any")


class InspectionCreateView(ProblemAPIView):
    required_permissions = {"read": Perm.CASE_READ, "write": Perm.INSPECTION_RECORD}

    @extend_schema(
        operation_id="inspections_create",
        tags=["inspections"],
        summary="Record a warehouse inspection of a returned parcel",
        description="Find the return by waybill, return reference or Allegro return id and record the outcome "
        "per line item. All OK releases the refund per policy; anything else escalates the case to a person "
        "with the suggested deduction and the matching Allegro rejection code.",
        request=InspectionSerializer,
        responses={(201, JSON): InspectionResultSerializer, **problem_responses(400, 403)},
        examples=[
            OpenApiExample(
                "Seal broken",
                value={"reference": "A12345B", "items": [{"lineItemId": "…", "outcome": "SEAL_BROKEN"}]},
            )
        ],
    )
    def post(self, request: Request) -> Response:
        serializer = InspectionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        inspection = inspection_from_payload(
            data=serializer.validated_data, actor=Actor.for_user(request.user), source=InspectionSource.API
        )
        return Response(
            {
                "id": inspection.pk,
                "caseId": inspection.case_id,
                "allOk": inspection.all_ok,
                "caseStatus": inspection.case.status,
                "suggestion": inspection.suggestion,
            },
            status=status.HTTP_201_CREATED,
        )
