"""The logistics app's port to the marketplace: carrier tracking of return parcels, typed.

The Allegro integration provides `tracking_gateway` (integrations/allegro/gateway.py); unit tests override
it with an in-memory fake. Failures raise the errors of `core.ports`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from refund_desk.cases.models import SellerAccount
from refund_desk.core.ports import Port


@dataclass(frozen=True, slots=True)
class TrackingScan:
    occurred_at: datetime
    code: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class WaybillHistory:
    waybill: str
    scans: tuple[TrackingScan, ...] = field(default_factory=tuple)


class TrackingGateway(Protocol):
    def tracking(
        self, account: SellerAccount, carrier_id: str, waybills: Sequence[str]
    ) -> list[WaybillHistory]: ...


tracking_gateway: Port[TrackingGateway] = Port("logistics.tracking_gateway")
