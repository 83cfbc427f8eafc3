"""Post-purchase issues (disputes and claims): listing, chat, seller messages and claim decisions."""

from __future__ import annotations

import json
from typing import Any

from refund_desk.integrations.allegro.emulator.handlers.base import HandlerBase
from refund_desk.integrations.allegro.emulator.http import BETA, ApiError, Request, Response
from refund_desk.integrations.allegro.emulator.scenario import SELLER_LOGIN
from refund_desk.integrations.allegro.emulator.store import dumps

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


class IssuesHandlers(HandlerBase):
    """/sale/issues."""

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
        # A decision moves only towards acceptance (allegro-api GH#12428): no second rejection.
        if current == "CLAIM_REJECTED" and not accept:
            raise ApiError(400, "VALIDATION_ERROR", "A rejected claim can only change to an acceptance")
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
