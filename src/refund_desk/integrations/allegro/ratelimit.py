"""Client-side flow control per seller account: token buckets and a circuit breaker.

Allegro limits 9000 requests/min per client_id and 25 req/s per user for customer returns, and a
blocked client_id stays blocked longer if it keeps calling (GH#3454), so the client waits *before*
sending rather than learning from 429s.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from refund_desk.integrations.allegro.errors import CircuitOpen

Clock = Callable[[], float]
Sleep = Callable[[float], None]


class TokenBucket:
    """`rate` tokens per second, bursts up to `capacity`; `acquire()` blocks until a token is free."""

    def __init__(
        self, rate: float, capacity: float, *, clock: Clock = time.monotonic, sleep: Sleep = time.sleep
    ):
        if rate <= 0 or capacity < 1:
            raise ValueError("rate must be positive and capacity at least 1")
        self.rate = rate
        self.capacity = capacity
        self._tokens = capacity
        self._clock = clock
        self._sleep = sleep
        self._updated = clock()
        self._lock = threading.Lock()

    def _reserve(self) -> float:
        """Take a token (possibly going into debt); return how long the caller must wait."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            self._tokens -= 1
            return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def acquire(self) -> float:
        wait = self._reserve()
        if wait > 0:
            self._sleep(wait)
        return wait


@dataclass(frozen=True)
class Limit:
    rate: float  # per second
    capacity: float


# Buckets an operation may draw from, besides OVERALL (per account) and CLIENT (shared by all accounts:
# Allegro counts 9000 req/min per client_id, i.e. across every seller of this installation).
OVERALL = "overall"
CLIENT = "client"
CUSTOMER_RETURNS = "customer-returns"
# Posting a Message Center message is limited to about 1 request/s per user (GH#5438).
MESSAGE_POSTS = "message-posts"
ALL_ACCOUNTS = "*"
DEFAULT_LIMITS = {
    CLIENT: Limit(rate=9000 / 60, capacity=150),
    OVERALL: Limit(rate=9000 / 60, capacity=150),
    CUSTOMER_RETURNS: Limit(rate=25, capacity=25),
    MESSAGE_POSTS: Limit(rate=1, capacity=1),
}


class RateLimiter:
    """Buckets per (account, bucket name), shared by every client of the same process."""

    def __init__(
        self,
        limits: dict[str, Limit] | None = None,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ):
        self.limits = dict(DEFAULT_LIMITS if limits is None else limits)
        self._clock = clock
        self._sleep = sleep
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._lock = threading.Lock()

    def bucket(self, account: str, name: str) -> TokenBucket | None:
        limit = self.limits.get(name)
        if limit is None:
            return None
        with self._lock:
            bucket = self._buckets.get((account, name))
            if bucket is None:
                bucket = TokenBucket(limit.rate, limit.capacity, clock=self._clock, sleep=self._sleep)
                self._buckets[(account, name)] = bucket
            return bucket

    def acquire(self, account: str, *names: str) -> float:
        """Wait for a token in every bucket the call counts against; returns the seconds waited."""
        waited = 0.0
        for owner, name in ((ALL_ACCOUNTS, CLIENT), *((account, n) for n in (OVERALL, *names))):
            bucket = self.bucket(owner, name)
            if bucket is not None:
                waited += bucket.acquire()
        return waited


class CircuitBreaker:
    """Opens after `threshold` consecutive failures; after `cooldown` seconds lets one probe through."""

    def __init__(self, *, threshold: int = 8, cooldown: float = 30.0, clock: Clock = time.monotonic):
        self.threshold = threshold
        self.cooldown = cooldown
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False
        self._lock = threading.Lock()

    @property
    def state(self) -> str:
        with self._lock:
            if self._opened_at is None:
                return "closed"
            return "half-open" if self._clock() - self._opened_at >= self.cooldown else "open"

    def before_call(self, account: str) -> None:
        with self._lock:
            if self._opened_at is None:
                return
            remaining = self.cooldown - (self._clock() - self._opened_at)
            if remaining > 0 or self._probing:
                raise CircuitOpen(
                    f"Allegro calls for account {account} paused after {self._failures} consecutive failures; "
                    f"retry in {max(remaining, 0):.0f}s"
                )
            self._probing = True

    def record_success(self) -> None:
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._probing = False

    def record_failure(self) -> None:
        with self._lock:
            self._failures += 1
            if self._probing or self._failures >= self.threshold:
                self._opened_at = self._clock()
            self._probing = False


class BreakerRegistry:
    def __init__(self, factory: Callable[[], CircuitBreaker] = CircuitBreaker):
        self._factory = factory
        self._breakers: dict[str, CircuitBreaker] = {}
        self._lock = threading.Lock()

    def get(self, account: str) -> CircuitBreaker:
        with self._lock:
            breaker = self._breakers.get(account)
            if breaker is None:
                breaker = self._breakers[account] = self._factory()
            return breaker


# Process-wide defaults: every client for one account shares its buckets and its breaker.
default_limiter = RateLimiter()
default_breakers = BreakerRegistry()
