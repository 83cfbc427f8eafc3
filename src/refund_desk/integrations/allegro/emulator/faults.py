"""Fault injection: per request, with configurable probabilities, changeable while the emulator runs."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

FAULT_KINDS = ("429", "5xx", "timeout", "drop", "duplicate")


@dataclass
class FaultConfig:
    """Probabilities per request. `timeout` stalls the response for `timeout_delay` seconds, then 504;
    `drop` performs the request and then fails it (502, no body) as if the connection broke after the
    server committed; `duplicate` delivers a POST twice and repeats an item in list responses."""

    rates: dict[str, float] = field(default_factory=dict)
    timeout_delay: float = 30.0

    @classmethod
    def parse(cls, text: str, *, timeout_delay: float = 30.0) -> FaultConfig:
        rates: dict[str, float] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            kind, _, value = part.partition("=")
            kind = kind.strip()
            if kind not in FAULT_KINDS:
                raise ValueError(f"unknown fault {kind!r}; expected one of {', '.join(FAULT_KINDS)}")
            try:
                rate = float(value)
            except ValueError as exc:
                raise ValueError(f"fault {kind}: {value!r} is not a probability") from exc
            if not 0 <= rate <= 1:
                raise ValueError(f"fault {kind}: {rate} is not between 0 and 1")
            rates[kind] = rate
        if sum(rates.values()) > 1:
            raise ValueError("fault probabilities add up to more than 1")
        return cls(rates=rates, timeout_delay=timeout_delay)

    def describe(self) -> str:
        return ",".join(f"{k}={v:g}" for k, v in self.rates.items() if v) or "none"


class FaultInjector:
    """Draws at most one fault per request from a seeded RNG."""

    def __init__(self, config: FaultConfig | None = None, *, seed: int = 0):
        self._config = config or FaultConfig()
        self._rng = random.Random(f"faults:{seed}")  # noqa: S311 - reproducible fault draws
        self._lock = threading.Lock()

    @property
    def config(self) -> FaultConfig:
        return self._config

    def configure(self, config: FaultConfig) -> None:
        with self._lock:
            self._config = config

    def draw(self) -> str | None:
        with self._lock:
            roll = self._rng.random()
            cumulative = 0.0
            for kind in FAULT_KINDS:
                cumulative += self._config.rates.get(kind, 0.0)
                if roll < cumulative:
                    return kind
        return None
