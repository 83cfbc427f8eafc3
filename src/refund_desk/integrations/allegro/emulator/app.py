"""The emulator's WSGI application: the route table, auth, media types, errors and faults.

The endpoint handlers live in `handlers/`, one mixin per API area.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from refund_desk.integrations.allegro.emulator.auth import OAuthServer
from refund_desk.integrations.allegro.emulator.faults import FaultConfig, FaultInjector
from refund_desk.integrations.allegro.emulator.handlers import (
    AdminHandlers,
    IssuesHandlers,
    MessagingHandlers,
    OrdersHandlers,
    PaymentsHandlers,
    ReturnsHandlers,
)
from refund_desk.integrations.allegro.emulator.http import (
    BETA,
    PUBLIC,
    ApiError,
    AuthProblem,
    Request,
    Response,
    auth_response,
    errors_response,
)
from refund_desk.integrations.allegro.emulator.scenario import Clock, Rates, Scenario
from refund_desk.integrations.allegro.emulator.store import Store

logger = logging.getLogger(__name__)

# The list of a collection response that a "duplicate" fault repeats an item of.
COLLECTION_KEYS = {
    "customerReturns",
    "events",
    "refunds",
    "refundClaims",
    "issues",
    "chat",
    "threads",
    "messages",
}

Handler = Callable[[Request], Response]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    media: str
    scope: str | None


# A message post carries no idempotency key on Allegro: a request delivered twice by the network would be two
# messages whatever the client does, so the duplicate fault leaves message posts alone. What the desk must
# survive there is `drop` and `timeout` (Allegro acted, the answer was lost), which its read-back handles.
MESSAGE_POST_PATHS = ("/messaging/", "/sale/issues/")


class EmulatorApp(
    ReturnsHandlers,
    OrdersHandlers,
    PaymentsHandlers,
    IssuesHandlers,
    MessagingHandlers,
    AdminHandlers,
):
    """WSGI app. Construct with `build_app()`."""

    def __init__(
        self,
        store: Store,
        *,
        seed: int = 1,
        speed: float = 1.0,
        faults: FaultConfig | None = None,
        rates: Rates | None = None,
        token_ttl: int = 43199,
        device_interval: int = 5,
        start: datetime | None = None,
        message_posts_per_second: float = 1.0,
    ):
        self.store = store
        self.message_posts_per_second = message_posts_per_second
        self.clock = Clock(store, speed=speed, start=start)
        self.scenario = Scenario(store, self.clock, seed=seed, rates=rates)
        self.oauth = OAuthServer(store, token_ttl=token_ttl, device_interval=device_interval)
        self.faults = FaultInjector(faults, seed=seed)
        # Ids the handlers make (messages, threads, refunds) must not repeat those of an earlier run over
        # the same file: the draws are reproducible per seed and per start of the emulator.
        starts = int(store.get_meta("app:starts") or 0) + 1
        store.set_meta("app:starts", str(starts))
        self.rng = random.Random(f"app:{seed}:{starts}")  # noqa: S311 - a reproducible simulation, not security
        self.requests_served = 0
        self.routes: list[Route] = []
        r = self._route
        r("GET", "/order/customer-returns", self.customer_returns, BETA, "allegro:api:orders:read")
        r("GET", "/order/customer-returns/{id}", self.customer_return, BETA, "allegro:api:orders:read")
        r(
            "POST",
            "/order/customer-returns/{id}/rejection",
            self.reject_return,
            BETA,
            "allegro:api:orders:write",
        )
        r("GET", "/order/checkout-forms/{id}", self.checkout_form, PUBLIC, "allegro:api:orders:read")
        r("GET", "/order/events", self.order_events, PUBLIC, "allegro:api:orders:read")
        r("GET", "/order/event-stats", self.event_stats, PUBLIC, "allegro:api:orders:read")
        r("GET", "/order/carriers", self.carriers, PUBLIC, None)
        r("GET", "/order/carriers/{id}/tracking", self.tracking, PUBLIC, None)
        r("POST", "/payments/refunds", self.refund_create, PUBLIC, "allegro:api:payments:write")
        r("GET", "/payments/refunds", self.refund_list, PUBLIC, "allegro:api:payments:read")
        r("POST", "/order/refund-claims", self.claim_create, PUBLIC, "allegro:api:orders:write")
        r("GET", "/order/refund-claims", self.claim_list, PUBLIC, "allegro:api:orders:read")
        r("GET", "/order/refund-claims/{id}", self.claim_get, PUBLIC, "allegro:api:orders:read")
        r("DELETE", "/order/refund-claims/{id}", self.claim_cancel, PUBLIC, "allegro:api:orders:write")
        r("GET", "/sale/issues", self.issue_list, BETA, "allegro:api:disputes")
        r("GET", "/sale/issues/{id}", self.issue_get, BETA, "allegro:api:disputes")
        r("GET", "/sale/issues/{id}/chat", self.issue_chat, BETA, "allegro:api:disputes")
        r("POST", "/sale/issues/{id}/message", self.issue_message, BETA, "allegro:api:disputes")
        r("POST", "/sale/issues/{id}/status", self.issue_status, BETA, "allegro:api:disputes")
        r("GET", "/messaging/threads", self.thread_list, PUBLIC, "allegro:api:messaging")
        r("GET", "/messaging/threads/{id}/messages", self.thread_messages, PUBLIC, "allegro:api:messaging")
        r("POST", "/messaging/threads/{id}/messages", self.thread_post, PUBLIC, "allegro:api:messaging")
        r("POST", "/messaging/messages", self.message_new, PUBLIC, "allegro:api:messaging")
        r("GET", "/me", self.me, PUBLIC, "allegro:api:profile:read")

    def _route(self, method: str, template: str, handler: Handler, media: str, scope: str | None) -> None:
        pattern = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "$")
        self.routes.append(Route(method, pattern, handler, media, scope))

    # --- WSGI ---------------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request.from_environ(environ)
        try:
            response = self.dispatch(request)
        except Exception:  # a bug in the emulator must still answer like a server would
            logger.exception("emulator error on %s %s", request.method, request.path)
            response = errors_response(ApiError(500, "INTERNAL_ERROR", "Internal server error"), PUBLIC, "en")
        self.requests_served += 1
        return response.wsgi(start_response)

    def dispatch(self, request: Request) -> Response:
        path = request.path.rstrip("/") or "/"
        if path.startswith("/__emulator/"):
            return self.admin(request, path)
        try:
            if path == "/auth/oauth/token":
                return self.oauth.token_endpoint(request)
            if path == "/auth/oauth/device":
                return self.oauth.device_endpoint(request)
            if path == "/auth/oauth/authorize":
                return self.oauth.authorize_page(request)
            if path == "/skojarz-aplikacje":
                return self.oauth.verification_page(request)
        except AuthProblem as problem:
            return auth_response(problem)
        route, params = self._match(request.method, path)
        if route is None:
            if params:  # the path exists with another method
                return errors_response(
                    ApiError(405, "METHOD_NOT_ALLOWED", "Method not allowed"), PUBLIC, "en"
                )
            return errors_response(
                ApiError(404, "NOT_FOUND", f"No endpoint {path}"), PUBLIC, request.language
            )
        request.params = params
        fault = self.faults.draw()
        if fault == "429":
            return errors_response(
                ApiError(429, "TooManyRequests", "Too many requests"), route.media, request.language
            )
        if fault == "5xx":
            status = self.rng.choice([500, 502, 503])
            return errors_response(
                ApiError(status, "INTERNAL_ERROR", "Service unavailable"), route.media, "en"
            )
        if fault == "timeout":
            time.sleep(self.faults.config.timeout_delay)
            return Response(504, b"", None)
        response = self._handle(route, request)
        if fault == "duplicate" and response.status < 300:
            if request.method == "POST" and path.startswith(MESSAGE_POST_PATHS):
                pass  # see MESSAGE_POST_PATHS
            elif request.method == "POST":
                response = self._handle(route, request)  # the same request delivered twice
            else:
                response = self._duplicate_items(response)
        if fault == "drop":
            return Response(502, b"", None)  # the server did the work; the client never hears about it
        return response

    def _match(self, method: str, path: str) -> tuple[Route | None, dict[str, str]]:
        path_exists = False
        for route in self.routes:
            found = route.pattern.match(path)
            if found:
                if route.method == method:
                    return route, found.groupdict()
                path_exists = True
        return None, {"exists": "1"} if path_exists else {}

    def _handle(self, route: Route, request: Request) -> Response:
        try:
            try:
                scopes = self.oauth.authenticate(request.bearer())
            except AuthProblem as problem:
                return auth_response(problem, route.media)
            accept = [part.split(";")[0].strip() for part in request.headers.get("accept", "").split(",")]
            if route.media not in accept:
                raise ApiError(
                    406,
                    "NotAcceptable",
                    f"Not acceptable representation; this resource requires Accept: {route.media}",
                )
            if route.scope and route.scope not in scopes:
                raise ApiError(
                    403, "AccessDenied", "Access is denied", details=f"Required scope: {route.scope}"
                )
            if request.method in ("POST", "PUT") and request.body:
                content_type = request.headers.get("content-type", "").split(";")[0].strip()
                if content_type != route.media:
                    raise ApiError(415, "UnsupportedMediaType", f"Content-Type must be {route.media}")
            with self.store.tx():
                self.scenario.tick()
                return route.handler(request)
        except ApiError as error:
            return errors_response(error, route.media, request.language)

    def _duplicate_items(self, response: Response) -> Response:
        if not isinstance(response.data, dict):
            return response
        for key, value in response.data.items():
            if key in COLLECTION_KEYS and isinstance(value, list) and value:
                data = {**response.data, key: [*value, value[0]]}
                return Response.json(response.status, data, response.content_type or PUBLIC, response.headers)
        return response


def build_app(
    db: str | Path = ":memory:",
    *,
    seed: int = 1,
    speed: float = 1.0,
    faults: FaultConfig | None = None,
    rates: Rates | None = None,
    token_ttl: int = 43199,
    device_interval: int = 5,
    start: datetime | None = None,
    message_posts_per_second: float = 1.0,
) -> EmulatorApp:
    """An emulator over the SQLite file `db` (":memory:" for a throwaway one)."""
    return EmulatorApp(
        Store(db),
        seed=seed,
        speed=speed,
        faults=faults,
        rates=rates,
        token_ttl=token_ttl,
        device_interval=device_interval,
        start=start,
        message_posts_per_second=message_posts_per_second,
    )
