"""Cancellations into cases: an Allegro order event BUYER_CANCELLED or AUTO_CANCELLED on a paid order opens
a CANCELLATION case whose refund (every line and the delivery) is due within 14 days, with no return.

The case's external id is the order id (one cancellation per order); its snapshot is the event
(`{"type", "occurredAt", "eventId"}`), which the policy engine reads as the case's cancellation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from refund_desk.cases.choices import CaseKind, CaseSource, CaseStatus, EventType
from refund_desk.cases.models import Buyer, CaseItem, Order, RefundCase, SellerAccount
from refund_desk.cases.services import case_due_at, event_append
from refund_desk.core.calendar import STATUTORY_REFUND_DAYS, period_end
from refund_desk.core.effects import run_after_commit
from refund_desk.core.errors import ValidationFailed
from refund_desk.integrations.allegro.intake.common import (
    INTAKE_ACTOR,
    IntakeResult,
    Known,
    Outcome,
    file_fingerprint,
    order_marketplace,
    upsert_order,
    validated,
)
from refund_desk.integrations.allegro.interface import CheckoutForm

CANCELLATION_EVENTS = ("BUYER_CANCELLED", "AUTO_CANCELLED")
# The buyer's reason on each item of a cancellation case.
CANCELLED = "CANCELLED"


@dataclass(frozen=True, slots=True)
class ParsedCancellation:
    order: CheckoutForm
    marketplace: str
    currency: str
    raw_order: dict[str, Any]
    event_type: str
    occurred_at: datetime
    event_id: str

    @property
    def paid(self) -> bool:
        payment = self.order.payment
        return bool(payment and payment.paidAmount and payment.paidAmount.amount > 0)

    @property
    def snapshot(self) -> dict[str, Any]:
        return {"type": self.event_type, "occurredAt": self.occurred_at.isoformat(), "eventId": self.event_id}


def parse_cancellation(
    *, raw_order: object, event_type: str, occurred_at: datetime, event_id: str
) -> ParsedCancellation:
    errors: list[tuple[str, str]] = []
    if event_type not in CANCELLATION_EVENTS:
        errors.append(("event.type", f"one of {', '.join(CANCELLATION_EVENTS)}"))
    if not isinstance(raw_order, dict):
        raise ValidationFailed([*errors, ("order", "must be a checkout form (JSON object)")])
    order = validated(CheckoutForm, raw_order, "order", errors)
    if order is None or errors:
        raise ValidationFailed(errors)
    if not order.lineItems:
        raise ValidationFailed([("order.lineItems", "a cancelled order without lines has nothing to refund")])
    marketplace = order_marketplace(order, None, errors)
    if errors or marketplace is None:
        raise ValidationFailed(errors)
    return ParsedCancellation(
        order=order,
        marketplace=marketplace,
        currency=order.lineItems[0].price.currency,
        raw_order=raw_order,
        event_type=event_type,
        occurred_at=occurred_at,
        event_id=event_id,
    )


def _create(parsed: ParsedCancellation, account: SellerAccount) -> RefundCase:
    b = parsed.order.buyer
    buyer, _ = Buyer.objects.get_or_create(
        allegro_id=b.id, defaults={"login": b.login, "email_masked": b.email}
    )
    known = Known(
        orders={o.external_id: o for o in Order.objects.filter(account=account, external_id=parsed.order.id)}
    )
    order, lines, _ = upsert_order(parsed, account, buyer, known)
    delivery = order.delivery_cost if not order.delivery_smart else Decimal("0.00")
    requested = sum((line.unit_price * line.quantity for line in lines), Decimal("0.00")) + (delivery or 0)
    refund_by = period_end(parsed.occurred_at, STATUTORY_REFUND_DAYS, parsed.marketplace)
    case = RefundCase.objects.create(
        account=account,
        kind=CaseKind.CANCELLATION,
        source=CaseSource.ORDER_EVENT,
        external_id=parsed.order.id,
        reference="",
        order=order,
        buyer=buyer,
        status=CaseStatus.NEW,
        external_status=parsed.event_type,
        marketplace=parsed.marketplace,
        currency=parsed.currency,
        buyer_login=b.login.lower(),
        order_external_id=order.external_id,
        primary_reason=CANCELLED,
        requested_amount=requested,
        opened_at=parsed.occurred_at,
        respond_by=None,
        refund_by=refund_by,
        due_at=case_due_at(status=CaseStatus.NEW, respond_by=None, refund_by=refund_by),
        snapshot=parsed.snapshot,
        fingerprint=file_fingerprint(parsed.raw_order, parsed.snapshot),
    )
    CaseItem.objects.bulk_create(
        CaseItem(case=case, line_item=line, quantity=line.quantity, reason_type=CANCELLED, comment="")
        for line in lines
        if line.quantity > 0
    )
    event_append(
        case=case,
        type=EventType.CREATED,
        actor=INTAKE_ACTOR,
        to_status=CaseStatus.NEW,
        payload={"source": CaseSource.ORDER_EVENT, "externalId": parsed.order.id, "event": parsed.event_type},
    )
    run_after_commit("workflows.review_cases", [case.pk])
    return case


def case_ingest_cancellation(*, parsed: ParsedCancellation, account: SellerAccount) -> IntakeResult | None:
    """Open the cancellation case of a paid order, once (None: the order was not paid, nothing is owed)."""
    if not parsed.paid:
        return None

    def ingest() -> IntakeResult:
        with transaction.atomic():
            existing = RefundCase.objects.filter(
                account=account, source=CaseSource.ORDER_EVENT, external_id=parsed.order.id
            ).first()
            if existing is not None:
                return IntakeResult(Outcome.UNCHANGED, existing.pk, parsed.order.id)
            created = _create(parsed, account)
            return IntakeResult(Outcome.CREATED, created.pk, parsed.order.id)

    try:
        return ingest()
    except IntegrityError:  # another worker opened it meanwhile
        return ingest()
