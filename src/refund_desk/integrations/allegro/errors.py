"""Errors raised by the Allegro client. Every one carries what a support ticket needs (trace id, codes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ApiErrorDetail:
    """One entry of Allegro's ErrorsHolder.errors."""

    code: str
    message: str
    user_message: str = ""
    path: str | None = None
    details: str | None = None


class AllegroError(Exception):
    """Base class: anything that went wrong talking to Allegro."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        errors: list[ApiErrorDetail] | None = None,
        trace_id: str | None = None,
        operation: str = "",
    ):
        self.status = status
        self.errors = errors or []
        self.trace_id = trace_id
        self.operation = operation
        suffix = f" (trace-id {trace_id})" if trace_id else ""
        super().__init__(f"{message}{suffix}")

    @property
    def codes(self) -> list[str]:
        return [e.code for e in self.errors]

    @property
    def retryable(self) -> bool:
        return False


class TransportFailure(AllegroError):
    """No usable HTTP response: connection refused/reset, timeout, or a response cut off."""

    @property
    def retryable(self) -> bool:
        return True


class RateLimited(AllegroError):
    """429 after every retry."""

    @property
    def retryable(self) -> bool:
        return True


class ServerError(AllegroError):
    """5xx after every retry."""

    @property
    def retryable(self) -> bool:
        return True


class CircuitOpen(AllegroError):
    """Too many consecutive failures for this account: calls are paused for a while."""

    @property
    def retryable(self) -> bool:
        return True


class BadRequest(AllegroError):
    """400: the request was malformed (a bug on our side)."""


class NotAuthenticated(AllegroError):
    """401 that a token refresh did not cure."""


class NeedsReconnect(NotAuthenticated):
    """The account's tokens are unusable; the seller must connect the account again."""


class AccessDenied(AllegroError):
    """403: a scope is missing or the resource belongs to someone else."""

    def __init__(self, message: str, *, missing_scope: str | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.missing_scope = missing_scope


class NotFound(AllegroError):
    """404: unknown id."""


class NotAcceptable(AllegroError):
    """406: wrong Accept media type for the operation (public vs beta) — a bug on our side."""


class Conflict(AllegroError):
    """409: stale revision, or the issue does not accept this change."""


class BusinessRuleViolation(AllegroError):
    """422: Allegro refused by a business rule (already rejected, period expired, quantity exceeded…)."""


class OAuthError(AllegroError):
    """The OAuth server answered with an AuthError ({error, error_description})."""

    def __init__(self, error: str, description: str = "", **kwargs: Any):
        self.error = error
        self.description = description
        super().__init__(f"OAuth error {error}: {description}".rstrip(": "), **kwargs)


class AuthorizationPending(OAuthError):
    """Device flow: the user has not confirmed yet."""


class SlowDown(OAuthError):
    """Device flow: poll less often."""
