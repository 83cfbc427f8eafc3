"""REST API v1: the case queue, case details and timelines, case-file import and status changes.

Views parse the request, call one service or selector of the cases app and render; the rules live there.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.http import HttpRequest
from django.urls import Resolver404, resolve, reverse
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from refund_desk.api.parsers import BoundedJSONParser
from refund_desk.api.permissions import HasPermission
from refund_desk.api.problems import (
    BODY_FIELD,
    PROBLEM_MEDIA_TYPE,
    ProblemJSONRenderer,
    flatten_errors,
)
from refund_desk.api.serializers import (
    CaseDetailSerializer,
    CaseEventSerializer,
    CaseFileSerializer,
    CasePageSerializer,
    CaseSummarySerializer,
    CaseTimelineSerializer,
    IntakeSummarySerializer,
    ProblemSerializer,
    QueuePagingSerializer,
    TokenCredentialsSerializer,
    TokenSerializer,
    TransitionSerializer,
)
from refund_desk.cases.access import account_named
from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import CaseKind, CaseStatus, Marketplace
from refund_desk.cases.models import RefundCase
from refund_desk.cases.selectors import (
    MAX_ID,
    MAX_PAGE_SIZE,
    QueueFilters,
    case_get,
    case_queue,
    case_timeline,
    case_transition_options,
)
from refund_desk.cases.services import case_transition
from refund_desk.cases.team import api_token_issue
from refund_desk.core.auth import cool_off_seconds, sign_in_allowed
from refund_desk.core.errors import ValidationFailed
from refund_desk.core.permissions import Perm
from refund_desk.integrations.allegro.intake import Outcome, cases_import
from refund_desk.workflows.rejection import case_reject, is_claim

JSON = "application/json"
DEFAULT_ACCOUNT = "default"
# One request imports at most this many case files; bigger batches belong to the CLI importer.
MAX_IMPORT_FILES = 500  # about 1.2 MiB of case files, inside API_MAX_BODY_BYTES

PROBLEM_DESCRIPTIONS = {
    400: "Invalid input: validation errors (with field paths in `errors`) or a malformed JSON body.",
    401: "No or invalid credentials; the WWW-Authenticate header names the scheme (Token).",
    403: "The caller's role does not allow this (auditors are read-only; appeals need a supervisor).",
    404: "No such case or resource.",
    405: "The method is not allowed here; the Allow header lists the allowed ones.",
    409: "The case's current status does not allow the requested move.",
    413: "The request body is larger than the limit named in `detail` (API_MAX_BODY_BYTES).",
    429: "Too many wrong passwords for this login from this address; Retry-After says when to try again.",
    500: "Unexpected server error; details are logged, never returned.",
}


def problem_responses(*codes: int, authenticated: bool = True) -> dict[Any, OpenApiResponse]:
    """OpenAPI responses for problem details with the given statuses (and 401, 405 and 500)."""
    every = sorted({*codes, 405, 500} | ({401} if authenticated else set()))
    return {
        (code, PROBLEM_MEDIA_TYPE): OpenApiResponse(
            response=ProblemSerializer, description=PROBLEM_DESCRIPTIONS[code]
        )
        for code in every
    }


class ProblemAPIView(APIView):
    """Base view: JSON in and out, staff-only, errors rendered as application/problem+json."""

    renderer_classes = [JSONRenderer]
    parser_classes = [BoundedJSONParser]
    permission_classes = [HasPermission]
    required_permissions: dict[str, Perm] = {}

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response) and response.status_code >= 400:
            # Errors use the problem renderer whatever the client negotiated for success responses.
            response.accepted_renderer = ProblemJSONRenderer()
            response.accepted_media_type = PROBLEM_MEDIA_TYPE
        # Answers carry buyers' data and tokens: no browser or proxy keeps a copy.
        response["Cache-Control"] = "no-store"
        return response


def case_or_404(request: Request, case_id: int) -> RefundCase:
    try:
        return case_get(case_id=case_id, viewer=request.user)
    except RefundCase.DoesNotExist as exc:
        raise exceptions.NotFound(f"No case with id {case_id}.") from exc


def case_detail(request: Request, case: RefundCase) -> dict[str, Any]:
    context = {
        "request": request,
        "allowed_transitions": case_transition_options(case=case, user=request.user).allowed,
    }
    return CaseDetailSerializer(case, context=context).data


# --- auth --------------------------------------------------------------------------------------------


class TokenObtainView(ProblemAPIView):
    """Exchange a username and password for a new API token (stored only as a digest, with an expiry)."""

    public = True

    authentication_classes = []
    permission_classes = []
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        operation_id="auth_token_obtain",
        tags=["auth"],
        summary="Obtain an API token",
        description='Issues a new token to send as "Authorization: Token <token>"; it expires after '
        "API_TOKEN_DAYS (30 by default) and is shown only in this answer (the desk keeps a digest). "
        "At most 10 live tokens per person; resetting on the team page or deactivating revokes them all.",
        request=TokenCredentialsSerializer,
        responses={(200, JSON): TokenSerializer, **problem_responses(400, 401, 429, authenticated=False)},
        auth=[],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        username = request.data.get("username") if isinstance(request.data, dict) else None
        if isinstance(username, str) and not sign_in_allowed(request._request, username):
            raise exceptions.Throttled(
                wait=cool_off_seconds(),
                detail="Too many wrong passwords for this login from here; try again later.",
            )
        credentials = TokenCredentialsSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        # The DRF request, as DRF's own token view passes it: the sign-in throttle answers this endpoint
        # itself (a 429 problem above), not with the HTML lockout page.
        user = authenticate(
            request,
            username=credentials.validated_data["username"],
            password=credentials.validated_data["password"],
        )
        if user is None or not user.is_active:
            raise exceptions.AuthenticationFailed("Unable to log in with provided credentials.")
        token, expiry = api_token_issue(user=user)
        return Response({"token": token, "expiry": expiry})

    def get_authenticate_header(self, request: Request) -> str:
        return "Token"  # wrong credentials are a 401 (DRF would turn it into a 403 without this)


# --- cases -------------------------------------------------------------------------------------------

QUEUE_PARAMETERS = [
    OpenApiParameter(
        "status",
        str,
        many=True,
        explode=True,
        enum=CaseStatus.values,
        description="Only cases in these statuses; repeat the parameter for several.",
    ),
    OpenApiParameter("kind", str, enum=CaseKind.values, description="Only cases of this kind."),
    OpenApiParameter(
        "marketplace", str, enum=Marketplace.values, description="Only cases from this marketplace."
    ),
    OpenApiParameter(
        "account",
        {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        description="Only cases of this seller account (its id).",
    ),
    OpenApiParameter(
        "reason",
        {"type": "string", "minLength": 1, "maxLength": 40, "pattern": r"\S"},
        description='Only cases with this primary reason, e.g. "DAMAGED".',
    ),
    OpenApiParameter("overdue", bool, description="Only open cases whose earliest deadline has passed."),
    OpenApiParameter("open", bool, description="Only open cases (ignored when status is given)."),
    OpenApiParameter("attention", bool, description="Only cases set aside as needing attention."),
    OpenApiParameter(
        "q",
        {"type": "string", "minLength": 1, "maxLength": 100, "pattern": r"\S"},
        description="Buyer login or order id prefix, reference prefix, or exact customer return id.",
    ),
    OpenApiParameter(
        "cursor",
        {"type": "string", "minLength": 1, "pattern": r"\S"},
        description="Opaque cursor from a previous page's `next` link.",
    ),
    OpenApiParameter(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
        description=f"Page size, 1 to {MAX_PAGE_SIZE} (default {settings.QUEUE_PAGE_SIZE}).",
    ),
]
CASE_ID = OpenApiParameter(
    "case_id",
    {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    OpenApiParameter.PATH,
    description="Case id.",
)


class CaseListView(ProblemAPIView):
    required_permissions = {"read": Perm.CASE_READ, "write": Perm.CASE_WORK}

    @extend_schema(
        operation_id="cases_list",
        tags=["cases"],
        summary="List cases (the queue)",
        description="Most urgent first (earliest open deadline, then id), with keyset pagination: "
        "follow `next` until it is null.",
        parameters=QUEUE_PARAMETERS,
        responses={(200, JSON): CasePageSerializer, **problem_responses(400, 403)},
    )
    def get(self, request: Request) -> Response:
        # The desk's filter form sends empty fields; an API client that sends `?open=` means something
        # it did not say.
        errors: list[tuple[str, str]] = [
            (name, "give a value or leave the parameter out")
            for name, values in request.query_params.lists()
            if any(value.strip() == "" for value in values)
        ]
        paging = QueuePagingSerializer(data=request.query_params)
        if not paging.is_valid():
            errors += flatten_errors(paging.errors)
        filters = QueueFilters()
        try:
            filters = QueueFilters.from_params(request.query_params)
        except ValidationFailed as exc:
            errors += exc.errors
        if errors:
            raise ValidationFailed(errors)
        page = case_queue(
            filters=filters,
            viewer=request.user,
            cursor=paging.validated_data["cursor"] or None,
            limit=paging.validated_data.get("limit", settings.QUEUE_PAGE_SIZE),
        )
        next_url = None
        if page.next_cursor:
            next_url = replace_query_param(request.build_absolute_uri(), "cursor", page.next_cursor)
        results = CaseSummarySerializer(page.cases, many=True, context={"request": request}).data
        return Response({"results": results, "next": next_url})


class CaseDetailView(ProblemAPIView):
    required_permissions = {"read": Perm.CASE_READ, "write": Perm.CASE_WORK}

    @extend_schema(
        operation_id="cases_retrieve",
        tags=["cases"],
        summary="One case",
        description="Items, order summary, buyer, amounts, deadlines and the status changes "
        "the requesting user may make.",
        parameters=[CASE_ID],
        responses={(200, JSON): CaseDetailSerializer, **problem_responses(403, 404)},
    )
    def get(self, request: Request, case_id: int) -> Response:
        return Response(case_detail(request, case_or_404(request, case_id)))


class CaseEventsView(ProblemAPIView):
    required_permissions = {"read": Perm.CASE_READ, "write": Perm.CASE_WORK}

    @extend_schema(
        operation_id="cases_events_list",
        tags=["cases"],
        summary="A case's timeline",
        description="Every event of the case, oldest first (the log is append-only).",
        parameters=[CASE_ID],
        responses={(200, JSON): CaseTimelineSerializer, **problem_responses(403, 404)},
    )
    def get(self, request: Request, case_id: int) -> Response:
        case = case_or_404(request, case_id)
        events = CaseEventSerializer(case_timeline(case=case), many=True).data
        return Response({"results": events})


class CaseTransitionView(ProblemAPIView):
    required_permissions = {"read": Perm.CASE_READ, "write": Perm.CASE_WORK}

    @extend_schema(
        operation_id="cases_transition",
        tags=["cases"],
        summary="Change a case's status",
        description="Moves the case if its status allows it and the user's role permits it; "
        "the move is recorded on the timeline with the user as actor. A rejection needs `rejectionCode` "
        "and a `reason` (1 to 250 characters); for a customer return or a claim it is carried out on Allegro, and "
        "the buyer is sent a notice (`notice`, or the one the desk drafts).",
        parameters=[CASE_ID],
        request=TransitionSerializer,
        responses={(200, JSON): CaseDetailSerializer, **problem_responses(400, 403, 404, 409)},
        examples=[OpenApiExample("Approve", value={"to": "APPROVED", "reason": "Parcel received intact."})],
    )
    def post(self, request: Request, case_id: int) -> Response:
        body = TransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        case = case_or_404(request, case_id)
        actor = Actor.for_user(request.user)
        to = body.validated_data["to"]
        if is_claim(case) and to in (CaseStatus.APPROVED, CaseStatus.REMEDY):
            raise ValidationFailed(
                [("to", "a complaint is accepted with its remedy: POST /api/v1/cases/{id}/acceptance/")]
            )
        if to == CaseStatus.REJECTED:
            code = body.validated_data.get("rejectionCode", "")
            try:
                case_reject(
                    case=case,
                    actor=actor,
                    code=code,
                    reason=body.validated_data["reason"],
                    notice=body.validated_data.get("notice"),
                )
            except ValidationFailed as exc:  # the service's `code` is this body's `rejectionCode`
                raise ValidationFailed(
                    [("rejectionCode" if name == "code" else name, message) for name, message in exc.errors]
                ) from exc
        else:
            case_transition(
                case=case, to=body.validated_data["to"], actor=actor, reason=body.validated_data["reason"]
            )
        return Response(case_detail(request, case_get(case_id=case.pk, viewer=request.user)))


# --- intake ------------------------------------------------------------------------------------------


class CaseImportView(ProblemAPIView):
    required_permissions = {"read": Perm.CASE_READ, "write": Perm.CASE_WORK}

    @extend_schema(
        operation_id="cases_import",
        tags=["cases"],
        summary="Import case files",
        description="The body is one case file or an array of them. Importing is idempotent: the same file "
        "again changes nothing; a changed return updates its case. Each file is imported or rejected whole. "
        "A single rejected file answers 400 with its field errors, and so does an array whose every file is "
        "rejected (fields as `[index].path`); otherwise rejected files are listed in `results` and the others "
        "are still imported. 201 when any case was created, else 200.",
        parameters=[
            OpenApiParameter(
                "account",
                {"type": "string", "minLength": 1, "maxLength": 100},
                default=DEFAULT_ACCOUNT,
                description="Name of an existing seller account you work for (an unknown name is a 400 "
                "listing the accounts you may import into).",
            )
        ],
        request=PolymorphicProxySerializer(
            component_name="CaseFileOrList",
            serializers=[CaseFileSerializer, CaseFileSerializer(many=True)],
            resource_type_field_name=None,
            many=False,
        ),
        responses={
            (201, JSON): OpenApiResponse(
                IntakeSummarySerializer, description="At least one case was created."
            ),
            (200, JSON): OpenApiResponse(IntakeSummarySerializer, description="No case was created."),
            **problem_responses(400, 403, 413),
        },
    )
    def post(self, request: Request) -> Response:
        data = request.data
        single = not isinstance(data, list)
        files: list[object] = [data] if single else list(data)
        if not files:
            raise ValidationFailed([(BODY_FIELD, "send one case file or a non-empty array of them")])
        if len(files) > MAX_IMPORT_FILES:
            raise ValidationFailed([(BODY_FIELD, f"at most {MAX_IMPORT_FILES} case files per request")])
        account = account_named(
            name=request.query_params.get("account", DEFAULT_ACCOUNT), viewer=request.user
        )
        with transaction.atomic():
            summary = cases_import(items=files, account=account)
            if summary.count(Outcome.REJECTED) == len(summary.results):
                transaction.set_rollback(True)
        if single and summary.results[0].outcome == Outcome.REJECTED:
            raise ValidationFailed(summary.results[0].errors)
        if summary.count(Outcome.REJECTED) == len(summary.results):  # an array with not one usable file
            raise ValidationFailed(
                [
                    (f"[{index}].{path}" if path not in ("$", BODY_FIELD) else f"[{index}]", message)
                    for index, result in enumerate(summary.results)
                    for path, message in result.errors
                ]
            )
        created = summary.count(Outcome.CREATED)
        headers = {}
        if single and created:
            case_id = summary.results[0].case_id
            headers["Location"] = reverse("api:v1:case-detail", kwargs={"case_id": case_id})
        return Response(summary.to_json(), status=201 if created else 200, headers=headers)


# --- everything else under /api/ ---------------------------------------------------------------------


@extend_schema(exclude=True)
class NotFoundView(ProblemAPIView):
    """Answers unknown API paths with a 404 problem instead of Django's HTML page."""

    public = True

    authentication_classes = []
    permission_classes = []

    def http_method_not_allowed(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Response:
        detail = f"No API resource at {request.path}."
        if not request.path.endswith("/"):
            try:
                match = resolve(request.path + "/")
            except Resolver404:
                match = None
            if match is not None and getattr(match.func, "view_class", None) is not NotFoundView:
                detail += f" Did you mean {request.path}/ ?"
        raise exceptions.NotFound(detail)

    def options(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Response:
        return self.http_method_not_allowed(request)


# --- interactive docs --------------------------------------------------------------------------------


class LocalSwaggerView(SpectacularSwaggerView):
    """Swagger UI from the sidecar's local assets, without the online validator badge
    (which would send the schema URL to validator.swagger.io)."""

    public = True
    template_name = "api/swagger_ui.html"

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().get(request, *args, **kwargs)
        try:
            ui_settings = json.loads(response.data["settings"])
        except (TypeError, ValueError):
            return response  # settings given as JavaScript: leave them to the operator
        if isinstance(ui_settings, dict):
            ui_settings["validatorUrl"] = None
            response.data["settings"] = json.dumps(ui_settings)
        return response


class LocalRedocView(SpectacularRedocView):
    """Redoc from the sidecar's local assets, without the Google Fonts links of the stock template."""

    public = True

    template_name = "api/redoc.html"
