"""The emulator's OAuth server: authorization code, refresh (single-use, new pair), device flow."""

from __future__ import annotations

import secrets
import time
from typing import Any
from urllib.parse import urlencode

from refund_desk.integrations.allegro.emulator.http import AuthProblem, Request, Response
from refund_desk.integrations.allegro.emulator.store import Store

ALL_SCOPES = (
    "allegro:api:orders:read allegro:api:orders:write allegro:api:payments:read allegro:api:payments:write "
    "allegro:api:disputes allegro:api:messaging allegro:api:profile:read allegro:api:sale:settings:read"
)
ACCESS_TTL = 43199
REFRESH_GRACE_SECONDS = 60
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


class OAuthServer:
    def __init__(self, store: Store, *, token_ttl: int = ACCESS_TTL, device_interval: int = 5):
        self.store = store
        self.token_ttl = token_ttl
        self.device_interval = device_interval

    # --- tokens -------------------------------------------------------------------------------------

    def issue(self, scopes: str = ALL_SCOPES, ttl: int | None = None) -> dict[str, Any]:
        access, refresh = secrets.token_hex(32), secrets.token_hex(32)
        lifetime = self.token_ttl if ttl is None else ttl
        with self.store.tx() as db:
            db.execute(
                "INSERT INTO tokens (access_token, refresh_token, expires_at, scopes) VALUES (?, ?, ?, ?)",
                (access, refresh, time.time() + lifetime, scopes),
            )
        return {
            "access_token": access,
            "token_type": "bearer",
            "refresh_token": refresh,
            "expires_in": lifetime,
            "scope": scopes,
            "allegro_api": True,
            "jti": secrets.token_hex(16),
        }

    def authenticate(self, token: str | None) -> set[str]:
        """The scopes of a valid access token; raises AuthProblem (401) otherwise."""
        if not token:
            raise AuthProblem(401, "unauthorized", "Full authentication is required to access this resource")
        with self.store.tx() as db:
            row = db.execute(
                "SELECT expires_at, scopes FROM tokens WHERE access_token = ?", (token,)
            ).fetchone()
        if row is None:
            raise AuthProblem(401, "invalid_token", "Invalid access token")
        if row["expires_at"] <= time.time():
            raise AuthProblem(401, "invalid_token", "Access token expired")
        return set(row["scopes"].split())

    def expire_all(self) -> int:
        with self.store.tx() as db:
            return db.execute("UPDATE tokens SET expires_at = 0").rowcount

    # --- endpoints ----------------------------------------------------------------------------------

    def token_endpoint(self, request: Request) -> Response:
        if request.method != "POST":
            raise AuthProblem(405, "invalid_request", "use POST")
        form = request.form()
        grant = form.get("grant_type", "")
        if grant != DEVICE_GRANT and request.basic_auth() is None:
            raise AuthProblem(401, "invalid_client", "Bad client credentials")
        if grant == "authorization_code":
            return self._authorization_code(form)
        if grant == "refresh_token":
            return self._refresh(form)
        if grant == DEVICE_GRANT:
            return self._device_poll(form)
        if grant == "client_credentials":
            return Response.json(200, self.issue(scopes=""), "application/json")
        raise AuthProblem(400, "unsupported_grant_type", f"Unsupported grant type: {grant}")

    def _authorization_code(self, form: dict[str, str]) -> Response:
        with self.store.tx() as db:
            row = db.execute("SELECT * FROM auth_codes WHERE code = ?", (form.get("code", ""),)).fetchone()
            if row is None or row["used"]:
                raise AuthProblem(400, "invalid_grant", "Invalid authorization code")
            if form.get("redirect_uri") and form["redirect_uri"] != row["redirect_uri"]:
                raise AuthProblem(400, "invalid_grant", "Redirect URI mismatch")
            db.execute("UPDATE auth_codes SET used = 1 WHERE code = ?", (row["code"],))
            return Response.json(200, self.issue(row["scopes"]), "application/json")

    def _refresh(self, form: dict[str, str]) -> Response:
        refresh = form.get("refresh_token", "")
        now = time.time()
        with self.store.tx() as db:
            row = db.execute("SELECT * FROM tokens WHERE refresh_token = ?", (refresh,)).fetchone()
            if row is None:
                raise AuthProblem(400, "invalid_grant", "Invalid refresh token")
            if row["refresh_used_at"] is not None:
                # Single use; a retry within the grace period gets the pair the first use produced.
                if now - row["refresh_used_at"] <= REFRESH_GRACE_SECONDS and row["successor"]:
                    succ = db.execute(
                        "SELECT * FROM tokens WHERE access_token = ?", (row["successor"],)
                    ).fetchone()
                    return Response.json(200, self._describe(succ), "application/json")
                raise AuthProblem(400, "invalid_grant", "Invalid refresh token")
            pair = self.issue(row["scopes"])
            db.execute(
                "UPDATE tokens SET refresh_used_at = ?, successor = ?, expires_at = MIN(expires_at, ?) "
                "WHERE refresh_token = ?",
                (now, pair["access_token"], now + REFRESH_GRACE_SECONDS, refresh),
            )
            return Response.json(200, pair, "application/json")

    def _describe(self, row: Any) -> dict[str, Any]:
        return {
            "access_token": row["access_token"],
            "token_type": "bearer",
            "refresh_token": row["refresh_token"],
            "expires_in": max(0, int(row["expires_at"] - time.time())),
            "scope": row["scopes"],
            "allegro_api": True,
            "jti": secrets.token_hex(16),
        }

    def device_endpoint(self, request: Request) -> Response:
        if request.method != "POST":
            raise AuthProblem(405, "invalid_request", "use POST")
        form = request.form()
        if not form.get("client_id") and request.basic_auth() is None:
            raise AuthProblem(401, "invalid_client", "client_id is required")
        device_code = secrets.token_urlsafe(24)
        user_code = secrets.token_hex(4).upper()
        with self.store.tx() as db:
            db.execute(
                "INSERT INTO device_codes (device_code, user_code, expires_at, interval, approved, scopes) "
                "VALUES (?, ?, ?, ?, 0, ?)",
                (
                    device_code,
                    user_code,
                    time.time() + 3600,
                    self.device_interval,
                    form.get("scope") or ALL_SCOPES,
                ),
            )
        verification = f"{request.host_url}/skojarz-aplikacje"
        return Response.json(
            200,
            {
                "device_code": device_code,
                "user_code": user_code,
                "verification_uri": verification,
                "verification_uri_complete": f"{verification}?{urlencode({'code': user_code})}",
                "expires_in": 3600,
                "interval": self.device_interval,
            },
            "application/json",
        )

    def _device_poll(self, form: dict[str, str]) -> Response:
        now = time.time()
        problem: AuthProblem | None = None
        with self.store.tx() as db:  # the poll is recorded even when the answer is an error
            row = db.execute(
                "SELECT * FROM device_codes WHERE device_code = ?", (form.get("device_code", ""),)
            ).fetchone()
            if row is None:
                problem = AuthProblem(400, "invalid_grant", "Invalid device code")
            elif row["expires_at"] <= now:
                problem = AuthProblem(400, "expired_token", "Device code expired")
            else:
                too_fast = row["last_poll"] is not None and now - row["last_poll"] < row["interval"] * 0.8
                db.execute(
                    "UPDATE device_codes SET polls = polls + 1, last_poll = ? WHERE device_code = ?",
                    (now, row["device_code"]),
                )
                if too_fast:
                    problem = AuthProblem(400, "slow_down", "Polling too often")
                elif not row["approved"]:
                    problem = AuthProblem(400, "authorization_pending", "Authorization pending")
                else:
                    db.execute("DELETE FROM device_codes WHERE device_code = ?", (row["device_code"],))
                    pair = self.issue(row["scopes"])
        if problem is not None:
            raise problem
        return Response.json(200, pair, "application/json")

    def approve_device(self, user_code: str) -> bool:
        with self.store.tx() as db:
            return bool(
                db.execute("UPDATE device_codes SET approved = 1 WHERE user_code = ?", (user_code,)).rowcount
            )

    def verification_page(self, request: Request) -> Response:
        """Allegro's "skojarz aplikację" page; the emulator approves the code at once (demo)."""
        code = (request.q("code") or "").upper()
        approved = bool(code) and self.approve_device(code)
        text = (
            f"<h1>Refund Desk emulator</h1><p>Application connected (code {code}). You can close this page.</p>"
            if approved
            else "<h1>Refund Desk emulator</h1><p>Unknown or missing code.</p>"
        )
        return Response(200 if approved else 404, text.encode(), "text/html; charset=utf-8")

    def authorize_page(self, request: Request) -> Response:
        """GET /auth/oauth/authorize: auto-approves and redirects back with a code (demo)."""
        redirect_uri = request.q("redirect_uri")
        if request.q("response_type") != "code" or not request.q("client_id") or not redirect_uri:
            raise AuthProblem(
                400, "invalid_request", "response_type=code, client_id and redirect_uri are required"
            )
        code = secrets.token_urlsafe(16)
        with self.store.tx() as db:
            db.execute(
                "INSERT INTO auth_codes (code, redirect_uri, scopes) VALUES (?, ?, ?)",
                (code, redirect_uri, request.q("scope") or ALL_SCOPES),
            )
        params = {"code": code}
        if request.q("state"):
            params["state"] = request.q("state") or ""
        separator = "&" if "?" in redirect_uri else "?"
        return Response(302, b"", None, [("Location", f"{redirect_uri}{separator}{urlencode(params)}")])
