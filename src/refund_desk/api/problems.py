"""RFC 9457 problem details for every error the API returns.

Every failure — DRF validation, authentication, permissions, unknown URLs, wrong methods, domain errors,
malformed JSON and unexpected exceptions — leaves the API as `application/problem+json` with
`type`, `title`, `status`, `detail`, `instance` and, for validation failures, `errors: [{field, message}]`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import set_rollback

from refund_desk.api.parsers import PayloadTooLarge, body_too_large
from refund_desk.core import errors as domain

logger = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
# Problem types with meaning beyond the HTTP status (RFC 9457 §3.1.1 allows non-dereferenceable URIs).
PROBLEM_TYPE_PREFIX = "urn:refund-desk:problem:"
ABOUT_BLANK = "about:blank"
# The field name used when the request body as a whole is wrong (e.g. not JSON at all).
BODY_FIELD = "body"


class ProblemJSONRenderer(JSONRenderer):
    """Renders problem details with the media type RFC 9457 registers."""

    media_type = PROBLEM_MEDIA_TYPE
    format = "problem+json"


@dataclass(frozen=True, slots=True)
class ProblemType:
    """A kind of problem: its URI, short title and HTTP status."""

    slug: str
    title: str
    status: int
    description: str

    @property
    def uri(self) -> str:
        return f"{PROBLEM_TYPE_PREFIX}{self.slug}" if self.slug else ABOUT_BLANK


VALIDATION = ProblemType(
    "validation-error",
    "Invalid request",
    400,
    "The request failed validation; `errors` lists each field path.",
)
MALFORMED_BODY = ProblemType(
    "malformed-body", "Malformed request body", 400, "The request body is not valid JSON."
)
ILLEGAL_TRANSITION = ProblemType(
    "illegal-transition", "Illegal status change", 409, "The case's current status does not allow this move."
)
FORBIDDEN_ACTION = ProblemType(
    "forbidden-action", "Not permitted", 403, "The caller's role does not allow this action on this case."
)
BUSINESS_RULE = ProblemType(
    "business-rule", "Business rule violated", 422, "A business rule refused the request."
)

PROBLEM_TYPES = (VALIDATION, MALFORMED_BODY, ILLEGAL_TRANSITION, FORBIDDEN_ACTION, BUSINESS_RULE)


def http_problem(status: int) -> ProblemType:
    """A problem with no meaning beyond its HTTP status: type about:blank, title the status phrase."""
    phrase = HTTPStatus(status).phrase
    return ProblemType("", phrase, status, phrase)


def problem_body(
    problem: ProblemType,
    *,
    detail: str,
    instance: str,
    errors: list[tuple[str, str]] | None = None,
    status: int | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": problem.uri,
        "title": problem.title,
        "status": status or problem.status,
        "detail": detail,
        "instance": instance,
    }
    if errors is not None:
        body["errors"] = [{"field": field, "message": message} for field, message in errors]
    return body


def problem_response(
    problem: ProblemType,
    *,
    detail: str,
    instance: str,
    errors: list[tuple[str, str]] | None = None,
    status: int | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    return Response(
        problem_body(problem, detail=detail, instance=instance, errors=errors, status=status),
        status=status or problem.status,
        headers=headers,
        content_type=PROBLEM_MEDIA_TYPE,
    )


def flatten_errors(detail: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """DRF's nested error structure as (field path, message) pairs: {"items": [{}, {"quantity": [...]}]}
    becomes ("items[1].quantity", ...)."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key in ("non_field_errors", "detail"):
                child = path or BODY_FIELD
            else:
                child = f"{path}.{key}" if path else str(key)
            yield from flatten_errors(value, child)
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            for item in detail:
                yield (path or BODY_FIELD, str(item))
        else:
            for index, item in enumerate(detail):
                yield from flatten_errors(item, f"{path}[{index}]")
    else:
        yield (path or BODY_FIELD, str(detail))


def _instance(context: dict[str, Any]) -> str:
    request = context.get("request")
    return request.path if request is not None else ""


def _summary(errors: list[tuple[str, str]]) -> str:
    if len(errors) == 1:
        return f"{errors[0][0]}: {errors[0][1]}"
    return f"{len(errors)} fields are invalid; see errors."


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF's EXCEPTION_HANDLER: map any exception to a problem-details response."""
    instance = _instance(context)
    set_rollback()

    if isinstance(exc, domain.ValidationFailed):
        return problem_response(VALIDATION, detail=_summary(exc.errors), instance=instance, errors=exc.errors)
    if isinstance(exc, domain.IllegalTransition):
        return problem_response(ILLEGAL_TRANSITION, detail=str(exc), instance=instance)
    if isinstance(exc, domain.PermissionDenied):
        return problem_response(FORBIDDEN_ACTION, detail=str(exc), instance=instance)
    if isinstance(exc, domain.DomainError):
        return problem_response(BUSINESS_RULE, detail=str(exc), instance=instance)

    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge(body_too_large())
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    if isinstance(exc, exceptions.ParseError):
        return problem_response(
            MALFORMED_BODY,
            detail=f"The request body is not valid JSON: {exc.detail}",
            instance=instance,
            errors=[(BODY_FIELD, str(exc.detail))],
        )
    if isinstance(exc, exceptions.ValidationError):
        errors = list(flatten_errors(exc.detail))
        return problem_response(VALIDATION, detail=_summary(errors), instance=instance, errors=errors)
    if isinstance(exc, exceptions.APIException):
        headers: dict[str, str] = {}
        auth_header = getattr(exc, "auth_header", None)
        if auth_header:
            headers["WWW-Authenticate"] = auth_header
        wait = getattr(exc, "wait", None)
        if wait:
            headers["Retry-After"] = str(int(wait))
        return problem_response(
            http_problem(exc.status_code),
            detail=str(exc.detail),
            instance=instance,
            status=exc.status_code,
            headers=headers,
        )

    logger.exception("unexpected error while serving %s", instance or "an API request")
    return problem_response(
        http_problem(500),
        detail="The server failed to handle the request; it has been logged.",
        instance=instance,
    )


def problem_types_markdown() -> str:
    """The API description: how errors look, and the problem types beyond plain HTTP statuses."""
    lines = [
        str(settings.SPECTACULAR_SETTINGS.get("DESCRIPTION", "")),
        "",
        "Authenticate with `Authorization: Token <token>` (obtain one at `POST /api/v1/auth/token/`).",
        "",
        f"Every error is an RFC 9457 problem (`{PROBLEM_MEDIA_TYPE}`) with `type`, `title`, `status`, "
        "`detail`, `instance` and, for validation errors, `errors: [{field, message}]`. "
        f"Plain HTTP errors use type `{ABOUT_BLANK}`; the others are:",
        "",
    ]
    lines += [f"- `{p.uri}` ({p.status} {p.title}): {p.description}" for p in PROBLEM_TYPES]
    return "\n".join(lines)
