"""What both intakes share: results, the order (checkout form) snapshot, checks and the seller account."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from pydantic import BaseModel, ValidationError

from refund_desk.cases.access import account_name_errors
from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import Marketplace
from refund_desk.cases.models import (
    Buyer,
    CaseItem,
    Order,
    OrderLineItem,
    RefundCase,
    SellerAccount,
)
from refund_desk.core.errors import ValidationFailed, field_errors
from refund_desk.core.money import MARKETPLACE_CURRENCY, amount_limit
from refund_desk.integrations.allegro.interface import CheckoutForm

M = TypeVar("M", bound=BaseModel)


MARKETPLACES = frozenset(Marketplace.values)


INTAKE_ACTOR = Actor.system("intake")


class Outcome:
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"


@dataclass(slots=True)
class IntakeResult:
    outcome: str
    case_id: int | None = None
    external_id: str = ""
    errors: list[tuple[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "caseId": self.case_id,
            "externalId": self.external_id,
            "errors": [{"field": path, "message": message} for path, message in self.errors],
        }


@dataclass(slots=True)
class IntakeSummary:
    results: list[IntakeResult] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)

    def to_json(self) -> dict[str, Any]:
        return {
            "created": self.count(Outcome.CREATED),
            "updated": self.count(Outcome.UPDATED),
            "unchanged": self.count(Outcome.UNCHANGED),
            "rejected": self.count(Outcome.REJECTED),
            "results": [r.to_json() for r in self.results],
        }


def object_errors(data: dict[str, Any], keys: Iterable[str]) -> list[tuple[str, str]]:
    """Each of `keys` must be in the case file and be a JSON object."""
    errors: list[tuple[str, str]] = []
    for key in keys:
        raw = data.get(key)
        if raw is None:
            errors.append((key, "Field required"))
        elif not isinstance(raw, dict):
            errors.append((key, "must be a JSON object"))
    return errors


def validated(model: type[M], raw: object, path: str, errors: list[tuple[str, str]]) -> M | None:
    """`raw` as `model`; None when invalid, with every problem added to `errors` under `path`."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        errors += field_errors(exc, path)
        return None


def file_fingerprint(raw_order: dict[str, Any], raw_return: dict[str, Any]) -> str:
    canonical = json.dumps([raw_order, raw_return], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def order_marketplace(order: CheckoutForm, fallback: str | None, errors: list[tuple[str, str]]) -> str | None:
    """The order's marketplace, else `fallback`, else the one whose currency the order is in."""
    marketplace = (order.marketplace.id if order.marketplace else None) or fallback
    if marketplace is None:
        currency = order.lineItems[0].price.currency
        marketplace = next((m for m, c in MARKETPLACE_CURRENCY.items() if c == currency), None)
    if marketplace not in MARKETPLACES:
        errors.append(("order.marketplace.id", f"unknown marketplace {marketplace!r}"))
    return marketplace


def order_consistency(
    order: CheckoutForm, errors: list[tuple[str, str]], request_prices: list[tuple[str, str]]
) -> dict[str, int]:
    """Check one currency across the order and the request, and unique line ids; return bought per offer."""
    currency = order.lineItems[0].price.currency
    prices = [
        (f"order.lineItems[{i}].price.currency", li.price.currency) for i, li in enumerate(order.lineItems)
    ]
    if order.delivery and order.delivery.cost:
        prices.append(("order.delivery.cost.currency", order.delivery.cost.currency))
    if order.summary and order.summary.totalToPay:
        prices.append(("order.summary.totalToPay.currency", order.summary.totalToPay.currency))
    if order.payment and order.payment.paidAmount:
        prices.append(("order.payment.paidAmount.currency", order.payment.paidAmount.currency))
    mixed = False
    for path, other in [*prices, *request_prices]:
        if other != currency:
            mixed = True
            errors.append(
                (path, f"currency {other} differs from the order's {currency}; one case has one currency")
            )
    bought: dict[str, int] = defaultdict(int)
    line_ids: set[str] = set()
    for i, line in enumerate(order.lineItems):
        if line.id in line_ids:
            errors.append((f"order.lineItems[{i}].id", f"line item {line.id} appears twice in the order"))
        line_ids.add(line.id)
        bought[line.offer.id] += line.quantity
    if not mixed:
        errors += amount_errors(order, currency)
    return bought


def amount_errors(order: CheckoutForm, currency: str) -> list[tuple[str, str]]:
    """Amounts within this installation's limits per currency, and adding up: the lines and the delivery
    make the order's total, and nobody paid more than it (every amount in `currency`, checked before)."""
    errors: list[tuple[str, str]] = []
    max_line = amount_limit(settings.INTAKE_MAX_LINE_AMOUNT, currency)
    max_order = amount_limit(settings.INTAKE_MAX_ORDER_AMOUNT, currency)
    lines = Decimal(0)
    for i, line in enumerate(order.lineItems):
        total = line.price.amount * line.quantity
        lines += total
        if total > max_line:
            errors.append(
                (f"order.lineItems[{i}].price.amount", f"the line comes to {total} {currency}, above the "
                 f"largest line this desk accepts ({max_line} {currency}, INTAKE_MAX_LINE_AMOUNT)")
            )  # fmt: skip
    delivery = order.delivery.cost.amount if order.delivery and order.delivery.cost else Decimal(0)
    expected = lines + delivery
    if expected > max_order:
        errors.append(
            ("order.lineItems", f"the order comes to {expected} {currency}, above the largest order this "
             f"desk accepts ({max_order} {currency}, INTAKE_MAX_ORDER_AMOUNT)")
        )  # fmt: skip
    total_to_pay = order.summary.totalToPay if order.summary else None
    adjusted = bool(order.surcharges or order.discounts)
    if total_to_pay is not None and not adjusted and total_to_pay.amount != expected:
        errors.append(
            ("order.summary.totalToPay.amount", f"{total_to_pay.amount} does not match the lines "
             f"({lines}) and the delivery ({delivery})")
        )  # fmt: skip
    paid = order.payment.paidAmount if order.payment else None
    if paid is not None:
        ceiling = total_to_pay.amount if total_to_pay is not None else expected
        if paid.amount > ceiling:
            errors.append(
                (
                    "order.payment.paidAmount.amount",
                    f"{paid.amount} is more than the order's total ({ceiling})",
                )
            )
    return errors


class OrderFile(Protocol):
    """What order upserts need of a parsed case file (customer return or issue)."""

    @property
    def order(self) -> CheckoutForm: ...
    @property
    def marketplace(self) -> str: ...
    @property
    def currency(self) -> str: ...
    @property
    def raw_order(self) -> dict[str, Any]: ...


@dataclass(slots=True)
class Known:
    """What the database already holds for a batch of case files (fetched once per chunk)."""

    buyers: dict[str, Buyer] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)
    fingerprints: dict[str, tuple[int, str]] = field(default_factory=dict)
    pending_lines: dict[str, list[OrderLineItem]] = field(default_factory=dict)


def order_fields(parsed: OrderFile) -> dict[str, Any]:
    o = parsed.order
    payment = o.payment
    delivery = o.delivery
    company = o.company
    bought_at = min((li.boughtAt for li in o.lineItems if li.boughtAt), default=None)
    return {
        "marketplace": parsed.marketplace,
        "currency": parsed.currency,
        "status": o.status,
        "payment_id": (payment.id if payment else None) or "",
        "payment_type": (payment.type if payment else None) or "",
        "payment_provider": (payment.provider if payment else None) or "",
        "paid_amount": payment.paidAmount.amount if payment and payment.paidAmount else None,
        "delivery_method": (delivery.method.name if delivery and delivery.method else None) or "",
        "delivery_cost": delivery.cost.amount if delivery and delivery.cost else Decimal("0"),
        "delivery_smart": bool(delivery and delivery.smart),
        "total_to_pay": o.summary.totalToPay.amount if o.summary and o.summary.totalToPay else None,
        "invoice_required": bool(o.invoice and o.invoice.required),
        "company_name": (company.name if company else None) or "",
        "company_ids": [{"type": c.type, "value": c.value} for c in company.ids] if company else [],
        "bought_at": bought_at,
        "revision": o.revision or "",
        "snapshot": parsed.raw_order,
    }


def new_line_items(parsed: OrderFile, order: Order, skip: set[str]) -> list[OrderLineItem]:
    return OrderLineItem.objects.bulk_create(
        [
            OrderLineItem(
                order=order,
                external_id=li.id,
                offer_id=li.offer.id,
                offer_name=li.offer.name,
                quantity=li.quantity,
                unit_price=li.price.amount,
                original_unit_price=li.originalPrice.amount if li.originalPrice else None,
                bought_at=li.boughtAt,
            )
            for li in parsed.order.lineItems
            if li.id not in skip
        ]
    )


def upsert_order(
    parsed: OrderFile, account: SellerAccount, buyer: Buyer, known: Known
) -> tuple[Order, list[OrderLineItem], list[str]]:
    """Create or refresh the order snapshot; returns the order, its lines and the fields that changed."""
    values = order_fields(parsed)
    order = known.orders.get(parsed.order.id)
    if order is None:
        order = Order.objects.create(account=account, external_id=parsed.order.id, buyer=buyer, **values)
        known.orders[order.external_id] = order
        return order, new_line_items(parsed, order, set()), []
    changed = [name for name, value in values.items() if getattr(order, name) != value]
    if changed:
        for name in changed:
            setattr(order, name, values[name])
        order.fetched_at = timezone.now()
        order.save(update_fields=[*changed, "fetched_at"])
    lines = list(order.line_items.all())
    if _line_values_refresh(parsed, lines):
        changed.append("lineItems")
    lines += new_line_items(parsed, order, {line.external_id for line in lines})
    return order, lines, changed


def _line_values_refresh(parsed: OrderFile, lines: list[OrderLineItem]) -> bool:
    """Bring stored lines to what the file says (Allegro never reprices a bought line: this corrects a
    stored value that was wrong). True when a line changed."""
    by_id = {li.id: li for li in parsed.order.lineItems}
    stale = []
    for line in lines:
        fresh = by_id.get(line.external_id)
        if fresh is None:
            continue
        values = {
            "offer_name": fresh.offer.name,
            "quantity": fresh.quantity,
            "unit_price": fresh.price.amount,
            "original_unit_price": fresh.originalPrice.amount if fresh.originalPrice else None,
        }
        if any(getattr(line, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(line, name, value)
            stale.append(line)
    if stale:
        OrderLineItem.objects.bulk_update(
            stale, ["offer_name", "quantity", "unit_price", "original_unit_price"]
        )
    return bool(stale)


def case_items_value(case: RefundCase) -> Decimal:
    """What the case's items are worth at their lines' prices."""
    items = CaseItem.objects.filter(case=case).select_related("line_item")
    return sum((item.line_item.unit_price * item.quantity for item in items), Decimal("0"))


def requested_amount(allocation: list[tuple[OrderLineItem, int, str, str]]) -> Decimal:
    return sum((line.unit_price * qty for line, qty, _, _ in allocation), Decimal("0"))


def rejected(data: object, exc: ValidationFailed) -> IntakeResult:
    external_id = ""
    if isinstance(data, dict) and isinstance(data.get("customerReturn"), dict):
        external_id = str(data["customerReturn"].get("id", ""))
    return IntakeResult(Outcome.REJECTED, external_id=external_id, errors=exc.errors)


def chunks(items: Iterable[object], size: int) -> Iterator[list[object]]:
    chunk: list[object] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@transaction.atomic
def account_get_or_create(*, name: str) -> SellerAccount:
    """The seller account imports go to (created on first use)."""
    name = name.strip()
    errors = account_name_errors(name, "account")
    if errors:
        raise ValidationFailed(errors)
    account, _ = SellerAccount.objects.get_or_create(name=name)
    return account
