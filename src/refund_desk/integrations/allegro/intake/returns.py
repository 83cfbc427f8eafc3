"""Customer returns: {"order": <checkout form>, "customerReturn": <customer return>} into a case (`cases_import`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from refund_desk.cases.choices import CaseKind, CaseSource, CaseStatus, EventType
from refund_desk.cases.models import (
    Buyer,
    CaseEvent,
    CaseItem,
    Order,
    OrderLineItem,
    RefundCase,
    SellerAccount,
)
from refund_desk.cases.services import case_due_at, case_transition, event_append
from refund_desk.core.calendar import STATUTORY_REFUND_DAYS, period_end
from refund_desk.core.effects import run_after_commit
from refund_desk.core.errors import ValidationFailed
from refund_desk.integrations.allegro.intake.common import (
    INTAKE_ACTOR,
    IntakeResult,
    IntakeSummary,
    Known,
    Outcome,
    case_items_value,
    chunks,
    file_fingerprint,
    object_errors,
    order_consistency,
    order_fields,
    order_marketplace,
    rejected,
    requested_amount,
    upsert_order,
    validated,
)
from refund_desk.integrations.allegro.interface import CheckoutForm, CustomerReturn
from refund_desk.logistics.services import parcels_record_declared, parcels_sync_from_case

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


@dataclass(frozen=True, slots=True)
class ParsedCaseFile:
    order: CheckoutForm
    customer_return: CustomerReturn
    marketplace: str
    currency: str
    raw_order: dict[str, Any]
    raw_return: dict[str, Any]
    fingerprint: str


def parse_case_file(data: object) -> ParsedCaseFile:
    """Validate a case file; raise ValidationFailed listing every problem with its field path."""
    if not isinstance(data, dict):
        raise ValidationFailed([("$", "a case file must be a JSON object with 'order' and 'customerReturn'")])
    errors = object_errors(data, ("order", "customerReturn"))
    if errors:
        raise ValidationFailed(errors)
    raw_order, raw_return = data["order"], data["customerReturn"]
    order = validated(CheckoutForm, raw_order, "order", errors)
    customer_return = validated(CustomerReturn, raw_return, "customerReturn", errors)
    if order is None or customer_return is None:
        raise ValidationFailed(errors)

    errors += _consistency_errors(order, customer_return)
    currency = order.lineItems[0].price.currency
    marketplace = order_marketplace(order, customer_return.marketplaceId, errors)
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
        fingerprint=file_fingerprint(raw_order, raw_return),
    )


def _known_for(account: SellerAccount, parsed: list[ParsedCaseFile]) -> Known:
    """What the database already holds for a chunk of customer-return files (fetched once per chunk)."""
    known = Known()
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


def _consistency_errors(order: CheckoutForm, ret: CustomerReturn) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    if ret.orderId != order.id:
        errors.append(("customerReturn.orderId", f"refers to order {ret.orderId!r}, not {order.id!r}"))
    bought = order_consistency(
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
    parsed: ParsedCaseFile, account: SellerAccount, buyer: Buyer, known: Known, pending: _PendingCreates
) -> tuple[Order, list[OrderLineItem]]:
    order = known.orders.get(parsed.order.id)
    if order is not None and order.pk is not None:
        order, lines, _ = upsert_order(parsed, account, buyer, known)
        return order, lines
    if order is not None:  # created earlier in this batch
        return order, known.pending_lines[order.external_id]
    order = Order(account=account, external_id=parsed.order.id, buyer=buyer, **order_fields(parsed))
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
    parsed: ParsedCaseFile, account: SellerAccount, known: Known, pending: _PendingCreates
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
        requested_amount=requested_amount(allocation),
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


def _update_case(case: RefundCase, parsed: ParsedCaseFile, known: Known) -> None:
    ret = parsed.customer_return
    changes: dict[str, Any] = {}
    if case.external_status != ret.status:
        changes["externalStatus"] = {"from": case.external_status, "to": ret.status}
    previous_parcels = case.snapshot.get("parcels") or []
    parcels_changed = previous_parcels != parsed.raw_return.get("parcels", [])
    if parcels_changed:
        changes["parcels"] = {"from": len(previous_parcels), "to": len(ret.parcels)}
    if case.snapshot.get("rejection") != parsed.raw_return.get("rejection"):
        changes["rejection"] = parsed.raw_return.get("rejection")
    _, _, order_changes = upsert_order(parsed, case.account, case.buyer, known)
    if order_changes:
        changes["order"] = sorted(order_changes)
    if not changes and case.snapshot != parsed.raw_return:
        changes["details"] = "return details changed"

    case.external_status = ret.status
    case.snapshot = parsed.raw_return
    case.fingerprint = parsed.fingerprint
    case.reference = ret.referenceNumber or case.reference
    case.updated_at = timezone.now()
    fields = ["external_status", "snapshot", "fingerprint", "reference", "updated_at"]
    if "lineItems" in order_changes:
        case.requested_amount = case_items_value(case)
        fields.append("requested_amount")
    case.save(update_fields=fields)
    if parcels_changed:
        parcels_sync_from_case(case=case)
    follow_up = FOLLOW_UPS.get(ret.status)
    payload = {"changes": changes}
    if follow_up and case.status == follow_up[0]:
        # The move the change brings goes through the state machine, recorded as this sync's one event.
        moved = case_transition(
            case=case, to=follow_up[1], actor=INTAKE_ACTOR, payload=payload, event_type=EventType.SYNCED
        )
        case.status, case.due_at = moved.status, moved.due_at
    else:
        event_append(case=case, type=EventType.SYNCED, actor=INTAKE_ACTOR, payload=payload)


def case_ingest_customer_return(*, data: object, account: SellerAccount) -> IntakeResult:
    """Create or update the case for one case file; idempotent; writes nothing when rejected."""
    return cases_import(items=[data], account=account).results[0]


def _ingest_existing(parsed: ParsedCaseFile, account: SellerAccount, known: Known) -> IntakeResult:
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
    known = _known_for(account, parsed)
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
    # The return parcels Allegro already lists: a record to follow and to find when the parcel is scanned.
    parcels_record_declared(
        cases=[c for c in new_cases.values() if c.pk is not None and c.snapshot.get("parcels")]
    )
    created = [case.pk for case in new_cases.values() if case.pk is not None]
    if created:
        run_after_commit("workflows.review_cases", created)
    for index, case in new_cases.items():
        known.fingerprints[case.external_id] = (case.pk, case.fingerprint)
        results[index] = IntakeResult(Outcome.CREATED, case.pk, case.external_id)
    for index in later:
        results[index] = _ingest_existing(parsed[index], account, known)
    return [results[i] for i in range(len(parsed))]


def cases_import(
    *, items: Iterable[object], account: SellerAccount, chunk_size: int = 500, progress: Any = None
) -> IntakeSummary:
    """Import many case files. Each file is all-or-nothing; a rejected one does not stop the batch.

    Files are committed in chunks (one transaction per chunk, a savepoint per file) for throughput.
    """
    summary = IntakeSummary()
    for chunk in chunks(items, chunk_size):
        outcomes: list[ParsedCaseFile | IntakeResult] = []
        for data in chunk:
            try:
                outcomes.append(parse_case_file(data))
            except ValidationFailed as exc:
                outcomes.append(rejected(data, exc))
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
