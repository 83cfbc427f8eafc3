"""A person accepts a complaint (an Allegro claim) with its remedy, carried out on Allegro exactly once with
the buyer's notice as the decision's message in the issue chat:

- refund: the case is approved and refunded (the engine's refund, or every claimed item in full);
- price reduction: the agreed amount is refunded as a partial refund, which a second person approves;
- repair or replacement: the case waits for the item (when the buyer must send it), then for the repaired
  or new item to go back with a waybill; the buyer is told at each step.

Under Polish law a complaint not answered within 14 days is deemed accepted (Consumer Rights Act Art. 7a):
past that day the desk refuses to reject it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import CaseStatus
from refund_desk.cases.models import RefundCase
from refund_desk.cases.services import case_transition, check_transition_allowed
from refund_desk.complaints.choices import RemedyKind
from refund_desk.complaints.models import Remedy
from refund_desk.complaints.services import remedy_grant, remedy_item_received, remedy_sent_back
from refund_desk.core.errors import IllegalTransition, ValidationFailed
from refund_desk.core.money import CENT
from refund_desk.notices.choices import NoticeKind
from refund_desk.notices.services import NoticeDraft, notice_send, notice_text_errors
from refund_desk.outbound.choices import ClaimAcceptanceStatus, CommandKind
from refund_desk.outbound.services import command_enqueue
from refund_desk.payments.choices import LineType, RefundReason
from refund_desk.payments.services import LineSpec, refund_order_create
from refund_desk.payments.services.refunds import BANK_TRANSFER_PAYMENT_TYPES
from refund_desk.workflows.notices import Decided, buyer_language, decision_notice
from refund_desk.workflows.refunds import refund_plan
from refund_desk.workflows.rejection import is_allegro_claim, is_claim

A = ClaimAcceptanceStatus
REMEDIES = {A.ACCEPTED_REPAIR: RemedyKind.REPAIR, A.ACCEPTED_EXCHANGE: RemedyKind.EXCHANGE}


@dataclass(frozen=True, slots=True)
class Acceptance:
    """A checked acceptance: the remedy, the refund lines it pays (if any), and its notice."""

    status: ClaimAcceptanceStatus
    lines: list[LineSpec]
    total: Decimal
    draft: NoticeDraft


def _claimed_lines(case: RefundCase) -> list[LineSpec]:
    """Every claimed item in whole units (the refund when the engine has none to offer)."""
    by_line: dict[str, int] = {}
    for item in case.items.select_related("line_item").order_by("pk"):
        external = item.line_item.external_id
        by_line[external] = by_line.get(external, 0) + item.quantity
    return [LineSpec(line, LineType.QUANTITY, quantity=quantity) for line, quantity in by_line.items()]


def _reduction_lines(case: RefundCase, amount: Decimal) -> list[LineSpec]:
    """A price reduction spread over the claimed items, first item first, none above what it cost."""
    lines: list[LineSpec] = []
    left = amount
    for item in case.items.select_related("line_item").order_by("pk"):
        cost = (item.line_item.unit_price * item.quantity).quantize(CENT)
        take = min(left, cost)
        if take > 0 and all(spec.line_item_id != item.line_item.external_id for spec in lines):
            lines.append(LineSpec(item.line_item.external_id, LineType.AMOUNT, amount=take))
            left -= take
    if left > 0:
        raise ValidationFailed(
            [("amount", f"more than the claimed items cost ({amount - left:.2f} {case.currency})")]
        )
    return lines


def acceptance_check(
    *,
    case: RefundCase,
    actor: Actor,
    status: str,
    amount: Decimal | None = None,
    reason: str = "",
    item_required: bool = True,
) -> Acceptance:
    """What accepting the claim this way pays and tells the buyer, checked; nothing is written. Raises
    ValidationFailed naming `status`, `amount` or `case`, or the state machine's refusal."""
    if not is_claim(case):
        raise ValidationFailed(
            [("case", "only a complaint opened on Allegro as a claim is accepted with a remedy")]
        )
    if status not in A.values:
        raise ValidationFailed([("status", f"choose one of Allegro's acceptances: {', '.join(A.values)}")])
    accepted = A(status)
    target = CaseStatus.REMEDY if accepted in REMEDIES else CaseStatus.APPROVED
    check_transition_allowed(case=case, to=target, actor=actor)
    lines: list[LineSpec] = []
    total = Decimal("0.00")
    plan = refund_plan(case)
    if accepted == A.ACCEPTED_PARTIAL_REFUND:
        if amount is None or not amount.is_finite() or amount <= 0 or amount != amount.quantize(CENT):
            raise ValidationFailed(
                [("amount", "the agreed price reduction: more than 0, at most two decimals")]
            )
        lines, total = _reduction_lines(case, amount), amount
    elif accepted == A.ACCEPTED_REFUND:
        if plan is not None and plan.engine_pays and plan.total > 0:
            lines, total = [], plan.total  # the engine's own refund
        else:
            lines = _claimed_lines(case)
            prices = {li.external_id: li.unit_price for li in case.order.line_items.all()}
            total = sum((prices[s.line_item_id] * (s.quantity or 0) for s in lines), Decimal("0.00"))
    by_transfer = case.order.payment_type in BANK_TRANSFER_PAYMENT_TYPES
    if accepted in REMEDIES:
        decided = Decided(
            kind=NoticeKind.REMEDY,
            automated=False,
            remedy=accepted,
            item_required=item_required,
            reason=reason,
        )
    elif accepted == A.ACCEPTED_PARTIAL_REFUND:
        decided = Decided(
            kind=NoticeKind.PARTIAL_REFUND,
            automated=False,
            amount=total,
            by_transfer=by_transfer,
            remedy=accepted,
            reason=reason,
        )
    else:
        decided = Decided(kind=NoticeKind.REFUND, automated=False, amount=total, by_transfer=by_transfer)
    draft = decision_notice(case=case, decided=decided, lang=buyer_language(case))
    return Acceptance(status=accepted, lines=lines, total=total, draft=draft)


@transaction.atomic
def claim_accept(
    *,
    case: RefundCase,
    actor: Actor,
    status: str,
    amount: Decimal | None = None,
    reason: str = "",
    item_required: bool = True,
    notice: str | None = None,
) -> RefundCase:
    """Accept the claim with its remedy (see the module): the case moves, the refund or the remedy is
    recorded, and Allegro gets the acceptance with the buyer's notice as its message, in one
    transaction. Raises ValidationFailed naming `status`, `amount` or `notice`; nothing is written then."""
    acceptance = acceptance_check(
        case=case, actor=actor, status=status, amount=amount, reason=reason, item_required=item_required
    )
    told = (acceptance.draft.text if notice is None else notice).strip()
    errors = notice_text_errors(acceptance.draft, told)
    if errors:
        raise ValidationFailed(errors)
    accepted = acceptance.status
    words = reason.strip() or f"complaint accepted: {accepted.label.lower()}"
    if accepted in REMEDIES:
        moved = case_transition(case=case, to=CaseStatus.REMEDY, actor=actor, reason=words)
        remedy_grant(case=moved, kind=REMEDIES[accepted], item_required=item_required, actor=actor)
    else:
        moved = case_transition(case=case, to=CaseStatus.APPROVED, actor=actor, reason=words)
        refund_order_create(
            case=moved,
            actor=actor,
            lines=acceptance.lines or None,
            delivery=Decimal("0.00") if acceptance.lines else None,
            reason=RefundReason.COMPLAINT,
            override_reason="" if not acceptance.lines else words,
        )
    if not is_allegro_claim(moved):  # a complaint entered by hand: the notice is kept for the buyer
        notice_send(case=moved, draft=acceptance.draft, actor=actor, text=told)
        return moved
    payload: dict[str, object] = {"issueId": moved.external_id, "status": accepted.value, "message": told}
    if accepted == A.ACCEPTED_PARTIAL_REFUND:
        payload["partialRefund"] = {"amount": f"{acceptance.total:.2f}", "currency": moved.currency}
    command = command_enqueue(
        case=moved,
        kind=CommandKind.CLAIM_ACCEPT,
        # Allegro lets an acceptance change to another acceptance: one command per remedy granted.
        key=f"claim-accept:{moved.pk}:{accepted.value}",
        payload=payload,
        actor=actor,
    )
    notice_send(case=moved, draft=acceptance.draft, actor=actor, text=told, carried_by=command)
    return moved


def _remedy_of(case: RefundCase) -> Remedy:
    remedy = Remedy.objects.filter(case=case).first()
    if remedy is None or case.status != CaseStatus.REMEDY:
        raise IllegalTransition("this case has no repair or replacement under way")
    return remedy


def remedy_notice(case: RefundCase, remedy: Remedy, waybill: str, carrier: str) -> NoticeDraft:
    decided = Decided(
        kind=NoticeKind.REMEDY_SENT, automated=False, remedy=remedy.kind, waybill=waybill, carrier=carrier
    )
    return decision_notice(case=case, decided=decided)


@transaction.atomic
def remedy_received(*, case: RefundCase, actor: Actor) -> Remedy:
    """The complained-of item arrived: the repair or replacement is under way."""
    check_transition_allowed(case=case, to=CaseStatus.CLOSED, actor=actor)  # the same person may act on it
    return remedy_item_received(remedy=_remedy_of(case), actor=actor)


@transaction.atomic
def remedy_send_back(
    *, case: RefundCase, actor: Actor, waybill: str, carrier: str = "", notice: str | None = None
) -> RefundCase:
    """The repaired or new item is on its way: the remedy is done, the buyer is told the waybill, the
    case is closed. Raises ValidationFailed naming `waybill` or `notice`."""
    check_transition_allowed(case=case, to=CaseStatus.CLOSED, actor=actor)
    remedy = _remedy_of(case)
    draft = remedy_notice(case, remedy, waybill.strip(), carrier.strip())
    remedy_sent_back(remedy=remedy, waybill=waybill, carrier=carrier, actor=actor)
    closed = case_transition(
        case=case,
        to=CaseStatus.CLOSED,
        actor=actor,
        reason=f"{remedy.get_kind_display()} sent back: {waybill}",
    )
    notice_send(case=closed, draft=draft, actor=actor, text=notice)
    return closed
