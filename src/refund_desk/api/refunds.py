"""Refund API: a person composes the refund of an approved case, as on the desk's refund builder."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from refund_desk.api.views import CASE_ID, JSON, ProblemAPIView, case_or_404, problem_responses
from refund_desk.cases.actors import Actor
from refund_desk.core.errors import ValidationFailed
from refund_desk.core.permissions import Perm
from refund_desk.outbound.choices import THREAD_MESSAGE_MAX
from refund_desk.payments.choices import LineType
from refund_desk.payments.services import LineSpec
from refund_desk.payments.services.refunds import refund_to_json
from refund_desk.workflows.refunds import case_refund


def _amount_field(help_text: str = "") -> serializers.DecimalField:
    return serializers.DecimalField(
        required=False, max_digits=12, decimal_places=2, min_value=Decimal("0.00"), help_text=help_text
    )


class RefundLineSerializer(serializers.Serializer[Any]):
    id = serializers.CharField(max_length=64, help_text="the order line item id (Allegro `lineItems[].id`)")
    type = serializers.ChoiceField(choices=LineType.choices, help_text="QUANTITY (whole units) or AMOUNT")
    quantity = serializers.IntegerField(required=False, min_value=1, max_value=100000)
    amount = _amount_field()


class RefundRequestSerializer(serializers.Serializer[Any]):
    lines = RefundLineSerializer(
        many=True,
        required=False,
        max_length=100,  # type: ignore[call-arg]  # ListSerializer takes it; the stubs do not say so
        help_text="the refund per order line; omit for the policy engine's refund",
    )
    delivery = _amount_field("delivery cost to refund (default: the engine's)")
    overrideReason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=1000,
        help_text="required when the refund differs from the engine's; the buyer reads it in the notice",
    )
    sellerComment = serializers.CharField(required=False, allow_blank=True, default="", max_length=250)
    notice = serializers.CharField(
        required=False,
        max_length=THREAD_MESSAGE_MAX,
        help_text="the buyer's notice (default: the one the desk drafts); sent when the refund is released",
    )


class RefundSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    caseId = serializers.IntegerField()
    status = serializers.CharField()
    total = serializers.JSONField()
    method = serializers.CharField()


class CaseRefundsView(ProblemAPIView):
    required_permissions = {"read": Perm.CASE_READ, "write": Perm.REFUND_REQUEST}

    @extend_schema(
        operation_id="cases_refunds_create",
        tags=["refunds"],
        summary="Refund an approved case",
        description="The policy engine's refund, or one composed per line (QUANTITY or AMOUNT) with the "
        "delivery cost. A refund that differs from the engine's needs `overrideReason` and, like one above "
        "the account's threshold, waits for a second person's approval (`status: AWAITING_APPROVAL`). "
        "The buyer's notice is sent when the refund is released.",
        parameters=[CASE_ID],
        request=RefundRequestSerializer,
        responses={(201, JSON): RefundSerializer, **problem_responses(400, 403, 404, 409)},
        examples=[
            OpenApiExample(
                "Deduction after inspection",
                value={
                    "lines": [{"id": "…", "type": "AMOUNT", "amount": "69.50"}],
                    "delivery": "0.00",
                    "overrideReason": "Ślady użytkowania: potrącenie za zmniejszenie wartości.",
                },
            )
        ],
    )
    def post(self, request: Request, case_id: int) -> Response:
        body = RefundRequestSerializer(data=request.data)
        case = case_or_404(request, case_id)  # another account's case: 404 whatever the body
        body.is_valid(raise_exception=True)
        data = body.validated_data
        lines = None
        if "lines" in data:
            lines = [
                LineSpec(
                    line_item_id=line["id"],
                    type=line["type"],
                    quantity=line.get("quantity"),
                    amount=line.get("amount"),
                )
                for line in data["lines"]
            ]
        try:
            refund = case_refund(
                case=case,
                actor=Actor.for_user(request.user),
                lines=lines,
                delivery=data.get("delivery"),
                override_reason=data["overrideReason"],
                seller_comment=data["sellerComment"],
                notice=data.get("notice"),
            )
        except ValidationFailed as exc:  # the service's names are this body's
            names = {"override_reason": "overrideReason", "bankAccount": "bankAccount"}
            raise ValidationFailed([(names.get(f, f), m) for f, m in exc.errors]) from exc
        return Response(refund_to_json(refund), status=status.HTTP_201_CREATED)
