"""The `/__emulator/*` admin actions: faults, tokens, devices, clock, seeding, balance, ledger, stats."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from refund_desk.integrations.allegro.emulator.auth import ALL_SCOPES
from refund_desk.integrations.allegro.emulator.buyer_view import buyer_view
from refund_desk.integrations.allegro.emulator.faults import FaultConfig
from refund_desk.integrations.allegro.emulator.handlers.base import HandlerBase
from refund_desk.integrations.allegro.emulator.http import ApiError, Request, Response, errors_response
from refund_desk.integrations.allegro.emulator.ledger import ledger_report
from refund_desk.integrations.allegro.emulator.scenario import iso


class AdminHandlers(HandlerBase):
    """/__emulator/*, outside Allegro's API: no token, no faults."""

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
            if action.startswith("buyers/") and request.method == "GET":
                login = action[len("buyers/") :].strip("/")
                return Response.json(200, buyer_view(self.store, login), "application/json")
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
