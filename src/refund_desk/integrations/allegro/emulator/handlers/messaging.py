"""Buyer–seller message threads, and `/me`, the seller's own account."""

from __future__ import annotations

import json
from typing import Any

from refund_desk.integrations.allegro.emulator.handlers.base import HandlerBase
from refund_desk.integrations.allegro.emulator.http import ApiError, Request, Response
from refund_desk.integrations.allegro.emulator.scenario import SELLER_LOGIN


class MessagingHandlers(HandlerBase):
    """/messaging/threads and /me."""

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
