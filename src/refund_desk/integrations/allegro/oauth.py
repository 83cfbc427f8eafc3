"""OAuth 2 against Allegro: authorization code, refresh (single-use refresh tokens), device flow."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlencode

import httpx

from refund_desk import PROJECT_URL, __version__
from refund_desk.integrations.allegro.errors import (
    AuthorizationPending,
    NeedsReconnect,
    OAuthError,
    SlowDown,
    TransportFailure,
)

OAUTH_HOSTS = {
    "production": "https://allegro.pl",
    "sandbox": "https://allegro.pl.allegrosandbox.pl",
}
API_HOSTS = {
    "production": "https://api.allegro.pl",
    "sandbox": "https://api.allegro.pl.allegrosandbox.pl",
}
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_at: datetime
    scope: str = ""

    @classmethod
    def from_response(cls, data: dict[str, Any], *, now: datetime | None = None) -> TokenPair:
        now = now or datetime.now(UTC)
        return cls(
            access_token=str(data["access_token"]),
            refresh_token=str(data.get("refresh_token") or ""),
            expires_at=now + timedelta(seconds=int(data.get("expires_in") or 0)),
            scope=str(data.get("scope") or ""),
        )


@dataclass(frozen=True, slots=True)
class DeviceAuthorization:
    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str
    expires_in: int
    interval: int


class TokenProvider(Protocol):
    """Where the client gets an access token, and how it renews one Allegro refused."""

    def access_token(self) -> str: ...

    def refresh(self, stale_token: str) -> str:
        """Return a fresh access token (refreshing only if `stale_token` is still the current one)."""
        ...

    def mark_needs_reconnect(self, reason: str) -> None: ...


class StaticTokenProvider:
    """A fixed token (benchmarks, scripts): a 401 means reconnect."""

    def __init__(self, token: str):
        self.token = token
        self.reconnect_reason: str | None = None

    def access_token(self) -> str:
        return self.token

    def refresh(self, stale_token: str) -> str:

        raise NeedsReconnect("a static token cannot be refreshed")

    def mark_needs_reconnect(self, reason: str) -> None:
        self.reconnect_reason = reason


def oauth_base_url(environment: str, api_url: str = "") -> str:
    """OAuth host for an account: allegro.pl, the sandbox, or the emulator (which serves both)."""
    if environment in OAUTH_HOSTS:
        return OAUTH_HOSTS[environment]
    if not api_url:
        raise ValueError("an emulator account needs an API URL")
    return api_url.rstrip("/")


def pkce_verifier() -> str:
    """A PKCE code verifier (RFC 7636 §4.1): 86 characters of [A-Za-z0-9_-]."""
    return secrets.token_urlsafe(64)


def pkce_challenge(verifier: str) -> str:
    """The S256 code challenge of a verifier: BASE64URL(SHA256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def oauth_state() -> str:
    """An unguessable `state` tying the authorization redirect to the session that started it."""
    return secrets.token_urlsafe(32)


def authorize_url(
    base_url: str,
    *,
    client_id: str,
    redirect_uri: str,
    state: str,
    code_challenge: str,
    scope: str | None = None,
    prompt: str | None = "confirm",
) -> str:
    """Where to send the seller's browser: Allegro's consent page for the authorization-code flow (PKCE)."""
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "state": state,
        "code_challenge": code_challenge,
        "code_challenge_method": "S256",
    }
    if prompt:
        params["prompt"] = prompt
    if scope:
        params["scope"] = scope
    return f"{base_url.rstrip('/')}/auth/oauth/authorize?{urlencode(params)}"


class OAuthClient:
    def __init__(
        self,
        *,
        base_url: str,
        client_id: str,
        client_secret: str = "",
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
    ):
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self._http = httpx.Client(
            transport=transport,
            timeout=timeout,
            headers={
                "User-Agent": f"RefundDesk/{__version__} (+{PROJECT_URL})",
                "Accept": "application/json",
            },
        )

    def close(self) -> None:
        self._http.close()

    def _post(
        self, path: str, *, params: dict[str, str] | None = None, data: dict[str, str] | None = None
    ) -> Any:
        try:
            response = self._http.post(
                f"{self.base_url}{path}", params=params, data=data, auth=(self.client_id, self.client_secret)
            )
        except httpx.HTTPError as exc:
            raise TransportFailure(f"OAuth call {path} failed: {exc.__class__.__name__}") from exc
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code >= 400 or "error" in body:
            error = str(body.get("error") or f"http_{response.status_code}")
            description = str(body.get("error_description") or "")
            kind = {"authorization_pending": AuthorizationPending, "slow_down": SlowDown}.get(
                error, OAuthError
            )
            raise kind(
                error, description, status=response.status_code, trace_id=response.headers.get("trace-id")
            )
        return body

    def authorize_url(
        self,
        *,
        redirect_uri: str,
        state: str,
        code_challenge: str,
        scope: str | None = None,
        prompt: str | None = "confirm",
    ) -> str:
        return authorize_url(
            self.base_url,
            client_id=self.client_id,
            redirect_uri=redirect_uri,
            state=state,
            code_challenge=code_challenge,
            scope=scope,
            prompt=prompt,
        )

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str | None = None) -> TokenPair:
        """Trade an authorization code for tokens (HTTP Basic client_id:client_secret; PKCE verifier if used)."""
        params = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        if code_verifier:
            params["code_verifier"] = code_verifier
        body = self._post("/auth/oauth/token", params=params)
        return TokenPair.from_response(body)

    def refresh(self, refresh_token: str) -> TokenPair:
        body = self._post(
            "/auth/oauth/token", params={"grant_type": "refresh_token", "refresh_token": refresh_token}
        )
        return TokenPair.from_response(body)

    def start_device_flow(self, scope: str | None = None) -> DeviceAuthorization:
        data = {"client_id": self.client_id}
        if scope:
            data["scope"] = scope
        body = self._post("/auth/oauth/device", data=data)
        return DeviceAuthorization(
            device_code=body["device_code"],
            user_code=body["user_code"],
            verification_uri=body["verification_uri"],
            verification_uri_complete=body.get("verification_uri_complete") or body["verification_uri"],
            expires_in=int(body.get("expires_in", 3600)),
            interval=int(body.get("interval", 5)),
        )

    def poll_device(self, device_code: str) -> TokenPair:
        body = self._post(
            "/auth/oauth/token", params={"grant_type": DEVICE_GRANT, "device_code": device_code}
        )
        return TokenPair.from_response(body)

    def wait_for_device(
        self,
        auth: DeviceAuthorization,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        on_pending: Callable[[], None] | None = None,
    ) -> TokenPair:
        """Poll every `interval` seconds (longer after slow_down) until confirmed or expired."""
        interval = auth.interval
        deadline = clock() + auth.expires_in
        while clock() < deadline:
            sleep(interval)
            try:
                return self.poll_device(auth.device_code)
            except AuthorizationPending:
                if on_pending:
                    on_pending()
            except SlowDown:
                interval += 5
        raise OAuthError("expired_token", "the device code expired before the user confirmed it")
