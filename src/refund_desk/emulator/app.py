"""The emulator's WSGI application: Allegro paths, media types, errors, pagination, faults, admin."""

from __future__ import annotations

import json
import logging
import random
import re
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from refund_desk.demo.casefiles import CARRIERS
from refund_desk.emulator.auth import ALL_SCOPES, OAuthServer
from refund_desk.emulator.faults import FaultConfig, FaultInjector
from refund_desk.emulator.http import (
    BETA,
    PUBLIC,
    ApiError,
    AuthProblem,
    Request,
    Response,
    auth_response,
    errors_response,
)
from refund_desk.emulator.ledger import ledger_report
from refund_desk.emulator.scenario import SELLER_LOGIN, Clock, Rates, Scenario, iso, parse_iso
from refund_desk.emulator.store import Store, dumps

logger = logging.getLogger(__name__)

REJECTION_CODES = {
    "REFUND_REJECTED",
    "NEW_ITEM_SENT",
    "ITEM_FIXED",
    "MISSING_PART_SENT",
    "ITEM_MISMATCH",
    "BUSINESS_PURCHASE",
    "NO_RETURN_RIGHT",
}
REFUND_REASONS = {
    "REFUND",
    "COMPLAINT",
    "PRODUCT_NOT_AVAILABLE",
    "PAID_VALUE_TOO_LOW",
    "OVERPAID",
    "CANCELLED_BY_BUYER",
    "NOT_COLLECTED",
}
CLAIM_DECISIONS = {
    "ACCEPTED_REPAIR",
    "ACCEPTED_REFUND",
    "ACCEPTED_EXCHANGE",
    "ACCEPTED_PARTIAL_REFUND",
    "REJECTED_ADDITIONAL_REQUIREMENTS_NOT_COMPLETED",
    "REJECTED_PRODUCT_NOT_RETURNED",
    "REJECTED_PRODUCT_DAMAGED_BY_USER",
    "REJECTED_PRODUCT_CONFORMS_TO_CONTRACT",
    "REJECTED_MINOR_DEFECT",
    "REJECTED_OTHER",
    "REJECTED_CLAIM_WITHDRAWN_BY_BUYER",
}
ISSUE_MESSAGE_TYPES = {
    "REGULAR",
    "END_REQUEST",
    "RETURN_REQUIRED_SELLER_LABEL",
    "RETURN_REQUIRED_CUSTOM",
    "RETURN_NOT_REQUIRED",
}
CARRIER_NAMES = {
    "INPOST": "InPost",
    "DPD": "DPD",
    "DHL": "DHL",
    "ALLEGRO": "Allegro One Kurier",
    "POCZTA_POLSKA": "Poczta Polska",
    "GLS": "GLS",
    "OTHER": "Inny przewoźnik",
}
LIVE_REFUND_STATUSES = ("NEW", "VALIDATED", "IN_PROGRESS", "SUCCESS", "PARTIAL")
CENT = Decimal("0.01")
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


class EmulatorApp:
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
    ):
        self.store = store
        self.clock = Clock(store, speed=speed, start=start)
        self.scenario = Scenario(store, self.clock, seed=seed, rates=rates)
        self.oauth = OAuthServer(store, token_ttl=token_ttl, device_interval=device_interval)
        self.faults = FaultInjector(faults, seed=seed)
        self.rng = random.Random(f"app:{seed}")  # noqa: S311 - a reproducible simulation, not security
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
            if request.method == "POST":
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

    # --- helpers ------------------------------------------------------------------------------------

    def _rows(self, sql: str, args: Iterable[Any] = ()) -> list[Any]:
        with self.store.tx() as db:
            return db.execute(sql, tuple(args)).fetchall()

    @staticmethod
    def _stamp(request: Request, name: str) -> str | None:
        raw = request.q(name)
        if raw is None:
            return None
        try:
            return iso(parse_iso(raw))
        except ValueError as exc:
            raise ApiError(
                400, "VALIDATION_ERROR", f"{name} must be an ISO 8601 date-time", path=name
            ) from exc

    def _order_or_404(self, order_id: str) -> dict[str, Any]:
        order = self.store.order(order_id)
        if order is None:
            raise ApiError(404, "NOT_FOUND", f"Checkout form {order_id} not found")
        return order

    # --- customer returns ---------------------------------------------------------------------------

    def customer_returns(self, request: Request) -> Response:
        limit = request.int_q("limit", default=100, low=1, high=1000)
        offset = request.int_q("offset", default=0, low=0)
        where, args = ["1 = 1"], list[Any]()
        cursor = request.q("from")
        if cursor:
            row = self._rows("SELECT seq FROM returns WHERE id = ?", [cursor])
            if not row:
                raise ApiError(
                    400, "VALIDATION_ERROR", f"Unknown customer return id in 'from': {cursor}", path="from"
                )
            where.append("seq > ?")
            args.append(row[0]["seq"])
        for name, column in (("createdAt.gte", "created_at >= ?"), ("createdAt.lte", "created_at <= ?")):
            stamp = self._stamp(request, name)
            if stamp:
                where.append(column)
                args.append(stamp)
        for name, column in (("status", "status"), ("orderId", "order_id")):
            if request.q(name):
                where.append(f"{column} = ?")
                args.append(request.q(name))
        ids = request.qall("customerReturnId")
        if ids:
            where.append(f"id IN ({','.join('?' * len(ids))})")
            args.extend(ids)
        for name, key in (
            ("buyer.login", "$.buyer.login"),
            ("marketplaceId", "$.marketplaceId"),
            ("referenceNumber", "$.referenceNumber"),
        ):
            if request.q(name):
                where.append(f"json_extract(body, '{key}') = ?")
                args.append(request.q(name))
        rows = self._rows(
            f"SELECT body FROM returns WHERE {' AND '.join(where)} ORDER BY seq LIMIT ? OFFSET ?",  # noqa: S608
            [*args, limit, offset],
        )
        returns = [json.loads(row["body"]) for row in rows]
        return Response.json(200, {"customerReturns": returns, "count": len(returns)}, BETA)

    def customer_return(self, request: Request) -> Response:
        ret = self.store.customer_return(request.params["id"])
        if ret is None:
            raise ApiError(404, "NOT_FOUND", f"Customer return {request.params['id']} not found")
        return Response.json(200, ret, BETA)

    def reject_return(self, request: Request) -> Response:
        ret = self.store.customer_return(request.params["id"])
        if ret is None:
            raise ApiError(422, "NO_RESCISSION", f"No customer return {request.params['id']}")
        body = request.json()
        rejection = body.get("rejection") if isinstance(body, dict) else None
        if not isinstance(rejection, dict) or rejection.get("code") not in REJECTION_CODES:
            raise ApiError(
                400,
                "VALIDATION_ERROR",
                "rejection.code is required and must be a known code",
                path="rejection.code",
            )
        reason = rejection.get("reason")
        if reason is not None and (not isinstance(reason, str) or not 1 <= len(reason) <= 250):
            raise ApiError(
                400,
                "VALIDATION_ERROR",
                "rejection.reason must have 1-250 characters",
                path="rejection.reason",
            )
        if rejection["code"] == "REFUND_REJECTED" and not reason:
            raise ApiError(
                422,
                "VALIDATION_ERROR",
                "rejection.reason is required for REFUND_REJECTED",
                path="rejection.reason",
            )
        if ret.get("rejection") is not None or ret["status"] == "REJECTED":
            raise ApiError(422, "ALREADY_REJECTED", "The refund for this return has already been rejected")
        if ret["status"].startswith("FINISHED") or ret["status"].startswith("COMMISSION"):
            raise ApiError(422, "RETURN_FINISHED", "The return has already been refunded")
        ret["rejection"] = {"code": rejection["code"], "reason": reason, "createdAt": iso(self.clock.now())}
        ret["status"] = "REJECTED"
        self.store.update_return(ret, None)
        return Response.json(200, ret, BETA)

    # --- orders -------------------------------------------------------------------------------------

    def checkout_form(self, request: Request) -> Response:
        return Response.json(200, self._order_or_404(request.params["id"]))

    def order_events(self, request: Request) -> Response:
        limit = request.int_q("limit", default=100, low=1, high=1000)
        where, args = ["1 = 1"], list[Any]()
        cursor = request.q("from")
        if cursor:
            if not cursor.isdigit():
                raise ApiError(422, "VALIDATION_ERROR", "'from' must be an event id", path="from")
            where.append("seq > ?")
            args.append(int(cursor))
        types = request.qall("type")
        if types:
            where.append(f"type IN ({','.join('?' * len(types))})")
            args.extend(types)
        rows = self._rows(
            f"SELECT seq, body FROM events WHERE {' AND '.join(where)} ORDER BY seq LIMIT ?",  # noqa: S608
            [*args, limit],
        )
        return Response.json(
            200, {"events": [{"id": str(row["seq"]), **json.loads(row["body"])} for row in rows]}
        )

    def event_stats(self, request: Request) -> Response:
        rows = self._rows("SELECT seq, occurred_at FROM events ORDER BY seq DESC LIMIT 1")
        if not rows:
            return Response.json(200, {})
        return Response.json(
            200, {"latestEvent": {"id": str(rows[0]["seq"]), "occurredAt": rows[0]["occurred_at"]}}
        )

    def carriers(self, request: Request) -> Response:
        ids = [*CARRIERS, "OTHER"]
        return Response.json(200, {"carriers": [{"id": c, "name": CARRIER_NAMES.get(c, c)} for c in ids]})

    def tracking(self, request: Request) -> Response:
        carrier = request.params["id"]
        waybills = request.qall("waybill")
        if carrier not in CARRIERS:
            raise ApiError(
                400, "VALIDATION_ERROR", f"Carrier {carrier} does not support tracking", path="carrierId"
            )
        if not 1 <= len(waybills) <= 20:
            raise ApiError(400, "VALIDATION_ERROR", "Between 1 and 20 waybills are required", path="waybill")
        result = []
        for waybill in waybills:
            rows = self._rows(
                "SELECT * FROM tracking WHERE carrier_id = ? AND waybill = ?", [carrier, waybill]
            )
            details = None
            if rows:
                details = {
                    "createdAt": rows[0]["created_at"],
                    "updatedAt": rows[0]["updated_at"],
                    "statuses": json.loads(rows[0]["statuses"]),
                }
            result.append({"waybill": waybill, "trackingDetails": details})
        return Response.json(200, {"carrierId": carrier, "waybills": result})

    # --- payments refunds ---------------------------------------------------------------------------

    def refund_create(self, request: Request) -> Response:
        body = request.json()
        if not isinstance(body, dict):
            raise ApiError(400, "VALIDATION_ERROR", "Request body must be a JSON object")
        command_id = body.get("commandId")
        order_ref, payment_ref = body.get("order") or {}, body.get("payment") or {}
        if not command_id or not isinstance(order_ref, dict) or not order_ref.get("id"):
            raise ApiError(422, "VALIDATION_ERROR", "order.id and commandId are required", path="commandId")
        existing = self._rows("SELECT body FROM refunds WHERE command_id = ?", [command_id])
        if existing:  # idempotent: the same command always answers with the same refund
            return Response.json(200, self._public_refund(json.loads(existing[0]["body"])))
        if body.get("reason") not in REFUND_REASONS:
            raise ApiError(
                400, "VALIDATION_ERROR", "reason is required and must be a known value", path="reason"
            )
        order = self.store.order(order_ref["id"])
        if (
            order is None
            or not isinstance(payment_ref, dict)
            or payment_ref.get("id") != order["payment"]["id"]
        ):
            raise ApiError(404, "NOT_FOUND", "Payment not found for this order", path="payment.id")
        if order["status"] not in ("READY_FOR_PROCESSING", "CANCELLED") or not order["payment"].get(
            "finishedAt"
        ):
            raise ApiError(422, "VALIDATION_ERROR", "The order has not been paid")
        if order["payment"]["type"] == "CASH_ON_DELIVERY" and order["marketplace"]["id"] == "allegro-pl":
            raise ApiError(422, "COD_MARKETPLACE_NOT_SUPPORTED", "Cash on delivery refunds are not supported")
        total, lines, delivery = self._validate_refund(body, order)
        now = self.clock.now()
        refund_id = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        currency = order["summary"]["totalToPay"]["currency"]
        refund: dict[str, Any] = {
            "id": refund_id,
            "payment": {"id": order["payment"]["id"]},
            "order": {"id": order["id"]},
            "reason": body["reason"],
            "status": "NEW",
            "createdAt": iso(now),
            "totalValue": {"amount": f"{total.quantize(CENT)}", "currency": currency},
            "lineItems": lines,
        }
        if delivery is not None:
            refund["delivery"] = {"value": {"amount": f"{delivery.quantize(CENT)}", "currency": currency}}
        if body.get("sellerComment"):
            refund["sellerComment"] = str(body["sellerComment"])[:250]
        settle_at = iso(now + timedelta(minutes=self.rng.randint(1, 30)))
        with self.store.tx() as db:
            db.execute(
                "INSERT INTO refunds (id, command_id, order_id, payment_id, status, total, currency, created_at, "
                "settle_at, body) VALUES (?, ?, ?, ?, 'NEW', ?, ?, ?, ?, ?)",
                (
                    refund_id,
                    command_id,
                    order["id"],
                    order["payment"]["id"],
                    str(total),
                    currency,
                    iso(now),
                    settle_at,
                    dumps(refund),
                ),
            )
            db.execute(
                "INSERT INTO refund_executions (command_id, refund_id, order_id, executed_at) VALUES (?, ?, ?, ?)",
                (command_id, refund_id, order["id"], iso(now)),
            )
        return Response.json(200, self._public_refund(json.loads(dumps(refund))))

    def _validate_refund(
        self, body: dict[str, Any], order: dict[str, Any]
    ) -> tuple[Decimal, list[dict[str, Any]], Decimal | None]:
        currency = order["summary"]["totalToPay"]["currency"]
        refunded_qty: dict[str, int] = {}
        refunded_amount: dict[str, Decimal] = {}
        refunded_delivery = Decimal("0")
        for row in self._rows(
            "SELECT body FROM refunds WHERE order_id = ? AND status IN (?, ?, ?, ?, ?)",
            [order["id"], *LIVE_REFUND_STATUSES],
        ):
            earlier = json.loads(row["body"])
            for line in earlier.get("lineItems", []):
                refunded_qty[line["id"]] = refunded_qty.get(line["id"], 0) + int(line.get("quantity") or 0)
                refunded_amount[line["id"]] = refunded_amount.get(line["id"], Decimal("0")) + Decimal(
                    line["refunded"]
                )
            if earlier.get("delivery"):
                refunded_delivery += Decimal(earlier["delivery"]["value"]["amount"])
        lines_by_id = {li["id"]: li for li in order["lineItems"]}
        total = Decimal("0")
        echoed = []
        for index, line in enumerate(body.get("lineItems") or []):
            path = f"lineItems[{index}]"
            bought = lines_by_id.get(line.get("id")) if isinstance(line, dict) else None
            if bought is None:
                raise ApiError(422, "VALIDATION_ERROR", "Line item not found in the order", path=f"{path}.id")
            unit = Decimal(bought["price"]["amount"])
            if line.get("type") == "QUANTITY":
                quantity = line.get("quantity")
                if not isinstance(quantity, int) or quantity < 1:
                    raise ApiError(
                        422,
                        "VALIDATION_ERROR",
                        "quantity must be a positive integer",
                        path=f"{path}.quantity",
                    )
                if quantity + refunded_qty.get(bought["id"], 0) > bought["quantity"]:
                    raise ApiError(
                        422, "VALIDATION_ERROR", "Quantity exceeds what is left to refund", path=path
                    )
                value = unit * quantity
                echoed.append(
                    {
                        "id": bought["id"],
                        "type": "QUANTITY",
                        "quantity": quantity,
                        "value": None,
                        "refunded": str(value),
                    }
                )
            elif line.get("type") == "AMOUNT":
                value = self._money(line.get("value"), currency, f"{path}.value")
                if value + refunded_amount.get(bought["id"], Decimal("0")) > unit * bought["quantity"]:
                    raise ApiError(
                        422, "VALIDATION_ERROR", "Amount exceeds what is left to refund", path=path
                    )
                echoed.append(
                    {"id": bought["id"], "type": "AMOUNT", "value": line["value"], "refunded": str(value)}
                )
            else:
                raise ApiError(
                    400, "VALIDATION_ERROR", "type must be QUANTITY or AMOUNT", path=f"{path}.type"
                )
            total += value
        delivery = None
        if isinstance(body.get("delivery"), dict):
            delivery = self._money(body["delivery"].get("value"), currency, "delivery.value")
            cost = Decimal(order["delivery"]["cost"]["amount"]) if order.get("delivery") else Decimal("0")
            if delivery + refunded_delivery > cost:
                raise ApiError(
                    422, "VALIDATION_ERROR", "Delivery refund exceeds the delivery cost", path="delivery"
                )
            total += delivery
        if total <= 0:
            raise ApiError(422, "VALIDATION_ERROR", "At least one refundable component is required")
        return total, echoed, delivery

    @staticmethod
    def _money(value: Any, currency: str, path: str) -> Decimal:
        if not isinstance(value, dict) or not isinstance(value.get("amount"), str):
            raise ApiError(400, "VALIDATION_ERROR", "value must be {amount, currency}", path=path)
        if value.get("currency") != currency:
            raise ApiError(422, "VALIDATION_ERROR", f"currency must be {currency}", path=f"{path}.currency")
        try:
            amount = Decimal(value["amount"])
        except InvalidOperation as exc:
            raise ApiError(400, "VALIDATION_ERROR", "amount must be a decimal string", path=path) from exc
        if not amount.is_finite() or amount <= 0:
            raise ApiError(422, "VALIDATION_ERROR", "amount must be positive", path=path)
        return amount

    def refund_list(self, request: Request) -> Response:
        limit = request.int_q("limit", default=50, low=1, high=100)
        offset = request.int_q("offset", default=0, low=0)
        where, args = ["1 = 1"], list[Any]()
        for name, column in (("id", "id"), ("payment.id", "payment_id"), ("order.id", "order_id")):
            if request.q(name):
                where.append(f"{column} = ?")
                args.append(request.q(name))
        statuses = request.qall("status")
        if statuses:
            where.append(f"status IN ({','.join('?' * len(statuses))})")
            args.extend(statuses)
        for name, column in (("occurredAt.gte", "created_at >= ?"), ("occurredAt.lte", "created_at <= ?")):
            stamp = self._stamp(request, name)
            if stamp:
                where.append(column)
                args.append(stamp)
        clause = " AND ".join(where)
        total = self._rows(f"SELECT COUNT(*) AS n FROM refunds WHERE {clause}", args)[0]["n"]  # noqa: S608
        rows = self._rows(
            f"SELECT body FROM refunds WHERE {clause} ORDER BY seq DESC LIMIT ? OFFSET ?",  # noqa: S608
            [*args, limit, offset],
        )
        refunds = [self._public_refund(json.loads(row["body"])) for row in rows]
        return Response.json(200, {"refunds": refunds, "count": len(refunds), "totalCount": total})

    @staticmethod
    def _public_refund(refund: dict[str, Any]) -> dict[str, Any]:
        """The stored refund without the emulator's bookkeeping (what each line refunded)."""
        refund["lineItems"] = [
            {k: v for k, v in line.items() if k != "refunded"} for line in refund["lineItems"]
        ]
        return refund

    # --- commission refund claims -------------------------------------------------------------------

    def claim_create(self, request: Request) -> Response:
        body = request.json()
        line_ref = body.get("lineItem") if isinstance(body, dict) else None
        quantity = body.get("quantity") if isinstance(body, dict) else None
        if (
            not isinstance(line_ref, dict)
            or not line_ref.get("id")
            or not isinstance(quantity, int)
            or quantity < 1
        ):
            raise ApiError(400, "VALIDATION_ERROR", "lineItem.id and quantity >= 1 are required")
        line_id = line_ref["id"]
        rows = self._rows("SELECT body FROM orders WHERE body LIKE ? LIMIT 1", [f'%"id":"{line_id}"%'])
        order = json.loads(rows[0]["body"]) if rows else None
        line = next((li for li in order["lineItems"] if li["id"] == line_id), None) if order else None
        if order is None or line is None:
            raise ApiError(422, "LineItemNotFoundException", "Line item not found", path="lineItem.id")
        if self._rows("SELECT id FROM claims WHERE line_item_id = ?", [line_id]):
            raise ApiError(422, "ClaimExistsException", "A refund claim for this line item already exists")
        now = self.clock.now()
        if now - parse_iso(line["boughtAt"]) > timedelta(days=45):
            raise ApiError(
                422, "CommissionRefundPeriodExpiredException", "The 45-day claim period has expired"
            )
        if quantity > line["quantity"]:
            raise ApiError(422, "VALIDATION_ERROR", "quantity exceeds the quantity bought", path="quantity")
        claim_id = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        commission = (Decimal(line["price"]["amount"]) * quantity * Decimal("0.08")).quantize(CENT)
        claim = {
            "id": claim_id,
            "status": "IN_PROGRESS",
            "quantity": quantity,
            "commission": {"amount": float(commission), "currency": line["price"]["currency"]},
            "buyer": {"id": order["buyer"]["id"]},
            "createdAt": iso(now),
            "lineItem": {
                "id": line_id,
                "offer": {"id": line["offer"]["id"], "name": line["offer"]["name"]},
                "boughtAt": line["boughtAt"],
            },
            "type": "MANUAL",
        }
        with self.store.tx() as db:
            db.execute(
                "INSERT INTO claims (id, line_item_id, order_id, status, settle_at, body) VALUES (?, ?, ?, ?, ?, ?)",
                (claim_id, line_id, order["id"], "IN_PROGRESS", iso(now + timedelta(hours=1)), dumps(claim)),
            )
        return Response.json(201, {"id": claim_id})

    def _claim(self, claim_id: str) -> dict[str, Any]:
        rows = self._rows("SELECT body FROM claims WHERE id = ?", [claim_id])
        if not rows:
            raise ApiError(404, "NOT_FOUND", f"Refund claim {claim_id} not found")
        return dict(json.loads(rows[0]["body"]))

    def claim_get(self, request: Request) -> Response:
        return Response.json(200, self._claim(request.params["id"]))

    def claim_list(self, request: Request) -> Response:
        limit = request.int_q("limit", default=25, low=1, high=100)
        offset = request.int_q("offset", default=0, low=0)
        where, args = ["1 = 1"], list[Any]()
        for name, expr in (
            ("lineItem.offer.id", "json_extract(body, '$.lineItem.offer.id') = ?"),
            ("buyer.id", "json_extract(body, '$.buyer.id') = ?"),
            ("status", "status = ?"),
        ):
            if request.q(name):
                where.append(expr)
                args.append(request.q(name))
        rows = self._rows(
            f"SELECT body FROM claims WHERE {' AND '.join(where)} ORDER BY seq DESC LIMIT ? OFFSET ?",  # noqa: S608
            [*args, limit, offset],
        )
        claims = [json.loads(row["body"]) for row in rows]
        return Response.json(200, {"refundClaims": claims, "count": len(claims)})

    def claim_cancel(self, request: Request) -> Response:
        claim = self._claim(request.params["id"])
        if claim["status"] not in ("IN_PROGRESS", "WAITING_FOR_PAYMENT_REFUND"):
            raise ApiError(
                422, "VALIDATION_ERROR", f"A claim in status {claim['status']} cannot be cancelled"
            )
        claim["status"] = "CANCELLED"
        with self.store.tx() as db:
            db.execute(
                "UPDATE claims SET status = 'CANCELLED', settle_at = NULL, body = ? WHERE id = ?",
                (dumps(claim), claim["id"]),
            )
        return Response(204)

    # --- post-purchase issues -----------------------------------------------------------------------

    def _issue(self, issue_id: str) -> dict[str, Any]:
        rows = self._rows("SELECT body FROM issues WHERE id = ?", [issue_id])
        if not rows:
            raise ApiError(404, "NOT_FOUND", f"Issue {issue_id} not found")
        issue = dict(json.loads(rows[0]["body"]))
        messages = self._rows("SELECT body FROM issue_messages WHERE issue_id = ? ORDER BY seq", [issue_id])
        if messages:
            first, last = json.loads(messages[0]["body"]), json.loads(messages[-1]["body"])
            issue["chat"] = {
                "lastMessage": {"status": "NEW" if last["author"]["role"] == "BUYER" else "ANSWERED"},
                "messagesCount": len(messages),
                "initialMessage": {
                    "text": first["text"],
                    "attachments": first["attachments"],
                    "createdAt": first["createdAt"],
                },
            }
        return issue

    def _save_issue(self, issue: dict[str, Any]) -> None:
        stored = {**issue, "chat": None}
        with self.store.tx() as db:
            db.execute(
                "UPDATE issues SET status = ?, body = ? WHERE id = ?",
                (issue["currentState"]["status"], dumps(stored), issue["id"]),
            )

    def issue_list(self, request: Request) -> Response:
        limit = request.int_q("limit", default=10, low=1, high=100)
        offset = request.int_q("offset", default=0, low=0)
        where, args = ["1 = 1"], list[Any]()
        if request.q("checkoutForm.id"):
            where.append("order_id = ?")
            args.append(request.q("checkoutForm.id"))
        statuses = request.qall("status")
        if statuses:
            where.append(f"status IN ({','.join('?' * len(statuses))})")
            args.extend(statuses)
        rows = self._rows(
            f"SELECT id FROM issues WHERE {' AND '.join(where)} ORDER BY opened_at DESC, seq DESC "  # noqa: S608
            "LIMIT ? OFFSET ?",
            [*args, limit, offset],
        )
        return Response.json(200, {"issues": [self._issue(row["id"]) for row in rows]}, BETA)

    def issue_get(self, request: Request) -> Response:
        return Response.json(200, self._issue(request.params["id"]), BETA)

    def issue_chat(self, request: Request) -> Response:
        self._issue(request.params["id"])
        limit = request.int_q("limit", default=100, low=1, high=100)
        offset = request.int_q("offset", default=0, low=0)
        rows = self._rows(
            "SELECT body FROM issue_messages WHERE issue_id = ? ORDER BY seq LIMIT ? OFFSET ?",
            [request.params["id"], limit, offset],
        )
        return Response.json(200, {"chat": [json.loads(row["body"]) for row in rows]}, BETA)

    def issue_message(self, request: Request) -> Response:
        issue = self._issue(request.params["id"])
        body = request.json()
        if not isinstance(body, dict) or not isinstance(body.get("text"), str) or not body["text"].strip():
            raise ApiError(400, "VALIDATION_ERROR", "text is required", path="text")
        if len(body["text"]) > 20000:
            raise ApiError(400, "VALIDATION_ERROR", "text is longer than 20000 characters", path="text")
        kind = body.get("type", "REGULAR")
        if kind not in ISSUE_MESSAGE_TYPES:
            raise ApiError(400, "VALIDATION_ERROR", f"unknown message type {kind}", path="type")
        if kind == "END_REQUEST" and issue["type"] != "DISPUTE":
            raise ApiError(422, "VALIDATION_ERROR", "END_REQUEST is only for disputes", path="type")
        if kind.startswith("RETURN_") and issue["type"] != "CLAIM":
            raise ApiError(422, "VALIDATION_ERROR", f"{kind} is only for claims", path="type")
        state = issue["currentState"]
        if not state.get("chatActive", True) or state["status"] == "DISPUTE_CLOSED":
            raise ApiError(409, "CONFLICT", "The issue does not accept new messages")
        if kind.startswith("RETURN_"):
            state["returnRequired"] = kind != "RETURN_NOT_REQUIRED"
        if kind == "END_REQUEST":
            state["status"] = "DISPUTE_CLOSED"
            state["chatActive"] = False
        self._save_issue(issue)
        message = self.scenario.add_issue_message(
            issue["id"],
            text=body["text"],
            role="SELLER",
            login=SELLER_LOGIN,
            at=self.clock.now(),
            rng=self.rng,
        )
        return Response.json(201, message, BETA)

    def issue_status(self, request: Request) -> Response:
        issue = self._issue(request.params["id"])
        body = request.json()
        if not isinstance(body, dict) or body.get("status") not in CLAIM_DECISIONS:
            raise ApiError(
                400, "VALIDATION_ERROR", "status is required and must be a known decision", path="status"
            )
        if not isinstance(body.get("message"), str) or not body["message"].strip():
            raise ApiError(400, "VALIDATION_ERROR", "message is required", path="message")
        if issue["type"] != "CLAIM":
            raise ApiError(400, "VALIDATION_ERROR", "Only claims can be accepted or rejected")
        accept = body["status"].startswith("ACCEPTED_")
        current = issue["currentState"]["status"]
        if current == "CLAIM_ACCEPTED" and not accept:
            raise ApiError(400, "VALIDATION_ERROR", "An accepted claim can only change to another acceptance")
        if body["status"] == "ACCEPTED_PARTIAL_REFUND" and not isinstance(body.get("partialRefund"), dict):
            raise ApiError(400, "VALIDATION_ERROR", "partialRefund is required", path="partialRefund")
        issue["currentState"]["status"] = "CLAIM_ACCEPTED" if accept else "CLAIM_REJECTED"
        self._save_issue(issue)
        self.scenario.add_issue_message(
            issue["id"],
            text=body["message"],
            role="SELLER",
            login=SELLER_LOGIN,
            at=self.clock.now(),
            rng=self.rng,
        )
        return Response(200)

    # --- messaging ----------------------------------------------------------------------------------

    def thread_list(self, request: Request) -> Response:
        limit = request.int_q("limit", default=20, low=1, high=20)
        offset = request.int_q("offset", default=0, low=0)
        rows = self._rows(
            "SELECT body FROM threads ORDER BY last_at DESC, seq DESC LIMIT ? OFFSET ?", [limit, offset]
        )
        return Response.json(
            200, {"threads": [json.loads(row["body"]) for row in rows], "offset": offset, "limit": limit}
        )

    def _thread(self, thread_id: str) -> None:
        if not self._rows("SELECT id FROM threads WHERE id = ?", [thread_id]):
            raise ApiError(404, "NOT_FOUND", f"Thread {thread_id} not found")

    def thread_messages(self, request: Request) -> Response:
        self._thread(request.params["id"])
        limit = request.int_q("limit", default=20, low=1, high=20)
        offset = request.int_q("offset", default=0, low=0, high=15000)
        where, args = ["thread_id = ?"], list[Any]([request.params["id"]])
        for name, op in (("before", "<"), ("after", ">")):
            stamp = self._stamp(request, name)
            if stamp:
                where.append(f"created_at {op} ?")
                args.append(stamp)
        rows = self._rows(
            f"SELECT body FROM messages WHERE {' AND '.join(where)} ORDER BY seq DESC LIMIT ? OFFSET ?",  # noqa: S608
            [*args, limit, offset],
        )
        return Response.json(
            200, {"messages": [json.loads(row["body"]) for row in rows], "offset": offset, "limit": limit}
        )

    def thread_post(self, request: Request) -> Response:
        self._thread(request.params["id"])
        body = request.json()
        if not isinstance(body, dict) or not isinstance(body.get("text"), str) or not body["text"].strip():
            raise ApiError(422, "VALIDATION_ERROR", "text is required", path="text")
        if len(body["text"]) > 2000:
            raise ApiError(422, "VALIDATION_ERROR", "text is longer than 2000 characters", path="text")
        message = self.scenario.add_thread_message(
            request.params["id"],
            text=body["text"],
            login=SELLER_LOGIN,
            is_interlocutor=False,
            order_id=None,
            at=self.clock.now(),
            rng=self.rng,
        )
        return Response.json(201, message)

    def me(self, request: Request) -> Response:
        return Response.json(
            200,
            {
                "id": self.store.get_meta("seller:id"),
                "login": SELLER_LOGIN,
                "firstName": "Demo",
                "lastName": "Seller",
                "email": "refund-desk-demo@example.invalid",
                "baseMarketplace": {"id": "allegro-pl"},
                "company": {"name": "Refund Desk Demo Sp. z o.o.", "taxId": "5260250274"},
                "features": [],
            },
        )

    # --- admin --------------------------------------------------------------------------------------

    def admin(self, request: Request, path: str) -> Response:
        try:
            body = request.json() if request.body else {}
        except ApiError as error:
            return errors_response(error, "application/json", "en")
        body = body if isinstance(body, dict) else {}
        action = path[len("/__emulator/") :]
        try:
            if action == "faults":
                if request.method == "POST":
                    spec = body.get("faults", "")
                    if isinstance(spec, dict):
                        spec = ",".join(f"{k}={v}" for k, v in spec.items())
                    delay = float(body.get("timeoutDelay", self.faults.config.timeout_delay))
                    self.faults.configure(FaultConfig.parse(str(spec), timeout_delay=delay))
                config = self.faults.config
                return Response.json(
                    200, {"faults": config.rates, "timeoutDelay": config.timeout_delay}, "application/json"
                )
            if action == "tokens" and request.method == "POST":
                pair = self.oauth.issue(str(body.get("scope", ALL_SCOPES)), body.get("ttl"))
                return Response.json(200, pair, "application/json")
            if action == "tokens/expire" and request.method == "POST":
                return Response.json(200, {"expired": self.oauth.expire_all()}, "application/json")
            if action == "devices/approve" and request.method == "POST":
                return Response.json(
                    200,
                    {"approved": self.oauth.approve_device(str(body.get("userCode", "")))},
                    "application/json",
                )
            if action == "clock":
                if request.method == "POST":
                    self.clock.advance(float(body.get("advance", 0)))
                    with self.store.tx():
                        self.scenario.tick()
                    self.clock.save()
                return Response.json(
                    200, {"now": iso(self.clock.now()), "speed": self.clock.speed}, "application/json"
                )
            if action == "seed" and request.method == "POST":
                added = self.scenario.seed_returns(int(body.get("returns", 0)))
                return Response.json(200, {"returns": added}, "application/json")
            if action == "balance" and request.method == "POST":
                currency, amount = str(body["currency"]), Decimal(str(body["amount"]))
                self.store.set_meta(f"balance:{currency}", str(amount))
                return Response.json(200, {"currency": currency, "amount": str(amount)}, "application/json")
            if action == "ledger":
                report = ledger_report(self.store)
                return Response.json(200, report.to_json(), "application/json")
            if action == "stats":
                return Response.json(200, self.stats(), "application/json")
        except (ValueError, KeyError, InvalidOperation) as exc:
            return errors_response(ApiError(400, "VALIDATION_ERROR", str(exc)), "application/json", "en")
        return errors_response(
            ApiError(404, "NOT_FOUND", f"No admin action {action}"), "application/json", "en"
        )

    def stats(self) -> dict[str, Any]:
        counts = {}
        for table in ("orders", "returns", "events", "refunds", "claims", "issues", "threads", "messages"):
            counts[table] = self._rows(f"SELECT COUNT(*) AS n FROM {table}")[0]["n"]  # noqa: S608
        return {
            "now": iso(self.clock.now()),
            "counts": counts,
            "requestsServed": self.requests_served,
            "faults": self.faults.config.rates,
        }


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
    )
