"""What the buyer is told about a decision: the notice drafted from the case's facts, the engine's rule
trace in the buyer's language and the decision itself, in the marketplace's language.

An automated full approval sends its notice at once; a person's decision shows the draft for editing and
sends what the person confirmed (`notices.services.notice_send`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from refund_desk.cases.models import RefundCase
from refund_desk.core.calendar import period_end, zone_for
from refund_desk.core.money import Money
from refund_desk.notices.choices import NoticeKind
from refund_desk.notices.services import NoticeDraft, notice_compose
from refund_desk.notices.texts import (
    ADR,
    CODE_PHRASES,
    CONTEST,
    DECIDED_AUTOMATICALLY,
    DECIDED_BY_PERSON,
    DEDUCTED,
    KEEP_ITEM,
    NO_REASONS,
    PAID_BY_TRANSFER,
    PAID_THE_SAME_WAY,
    PRICE_REDUCTION,
    REMEDIES,
    REMEDIES_DONE,
    SEND_ITEM_BY,
    WAYBILL,
)
from refund_desk.policy.engine import Evaluation, Outcome
from refund_desk.policy.engine.law import MARKETPLACE_LANGUAGE, STATUTORY_REFUND_DAYS
from refund_desk.policy.engine.messages import format_date, format_money
from refund_desk.policy.selectors import case_evaluation

# Reasons a favourable notice names at most (the rules that passed, in the engine's order).
FAVOURABLE_REASONS = 3


def buyer_language(case: RefundCase) -> str:
    """The language the buyer reads: the marketplace's."""
    return MARKETPLACE_LANGUAGE.get(case.marketplace, "en")


@dataclass(frozen=True, slots=True)
class Decided:
    """What was decided, as a notice needs it."""

    kind: NoticeKind
    automated: bool
    amount: Decimal | None = None  # what will be paid
    by_transfer: bool = False
    code: str | None = None  # Allegro's rejection code
    reason: str = ""  # the person's own words
    deductions: tuple[tuple[Decimal, str], ...] = ()
    remedy: str | None = None  # a claim's acceptance status (ACCEPTED_REPAIR, ACCEPTED_EXCHANGE, …)
    item_required: bool = True  # a repair or replacement needs the item back
    waybill: str = ""
    carrier: str = ""


def _day(moment: datetime, case: RefundCase, lang: str) -> str:
    return format_date(moment.astimezone(zone_for(case.marketplace)), lang)


def _reasons(decided: Decided, evaluation: Evaluation | None, case: RefundCase, lang: str) -> str:
    lines: list[str] = []
    if decided.code and decided.code in CODE_PHRASES:
        lines.append(CODE_PHRASES[decided.code][lang])
    if decided.remedy == "ACCEPTED_PARTIAL_REFUND":
        lines.append(PRICE_REDUCTION[lang])
    if decided.reason.strip():
        lines.append(decided.reason.strip())
    for amount, why in decided.deductions:
        lines.append(
            DEDUCTED[lang].format(amount=format_money(Money(amount, case.currency), lang), reason=why)
        )
    if evaluation is not None:
        if decided.kind in (NoticeKind.REJECTED, NoticeKind.PARTIAL_REFUND):
            lines.extend(r.explanation for r in evaluation.rules if r.outcome == Outcome.REJECT)
        else:
            passed = [r.explanation for r in evaluation.rules if r.outcome == Outcome.PASS]
            lines.extend(passed[:FAVOURABLE_REASONS])
    if not lines:
        lines.append(NO_REASONS[lang])
    unique = list(dict.fromkeys(lines))
    return "\n".join(f"– {line}" for line in unique)


def _remedy(decided: Decided, lang: str) -> str:
    words = REMEDIES_DONE if decided.kind == NoticeKind.REMEDY_SENT else REMEDIES
    return words.get(decided.remedy or "", {}).get(lang, "")


def decision_notice(
    *, case: RefundCase, decided: Decided, evaluation: Evaluation | None = None, lang: str | None = None
) -> NoticeDraft:
    """The notice for a decision on the case, drafted in the buyer's language (or `lang`)."""
    lang = lang or buyer_language(case)
    if evaluation is None or evaluation.lang != lang:
        evaluation = case_evaluation(case, lang=lang)
    now = timezone.now()
    amount = decided.amount
    if amount is None and evaluation is not None:
        amount = evaluation.total.amount
    paid_by = evaluation.refund_by if evaluation is not None and evaluation.refund_by else None
    if paid_by is None or paid_by < now:
        paid_by = period_end(now, STATUTORY_REFUND_DAYS, case.marketplace)
    return_by = period_end(case.created_at, STATUTORY_REFUND_DAYS, case.marketplace)
    adr = ADR.get(case.marketplace, {})
    values = {
        "reference": case.reference or case.order_external_id or case.external_id or str(case.pk),
        "amount": format_money(Money(amount or Decimal("0.00"), case.currency), lang),
        "requested": format_money(case.requested_money(), lang),
        "paid_by": _day(paid_by, case, lang),
        "return_by": _day(max(return_by, now), case, lang),
        "how_paid": (PAID_BY_TRANSFER if decided.by_transfer else PAID_THE_SAME_WAY)[lang],
        "reasons": _reasons(decided, evaluation, case, lang),
        "decided_by": (DECIDED_AUTOMATICALLY if decided.automated else DECIDED_BY_PERSON)[lang],
        "contest": CONTEST[lang],
        "adr": adr.get(lang) or adr.get("en", ""),
        "seller": case.account.name,
        "remedy": _remedy(decided, lang),
        "buyer_action": (
            SEND_ITEM_BY[lang].format(date=_day(max(return_by, now), case, lang))
            if decided.item_required
            else KEEP_ITEM[lang]
        ),
        "waybill": WAYBILL[lang].format(waybill=decided.waybill, carrier=decided.carrier)
        if decided.waybill
        else "",
    }
    return notice_compose(case=case, kind=decided.kind, lang=lang, values=values, automated=decided.automated)
