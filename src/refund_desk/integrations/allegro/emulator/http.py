"""Minimal WSGI request/response plumbing for the emulator (no framework: it must stay tiny and fast)."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

PUBLIC = "application/vnd.allegro.public.v1+json"
BETA = "application/vnd.allegro.beta.v1+json"

STATUS_TEXT = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "No Content",
    302: "Found",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    409: "Conflict",
    415: "Unsupported Media Type",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}

# userMessage is localised by Accept-Language (spec: Error.userMessage).
USER_MESSAGES: dict[str, dict[str, str]] = {
    "NOT_FOUND": {
        "pl": "Nie znaleziono zasobu.",
        "cs": "Zdroj nebyl nalezen.",
        "sk": "Zdroj sa nenasiel.",
        "hu": "Az eroforras nem talalhato.",
        "en": "The resource was not found.",
    },
    "AccessDenied": {
        "pl": "Brak dostępu.",
        "cs": "Pristup odepren.",
        "sk": "Pristup zamietnuty.",
        "hu": "Hozzaferes megtagadva.",
        "en": "Access is denied.",
    },
    "VALIDATION_ERROR": {
        "pl": "Błąd walidacji.",
        "cs": "Chyba validace.",
        "sk": "Chyba validacie.",
        "hu": "Ervenyesitesi hiba.",
        "en": "Validation failed.",
    },
    "TooManyRequests": {
        "pl": "Zbyt wiele zapytań. Spróbuj później.",
        "cs": "Prilis mnoho pozadavku.",
        "sk": "Prilis vela poziadaviek.",
        "hu": "Tul sok keres.",
        "en": "Too many requests.",
    },
    "NotAcceptable": {
        "pl": "Nieobsługiwany typ odpowiedzi.",
        "cs": "Nepodporovany typ.",
        "sk": "Nepodporovany typ.",
        "hu": "Nem tamogatott tipus.",
        "en": "Not acceptable media type.",
    },
}


def user_message(code: str, language: str, fallback: str) -> str:
    texts = USER_MESSAGES.get(code)
    if not texts:
        return fallback
    return texts.get(language, texts["en"])


class ApiError(Exception):
    """An Allegro ErrorsHolder response."""

    def __init__(
        self, status: int, code: str, message: str, *, path: str | None = None, details: str | None = None
    ):
        super().__init__(message)
        self.status, self.code, self.message, self.path, self.details = status, code, message, path, details


class AuthProblem(Exception):
    """An Allegro AuthError response ({error, error_description})."""

    def __init__(self, status: int, error: str, description: str):
        super().__init__(description)
        self.status, self.error, self.description = status, error, description


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    host_url: str
    params: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_environ(cls, environ: dict[str, Any]) -> Request:
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        scheme = environ.get("wsgi.url_scheme", "http")
        host = (
            environ.get("HTTP_HOST")
            or f"{environ.get('SERVER_NAME', 'localhost')}:{environ.get('SERVER_PORT', '80')}"
        )
        return cls(
            method=environ["REQUEST_METHOD"].upper(),
            path=environ.get("PATH_INFO", "/") or "/",
            query=parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True),
            headers=headers,
            body=body,
            host_url=f"{scheme}://{host}",
        )

    @property
    def language(self) -> str:
        return (self.headers.get("accept-language") or "pl-PL")[:2].lower()

    def q(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None

    def qall(self, name: str) -> list[str]:
        return self.query.get(name, [])

    def int_q(self, name: str, *, default: int, low: int, high: int | None = None) -> int:
        raw = self.q(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError as exc:
            raise ApiError(400, "VALIDATION_ERROR", f"{name} must be an integer", path=name) from exc
        if value < low or (high is not None and value > high):
            bound = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise ApiError(400, "VALIDATION_ERROR", f"{name} must be {bound}", path=name)
        return value

    def json(self) -> Any:
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise ApiError(400, "VALIDATION_ERROR", "Malformed JSON body") from exc

    def form(self) -> dict[str, str]:
        merged = {k: v[-1] for k, v in self.query.items()}
        if self.body and "application/x-www-form-urlencoded" in self.headers.get("content-type", ""):
            merged.update({k: v[-1] for k, v in parse_qs(self.body.decode(), keep_blank_values=True).items()})
        return merged

    def basic_auth(self) -> tuple[str, str] | None:
        header = self.headers.get("authorization", "")
        if not header.lower().startswith("basic "):
            return None
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return None
        return user, password

    def bearer(self) -> str | None:
        header = self.headers.get("authorization", "")
        return header[7:].strip() if header.lower().startswith("bearer ") else None


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    data: Any = None  # the JSON value behind `body`, for fault injection

    @classmethod
    def json(
        cls, status: int, data: Any, media: str = PUBLIC, headers: list[tuple[str, str]] | None = None
    ) -> Response:
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        return cls(status, body, media, list(headers or []), data)

    def wsgi(self, start_response: Callable[..., Any]) -> Iterable[bytes]:
        headers = [*self.headers, ("trace-id", secrets.token_hex(8)), ("Content-Length", str(len(self.body)))]
        if self.content_type:
            headers.append(("Content-Type", self.content_type))
        start_response(f"{self.status} {STATUS_TEXT.get(self.status, 'Unknown')}", headers)
        return [self.body]


def errors_response(error: ApiError, media: str, language: str) -> Response:
    return Response.json(
        error.status,
        {
            "errors": [
                {
                    "code": error.code,
                    "message": error.message,
                    "details": error.details,
                    "path": error.path,
                    "userMessage": user_message(error.code, language, error.message),
                    "metadata": {},
                }
            ]
        },
        media,
    )


def auth_response(problem: AuthProblem, media: str = "application/json") -> Response:
    return Response.json(
        problem.status, {"error": problem.error, "error_description": problem.description}, media
    )
