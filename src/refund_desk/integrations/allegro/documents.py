"""Allegro case documents into the policy engine's input.

A case document (CASE.json, docs/policy.md) is an Allegro checkout form with its customer return or
post-purchase issue, in Allegro's REST shapes, plus the facts Allegro does not carry (delivery date,
whether the buyer was told of the withdrawal right, offer restrictions, deductions). `parse_case`
validates it with the integration's payload models, raising ValidationFailed with field paths, and maps
it onto the engine's own types (`policy.engine.inputs`); `order_input`, `return_input` and
`issue_input` map one payload each. `AllegroCaseDocuments` provides the `policy.documents` port.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from refund_desk.core.errors import DomainError, ValidationFailed
from refund_desk.core.money import MARKETPLACE_CURRENCY, Money, parse_amount
from refund_desk.integrations.allegro.interface import CheckoutForm, CustomerReturn, PostPurchaseIssue
from refund_desk.policy.engine import law
from refund_desk.policy.engine.inputs import (
    CancellationInput,
    CaseInput,
    Deduction,
    ExpectationInput,
    IssueInput,
    IssueStatus,
    LineInput,
    OfferFacts,
    OrderInput,
    ReturnInput,
    ReturnItemInput,
)

# Customer return statuses meaning the goods are back with the seller (or its fulfilment warehouse).
GOODS_BACK_STATUSES = frozenset(
    {
        "DELIVERED",
        "FINISHED",
        "REJECTED",
        "WAREHOUSE_DELIVERED",
        "WAREHOUSE_VERIFICATION",
        "COMMISSION_REFUND_CLAIMED",
        "COMMISSION_REFUNDED",
    }
)
# Customer return statuses meaning a carrier has the parcel: Allegro-tracked proof of dispatch.
DISPATCHED_STATUSES = frozenset({"DISPATCHED", "IN_TRANSIT"})
UNPAID_ORDER_STATUSES = frozenset({"BOUGHT", "FILLED_IN"})
CANCELLATION_TYPES = ("BUYER_CANCELLED", "AUTO_CANCELLED")
CLAIM_STATUSES = {"CLAIM_ACCEPTED": IssueStatus.ACCEPTED, "CLAIM_REJECTED": IssueStatus.REJECTED}


def order_input(order: CheckoutForm) -> OrderInput:
    delivery = order.delivery
    return OrderInput(
        id=order.id,
        lines=tuple(
            LineInput(
                id=line.id,
                offer_id=line.offer.id,
                offer_name=line.offer.name,
                quantity=line.quantity,
                price=line.price.money(),
                bought_at=line.boughtAt,
            )
            for line in order.lineItems
        ),
        status=order.status,
        unpaid=order.status in UNPAID_ORDER_STATUSES,
        cash_on_delivery=order.payment is not None and order.payment.type == "CASH_ON_DELIVERY",
        delivery_cost=delivery.cost.money() if delivery is not None and delivery.cost is not None else None,
        delivery_smart=bool(delivery is not None and delivery.smart),
        business=order.company is not None,
    )


def return_input(ret: CustomerReturn) -> ReturnInput:
    return ReturnInput(
        id=ret.id,
        created_at=ret.createdAt,
        items=tuple(
            ReturnItemInput(item.offerId, item.quantity, item.reason.type if item.reason else "NONE")
            for item in ret.items
        ),
        goods_back=ret.status in GOODS_BACK_STATUSES,
        dispatched=ret.status in DISPATCHED_STATUSES,
        waybill=any(parcel.waybill for parcel in ret.parcels),
    )


def issue_input(issue: PostPurchaseIssue) -> IssueInput:
    state = issue.currentState
    return IssueInput(
        claim=issue.type == "CLAIM",
        status=CLAIM_STATUSES.get(issue.status or "", IssueStatus.OPEN),
        opened_at=issue.openedDate,
        due_at=issue.due_date,
        return_required=bool(state is not None and state.returnRequired),
        expectations=tuple(
            ExpectationInput(e.name, e.refund.money() if e.refund is not None else None)
            for e in issue.expectations
        ),
        offer_id=issue.offer.id if issue.offer is not None else None,
        offer_quantity=issue.offer.quantity if issue.offer is not None else None,
    )


class AllegroCaseDocuments:
    """The `policy.documents.case_documents` port: Allegro case documents into engine input."""

    def parse(self, document: object, *, now: datetime | None = None) -> CaseInput:
        return parse_case(document, now=now)


_DATETIME = TypeAdapter(datetime)


def _path(prefix: str, loc: tuple[int | str, ...]) -> str:
    path = prefix
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _model(model: type[BaseModel], raw: object, prefix: str, errors: list[tuple[str, str]]) -> Any:
    if not isinstance(raw, dict):
        errors.append((prefix, "must be a JSON object"))
        return None
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        for error in exc.errors():
            message = str(error["msg"]).removeprefix("Value error, ")
            errors.append((_path(prefix, tuple(error["loc"])), message))
        return None


def _moment(raw: object, path: str, errors: list[tuple[str, str]]) -> datetime | None:
    if raw is None:
        return None
    if not isinstance(raw, str):
        errors.append((path, "must be an ISO-8601 date-time string"))
        return None
    try:
        value = _DATETIME.validate_python(raw)
    except ValidationError:
        errors.append((path, f"not an ISO-8601 date-time: {raw!r}"))
        return None
    if value.tzinfo is None:
        errors.append((path, "must include a UTC offset, e.g. 2025-03-01T12:00:00+01:00"))
        return None
    return value


def _aware(value: datetime | None, path: str, errors: list[tuple[str, str]]) -> None:
    if value is not None and value.tzinfo is None:
        errors.append((path, "must include a UTC offset"))


def _price(raw: object, path: str, errors: list[tuple[str, str]]) -> Money | None:
    if not isinstance(raw, dict):
        errors.append((path, 'must be an object {"amount": "12.30", "currency": "PLN"}'))
        return None
    try:
        money = Money(parse_amount(raw.get("amount")), str(raw.get("currency")))
    except DomainError as exc:
        errors.append((path, str(exc)))
        return None
    if money.amount < 0:
        errors.append((f"{path}.amount", "cannot be negative"))
        return None
    return money


def parse_case(data: object, *, now: datetime | None = None) -> CaseInput:
    """Validate a CASE.json document and build the engine input; raise ValidationFailed with field paths."""
    if not isinstance(data, dict):
        raise ValidationFailed([("$", "a case must be a JSON object with an 'order'")])
    errors: list[tuple[str, str]] = []
    if data.get("order") is None:
        raise ValidationFailed([("order", "Field required")])
    order: CheckoutForm | None = _model(CheckoutForm, data["order"], "order", errors)
    customer_return: CustomerReturn | None = None
    issue: PostPurchaseIssue | None = None
    if data.get("customerReturn") is not None:
        customer_return = _model(CustomerReturn, data["customerReturn"], "customerReturn", errors)
    if data.get("issue") is not None:
        issue = _model(PostPurchaseIssue, data["issue"], "issue", errors)
    cancellation: CancellationInput | None = None
    raw_cancellation = data.get("cancellation")
    if raw_cancellation is not None:
        if not isinstance(raw_cancellation, dict):
            errors.append(("cancellation", 'must be an object {"type": "BUYER_CANCELLED", "occurredAt": …}'))
        else:
            kind = raw_cancellation.get("type")
            if kind not in CANCELLATION_TYPES:
                errors.append(("cancellation.type", f"one of {', '.join(CANCELLATION_TYPES)}"))
            at = _moment(raw_cancellation.get("occurredAt"), "cancellation.occurredAt", errors)
            if raw_cancellation.get("occurredAt") is None:
                errors.append(("cancellation.occurredAt", "Field required"))
            if kind in CANCELLATION_TYPES and at is not None:
                cancellation = CancellationInput(type=str(kind), at=at)
    if data.get("customerReturn") is None and data.get("issue") is None and raw_cancellation is None:
        errors.append(("customerReturn", "a case needs a customerReturn, an issue or a cancellation"))

    delivered_raw = data.get("deliveredAt")
    delivered_at: datetime | None = None
    if isinstance(delivered_raw, list):
        # Several parcels: the period runs from the last one (Dir. 2011/83/EU Art. 9(2)(b)).
        moments = [_moment(v, f"deliveredAt[{i}]", errors) for i, v in enumerate(delivered_raw)]
        known = [m for m in moments if m is not None]
        delivered_at = max(known) if known and len(known) == len(moments) else None
    else:
        delivered_at = _moment(delivered_raw, "deliveredAt", errors)
    dispatched_at = _moment(data.get("returnDispatchedAt"), "returnDispatchedAt", errors)
    returned_at = _moment(data.get("returnDeliveredAt"), "returnDeliveredAt", errors)
    case_now = _moment(data.get("now"), "now", errors)
    informed = data.get("buyerInformedOfWithdrawalRight", True)
    if not isinstance(informed, bool):
        errors.append(("buyerInformedOfWithdrawalRight", "must be true or false"))
        informed = True
    frequency = data.get("buyerCasesLast30Days")
    if frequency is not None and (
        isinstance(frequency, bool) or not isinstance(frequency, int) or frequency < 0
    ):
        errors.append(("buyerCasesLast30Days", "must be a non-negative whole number"))
        frequency = None

    offers: dict[str, OfferFacts] = {}
    raw_offers = data.get("offers") or {}
    if not isinstance(raw_offers, dict):
        errors.append(("offers", "must be an object keyed by offer id"))
        raw_offers = {}
    for offer_id, facts in raw_offers.items():
        path = f"offers.{offer_id}"
        if not isinstance(facts, dict):
            errors.append((path, "must be an object"))
            continue
        restriction = facts.get("restriction")
        if restriction is not None and restriction not in law.RESTRICTION_CAUSES:
            errors.append((f"{path}.restriction", f"unknown restriction cause {restriction!r}"))
            restriction = None
        seal = facts.get("sealBroken")
        if seal is not None and not isinstance(seal, bool):
            errors.append((f"{path}.sealBroken", "must be true, false or null"))
            seal = None
        category = facts.get("category")
        offers[str(offer_id)] = OfferFacts(restriction, str(category) if category is not None else None, seal)

    cheapest = None
    if data.get("cheapestStandardDelivery") is not None:
        cheapest = _price(data["cheapestStandardDelivery"], "cheapestStandardDelivery", errors)

    deductions: list[Deduction] = []
    raw_deductions = data.get("deductions") or []
    if not isinstance(raw_deductions, list):
        errors.append(("deductions", "must be a list"))
        raw_deductions = []
    for i, raw in enumerate(raw_deductions):
        path = f"deductions[{i}]"
        if not isinstance(raw, dict):
            errors.append((path, "must be an object"))
            continue
        amount = _price(raw.get("amount"), f"{path}.amount", errors)
        reason = raw.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            errors.append((f"{path}.reason", "a deduction needs a documented reason"))
            continue
        line_id = raw.get("lineItemId")
        if not isinstance(line_id, str):
            errors.append((f"{path}.lineItemId", "Field required"))
            continue
        if amount is not None:
            deductions.append(Deduction(line_id, amount, reason.strip()))

    if order is None or errors:
        raise ValidationFailed(errors)

    marketplace, currency = _marketplace_and_currency(order, customer_return, errors)
    errors += _consistency_errors(order, customer_return, issue, currency)
    for i, deduction in enumerate(deductions):
        if deduction.amount.currency != currency:
            errors.append(
                (f"deductions[{i}].amount.currency", _currency_message(deduction.amount.currency, currency))
            )
        if all(line.id != deduction.line_item_id for line in order.lineItems):
            errors.append(
                (f"deductions[{i}].lineItemId", f"line item {deduction.line_item_id} is not in the order")
            )
    if cheapest is not None and cheapest.currency != currency:
        errors.append(("cheapestStandardDelivery.currency", _currency_message(cheapest.currency, currency)))
    if customer_return is not None:
        _aware(customer_return.createdAt, "customerReturn.createdAt", errors)
    if issue is not None:
        _aware(issue.decisionDueDate, "issue.decisionDueDate", errors)
        _aware(issue.openedDate, "issue.openedDate", errors)
        if issue.currentState is not None:
            _aware(issue.currentState.statusDueDate, "issue.currentState.statusDueDate", errors)
    if errors:
        raise ValidationFailed(errors)
    return CaseInput(
        order=order_input(order),
        marketplace=marketplace,
        currency=currency,
        customer_return=return_input(customer_return) if customer_return is not None else None,
        issue=issue_input(issue) if issue is not None else None,
        cancellation=cancellation,
        delivered_at=delivered_at,
        return_dispatched_at=dispatched_at,
        return_delivered_at=returned_at,
        buyer_informed=informed,
        offers=offers,
        deductions=tuple(deductions),
        cheapest_standard_delivery=cheapest,
        buyer_cases_last_30_days=frequency,
        now=case_now or now,
    )


def _currency_message(other: str, currency: str) -> str:
    return f"currency {other} differs from the order's {currency}; one case has one currency"


def _marketplace_and_currency(
    order: CheckoutForm, customer_return: CustomerReturn | None, errors: list[tuple[str, str]]
) -> tuple[str, str]:
    currency = order.lineItems[0].price.currency
    marketplace = (order.marketplace.id if order.marketplace else None) or (
        customer_return.marketplaceId if customer_return else None
    )
    if marketplace is None:
        marketplace = next((m for m, c in MARKETPLACE_CURRENCY.items() if c == currency), None)
    if marketplace not in law.MARKETPLACES:
        errors.append(("order.marketplace.id", f"unknown marketplace {marketplace!r}"))
        raise ValidationFailed(errors)
    assert marketplace is not None
    return marketplace, currency


def _consistency_errors(
    order: CheckoutForm, ret: CustomerReturn | None, issue: PostPurchaseIssue | None, currency: str
) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    prices: list[tuple[str, str]] = [
        (f"order.lineItems[{i}].price.currency", line.price.currency)
        for i, line in enumerate(order.lineItems)
    ]
    if order.delivery and order.delivery.cost:
        prices.append(("order.delivery.cost.currency", order.delivery.cost.currency))
    bought: dict[str, int] = defaultdict(int)
    for line in order.lineItems:
        bought[line.offer.id] += line.quantity
    if ret is not None:
        if ret.orderId != order.id:
            errors.append(("customerReturn.orderId", f"refers to order {ret.orderId!r}, not {order.id!r}"))
        returned: dict[str, int] = defaultdict(int)
        for i, item in enumerate(ret.items):
            if item.price is not None:
                prices.append((f"customerReturn.items[{i}].price.currency", item.price.currency))
            if item.offerId not in bought:
                errors.append(
                    (f"customerReturn.items[{i}].offerId", f"offer {item.offerId} is not in the order")
                )
                continue
            returned[item.offerId] += item.quantity
            if returned[item.offerId] > bought[item.offerId]:
                errors.append(
                    (
                        f"customerReturn.items[{i}].quantity",
                        f"returns {returned[item.offerId]} of offer {item.offerId}, "
                        f"but only {bought[item.offerId]} were bought",
                    )
                )
    if issue is not None:
        if issue.checkoutForm.id != order.id:
            errors.append(
                ("issue.checkoutForm.id", f"refers to order {issue.checkoutForm.id!r}, not {order.id!r}")
            )
        if issue.offer is not None and issue.offer.id is not None:
            if issue.offer.id not in bought:
                errors.append(("issue.offer.id", f"offer {issue.offer.id} is not in the order"))
            elif issue.offer.quantity is not None and issue.offer.quantity > bought[issue.offer.id]:
                errors.append(
                    (
                        "issue.offer.quantity",
                        f"claims {issue.offer.quantity} of offer {issue.offer.id}, "
                        f"but only {bought[issue.offer.id]} were bought",
                    )
                )
        for i, expectation in enumerate(issue.expectations):
            if expectation.refund is not None:
                prices.append((f"issue.expectations[{i}].refund.currency", expectation.refund.currency))
    for path, other in prices:
        if other != currency:
            errors.append((path, _currency_message(other, currency)))
    return errors
