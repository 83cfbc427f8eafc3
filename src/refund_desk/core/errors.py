"""Domain errors shared by every app."""

from __future__ import annotations

from pydantic import ValidationError


class DomainError(Exception):
    """A business rule was broken; the message is safe to show to a user."""


class IllegalTransition(DomainError):
    """A case was asked to move to a status its current status does not allow."""


class PermissionDenied(DomainError):
    """The actor may not perform this action."""


class ValidationFailed(DomainError):
    """Input did not validate. `errors` lists (field path, message) pairs, e.g. ("items[1].quantity", ...)."""

    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = errors
        super().__init__("; ".join(f"{path}: {message}" for path, message in errors))


def field_errors(exc: ValidationError, prefix: str = "") -> list[tuple[str, str]]:
    """pydantic's errors as (field path, message) pairs: `prefix.a[0].b` ("body" for the whole input)."""
    errors = []
    for error in exc.errors():
        path = prefix
        for part in error["loc"]:
            path += f"[{part}]" if isinstance(part, int) else f".{part}"
        message = error["msg"]
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        errors.append((path.lstrip(".") or "body", message))
    return errors
