"""The refund builder: a person composes the refund of an approved case line by line, starting from the
engine's lawful refund, says why when it differs, checks the notice the buyer gets, and confirms. A refund
that differs from the engine's, or is above the account's threshold, then waits for a second person."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import CaseStatus
from refund_desk.cases.models import RefundCase
from refund_desk.core.errors import DomainError, ValidationFailed
from refund_desk.core.money import CENT, Money
from refund_desk.core.permissions import Perm, permission_required
from refund_desk.desk.views import load_case
from refund_desk.payments.choices import RefundStatus
from refund_desk.payments.services import LineSpec
from refund_desk.payments.services.refunds import BANK_TRANSFER_PAYMENT_TYPES
from refund_desk.workflows.refunds import (
    RefundPlan,
    case_refund,
    refund_notice,
    refund_plan,
    specs_from_amounts,
)

AMOUNT_MAX = Decimal("9999999999.99")


def _amount(raw: str, field: str, errors: dict[str, str]) -> Decimal:
    text = (raw or "").strip().replace(",", ".").replace(" ", "")
    if not text:
        return Decimal("0.00")
    try:
        value = Decimal(text)
    except InvalidOperation:
        errors[field] = _("Enter an amount such as 49.99.")
        return Decimal("0.00")
    if not value.is_finite() or value < 0 or value > AMOUNT_MAX or value != value.quantize(CENT):
        errors[field] = _("Enter an amount from 0 with at most two decimals.")
        return Decimal("0.00")
    return value


@permission_required(Perm.REFUND_REQUEST)
@require_http_methods(["GET", "POST"])
def case_refund_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """GET: the builder with the engine's refund. POST: checked, with the total and the buyer's notice;
    POST with `confirm`: the refund is decided. POST with `policy`: the engine's refund at once (the
    case page's "Refund per policy"), the drafted notice as it is."""
    case = load_case(request, case_id)
    back = reverse("desk:case", args=[case.pk])
    if case.status != CaseStatus.APPROVED:
        messages.error(
            request,
            _("Only an approved case can be refunded; this one is %(status)s.")
            % {"status": case.get_status_display()},
        )
        return HttpResponseRedirect(back, status=303)
    plan = refund_plan(case)
    actor = Actor.for_user(request.user)
    if request.method == "POST" and "policy" in request.POST:
        return _decide(request, case, actor, back, comment=request.POST.get("seller_comment", ""))
    values = _values(request, plan)
    if request.method == "GET":
        return _page(request, case, plan, values, confirming=False)
    errors: dict[str, str] = {}
    amounts = {
        line.line_item_id: _amount(values.amounts[line.line_item_id], f"line-{index}", errors)
        for index, line in enumerate(plan.lines)
    }
    delivery = _amount(values.delivery, "delivery", errors)
    total = sum(amounts.values(), Decimal("0.00")) + delivery
    if not errors and total <= 0:
        errors["lines"] = _("A refund needs at least one line or a delivery amount.")
    differs = (
        [amounts[line.line_item_id] for line in plan.lines] != [line.engine_amount for line in plan.lines]
        or (delivery != plan.delivery)
        or not plan.engine_pays
    )
    if not errors and differs and not values.override_reason.strip():
        errors["override_reason"] = _(
            "This refund differs from the policy engine's; say why (the buyer reads it)."
        )
    if errors or "edit" in request.POST:
        return _page(
            request, case, plan, values, confirming=False, errors=errors, status=422 if errors else 200
        )
    if "confirm" not in request.POST:
        return _page(request, case, plan, values, confirming=True, total=total, differs=differs)
    return _decide(
        request,
        case,
        actor,
        back,
        comment=values.seller_comment,
        plan=plan,
        values=values,
        specs=(specs_from_amounts(plan, amounts), delivery),
        total=total,
        differs=differs,
    )


def _decide(
    request: HttpRequest,
    case: RefundCase,
    actor: Actor,
    back: str,
    *,
    comment: str,
    plan: RefundPlan | None = None,
    values: Entered | None = None,
    specs: tuple[list[LineSpec], Decimal] | None = None,
    total: Decimal | None = None,
    differs: bool = False,
) -> HttpResponse:
    try:
        refund = case_refund(
            case=case,
            actor=actor,
            lines=specs[0] if specs else None,
            delivery=specs[1] if specs else None,
            override_reason=str(values.override_reason) if values else "",
            seller_comment=comment,
            notice=str(request.POST["notice"]) if values and "notice" in request.POST else None,
        )
    except ValidationFailed as exc:
        if plan is None or values is None:
            messages.error(request, "; ".join(f"{field}: {message}" for field, message in exc.errors))
            return HttpResponseRedirect(back, status=303)
        errors = {
            ("notice" if f == "notice" else "override_reason" if f == "override_reason" else "lines"): m
            for f, m in exc.errors
        }
        confirming = set(errors) == {"notice"}
        return _page(
            request,
            case,
            plan,
            values,
            confirming=confirming,
            total=total,
            differs=differs,
            errors=errors,
            status=422,
        )
    except DomainError as exc:
        messages.error(request, _("The refund was not created: %(error)s") % {"error": exc})
        return HttpResponseRedirect(back, status=303)
    if refund.status == RefundStatus.AWAITING_APPROVAL:
        messages.success(
            request,
            _(
                "Refund of %(amount)s decided; it waits for a second person's approval, and the buyer is told once it is approved."
            )
            % {"amount": refund.total_money()},
        )
    else:
        messages.success(
            request,
            _("Refund of %(amount)s: %(status)s")
            % {"amount": refund.total_money(), "status": refund.get_status_display()},
        )
    return HttpResponseRedirect(back, status=303)


@dataclass(frozen=True, slots=True)
class Entered:
    """What the person typed (or the engine's refund, before they type)."""

    amounts: dict[str, str]
    delivery: str
    override_reason: str
    seller_comment: str


def _values(request: HttpRequest, plan: RefundPlan) -> Entered:
    source = request.POST if request.method == "POST" else None
    return Entered(
        amounts={
            line.line_item_id: (
                source.get(f"line-{index}", "") if source is not None else f"{line.engine_amount:.2f}"
            )
            for index, line in enumerate(plan.lines)
        },
        delivery=source.get("delivery", "") if source is not None else f"{plan.delivery:.2f}",
        override_reason=(source.get("override_reason", "") if source is not None else "")[:1000],
        seller_comment=(source.get("seller_comment", "") if source is not None else "")[:250],
    )


def _page(
    request: HttpRequest,
    case: RefundCase,
    plan: RefundPlan,
    values: Entered,
    *,
    confirming: bool,
    total: Decimal | None = None,
    differs: bool = False,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    amounts = values.amounts
    rows = [
        {"index": index, "plan": line, "value": amounts[line.line_item_id]}
        for index, line in enumerate(plan.lines)
    ]
    draft = None
    notice_text = ""
    if confirming and total is not None:
        draft = refund_notice(
            case=case,
            total=total,
            by_transfer=case.order.payment_type in BANK_TRANSFER_PAYMENT_TYPES,
            automated=False,
            plan=plan,
            reason=str(values.override_reason),
        )
        notice_text = str(request.POST.get("notice", draft.text)) if "notice" in request.POST else draft.text
    context = {
        "case": case,
        "plan": plan,
        "rows": rows,
        "values": values,
        "confirming": confirming,
        "total": Money(total, case.currency) if total is not None else None,
        "engine_total": Money(plan.total, case.currency),
        "differs": differs,
        "errors": errors or {},
        "draft": draft,
        "notice_text": notice_text,
    }
    return render(request, "desk/refund.html", context, status=status)
