"""Builders for CASE.json documents (Allegro-shaped payloads) used across the policy tests."""

from __future__ import annotations

import copy
from typing import Any

ORDER_ID = "29b8f3a0-1c2d-11ef-9a4b-0b4a3c1e8f01"
CURRENCY = {"allegro-pl": "PLN", "allegro-cz": "CZK", "allegro-sk": "EUR", "allegro-hu": "HUF"}


def line(
    line_id: str, offer_id: str, quantity: int, price: str, currency: str, name: str = ""
) -> dict[str, Any]:
    return {
        "id": line_id,
        "offer": {"id": offer_id, "name": name or f"Offer {offer_id}"},
        "quantity": quantity,
        "price": {"amount": price, "currency": currency},
        "originalPrice": {"amount": price, "currency": currency},
        "boughtAt": "2025-03-01T10:00:00Z",
    }


def order(
    marketplace: str = "allegro-pl",
    *,
    lines: list[dict[str, Any]] | None = None,
    delivery_cost: str | None = "12.99",
    smart: bool = False,
    company: bool = False,
    status: str = "READY_FOR_PROCESSING",
    payment_type: str = "ONLINE",
) -> dict[str, Any]:
    currency = CURRENCY[marketplace]
    items = lines or [
        line("li-1", "offer-1", 2, "50.00", currency, "Kubek"),
        line("li-2", "offer-2", 1, "100.00", currency, "Czajnik"),
    ]
    data: dict[str, Any] = {
        "id": ORDER_ID,
        "status": status,
        "buyer": {"id": "buyer-1", "login": "kupujacy", "email": "x@allegromail.pl"},
        "payment": {"id": "pay-1", "type": payment_type, "provider": "P24"},
        "delivery": {
            "method": {"id": "m-1", "name": "InPost Paczkomaty"},
            "cost": {"amount": delivery_cost, "currency": currency} if delivery_cost is not None else None,
            "smart": smart,
        },
        "lineItems": items,
        "marketplace": {"id": marketplace},
    }
    if company:
        data["invoice"] = {
            "required": True,
            "address": {
                "company": {"name": "Firma Sp. z o.o.", "ids": [{"type": "PL_NIP", "value": "5260250274"}]}
            },
        }
    return data


def customer_return(
    items: list[tuple[str, int, str]] | None = None,
    *,
    created_at: str = "2025-03-10T12:00:00+01:00",
    status: str = "CREATED",
    marketplace: str = "allegro-pl",
    parcels: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    wanted = items if items is not None else [("offer-1", 2, "DONT_LIKE_IT"), ("offer-2", 1, "DONT_LIKE_IT")]
    return {
        "id": "ret-1",
        "referenceNumber": "ZWR-1",
        "orderId": ORDER_ID,
        "createdAt": created_at,
        "marketplaceId": marketplace,
        "buyer": {"login": "kupujacy", "email": "x@allegromail.pl"},
        "items": [{"offerId": o, "quantity": q, "reason": {"type": r}} for o, q, r in wanted],
        "parcels": parcels or [],
        "status": status,
    }


def claim(
    *,
    status: str = "CLAIM_SUBMITTED",
    expectation: str | None = "REFUND",
    refund: str | None = None,
    currency: str = "PLN",
    opened: str = "2025-03-10T12:00:00+01:00",
    due: str | None = None,
    offer: tuple[str, int] | None = ("offer-2", 1),
    issue_type: str = "CLAIM",
    return_required: bool | None = None,
) -> dict[str, Any]:
    expectations = []
    if expectation is not None:
        expectations.append(
            {"name": expectation, "refund": {"amount": refund, "currency": currency} if refund else None}
        )
    return {
        "id": "issue-1",
        "type": issue_type,
        "referenceNumber": "123/2025",
        "decisionDueDate": due,
        "openedDate": opened,
        "checkoutForm": {"id": ORDER_ID},
        "currentState": {"status": status, "statusDueDate": None, "returnRequired": return_required},
        "expectations": expectations,
        "offer": {"id": offer[0], "quantity": offer[1]} if offer else None,
        "reason": {"type": "DEFECT_FOUND_DURING_USE"},
        "right": "COMPLAINT",
    }


def case(
    marketplace: str = "allegro-pl",
    *,
    order_data: dict[str, Any] | None = None,
    return_data: dict[str, Any] | None = None,
    issue: dict[str, Any] | None = None,
    delivered_at: Any = "2025-03-03T15:00:00+01:00",
    **extra: Any,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "order": copy.deepcopy(order_data) if order_data else order(marketplace),
        "deliveredAt": delivered_at,
        "now": "2025-03-12T09:00:00+01:00",
    }
    if issue is not None:
        data["issue"] = issue
    else:
        data["customerReturn"] = return_data or customer_return(marketplace=marketplace)
    data.update(extra)
    return data
