"""Customer returns (beta API): listing with Allegro's filters and the `from` cursor, rejection."""

from __future__ import annotations

import json
from typing import Any

from refund_desk.integrations.allegro.emulator.handlers.base import HandlerBase
from refund_desk.integrations.allegro.emulator.http import BETA, ApiError, Request, Response
from refund_desk.integrations.allegro.emulator.scenario import iso

REJECTION_CODES = {
    "REFUND_REJECTED",
    "NEW_ITEM_SENT",
    "ITEM_FIXED",
    "MISSING_PART_SENT",
    "ITEM_MISMATCH",
    "BUSINESS_PURCHASE",
    "NO_RETURN_RIGHT",
}


class ReturnsHandlers(HandlerBase):
    """/order/customer-returns."""

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
