"""Desk pages of the payments app: refund a case, approve refunds, alerts, bank transfers, commission."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from refund_desk.cases.access import accounts_visible, scoped, visible_account_ids
from refund_desk.cases.actors import Actor
from refund_desk.cases.models import RefundCase
from refund_desk.core.changes import changes_pending
from refund_desk.core.errors import DomainError
from refund_desk.core.permissions import Perm, has_perm, permission_required
from refund_desk.core.redirects import redirect_back
from refund_desk.payments import selectors, services
from refund_desk.payments.forms import (
    DeclineForm,
    ExportForm,
    OutsideRefundForm,
    PaymentSettingsForm,
)
from refund_desk.payments.models import RefundOrder, TransferBatch
from refund_desk.payments.services.settings import THRESHOLD_CHANGE


@permission_required(Perm.REFUND_REQUEST)
@require_POST
def refund_outside(request: HttpRequest, case_id: int) -> HttpResponse:
    """Record a refund paid outside the desk; a second person confirms it on the approvals page."""
    case = get_object_or_404(scoped(RefundCase.objects.all(), request.user), pk=case_id)
    form = OutsideRefundForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, "; ".join(f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items())
        )
        return redirect_back(request, f"/cases/{case.pk}/")
    try:
        refund = services.refund_outside_record(
            case=case,
            amount=form.cleaned_data["amount"],
            paid_at=form.paid_at(),
            reference=form.cleaned_data["reference"],
            actor=Actor.for_user(request.user),
        )
        messages.success(
            request,
            _("Recorded %(amount)s paid outside the desk; a second person confirms it.")
            % {"amount": refund.total_money()},
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect_back(request, f"/cases/{case.pk}/")


@permission_required(Perm.PAYMENTS_READ)
def approvals(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "payments/approvals.html",
        {"refunds": selectors.refunds_awaiting_approval(viewer=request.user), "decline_form": DeclineForm()},
    )


@permission_required(Perm.REFUND_APPROVE)
@require_POST
def approve(request: HttpRequest, refund_id: int) -> HttpResponse:
    refund = get_object_or_404(scoped(RefundOrder.objects.all(), request.user), pk=refund_id)
    try:
        services.refund_order_approve(refund=refund, actor=Actor.for_user(request.user))
        messages.success(request, _("Refund #%(id)s approved") % {"id": refund.pk})
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect_back(request, "/payments/approvals/")


@permission_required(Perm.REFUND_APPROVE)
@require_POST
def decline(request: HttpRequest, refund_id: int) -> HttpResponse:
    refund = get_object_or_404(scoped(RefundOrder.objects.all(), request.user), pk=refund_id)
    form = DeclineForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError("say why the refund is declined")
        services.refund_order_decline(
            refund=refund, actor=Actor.for_user(request.user), reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("Refund #%(id)s declined") % {"id": refund.pk})
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect_back(request, "/payments/approvals/")


@permission_required(Perm.PAYMENTS_READ)
def alerts(request: HttpRequest) -> HttpResponse:
    return render(request, "payments/alerts.html", {"alerts": selectors.alerts_open(viewer=request.user)})


@permission_required(Perm.ALERTS_RESOLVE)
@require_POST
def alert_resolve(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = get_object_or_404(selectors.alerts_open(viewer=request.user), pk=alert_id)
    services.alert_resolve(alert=alert, actor=Actor.for_user(request.user))
    return redirect_back(request, "/payments/alerts/")


@permission_required(Perm.TRANSFERS_READ)
def transfers(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "payments/transfers.html",
        {
            "pending": selectors.transfers_pending(viewer=request.user),
            "batches": selectors.transfer_batches(viewer=request.user)[:50],
            "accounts": accounts_visible(request.user),
            "export_form": ExportForm(),
        },
    )


@permission_required(Perm.TRANSFERS_EXPORT)
@require_POST
def transfers_export(request: HttpRequest) -> HttpResponse:
    form = ExportForm(request.POST)
    account = get_object_or_404(accounts_visible(request.user), pk=request.POST.get("account") or 0)
    if form.is_valid():
        try:
            batch = services.transfer_batch_export(
                account=account, currency=form.cleaned_data["currency"], actor=Actor.for_user(request.user)
            )
            if batch is None:
                messages.info(request, _("Nothing to export"))
            else:
                messages.success(request, f"{batch.file_name}: {batch.total} {batch.currency}")
        except DomainError as exc:
            messages.error(request, str(exc))
    return redirect("payments:transfers")


@permission_required(Perm.TRANSFERS_READ)
def transfer_download(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = get_object_or_404(scoped(TransferBatch.objects.all(), request.user), pk=batch_id)
    content_type = "application/xml" if batch.format == "SEPA_XML" else "text/csv"
    response = HttpResponse(batch.content, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{batch.file_name}"'
    return response


@permission_required(Perm.TRANSFERS_CONFIRM)
@require_POST
def transfer_confirm(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = get_object_or_404(scoped(TransferBatch.objects.all(), request.user), pk=batch_id)
    try:
        services.transfer_batch_confirm(batch=batch, actor=Actor.for_user(request.user))
        messages.success(request, _("%(file)s confirmed") % {"file": batch.file_name})
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("payments:transfers")


@permission_required(Perm.PAYMENTS_READ)
def commission(request: HttpRequest) -> HttpResponse:
    return render(
        request, "payments/commission.html", {"rows": selectors.commission_report(viewer=request.user)}
    )


@permission_required(Perm.TRANSFERS_READ)
def payment_settings(request: HttpRequest) -> HttpResponse:
    """Approval thresholds and payer accounts per seller account and currency (auditors read only)."""
    can_edit = has_perm(request.user, Perm.PAYMENT_SETTINGS_CHANGE)
    return render(
        request,
        "payments/settings.html",
        {
            "accounts": selectors.payment_settings_overview(viewer=request.user),
            "can_edit": can_edit,
            "pending_changes": changes_pending(account_ids=visible_account_ids(request.user)).filter(
                kind=THRESHOLD_CHANGE
            ),
        },
    )


@permission_required(Perm.PAYMENT_SETTINGS_CHANGE)
@require_POST
def payment_settings_save(request: HttpRequest, account_id: int) -> HttpResponse:
    account = get_object_or_404(accounts_visible(request.user), pk=account_id)
    form = PaymentSettingsForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, "; ".join(f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items())
        )
        return redirect("payments:settings")
    data = form.cleaned_data
    try:
        row = services.payment_settings_set(
            account=account,
            currency=data["currency"],
            approval_threshold=data["approval_threshold"],
            debtor_name=data["debtor_name"],
            debtor_iban=data["debtor_iban"],
            debtor_bic=data["debtor_bic"],
            actor=Actor.for_user(request.user),
        )
        messages.success(
            request,
            _("%(account)s %(currency)s: approval needed above %(threshold)s")
            % {"account": account, "currency": row.currency, "threshold": row.approval_threshold},
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("payments:settings")
