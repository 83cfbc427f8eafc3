"""What every handler group shares: the emulator's state and the request and SQL helpers."""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any

from refund_desk.integrations.allegro.emulator.auth import OAuthServer
from refund_desk.integrations.allegro.emulator.faults import FaultInjector
from refund_desk.integrations.allegro.emulator.http import ApiError, Request
from refund_desk.integrations.allegro.emulator.scenario import Clock, Scenario, iso, parse_iso
from refund_desk.integrations.allegro.emulator.store import Store


class HandlerBase:
    """The state `EmulatorApp.__init__` sets up, declared once so that every handler mixin is typed."""

    store: Store
    clock: Clock
    scenario: Scenario
    oauth: OAuthServer
    faults: FaultInjector
    rng: random.Random
    requests_served: int

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
