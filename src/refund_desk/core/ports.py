"""Ports: what a lower app needs from the outside world, declared by that app and provided by a higher one.

An app that must reach a marketplace (payments pays refunds, logistics follows parcels, policy reads the
marketplace's documents of a case) declares a small typed interface and a `Port` for it in its own
module; the integration that knows the marketplace provides the port when Django starts
(`AppConfig.ready`), and unit tests override it with an in-memory fake. So the app depends on its own
interface, never on the integration, and no class is looked up by name at run time.

The errors below are what every port raises, split by what the caller should do: retry later (the
remote side may or may not have acted), stop and tell a person, or treat the id as unknown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Generic, TypeVar

T = TypeVar("T")


class PortNotProvided(LookupError):
    """Nothing provides the port: the integration that should is not installed."""


class Port(Generic[T]):
    """One interface's provider: a factory set at start-up, or an override in tests."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._factory: Callable[[], T] | None = None
        self._overrides: list[T] = []

    def provide(self, factory: Callable[[], T]) -> None:
        self._factory = factory

    def get(self) -> T:
        if self._overrides:
            return self._overrides[-1]
        if self._factory is None:
            raise PortNotProvided(f"nothing provides {self.name}; is its integration in INSTALLED_APPS?")
        return self._factory()

    @contextmanager
    def override(self, implementation: T) -> Iterator[T]:
        """Use `implementation` for every `get()` inside the block (tests, benchmarks)."""
        self._overrides.append(implementation)
        try:
            yield implementation
        finally:
            self._overrides.remove(implementation)

    def __repr__(self) -> str:
        return f"Port({self.name!r})"


class GatewayError(Exception):
    """Base of every port failure; `message` is technical, `user_message` is for the agent."""

    def __init__(self, message: str, *, codes: Sequence[str] = (), user_message: str = ""):
        super().__init__(message)
        self.codes = list(codes)
        self.user_message = user_message


class GatewayUnavailable(GatewayError):
    """5xx, 429, timeout or dropped connection: the remote side may or may not have acted. Retry."""


class GatewayRejected(GatewayError):
    """422 (or another 4xx business refusal): the remote side will not do this; a person must look."""


class GatewayNotFound(GatewayError):
    """404: the payment, claim, carrier or document is unknown to the remote side."""
