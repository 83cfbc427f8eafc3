"""Checkout forms, the order event journal, carriers and parcel tracking."""

from __future__ import annotations

import json
from typing import Any

from refund_desk.ai.synthetic.casefiles import CARRIERS
from refund_desk.integrations.allegro.emulator.handlers.base import HandlerBase
from refund_desk.integrations.allegro.emulator.http import ApiError, Request, Response

CARRIER_NAMES = {
    "INPOST": "InPost",
    "DPD": "DPD",
    "DHL": "DHL",
    "ALLEGRO": "Allegro One Kurier",
    "POCZTA_POLSKA": "Poczta Polska",
    "GLS": "GLS",
    "OTHER": "Inny przewoźnik",
}


class OrdersHandlers(HandlerBase):
    """/order/checkout-forms, /order/events, /order/event-stats, /order/carriers."""

    def _order_or_404(self, order_id: str) -> dict[str, Any]:
        order = self.store.order(order_id)
        if order is None:
            raise ApiError(404, "NOT_FOUND", f"Checkout form {order_id} not found")
        return order

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
