"""Comment-correction API: an agent says which reason type and flags a case's buyer comment expresses."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from refund_desk.ai import services
from refund_desk.ai.choices import REASONS, TEXT_FLAGS
from refund_desk.api.views import CASE_ID, JSON, ProblemAPIView, problem_responses
from refund_desk.cases.access import scoped
from refund_desk.cases.actors import Actor
from refund_desk.cases.models import RefundCase
from refund_desk.core.permissions import Perm


class CommentCorrectionSerializer(serializers.Serializer[Any]):
    reason = serializers.ChoiceField(choices=REASONS, help_text="Allegro return reason type")
    flags = serializers.ListField(
        child=serializers.ChoiceField(choices=TEXT_FLAGS), required=False, default=list
    )


class CommentLabelSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    caseId = serializers.IntegerField()
    reason = serializers.CharField()
    flags = serializers.ListField(child=serializers.CharField())
    language = serializers.CharField(help_text="detected language of the comment; empty when unknown")
    createdBy = serializers.CharField()
    createdAt = serializers.DateTimeField()


class CaseCommentLabelView(ProblemAPIView):
    required_permissions = {"read": Perm.CASE_READ, "write": Perm.COMMENT_CORRECT}

    @extend_schema(
        operation_id="cases_comment_label_create",
        tags=["cases"],
        summary="Correct how a case's buyer comment was understood",
        description="Stores the reason type and text flags the buyer's comment expresses, as an agent label "
        "the next `refund-desk ai train` learns from, and notes the correction on the case timeline. "
        "400 when the case has no buyer comment or a value is unknown; auditors get 403.",
        parameters=[CASE_ID],
        request=CommentCorrectionSerializer,
        responses={(201, JSON): CommentLabelSerializer, **problem_responses(400, 403, 404)},
        examples=[OpenApiExample("Damaged", value={"reason": "DAMAGED", "flags": ["damage"]})],
    )
    def post(self, request: Request, case_id: int) -> Response:
        body = CommentCorrectionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        case = scoped(RefundCase.objects.all(), request.user).filter(pk=case_id).first()
        if case is None:
            raise exceptions.NotFound(f"No case with id {case_id}.")
        label = services.case_comment_correct(
            case=case,
            reason=body.validated_data["reason"],
            flags=body.validated_data["flags"],
            actor=Actor.for_user(request.user),
        )
        return Response(
            {
                "id": label.pk,
                "caseId": case.pk,
                "reason": label.reason,
                "flags": list(label.flags),
                "language": label.language,
                "createdBy": request.user.get_username(),
                "createdAt": label.created_at,
            },
            status=status.HTTP_201_CREATED,
        )
