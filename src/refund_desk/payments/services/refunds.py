"""Refund orders: built from the policy engine, held against what was paid, approved by four eyes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from refund_desk.cases.access import require_account
from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import ActorType, CaseKind, CaseStatus, EventType
from refund_desk.cases.models import RefundCase
from refund_desk.cases.services import case_move_if_allowed, event_append
from refund_desk.core.effects import run_after_commit
from refund_desk.core.errors import DomainError, IllegalTransition, PermissionDenied, ValidationFailed
from refund_desk.core.money import CENT
from refund_desk.core.permissions import Perm, has_perm, require
from refund_desk.notices.services import PendingNotice, notice_send_pending
from refund_desk.partners.services import webhook_event_emit
from refund_desk.payments.choices import (
    HOLDING_STATUSES,
    ApprovalReason,
    LineType,
    OutboxKind,
    RefundMethod,
    RefundReason,
    RefundStatus,
)
from refund_desk.payments.models import (
    OutboxMessage,
    RefundOrder,
    RefundOrderLine,
)
from refund_desk.payments.selectors import approval_threshold
from refund_desk.payments.services.ledger import PlannedLine, ledger_hold, line_refundable, refund_release
from refund_desk.policy.engine import Decision, Evaluation
from refund_desk.policy.selectors import case_evaluation

# Payment types Allegro cannot refund through the API: the buyer gets a bank transfer (domain brief D).
BANK_TRANSFER_PAYMENT_TYPES = frozenset({"CASH_ON_DELIVERY", "WIRE_TRANSFER"})
ENGINE_PAYS = frozenset({Decision.REFUND, Decision.AWAIT_RETURN})
SYSTEM = Actor.system("payments")
# What the buyer is told about a refund, given its total and whether it is paid by bank transfer.
NoticeFor = Callable[[Decimal, bool], PendingNotice]


@dataclass(frozen=True, slots=True)
class LineSpec:
    """A refund line as requested: an order line (external id), QUANTITY units or an AMOUNT."""

    line_item_id: str
    type: str
    quantity: int | None = None
    amount: Decimal | None = None


def refund_to_json(refund: RefundOrder) -> dict[str, Any]:
    """The refund as partners and the API see it."""
    return {
        "id": refund.pk,
        "caseId": refund.case_id,
        "orderId": refund.order.external_id,
        "commandId": str(refund.command_id),
        "method": refund.method,
        "status": refund.status,
        "reason": refund.reason,
        "total": {"amount": f"{refund.total:.2f}", "currency": refund.currency},
        "allegroRefundId": refund.allegro_refund_id or None,
        "allegroStatus": refund.allegro_status or None,
        "problem": refund.error_message or None,
    }


def refund_emit(refund: RefundOrder, event: str) -> None:

    webhook_event_emit(event=event, account=refund.account, payload={"refund": refund_to_json(refund)})


def _resolve_lines(case: RefundCase, specs: Sequence[LineSpec]) -> list[PlannedLine]:
    by_external = {li.external_id: li for li in case.order.line_items.all()}
    planned: list[PlannedLine] = []
    errors: list[tuple[str, str]] = []
    for index, spec in enumerate(specs):
        line = by_external.get(spec.line_item_id)
        if line is None:
            errors.append((f"lines[{index}].id", f"line item {spec.line_item_id} is not in this order"))
            continue
        if spec.type == LineType.QUANTITY:
            if not spec.quantity or spec.quantity <= 0:
                errors.append((f"lines[{index}].quantity", "must be at least 1"))
                continue
            planned.append(
                PlannedLine(line, LineType.QUANTITY, spec.quantity, line.unit_price * spec.quantity)
            )
        elif spec.type == LineType.AMOUNT:
            if spec.amount is None or spec.amount <= 0:
                errors.append((f"lines[{index}].amount", "must be more than zero"))
                continue
            planned.append(PlannedLine(line, LineType.AMOUNT, None, spec.amount.quantize(CENT)))
        else:
            errors.append((f"lines[{index}].type", "must be QUANTITY or AMOUNT"))
    if errors:
        raise ValidationFailed(errors)
    if len({p.line.pk for p in planned}) != len(planned):
        raise ValidationFailed([("lines", "each order line may appear once")])
    return planned


@dataclass(frozen=True, slots=True)
class EngineRefund:
    """The refund the policy engine computed for a case, as refund lines."""

    decision: str
    lines: list[LineSpec]
    delivery: Decimal
    reason: str
    total: Decimal
    policy_version: str


def _engine_refund(
    case: RefundCase, evaluation: Evaluation | None, *, composed: bool = False
) -> EngineRefund:
    """The engine's refund. When the case cannot be evaluated, a refund a person `composed` line by line
    may still go ahead — as one that differs from the engine (a reason, a second person's approval)."""
    evaluation = evaluation if evaluation is not None else case_evaluation(case)
    if evaluation is None and composed:
        return EngineRefund(
            decision="",
            lines=[],
            delivery=Decimal("0.00"),
            reason="",
            total=Decimal("0.00"),
            policy_version="",
        )
    if evaluation is None:
        raise ValidationFailed(
            [
                (
                    "case",
                    "the policy engine cannot evaluate this case (its Allegro data does not validate, or it is "
                    "not a return, a complaint or a cancellation): re-read it from Allegro, or compose the "
                    "refund line by line",
                )
            ]
        )
    specs = [
        LineSpec(
            line_item_id=line.line_item_id,
            type=line.type,
            quantity=line.quantity if line.type == LineType.QUANTITY else None,
            amount=line.value.amount if line.type == LineType.AMOUNT else None,
        )
        for line in evaluation.lines
    ]
    return EngineRefund(
        decision=evaluation.decision,
        lines=specs,
        delivery=evaluation.delivery.amount if evaluation.delivery is not None else Decimal("0.00"),
        reason=evaluation.refund_reason,
        total=evaluation.total.amount,
        policy_version=evaluation.policy_version,
    )


def _bank_account(case: RefundCase) -> dict[str, str]:
    refund = (case.snapshot or {}).get("refund") or {}
    account = refund.get("bankAccount") or {}
    return {
        "owner": str(account.get("owner") or ""),
        "iban": str(account.get("iban") or "").replace(" ", ""),
        "account_number": str(account.get("accountNumber") or "").replace(" ", ""),
        "swift": str(account.get("swift") or ""),
    }


OPEN_REFUND_STATUSES = frozenset(
    {RefundStatus.AWAITING_APPROVAL, RefundStatus.PLANNED, RefundStatus.SUBMITTED, RefundStatus.MANUAL}
)


def refund_paid(refund: RefundOrder, reason: str, *, now: Any = None) -> None:
    """A refund is paid (Allegro said SUCCESS, a bank transfer or an outside payment was confirmed):
    record it, and mark the case refunded once none of its refunds is still open."""
    moment = now or timezone.now()
    if refund.status != RefundStatus.SUCCESS:
        refund.status = RefundStatus.SUCCESS
        refund.finished_at = refund.updated_at = moment
        refund.next_check_at = None
        refund.save(update_fields=["status", "finished_at", "updated_at", "next_check_at"])
    others_open = (
        RefundOrder.objects.filter(case_id=refund.case_id, status__in=OPEN_REFUND_STATUSES)
        .exclude(pk=refund.pk)
        .exists()
    )
    if others_open:
        event_append(
            case=refund.case,
            type=EventType.NOTE,
            actor=SYSTEM,
            reason=f"{reason}; another refund of the case is still open",
            payload={"refundOrder": refund.pk},
        )
        return
    # An outside payment confirmed on an approved case skips "pending": there is nothing to wait for.
    case_move_if_allowed(
        case=refund.case,
        to=CaseStatus.REFUNDED,
        actor=SYSTEM,
        reason=reason,
        payload={"refundOrder": refund.pk},
    )


def _queue_outbox(refund: RefundOrder) -> None:
    OutboxMessage.objects.get_or_create(kind=OutboxKind.REFUND_INITIATE, refund_order=refund)
    run_after_commit("payments.refund_execute", refund.pk)


def _release_to_payment(refund: RefundOrder, actor: Actor) -> None:
    """The approved refund goes out: to the outbox (Allegro) or to the bank-transfer list (MANUAL), and
    the buyer's notice with it."""
    if refund.notice:
        notice_send_pending(case=refund.case, pending=PendingNotice.from_json(refund.notice), actor=actor)
    if refund.method == RefundMethod.BANK_TRANSFER:
        refund.status = RefundStatus.MANUAL
        refund.save(update_fields=["status", "updated_at"])
        refund_emit(refund, "refund.manual")
    else:
        refund.status = RefundStatus.PLANNED
        refund.save(update_fields=["status", "updated_at"])
        _queue_outbox(refund)
    case_move_if_allowed(
        case=refund.case,
        to=CaseStatus.REFUND_PENDING,
        actor=SYSTEM,
        reason=f"refund of {refund.total:.2f} {refund.currency} on its way",
        payload={"refundOrder": refund.pk, "method": refund.method},
    )


@transaction.atomic
def refund_order_create(
    *,
    case: RefundCase,
    actor: Actor,
    lines: Sequence[LineSpec] | None = None,
    delivery: Decimal | None = None,
    reason: str | None = None,
    seller_comment: str = "",
    override_reason: str = "",
    evaluation: Evaluation | None = None,
    notice: NoticeFor | None = None,
) -> RefundOrder:
    """Decide to pay a buyer: the engine's breakdown unless the person overrides it (which then needs a
    second person's approval), held against what was paid, and — unless waiting for approval — queued
    in the outbox in the same transaction. `evaluation`: the engine's evaluation of the case when the
    caller has just made it (else it is evaluated here). `notice(total, by_transfer)`: what the buyer is
    told, given the refund's total and whether it goes by bank transfer; kept with the refund and sent
    when it is released (at once, or when a second person approves it)."""
    locked = (
        RefundCase.objects.select_for_update(of=("self",)).select_related("order", "account").get(pk=case.pk)
    )
    if locked.status != CaseStatus.APPROVED:
        raise IllegalTransition(f"only an approved case can be refunded; this one is {locked.status}")
    require(actor, Perm.REFUND_REQUEST)
    require_account(actor, locked.account_id)
    if locked.needs_attention:
        raise DomainError(
            f"this case is set aside until a person re-reads it from Allegro or closes it: {locked.attention}"
        )
    if RefundOrder.objects.filter(case=locked, status__in=HOLDING_STATUSES - {RefundStatus.SUCCESS}).exists():
        raise IllegalTransition("this case already has a refund in progress")
    engine = _engine_refund(locked, evaluation, composed=lines is not None)
    chosen_specs = list(lines) if lines is not None else engine.lines
    chosen_delivery = (delivery if delivery is not None else engine.delivery).quantize(CENT)
    chosen_reason = reason or engine.reason or RefundReason.REFUND
    planned = _resolve_lines(locked, chosen_specs)
    lines_total = sum((p.amount for p in planned), Decimal(0)).quantize(CENT)
    total = lines_total + chosen_delivery
    if total <= 0:
        raise ValidationFailed([("lines", "a refund needs at least one line or a delivery amount")])
    engine_planned = _resolve_lines(locked, engine.lines) if engine.decision in ENGINE_PAYS else []
    same_as_engine = (
        engine.decision in ENGINE_PAYS
        and sorted((p.line.pk, p.type, p.quantity, p.amount) for p in planned)
        == sorted((p.line.pk, p.type, p.quantity, p.amount) for p in engine_planned)
        and chosen_delivery == engine.delivery.quantize(CENT)
        and chosen_reason == engine.reason
    )
    if not same_as_engine and not override_reason.strip():
        raise ValidationFailed(
            [("override_reason", "this refund differs from the policy engine's decision; explain why")]
        )
    approval_reasons: list[str] = []
    threshold = approval_threshold(account_id=locked.account_id, currency=locked.currency)
    if total > threshold:
        approval_reasons.append(ApprovalReason.ABOVE_THRESHOLD)
    if not same_as_engine:
        approval_reasons.append(ApprovalReason.OVERRIDES_ENGINE)
    method = (
        RefundMethod.BANK_TRANSFER
        if locked.order.payment_type in BANK_TRANSFER_PAYMENT_TYPES
        else RefundMethod.ALLEGRO
    )
    bank = _bank_account(locked) if method == RefundMethod.BANK_TRANSFER else {}
    if method == RefundMethod.BANK_TRANSFER and not (bank["iban"] or bank["account_number"]):
        raise ValidationFailed(
            [
                (
                    "bankAccount",
                    "the order was not paid online and the return carries no bank account to pay to",
                )
            ]
        )
    held_notice = notice(total, method == RefundMethod.BANK_TRANSFER) if notice is not None else None
    ledger_hold(locked, planned, chosen_delivery, 1)
    now = timezone.now()
    refund = RefundOrder.objects.create(
        case=locked,
        order=locked.order,
        account=locked.account,
        method=method,
        status=RefundStatus.AWAITING_APPROVAL if approval_reasons else RefundStatus.PLANNED,
        reason=chosen_reason,
        currency=locked.currency,
        lines_total=lines_total,
        delivery_amount=chosen_delivery,
        total=total,
        seller_comment=seller_comment.strip()[:250],
        engine_decision=engine.decision,
        engine_total=engine.total if engine.decision else None,
        policy_version=engine.policy_version,
        overrides_engine=not same_as_engine,
        override_reason=override_reason.strip(),
        approval_reasons=approval_reasons,
        notice=held_notice.to_json() if held_notice is not None else {},
        requested_by=actor.user if actor.type == ActorType.USER else None,
        requested_by_label=actor.label,
        bank_owner=bank.get("owner", ""),
        bank_iban=bank.get("iban", ""),
        bank_account_number=bank.get("account_number", ""),
        bank_swift=bank.get("swift", ""),
        created_at=now,
        updated_at=now,
    )
    RefundOrderLine.objects.bulk_create(
        RefundOrderLine(
            refund_order=refund, line_item=p.line, type=p.type, quantity=p.quantity, amount=p.amount
        )
        for p in planned
    )
    event_append(
        case=locked,
        type=EventType.DECISION,
        actor=actor,
        reason=f"refund of {total:.2f} {locked.currency} decided",
        payload={
            "refundOrder": refund.pk,
            "commandId": str(refund.command_id),
            "total": f"{total:.2f}",
            "overridesEngine": not same_as_engine,
            "approvalNeeded": approval_reasons,
        },
    )
    refund_emit(refund, "refund.created")
    if approval_reasons:
        refund_emit(refund, "refund.approval_requested")
    else:
        _release_to_payment(refund, actor)
    return refund


@transaction.atomic
def refund_order_approve(*, refund: RefundOrder, actor: Actor) -> RefundOrder:
    """A second person with the supervisor role releases a refund that waits for approval."""
    locked = (
        RefundOrder.objects.select_for_update(of=("self",))
        .select_related("case", "account", "order")
        .get(pk=refund.pk)
    )
    if actor.type != ActorType.USER or not has_perm(actor.user, Perm.REFUND_APPROVE):
        raise PermissionDenied("approving a refund needs a supervisor")
    require_account(actor, locked.account_id)
    if locked.requested_by_id is not None and locked.requested_by_id == actor.user.pk:
        raise PermissionDenied("the person who requested a refund cannot approve it")
    if not locked.can_be_approved():
        raise IllegalTransition(f"a refund in status {locked.status} cannot be approved")
    locked.approved_by = actor.user
    locked.approved_at = timezone.now()
    locked.updated_at = locked.approved_at
    locked.save(update_fields=["approved_by", "approved_at", "updated_at"])
    event_append(
        case=locked.case,
        type=EventType.DECISION,
        actor=actor,
        reason=f"refund of {locked.total:.2f} {locked.currency} approved",
        payload={"refundOrder": locked.pk},
    )
    refund_emit(locked, "refund.approved")
    if locked.method == RefundMethod.OUTSIDE:
        refund_paid(locked, f"refund of {locked.total:.2f} {locked.currency} paid outside the desk confirmed")
    else:
        _release_to_payment(locked, actor)
    return locked


@transaction.atomic
def refund_order_decline(*, refund: RefundOrder, actor: Actor, reason: str) -> RefundOrder:
    """A supervisor refuses a refund waiting for approval; its amounts are released."""
    locked = RefundOrder.objects.select_for_update(of=("self",)).select_related("case").get(pk=refund.pk)
    if actor.type != ActorType.USER or not has_perm(actor.user, Perm.REFUND_APPROVE):
        raise PermissionDenied("declining a refund needs a supervisor")
    require_account(actor, locked.account_id)
    if locked.requested_by_id is not None and locked.requested_by_id == actor.user.pk:
        raise PermissionDenied("the person who requested a refund cannot decide on it")
    if not locked.can_be_approved():
        raise IllegalTransition(f"a refund in status {locked.status} cannot be declined")
    if not reason.strip():
        raise ValidationFailed([("reason", "say why the refund is declined")])
    refund_release(locked)
    locked.status = RefundStatus.DECLINED
    locked.error_message = reason.strip()
    locked.finished_at = locked.updated_at = timezone.now()
    locked.save(update_fields=["status", "error_message", "finished_at", "updated_at"])
    event_append(
        case=locked.case,
        type=EventType.DECISION,
        actor=actor,
        reason=f"refund declined: {reason.strip()}",
        payload={"refundOrder": locked.pk},
    )
    refund_emit(locked, "refund.declined")
    return locked


@transaction.atomic
def refund_outside_record(
    *, case: RefundCase, amount: Decimal, paid_at: datetime, reference: str, actor: Actor, note: str = ""
) -> RefundOrder:
    """Record a refund paid outside the desk (a transfer from the seller's bank, cash at a shop).

    It is held against what was paid for the case's items and counts only once a second person confirms
    it on the approvals page; then the case is refunded. Nothing is sent to Allegro.
    """
    require(actor, Perm.REFUND_REQUEST)
    require_account(actor, case.account_id)
    locked = (
        RefundCase.objects.select_for_update(of=("self",)).select_related("order", "account").get(pk=case.pk)
    )
    errors: list[tuple[str, str]] = []
    if locked.status != CaseStatus.APPROVED:
        errors.append(("case", f"only an approved case can be refunded; this one is {locked.status}"))
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(CENT):
        errors.append(("amount", "must be more than zero, with at most two decimals"))
    reference = reference.strip()
    if not reference or len(reference) > 100:
        errors.append(("reference", "give the payment's reference (1 to 100 characters)"))
    if paid_at > timezone.now():
        errors.append(("paid_at", "cannot be in the future"))
    if errors:
        raise ValidationFailed(errors)
    if RefundOrder.objects.filter(case=locked, status__in=OPEN_REFUND_STATUSES).exists():
        raise IllegalTransition("this case already has a refund in progress")
    planned: list[PlannedLine] = []
    left = amount
    for item in locked.items.select_related("line_item").order_by("pk"):
        take = min(left, line_refundable(item.line_item), item.line_item.unit_price * item.quantity)
        if take > 0 and all(p.line.pk != item.line_item.pk for p in planned):
            planned.append(PlannedLine(item.line_item, LineType.AMOUNT, None, take.quantize(CENT)))
            left -= take
    if left > 0:
        raise ValidationFailed(
            [
                (
                    "amount",
                    f"{amount:.2f} {locked.currency} is more than is left to refund on this case's items",
                )
            ]
        )
    ledger_hold(locked, planned, Decimal("0.00"), 1)
    now = timezone.now()
    refund = RefundOrder.objects.create(
        case=locked,
        order=locked.order,
        account=locked.account,
        method=RefundMethod.OUTSIDE,
        status=RefundStatus.AWAITING_APPROVAL,
        reason=RefundReason.COMPLAINT if locked.kind == CaseKind.COMPLAINT else RefundReason.REFUND,
        currency=locked.currency,
        lines_total=amount,
        delivery_amount=Decimal("0.00"),
        total=amount,
        overrides_engine=True,
        override_reason=note.strip() or f"paid outside the desk: {reference}",
        approval_reasons=[ApprovalReason.PAID_OUTSIDE],
        requested_by=actor.user,
        requested_by_label=actor.label,
        paid_outside_at=paid_at,
        outside_reference=reference,
        created_at=now,
        updated_at=now,
    )
    RefundOrderLine.objects.bulk_create(
        RefundOrderLine(refund_order=refund, line_item=p.line, type=p.type, quantity=None, amount=p.amount)
        for p in planned
    )
    event_append(
        case=locked,
        type=EventType.DECISION,
        actor=actor,
        reason=f"refund of {amount:.2f} {locked.currency} paid outside the desk recorded ({reference}); "
        "a second person confirms it",
        payload={"refundOrder": refund.pk, "reference": reference, "paidAt": paid_at.isoformat()},
    )
    refund_emit(refund, "refund.created")
    refund_emit(refund, "refund.approval_requested")
    return refund
