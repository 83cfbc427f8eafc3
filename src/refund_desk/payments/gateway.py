"""The payments app's port to Allegro: what it needs (refunds, refund claims, parcel tracking), typed.

Production uses `allegro_gateway.AllegroGateway` (the integrations client); tests use `fake.FakeGateway`.
Errors are split by what the caller should do: retry with the same commandId, stop and tell a person,
or treat the id as unknown.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from django.conf import settings

from refund_desk.cases.models import SellerAccount

# Allegro refund statuses after which nothing will change any more.
FINAL_REFUND_STATUSES = frozenset({"SUCCESS", "CANCELED", "VALIDATE_FAILED"})


@dataclass(frozen=True, slots=True)
class GatewayRefund:
    """Allegro's RefundDetails, reduced to what reconciliation needs."""

    id: str
    status: str
    total: Decimal | None
    currency: str | None
    created_at: datetime | None = None
    order_id: str | None = None
    command_id: str | None = None

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_REFUND_STATUSES


@dataclass(frozen=True, slots=True)
class GatewayClaim:
    """Allegro's RefundClaim (commission refund application)."""

    id: str
    status: str
    line_item_id: str | None
    quantity: int | None
    commission: Decimal | None
    currency: str | None
    type: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class TrackingScan:
    occurred_at: datetime
    code: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class WaybillHistory:
    waybill: str
    scans: tuple[TrackingScan, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class RecentRefunds:
    """The account's refunds since a moment, newest first; `complete` is False when paging stopped early."""

    refunds: tuple[GatewayRefund, ...]
    complete: bool
    calls: int


class GatewayError(Exception):
    """Base of every gateway failure; `message` is technical, `user_message` is for the agent."""

    def __init__(self, message: str, *, codes: Sequence[str] = (), user_message: str = ""):
        super().__init__(message)
        self.codes = list(codes)
        self.user_message = user_message


class GatewayUnavailable(GatewayError):
    """5xx, 429, timeout or dropped connection: Allegro may or may not have acted. Retry, same commandId."""


class GatewayRejected(GatewayError):
    """422 (or another 4xx business refusal): Allegro will not do this; a person must look."""


class GatewayNotFound(GatewayError):
    """404: the payment, claim or carrier is unknown to Allegro."""


class Gateway(Protocol):
    def initiate_refund(
        self, account: SellerAccount, command_id: str, payload: dict[str, Any]
    ) -> GatewayRefund: ...

    def list_refunds(self, account: SellerAccount, order_id: str) -> list[GatewayRefund]: ...

    def recent_refunds(self, account: SellerAccount, *, since: datetime, max_pages: int) -> RecentRefunds: ...

    def create_refund_claim(self, account: SellerAccount, line_item_id: str, quantity: int) -> str: ...

    def get_refund_claim(self, account: SellerAccount, claim_id: str) -> GatewayClaim: ...

    def list_refund_claims(
        self, account: SellerAccount, *, offer_id: str | None = None
    ) -> list[GatewayClaim]: ...

    def tracking(
        self, account: SellerAccount, carrier_id: str, waybills: Sequence[str]
    ) -> list[WaybillHistory]: ...


_override: list[Gateway] = []


def gateway_get() -> Gateway:
    """The gateway in use: a test override, else settings.PAYMENTS_GATEWAY (dotted path to a class)."""
    if _override:
        return _override[-1]
    dotted = getattr(settings, "PAYMENTS_GATEWAY", "refund_desk.payments.allegro_gateway.AllegroGateway")
    module_name, _, class_name = dotted.rpartition(".")
    gateway_class = getattr(importlib.import_module(module_name), class_name)
    gateway: Gateway = gateway_class()
    return gateway


@contextmanager
def gateway_override(gateway: Gateway) -> Iterator[Gateway]:
    """Use `gateway` for every call inside the block (tests, the emulator demo)."""
    _override.append(gateway)
    try:
        yield gateway
    finally:
        _override.remove(gateway)
