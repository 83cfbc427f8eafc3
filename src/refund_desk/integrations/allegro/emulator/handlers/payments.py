"""Payment refunds (idempotent by commandId, capped at what is left to refund) and commission claims."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from refund_desk.integrations.allegro.emulator.handlers.base import HandlerBase
from refund_desk.integrations.allegro.emulator.http import ApiError, Request, Response
from refund_desk.integrations.allegro.emulator.scenario import iso, parse_iso
from refund_desk.integrations.allegro.emulator.store import dumps

REFUND_REASONS = {
    "REFUND",
    "COMPLAINT",
    "PRODUCT_NOT_AVAILABLE",
    "PAID_VALUE_TOO_LOW",
    "OVERPAID",
    "CANCELLED_BY_BUYER",
    "NOT_COLLECTED",
}
LIVE_REFUND_STATUSES = ("NEW", "VALIDATED", "IN_PROGRESS", "SUCCESS", "PARTIAL")
CENT = Decimal("0.01")


class PaymentsHandlers(HandlerBase):
    """/payments/refunds and /order/refund-claims."""

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
