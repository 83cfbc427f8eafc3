"""Buyer–seller message threads, and `/me`, the seller's own account."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from refund_desk.integrations.allegro.emulator.handlers.base import HandlerBase
from refund_desk.integrations.allegro.emulator.http import ApiError, Request, Response
from refund_desk.integrations.allegro.emulator.scenario import SELLER_LOGIN

TEXT_MAX = 2000


class MessagingHandlers(HandlerBase):
    """/messaging/threads, /messaging/messages and /me."""

    # Allegro lets a user post about one Message Center message per second (GH#5438); 0 turns it off.
    message_posts_per_second: float
    _last_post: float = 0.0
    _post_lock = threading.Lock()

    def _posting_limit(self) -> None:
        """The per-user posting limit (one seller here): a post too soon after the last answers 429."""
        if self.message_posts_per_second <= 0:
            return
        with self._post_lock:
            now = time.monotonic()
            wait = self._last_post + 1 / self.message_posts_per_second - now
            if wait > 0.05:  # a little slack for the client's own clock
                raise ApiError(
                    429, "TooManyRequests", "Too many messages; wait a second before posting again"
                )
            self._last_post = now

    @staticmethod
    def _text(body: object) -> str:
        if not isinstance(body, dict) or not isinstance(body.get("text"), str) or not body["text"].strip():
            raise ApiError(422, "VALIDATION_ERROR", "text is required", path="text")
        if len(body["text"]) > TEXT_MAX:
            raise ApiError(422, "VALIDATION_ERROR", f"text is longer than {TEXT_MAX} characters", path="text")
        return str(body["text"])

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
        text = self._text(request.json())
        self._posting_limit()
        message = self.scenario.add_thread_message(
            request.params["id"],
            text=text,
            login=SELLER_LOGIN,
            is_interlocutor=False,
            order_id=None,
            at=self.clock.now(),
            rng=self.rng,
        )
        return Response.json(201, message)

    def message_new(self, request: Request) -> Response:
        """POST /messaging/messages: to a buyer by login, about one of their orders (required since
        28 Feb 2025). The message joins the buyer's thread with the seller, or starts one."""
        body = request.json()
        text = self._text(body)
        assert isinstance(body, dict)
        login = (
            (body.get("recipient") or {}).get("login") if isinstance(body.get("recipient"), dict) else None
        )
        if not isinstance(login, str) or not login:
            raise ApiError(422, "VALIDATION_ERROR", "recipient.login is required", path="recipient.login")
        order_id = (body.get("order") or {}).get("id") if isinstance(body.get("order"), dict) else None
        if not isinstance(order_id, str) or not order_id:
            raise ApiError(422, "VALIDATION_ERROR", "order.id is required", path="order.id")
        order = self.store.order(order_id)
        if order is None or (order.get("buyer") or {}).get("login") != login:
            raise ApiError(
                422, "VALIDATION_ERROR", "the order does not belong to this recipient", path="order.id"
            )
        self._posting_limit()
        thread_id = self.scenario.thread_for_login(login, at=self.clock.now(), rng=self.rng)
        message = self.scenario.add_thread_message(
            thread_id,
            text=text,
            login=SELLER_LOGIN,
            is_interlocutor=False,
            order_id=order_id,
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
