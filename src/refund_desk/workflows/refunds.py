"""A refund a person composes: the engine's lawful refund as the starting point, any line changed, the
delivery cost, a reason when it differs, and the notice the buyer gets — which says "partial" and how to
contest it whenever less than the engine's full refund is paid. Four eyes apply as for any refund."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from refund_desk.cases.actors import Actor
from refund_desk.cases.models import RefundCase
from refund_desk.core.money import CENT
from refund_desk.notices.choices import NoticeKind
from refund_desk.notices.services import NoticeDraft, PendingNotice, notice_hold
from refund_desk.payments.choices import LineType
from refund_desk.payments.models import RefundOrder
from refund_desk.payments.services import LineSpec, refund_order_create
from refund_desk.payments.services.refunds import ENGINE_PAYS, NoticeFor
from refund_desk.policy.engine import Evaluation
from refund_desk.policy.selectors import case_evaluation
from refund_desk.workflows.notices import Decided, buyer_language, decision_notice


@dataclass(frozen=True, slots=True)
class LinePlan:
    """One order line in the refund builder: what was bought and paid, and what the engine refunds."""

    line_item_id: str
    offer_name: str
    quantity: int
    unit_price: Decimal
    paid: Decimal
    engine_amount: Decimal  # 0: the engine refunds nothing for it
    engine_type: str | None  # QUANTITY or AMOUNT, as the engine would send it
    engine_quantity: int | None


@dataclass(frozen=True, slots=True)
class RefundPlan:
    """The engine's lawful refund for a case, line by line, as the builder shows it."""

    decision: str
    lines: tuple[LinePlan, ...]
    delivery: Decimal
    total: Decimal
    deductions: tuple[tuple[Decimal, str], ...]
    currency: str

    @property
    def engine_pays(self) -> bool:
        return self.decision in ENGINE_PAYS


def refund_plan(case: RefundCase, evaluation: Evaluation | None = None) -> RefundPlan:
    """The builder's starting point: the engine's refund, or — for a case the engine does not decide (a
    question, a case whose data does not evaluate) — nothing, for a person to compose."""
    evaluation = evaluation if evaluation is not None else case_evaluation(case, lang=buyer_language(case))
    engine = {line.line_item_id: line for line in evaluation.lines} if evaluation is not None else {}
    lines = []
    for item in case.order.line_items.all().order_by("pk"):
        line = engine.get(item.external_id)
        lines.append(
            LinePlan(
                line_item_id=item.external_id,
                offer_name=item.offer_name,
                quantity=item.quantity,
                unit_price=item.unit_price,
                paid=(item.unit_price * item.quantity).quantize(CENT),
                engine_amount=line.value.amount if line is not None else Decimal("0.00"),
                engine_type=line.type if line is not None else None,
                engine_quantity=line.quantity if line is not None else None,
            )
        )
    if evaluation is None:
        return RefundPlan(
            decision="",
            lines=tuple(lines),
            delivery=Decimal("0.00"),
            total=Decimal("0.00"),
            deductions=(),
            currency=case.currency,
        )
    return RefundPlan(
        decision=evaluation.decision,
        lines=tuple(lines),
        delivery=evaluation.delivery.amount if evaluation.delivery is not None else Decimal("0.00"),
        total=evaluation.total.amount,
        deductions=tuple((d.amount.amount, d.reason) for d in evaluation.deductions),
        currency=evaluation.currency,
    )


def specs_from_amounts(plan: RefundPlan, amounts: dict[str, Decimal]) -> list[LineSpec]:
    """Refund lines from the amounts a person entered per order line: the engine's own line where the
    amount is the engine's (whole units stay QUANTITY), a partial value otherwise; 0 leaves a line out."""
    specs = []
    for line in plan.lines:
        amount = amounts.get(line.line_item_id, Decimal("0.00"))
        if amount <= 0:
            continue
        if amount == line.engine_amount and line.engine_type == LineType.QUANTITY:
            specs.append(LineSpec(line.line_item_id, LineType.QUANTITY, quantity=line.engine_quantity))
        elif amount == line.paid:
            specs.append(LineSpec(line.line_item_id, LineType.QUANTITY, quantity=line.quantity))
        else:
            specs.append(LineSpec(line.line_item_id, LineType.AMOUNT, amount=amount))
    return specs


def refund_notice(
    *,
    case: RefundCase,
    total: Decimal,
    by_transfer: bool,
    automated: bool,
    plan: RefundPlan | None,
    reason: str = "",
) -> NoticeDraft:
    """The notice for a refund of `total`: a full refund when it is at least the engine's, else partial
    (with the deductions, the person's reason and how to contest)."""
    full = plan is not None and plan.engine_pays and total >= plan.total
    if full:
        decided = Decided(kind=NoticeKind.REFUND, automated=automated, amount=total, by_transfer=by_transfer)
    else:
        decided = Decided(
            kind=NoticeKind.PARTIAL_REFUND,
            automated=automated,
            amount=total,
            by_transfer=by_transfer,
            reason=reason,
            deductions=plan.deductions if plan is not None else (),
        )
    return decision_notice(case=case, decided=decided)


def refund_notice_for(
    *, case: RefundCase, automated: bool, plan: RefundPlan | None, reason: str = "", text: str | None = None
) -> NoticeFor:
    """The hook `refund_order_create` calls with the refund's total: the notice to hold, `text` being
    what the person confirmed (default: the draft)."""

    def hold(total: Decimal, by_transfer: bool) -> PendingNotice:
        draft = refund_notice(
            case=case, total=total, by_transfer=by_transfer, automated=automated, plan=plan, reason=reason
        )
        return notice_hold(draft, text)

    return hold


@transaction.atomic
def case_refund(
    *,
    case: RefundCase,
    actor: Actor,
    lines: Sequence[LineSpec] | None = None,
    delivery: Decimal | None = None,
    override_reason: str = "",
    seller_comment: str = "",
    notice: str | None = None,
) -> RefundOrder:
    """A person's refund of an approved case: the engine's (default) or composed line by line; the buyer
    is told when it is released. Raises ValidationFailed naming the field (`lines[i].amount`,
    `override_reason`, `notice`, …); nothing is written then."""
    evaluation = case_evaluation(case, lang=buyer_language(case))
    plan = refund_plan(case, evaluation)
    return refund_order_create(
        case=case,
        actor=actor,
        lines=lines,
        delivery=delivery,
        seller_comment=seller_comment,
        override_reason=override_reason,
        evaluation=evaluation,
        notice=refund_notice_for(case=case, automated=False, plan=plan, reason=override_reason, text=notice),
    )
