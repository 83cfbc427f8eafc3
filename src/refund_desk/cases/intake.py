"""Intake: turn an Allegro customer return or post-purchase issue plus its checkout form into a case.

A case file is {"order": <Allegro checkout form>, "customerReturn": <Allegro customer return>}
(`cases_import`), or {"order": …, "issue": <PostPurchaseIssue>, "chat": [<issue chat messages>]}
(`cases_import_issues`: a complaint case). The same file twice changes nothing and writes no event; a
changed return (e.g. parcel DELIVERED) or issue (status, chat) updates the case and writes exactly one
event. Invalid files are rejected whole, with field paths.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from django.db import IntegrityError, transaction
from django.utils import timezone
from pydantic import ValidationError

from refund_desk.ai.tasks import review_cases_after_commit
from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import CaseKind, CaseSource, CaseStatus, EventType, Marketplace
from refund_desk.cases.models import (
    Buyer,
    CaseEvent,
    CaseItem,
    Order,
    OrderLineItem,
    RefundCase,
    SellerAccount,
)
from refund_desk.cases.services import COMPLAINT_ANSWER_DAYS, case_add_note, case_due_at, event_append
from refund_desk.core.errors import ValidationFailed
from refund_desk.core.money import MARKETPLACE_CURRENCY
from refund_desk.integrations.allegro.interface import CheckoutForm, CustomerReturn, PostPurchaseIssue
from refund_desk.integrations.allegro.responses import IssueMessage
from refund_desk.policy.calendar import period_end

STATUTORY_REFUND_DAYS = 14
MARKETPLACES = frozenset(Marketplace.values)
INTAKE_ACTOR = Actor.system("intake")

# Allegro return status -> the case status a newly seen return starts in.
INITIAL_STATUS = {
    "REJECTED": CaseStatus.REJECTED,
    "FINISHED": CaseStatus.CLOSED,
    "FINISHED_APT": CaseStatus.CLOSED,
    "COMMISSION_REFUND_CLAIMED": CaseStatus.CLOSED,
    "COMMISSION_REFUNDED": CaseStatus.CLOSED,
}
# Allegro return status -> (case status it must be in, status it moves to) when the return changes.
FOLLOW_UPS = {
    "DELIVERED": (CaseStatus.AWAITING_RETURN, CaseStatus.RETURN_RECEIVED),
    "WAREHOUSE_DELIVERED": (CaseStatus.AWAITING_RETURN, CaseStatus.RETURN_RECEIVED),
}


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


@dataclass(frozen=True, slots=True)
class ParsedCaseFile:
    order: CheckoutForm
    customer_return: CustomerReturn
    marketplace: str
    currency: str
    raw_order: dict[str, Any]
    raw_return: dict[str, Any]
    fingerprint: str


def _pydantic_errors(exc: ValidationError, prefix: str) -> list[tuple[str, str]]:
    errors = []
    for error in exc.errors():
        path = prefix
        for part in error["loc"]:
            path += f"[{part}]" if isinstance(part, int) else f".{part}"
        message = error["msg"]
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        errors.append((path, message))
    return errors


def _fingerprint(raw_order: dict[str, Any], raw_return: dict[str, Any]) -> str:
    canonical = json.dumps([raw_order, raw_return], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def parse_case_file(data: object) -> ParsedCaseFile:
    """Validate a case file; raise ValidationFailed listing every problem with its field path."""
    if not isinstance(data, dict):
        raise ValidationFailed([("$", "a case file must be a JSON object with 'order' and 'customerReturn'")])
    errors: list[tuple[str, str]] = []
    raw_order, raw_return = data.get("order"), data.get("customerReturn")
    for key, raw in (("order", raw_order), ("customerReturn", raw_return)):
        if raw is None:
            errors.append((key, "Field required"))
        elif not isinstance(raw, dict):
            errors.append((key, "must be a JSON object"))
    if errors:
        raise ValidationFailed(errors)
    assert isinstance(raw_order, dict) and isinstance(raw_return, dict)
    order = customer_return = None
    try:
        order = CheckoutForm.model_validate(raw_order)
    except ValidationError as exc:
        errors += _pydantic_errors(exc, "order")
    try:
        customer_return = CustomerReturn.model_validate(raw_return)
    except ValidationError as exc:
        errors += _pydantic_errors(exc, "customerReturn")
    if order is None or customer_return is None:
        raise ValidationFailed(errors)

    errors += _consistency_errors(order, customer_return)
    currency = order.lineItems[0].price.currency
    marketplace = _order_marketplace(order, customer_return.marketplaceId, errors)
    if errors:
        raise ValidationFailed(errors)
    assert marketplace is not None
    return ParsedCaseFile(
        order=order,
        customer_return=customer_return,
        marketplace=marketplace,
        currency=currency,
        raw_order=raw_order,
        raw_return=raw_return,
        fingerprint=_fingerprint(raw_order, raw_return),
    )


def _order_marketplace(
    order: CheckoutForm, fallback: str | None, errors: list[tuple[str, str]]
) -> str | None:
    """The order's marketplace, else `fallback`, else the one whose currency the order is in."""
    marketplace = (order.marketplace.id if order.marketplace else None) or fallback
    if marketplace is None:
        currency = order.lineItems[0].price.currency
        marketplace = next((m for m, c in MARKETPLACE_CURRENCY.items() if c == currency), None)
    if marketplace not in MARKETPLACES:
        errors.append(("order.marketplace.id", f"unknown marketplace {marketplace!r}"))
    return marketplace


def _order_consistency(
    order: CheckoutForm, errors: list[tuple[str, str]], request_prices: list[tuple[str, str]]
) -> dict[str, int]:
    """Check one currency across the order and the request, and unique line ids; return bought per offer."""
    currency = order.lineItems[0].price.currency
    prices = [
        (f"order.lineItems[{i}].price.currency", li.price.currency) for i, li in enumerate(order.lineItems)
    ]
    if order.delivery and order.delivery.cost:
        prices.append(("order.delivery.cost.currency", order.delivery.cost.currency))
    for path, other in [*prices, *request_prices]:
        if other != currency:
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
    return bought


def _consistency_errors(order: CheckoutForm, ret: CustomerReturn) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    if ret.orderId != order.id:
        errors.append(("customerReturn.orderId", f"refers to order {ret.orderId!r}, not {order.id!r}"))
    bought = _order_consistency(
        order,
        errors,
        [
            (f"customerReturn.items[{i}].price.currency", item.price.currency)
            for i, item in enumerate(ret.items)
            if item.price is not None
        ],
    )
    returned: dict[str, int] = defaultdict(int)
    for i, item in enumerate(ret.items):
        if item.offerId not in bought:
            errors.append(
                (f"customerReturn.items[{i}].offerId", f"offer {item.offerId} is not in order {order.id}")
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
    return errors


# --- writing ---------------------------------------------------------------------------------------


class _OrderFile(Protocol):
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
class _Known:
    """What the database already holds for a batch of case files (fetched once per chunk)."""

    buyers: dict[str, Buyer] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)
    fingerprints: dict[str, tuple[int, str]] = field(default_factory=dict)
    pending_lines: dict[str, list[OrderLineItem]] = field(default_factory=dict)

    @classmethod
    def fetch(cls, account: SellerAccount, parsed: list[ParsedCaseFile]) -> _Known:
        known = cls()
        buyer_ids = {p.order.buyer.id for p in parsed}
        order_ids = {p.order.id for p in parsed}
        return_ids = [p.customer_return.id for p in parsed]
        known.buyers = {b.allegro_id: b for b in Buyer.objects.filter(allegro_id__in=buyer_ids)}
        known.orders = {
            o.external_id: o for o in Order.objects.filter(account=account, external_id__in=order_ids)
        }
        known.fingerprints = {
            ext: (pk, fp)
            for pk, ext, fp in RefundCase.objects.filter(
                account=account, source=CaseSource.CUSTOMER_RETURN, external_id__in=return_ids
            ).values_list("pk", "external_id", "fingerprint")
        }
        return known


def _order_fields(parsed: _OrderFile) -> dict[str, Any]:
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


def _new_line_items(parsed: _OrderFile, order: Order, skip: set[str]) -> list[OrderLineItem]:
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


def _upsert_order(
    parsed: _OrderFile, account: SellerAccount, buyer: Buyer, known: _Known
) -> tuple[Order, list[OrderLineItem], list[str]]:
    """Create or refresh the order snapshot; returns the order, its lines and the fields that changed."""
    values = _order_fields(parsed)
    order = known.orders.get(parsed.order.id)
    if order is None:
        order = Order.objects.create(account=account, external_id=parsed.order.id, buyer=buyer, **values)
        known.orders[order.external_id] = order
        return order, _new_line_items(parsed, order, set()), []
    changed = [name for name, value in values.items() if getattr(order, name) != value]
    if changed:
        for name in changed:
            setattr(order, name, values[name])
        order.fetched_at = timezone.now()
        order.save(update_fields=[*changed, "fetched_at"])
    lines = list(order.line_items.all())
    lines += _new_line_items(parsed, order, {line.external_id for line in lines})
    return order, lines, changed


def _allocate_items(
    parsed: ParsedCaseFile, lines: list[OrderLineItem]
) -> list[tuple[OrderLineItem, int, str, str]]:
    """Map return items (keyed by offer id) onto order line items, filling lines of one offer in order."""
    lines_by_offer: dict[str, list[OrderLineItem]] = defaultdict(list)
    for line in lines:
        lines_by_offer[line.offer_id].append(line)
    used: dict[str, int] = defaultdict(int)
    allocation = []
    for item in parsed.customer_return.items:
        remaining = item.quantity
        reason = item.reason.type if item.reason else "NONE"
        comment = (item.reason.userComment or "") if item.reason else ""
        for line in lines_by_offer[item.offerId]:
            free = line.quantity - used[line.external_id]
            if free <= 0 or remaining <= 0:
                continue
            take = min(free, remaining)
            used[line.external_id] += take
            remaining -= take
            allocation.append((line, take, reason, comment))
    return allocation


def _deadlines(parsed: ParsedCaseFile) -> dict[str, Any]:
    """Refund within 14 days of receiving the withdrawal statement (Dir. 2011/83/EU Art. 13(1))."""
    refund_by = period_end(parsed.customer_return.createdAt, STATUTORY_REFUND_DAYS, parsed.marketplace)
    return {"respond_by": refund_by, "refund_by": refund_by}


def _requested_amount(allocation: list[tuple[OrderLineItem, int, str, str]]) -> Decimal:
    return sum((line.unit_price * qty for line, qty, _, _ in allocation), Decimal("0"))


@dataclass(slots=True)
class _PendingCreates:
    """New rows for a batch of new cases, written with one bulk insert per table."""

    buyers: list[Buyer] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)
    lines: list[OrderLineItem] = field(default_factory=list)
    cases: list[RefundCase] = field(default_factory=list)
    items: list[CaseItem] = field(default_factory=list)
    events: list[CaseEvent] = field(default_factory=list)

    def write(self) -> None:
        # Parents first, so children pick up their parents' new primary keys.
        Buyer.objects.bulk_create(self.buyers, batch_size=500)
        Order.objects.bulk_create(self.orders, batch_size=500)
        OrderLineItem.objects.bulk_create(self.lines, batch_size=500)
        RefundCase.objects.bulk_create(self.cases, batch_size=500)
        CaseItem.objects.bulk_create(self.items, batch_size=500)
        CaseEvent.objects.bulk_create(self.events, batch_size=500)


def _lines_for_new_case(
    parsed: ParsedCaseFile, account: SellerAccount, buyer: Buyer, known: _Known, pending: _PendingCreates
) -> tuple[Order, list[OrderLineItem]]:
    order = known.orders.get(parsed.order.id)
    if order is not None and order.pk is not None:
        order, lines, _ = _upsert_order(parsed, account, buyer, known)
        return order, lines
    if order is not None:  # created earlier in this batch
        return order, known.pending_lines[order.external_id]
    order = Order(account=account, external_id=parsed.order.id, buyer=buyer, **_order_fields(parsed))
    lines = [
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
    ]
    known.orders[order.external_id] = order
    known.pending_lines[order.external_id] = lines
    pending.orders.append(order)
    pending.lines.extend(lines)
    return order, lines


def _plan_new_case(
    parsed: ParsedCaseFile, account: SellerAccount, known: _Known, pending: _PendingCreates
) -> RefundCase:
    """Build (unsaved) every row a new case needs and queue them in `pending`."""
    ret = parsed.customer_return
    b = parsed.order.buyer
    buyer = known.buyers.get(b.id)
    if buyer is None:
        buyer = Buyer(allegro_id=b.id, login=b.login, email_masked=b.email)
        known.buyers[b.id] = buyer
        pending.buyers.append(buyer)
    order, lines = _lines_for_new_case(parsed, account, buyer, known, pending)
    allocation = _allocate_items(parsed, lines)
    status = INITIAL_STATUS.get(ret.status, CaseStatus.NEW)
    deadlines = _deadlines(parsed)
    now = timezone.now()
    case = RefundCase(
        account=account,
        kind=CaseKind.WITHDRAWAL,
        source=CaseSource.CUSTOMER_RETURN,
        external_id=ret.id,
        reference=ret.referenceNumber or "",
        order=order,
        buyer=buyer,
        status=status,
        external_status=ret.status,
        marketplace=parsed.marketplace,
        currency=parsed.currency,
        buyer_login=ret.buyer.login.lower(),
        order_external_id=order.external_id,
        primary_reason=allocation[0][2] if allocation else "",
        requested_amount=_requested_amount(allocation),
        opened_at=ret.createdAt,
        due_at=case_due_at(status=status, **deadlines),
        snapshot=parsed.raw_return,
        fingerprint=parsed.fingerprint,
        created_at=now,
        updated_at=now,
        **deadlines,
    )
    pending.cases.append(case)
    pending.items.extend(
        CaseItem(case=case, line_item=line, quantity=qty, reason_type=reason, comment=comment)
        for line, qty, reason, comment in allocation
    )
    pending.events.append(
        CaseEvent(
            case=case,
            type=EventType.CREATED,
            actor_type=INTAKE_ACTOR.type,
            actor_label=INTAKE_ACTOR.label,
            to_status=status,
            payload={
                "source": CaseSource.CUSTOMER_RETURN,
                "externalId": ret.id,
                "externalStatus": ret.status,
            },
            created_at=now,
        )
    )
    return case


def _update_case(case: RefundCase, parsed: ParsedCaseFile, known: _Known) -> None:
    ret = parsed.customer_return
    changes: dict[str, Any] = {}
    if case.external_status != ret.status:
        changes["externalStatus"] = {"from": case.external_status, "to": ret.status}
    previous_parcels = case.snapshot.get("parcels") or []
    if previous_parcels != parsed.raw_return.get("parcels", []):
        changes["parcels"] = {"from": len(previous_parcels), "to": len(ret.parcels)}
    if case.snapshot.get("rejection") != parsed.raw_return.get("rejection"):
        changes["rejection"] = parsed.raw_return.get("rejection")
    _, _, order_changes = _upsert_order(parsed, case.account, case.buyer, known)
    if order_changes:
        changes["order"] = sorted(order_changes)
    if not changes and case.snapshot != parsed.raw_return:
        changes["details"] = "return details changed"

    from_status = to_status = ""
    follow_up = FOLLOW_UPS.get(ret.status)
    if follow_up and case.status == follow_up[0]:
        from_status, to_status = case.status, follow_up[1]
        case.status = to_status
    case.external_status = ret.status
    case.snapshot = parsed.raw_return
    case.fingerprint = parsed.fingerprint
    case.reference = ret.referenceNumber or case.reference
    case.updated_at = timezone.now()
    case.due_at = case_due_at(status=case.status, respond_by=case.respond_by, refund_by=case.refund_by)
    case.save(
        update_fields=[
            "status",
            "external_status",
            "snapshot",
            "fingerprint",
            "reference",
            "updated_at",
            "due_at",
        ]
    )
    event_append(
        case=case,
        type=EventType.SYNCED,
        actor=INTAKE_ACTOR,
        from_status=from_status,
        to_status=to_status,
        payload={"changes": changes},
    )


def case_ingest_customer_return(*, data: object, account: SellerAccount) -> IntakeResult:
    """Create or update the case for one case file; idempotent; writes nothing when rejected."""
    return cases_import(items=[data], account=account).results[0]


def _ingest_existing(parsed: ParsedCaseFile, account: SellerAccount, known: _Known) -> IntakeResult:
    ret_id = parsed.customer_return.id
    with transaction.atomic():
        pk = known.fingerprints[ret_id][0]
        case = (
            RefundCase.objects.select_for_update(of=("self",)).select_related("account", "buyer").get(pk=pk)
        )
        if case.fingerprint == parsed.fingerprint:
            return IntakeResult(Outcome.UNCHANGED, case.pk, ret_id)
        _update_case(case, parsed, known)
        known.fingerprints[ret_id] = (case.pk, case.fingerprint)
        return IntakeResult(Outcome.UPDATED, case.pk, ret_id)


def _ingest_chunk(parsed: list[ParsedCaseFile], account: SellerAccount) -> list[IntakeResult]:
    """New cases of the chunk are inserted in bulk; returns already known are compared and updated."""
    known = _Known.fetch(account, parsed)
    results: dict[int, IntakeResult] = {}
    pending = _PendingCreates()
    new_cases: dict[int, RefundCase] = {}
    planned: set[str] = set()
    later: list[int] = []
    for index, item in enumerate(parsed):
        ret_id = item.customer_return.id
        seen = known.fingerprints.get(ret_id)
        if seen is not None and seen[1] == item.fingerprint:
            results[index] = IntakeResult(Outcome.UNCHANGED, seen[0], ret_id)
        elif seen is None and ret_id not in planned:
            new_cases[index] = _plan_new_case(item, account, known, pending)
            planned.add(ret_id)
        else:
            later.append(index)
    pending.write()
    review_cases_after_commit(case.pk for case in new_cases.values() if case.pk is not None)
    for index, case in new_cases.items():
        known.fingerprints[case.external_id] = (case.pk, case.fingerprint)
        results[index] = IntakeResult(Outcome.CREATED, case.pk, case.external_id)
    for index in later:
        results[index] = _ingest_existing(parsed[index], account, known)
    return [results[i] for i in range(len(parsed))]


def _rejected(data: object, exc: ValidationFailed) -> IntakeResult:
    external_id = ""
    if isinstance(data, dict) and isinstance(data.get("customerReturn"), dict):
        external_id = str(data["customerReturn"].get("id", ""))
    return IntakeResult(Outcome.REJECTED, external_id=external_id, errors=exc.errors)


def _chunks(items: Iterable[object], size: int) -> Iterator[list[object]]:
    chunk: list[object] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def cases_import(
    *, items: Iterable[object], account: SellerAccount, chunk_size: int = 500, progress: Any = None
) -> IntakeSummary:
    """Import many case files. Each file is all-or-nothing; a rejected one does not stop the batch.

    Files are committed in chunks (one transaction per chunk, a savepoint per file) for throughput.
    """
    summary = IntakeSummary()
    for chunk in _chunks(items, chunk_size):
        outcomes: list[ParsedCaseFile | IntakeResult] = []
        for data in chunk:
            try:
                outcomes.append(parse_case_file(data))
            except ValidationFailed as exc:
                outcomes.append(_rejected(data, exc))
        valid = [p for p in outcomes if isinstance(p, ParsedCaseFile)]
        try:
            with transaction.atomic():
                written = iter(_ingest_chunk(valid, account))
        except IntegrityError:
            # Another writer created some of these rows meanwhile: redo the chunk one file at a time.
            results: list[IntakeResult] = []
            for one in valid:
                with transaction.atomic():
                    results.extend(_ingest_chunk([one], account))
            written = iter(results)
        summary.results.extend(p if isinstance(p, IntakeResult) else next(written) for p in outcomes)
        if progress is not None:
            progress(summary)
    return summary


# --- post-purchase issues (complaints) ---------------------------------------------------------------

# Chat messages of an issue (GET /sale/issues/{id}/chat) are kept in the case snapshot under this key,
# next to Allegro's own `chat` summary; the policy engine ignores it.
CHAT_KEY = "chatMessages"
# Reason types that mean a withdrawal or cancellation was not refunded: the order's other cases get a note.
REFUND_REASON_TYPES = {
    "NO_REFUND_AFTER_RETURNING_PRODUCT": "after returning the goods",
    "NO_REFUND_AFTER_CANCELING_ORDER": "after cancelling the order",
}
# Allegro issue status -> the case status a newly seen issue starts in (others start NEW).
ISSUE_INITIAL_STATUS = {
    "DISPUTE_CLOSED": CaseStatus.CLOSED,
    "CLAIM_REJECTED": CaseStatus.REJECTED,
}
ISSUE_FIELD_LIMITS = (
    ("issue.id", 64),
    ("issue.referenceNumber", 64),
    ("issue.currentState.status", 40),
    ("issue.reason.type", 40),
)


@dataclass(frozen=True, slots=True)
class ParsedIssueFile:
    order: CheckoutForm
    issue: PostPurchaseIssue
    chat: list[IssueMessage] | None
    marketplace: str
    currency: str
    raw_order: dict[str, Any]
    raw_issue: dict[str, Any]
    raw_chat: list[dict[str, Any]] | None
    fingerprint: str

    @property
    def snapshot(self) -> dict[str, Any]:
        """What the case stores: the issue as Allegro sent it, plus its chat when one was fetched."""
        if self.raw_chat is None:
            return dict(self.raw_issue)
        return {**self.raw_issue, CHAT_KEY: self.raw_chat}

    @property
    def reason_type(self) -> str:
        return (self.issue.reason.type if self.issue.reason else None) or ""

    @property
    def comment(self) -> str:
        if self.issue.reason and self.issue.reason.description:
            return self.issue.reason.description
        summary = self.raw_issue.get("chat")
        if isinstance(summary, dict) and isinstance(summary.get("initialMessage"), dict):
            text = summary["initialMessage"].get("text")
            if isinstance(text, str) and text:
                return text
        buyer_texts = [m.text for m in self.chat or [] if m.author and m.author.role == "BUYER" and m.text]
        return buyer_texts[0] if buyer_texts else (self.issue.description or "")


def _chat_count(snapshot: dict[str, Any]) -> int:
    messages = snapshot.get(CHAT_KEY)
    if isinstance(messages, list):
        return len(messages)
    summary = snapshot.get("chat")
    return int(summary.get("messagesCount") or 0) if isinstance(summary, dict) else 0


def _field_value(raw: dict[str, Any], path: str) -> object:
    value: object = raw
    for part in path.split(".")[1:]:
        value = value.get(part) if isinstance(value, dict) else None
    return value


def parse_issue_file(data: object) -> ParsedIssueFile:
    """Validate an issue case file; raise ValidationFailed listing every problem with its field path."""
    if not isinstance(data, dict):
        raise ValidationFailed([("$", "an issue case file must be a JSON object with 'order' and 'issue'")])
    errors: list[tuple[str, str]] = []
    raw_order, raw_issue, raw_chat = data.get("order"), data.get("issue"), data.get("chat")
    for key, raw in (("order", raw_order), ("issue", raw_issue)):
        if raw is None:
            errors.append((key, "Field required"))
        elif not isinstance(raw, dict):
            errors.append((key, "must be a JSON object"))
    if raw_chat is not None and not isinstance(raw_chat, list):
        errors.append(("chat", "must be a JSON array of chat messages"))
    if errors:
        raise ValidationFailed(errors)
    assert isinstance(raw_order, dict) and isinstance(raw_issue, dict)
    order = issue = None
    chat: list[IssueMessage] | None = None
    try:
        order = CheckoutForm.model_validate(raw_order)
    except ValidationError as exc:
        errors += _pydantic_errors(exc, "order")
    try:
        issue = PostPurchaseIssue.model_validate(raw_issue)
    except ValidationError as exc:
        errors += _pydantic_errors(exc, "issue")
    if raw_chat is not None:
        chat = []
        for i, message in enumerate(raw_chat):
            try:
                chat.append(IssueMessage.model_validate(message))
            except ValidationError as exc:
                errors += _pydantic_errors(exc, f"chat[{i}]")
    if order is None or issue is None or errors:
        raise ValidationFailed(errors)

    errors += _issue_consistency_errors(order, issue, raw_issue)
    currency = order.lineItems[0].price.currency
    marketplace = _order_marketplace(order, None, errors)
    if errors:
        raise ValidationFailed(errors)
    assert marketplace is not None
    return ParsedIssueFile(
        order=order,
        issue=issue,
        chat=chat,
        marketplace=marketplace,
        currency=currency,
        raw_order=raw_order,
        raw_issue=raw_issue,
        raw_chat=raw_chat,
        fingerprint=_fingerprint(raw_order, {"issue": raw_issue, "chat": raw_chat}),
    )


def _issue_consistency_errors(
    order: CheckoutForm, issue: PostPurchaseIssue, raw_issue: dict[str, Any]
) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    if issue.checkoutForm.id != order.id:
        errors.append(
            ("issue.checkoutForm.id", f"refers to order {issue.checkoutForm.id!r}, not {order.id!r}")
        )
    for path, limit in ISSUE_FIELD_LIMITS:
        value = _field_value(raw_issue, path)
        if isinstance(value, str) and len(value) > limit:
            errors.append((path, f"is longer than {limit} characters"))
    for path, moment in (
        ("issue.openedDate", issue.openedDate),
        ("issue.decisionDueDate", issue.decisionDueDate),
    ):
        if moment is not None and moment.tzinfo is None:
            errors.append((path, "must include a time zone"))
    bought = _order_consistency(
        order,
        errors,
        [
            (f"issue.expectations[{i}].refund.currency", expectation.refund.currency)
            for i, expectation in enumerate(issue.expectations)
            if expectation.refund is not None
        ],
    )
    offer = issue.offer
    if offer is not None and offer.id is not None:
        if offer.id not in bought:
            errors.append(("issue.offer.id", f"offer {offer.id} is not in order {order.id}"))
        elif offer.quantity is not None and offer.quantity > bought[offer.id]:
            errors.append(
                (
                    "issue.offer.quantity",
                    f"claims {offer.quantity} of offer {offer.id}, but only {bought[offer.id]} were bought",
                )
            )
    return errors


def _issue_allocation(
    parsed: ParsedIssueFile, lines: list[OrderLineItem]
) -> list[tuple[OrderLineItem, int, str, str]]:
    """The line items a complaint is about: the issue's offer (its quantity, else all bought), filling
    the offer's lines in order; an issue without an offer (e.g. parcel not received) covers the order."""
    reason, comment = parsed.reason_type, parsed.comment
    offer = parsed.issue.offer
    if offer is None or offer.id is None:
        return [(line, line.quantity, reason, comment) for line in lines]
    allocation = []
    remaining = offer.quantity or sum(line.quantity for line in lines if line.offer_id == offer.id)
    for line in lines:
        if line.offer_id != offer.id or remaining <= 0:
            continue
        take = min(line.quantity, remaining)
        remaining -= take
        allocation.append((line, take, reason, comment))
    return allocation


def _issue_requested_amount(
    parsed: ParsedIssueFile, allocation: list[tuple[OrderLineItem, int, str, str]]
) -> Decimal:
    """What the buyer expects back: the refund of a (partial-)refund expectation, else the items' value."""
    for expectation in parsed.issue.expectations:
        if expectation.name in ("REFUND", "PARTIAL_REFUND") and expectation.refund is not None:
            return expectation.refund.amount
    return _requested_amount(allocation)


def _issue_opened_at(parsed: ParsedIssueFile) -> datetime:
    if parsed.issue.openedDate is not None:
        return parsed.issue.openedDate
    stamps = [m.createdAt for m in parsed.chat or [] if m.createdAt.tzinfo is not None]
    return min(stamps) if stamps else timezone.now()


def _issue_respond_by(parsed: ParsedIssueFile, opened_at: datetime) -> datetime:
    """Allegro's decisionDueDate is authoritative; without one, the marketplace's complaint period."""
    if parsed.issue.decisionDueDate is not None:
        return parsed.issue.decisionDueDate
    days = COMPLAINT_ANSWER_DAYS.get(parsed.marketplace, 30)
    return period_end(opened_at, days, parsed.marketplace)


def _note_unrefunded(case: RefundCase, parsed: ParsedIssueFile) -> None:
    """A buyer complaining that a refund never came: tell whoever handles the order's other cases."""
    what = REFUND_REASON_TYPES.get(parsed.reason_type)
    if what is None:
        return
    issue = parsed.issue
    label = "claim" if issue.type == "CLAIM" else "dispute"
    text = (
        f"The buyer opened an Allegro {label} {issue.referenceNumber or issue.id} ({parsed.reason_type}): "
        f"they have not received their refund {what}. See complaint case #{case.pk}."
    )
    others = (
        RefundCase.objects.filter(account_id=case.account_id, order_id=case.order_id)
        .exclude(source=CaseSource.POST_PURCHASE_ISSUE)
        .order_by("pk")
    )
    for other in others:
        case_add_note(case=other, actor=INTAKE_ACTOR, text=text)


def _create_issue_case(parsed: ParsedIssueFile, account: SellerAccount) -> RefundCase:
    issue, b = parsed.issue, parsed.order.buyer
    buyer, _ = Buyer.objects.get_or_create(
        allegro_id=b.id, defaults={"login": b.login, "email_masked": b.email}
    )
    known = _Known(
        orders={o.external_id: o for o in Order.objects.filter(account=account, external_id=parsed.order.id)}
    )
    order, lines, _ = _upsert_order(parsed, account, buyer, known)
    allocation = _issue_allocation(parsed, lines)
    external_status = issue.status or ""
    status = ISSUE_INITIAL_STATUS.get(external_status, CaseStatus.NEW)
    opened_at = _issue_opened_at(parsed)
    respond_by = _issue_respond_by(parsed, opened_at)
    case = RefundCase.objects.create(
        account=account,
        kind=CaseKind.COMPLAINT,
        source=CaseSource.POST_PURCHASE_ISSUE,
        external_id=issue.id,
        reference=issue.referenceNumber or "",
        order=order,
        buyer=buyer,
        status=status,
        external_status=external_status,
        marketplace=parsed.marketplace,
        currency=parsed.currency,
        buyer_login=b.login.lower(),
        order_external_id=order.external_id,
        primary_reason=parsed.reason_type,
        requested_amount=_issue_requested_amount(parsed, allocation),
        opened_at=opened_at,
        respond_by=respond_by,
        refund_by=None,  # nothing is owed until the complaint is accepted
        due_at=case_due_at(status=status, respond_by=respond_by, refund_by=None),
        snapshot=parsed.snapshot,
        fingerprint=parsed.fingerprint,
    )
    CaseItem.objects.bulk_create(
        CaseItem(case=case, line_item=line, quantity=qty, reason_type=reason, comment=comment)
        for line, qty, reason, comment in allocation
    )
    event_append(
        case=case,
        type=EventType.CREATED,
        actor=INTAKE_ACTOR,
        to_status=status,
        payload={
            "source": CaseSource.POST_PURCHASE_ISSUE,
            "externalId": issue.id,
            "externalStatus": external_status,
            "issueType": issue.type,
        },
    )
    review_cases_after_commit([case.pk])
    _note_unrefunded(case, parsed)
    return case


def _update_issue_case(case: RefundCase, parsed: ParsedIssueFile) -> None:
    issue = parsed.issue
    previous = case.snapshot or {}
    new_snapshot = parsed.snapshot
    changes: dict[str, Any] = {}
    if case.external_status != (issue.status or ""):
        changes["externalStatus"] = {"from": case.external_status, "to": issue.status or ""}
    if previous.get("type") != issue.type:
        changes["type"] = {"from": previous.get("type"), "to": issue.type}
    if previous.get("chat") != parsed.raw_issue.get("chat") or previous.get(CHAT_KEY) != new_snapshot.get(
        CHAT_KEY
    ):
        changes["chat"] = {"from": _chat_count(previous), "to": _chat_count(new_snapshot)}
    if previous.get("decisionDueDate") != parsed.raw_issue.get("decisionDueDate"):
        changes["decisionDueDate"] = {
            "from": previous.get("decisionDueDate"),
            "to": parsed.raw_issue.get("decisionDueDate"),
        }
    known = _Known(orders={case.order.external_id: case.order})
    _, _, order_changes = _upsert_order(parsed, case.account, case.buyer, known)
    if order_changes:
        changes["order"] = sorted(order_changes)
    if not changes and previous != new_snapshot:
        changes["details"] = "issue details changed"
    previous_reason = (
        (previous.get("reason") or {}) if isinstance(previous.get("reason"), dict) else {}
    ).get("type")

    case.external_status = issue.status or ""
    case.snapshot = new_snapshot
    case.fingerprint = parsed.fingerprint
    case.reference = issue.referenceNumber or case.reference
    if issue.decisionDueDate is not None:
        case.respond_by = issue.decisionDueDate
    case.updated_at = timezone.now()
    case.due_at = case_due_at(status=case.status, respond_by=case.respond_by, refund_by=case.refund_by)
    case.save(
        update_fields=[
            "external_status",
            "snapshot",
            "fingerprint",
            "reference",
            "respond_by",
            "updated_at",
            "due_at",
        ]
    )
    event_append(case=case, type=EventType.SYNCED, actor=INTAKE_ACTOR, payload={"changes": changes})
    if previous_reason != parsed.reason_type:
        _note_unrefunded(case, parsed)


def _ingest_issue(parsed: ParsedIssueFile, account: SellerAccount) -> IntakeResult:
    issue_id = parsed.issue.id
    with transaction.atomic():
        case = (
            RefundCase.objects.select_for_update(of=("self",))
            .select_related("account", "buyer", "order")
            .filter(account=account, source=CaseSource.POST_PURCHASE_ISSUE, external_id=issue_id)
            .first()
        )
        if case is None:
            created = _create_issue_case(parsed, account)
            return IntakeResult(Outcome.CREATED, created.pk, issue_id)
        if case.fingerprint == parsed.fingerprint:
            return IntakeResult(Outcome.UNCHANGED, case.pk, issue_id)
        _update_issue_case(case, parsed)
        return IntakeResult(Outcome.UPDATED, case.pk, issue_id)


def cases_import_issues(*, items: Iterable[object], account: SellerAccount) -> IntakeSummary:
    """Import Allegro post-purchase issues (disputes and claims) as complaint cases, idempotently.

    Each item is {"order": <checkout form>, "issue": <PostPurchaseIssue>, "chat": [<messages>]}, "chat"
    optional. One savepoint per file: a rejected or conflicting file does not stop the batch. The
    external id is the issue id; the same file twice is `unchanged` and writes nothing; a changed status,
    chat or order writes one SYNCED event.
    """
    summary = IntakeSummary()
    for data in items:
        try:
            parsed = parse_issue_file(data)
        except ValidationFailed as exc:
            external_id = ""
            if isinstance(data, dict) and isinstance(data.get("issue"), dict):
                external_id = str(data["issue"].get("id", ""))
            summary.results.append(IntakeResult(Outcome.REJECTED, external_id=external_id, errors=exc.errors))
            continue
        try:
            summary.results.append(_ingest_issue(parsed, account))
        except IntegrityError:
            # Another writer created the case (or its order, buyer) meanwhile: it is there now.
            summary.results.append(_ingest_issue(parsed, account))
    return summary


@transaction.atomic
def account_get_or_create(*, name: str) -> SellerAccount:
    """The seller account imports go to (created on first use)."""
    name = name.strip()
    if not name:
        raise ValidationFailed([("account", "an account name is required")])
    account, _ = SellerAccount.objects.get_or_create(name=name)
    return account
