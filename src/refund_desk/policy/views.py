"""Desk pages for refund policies: overview, version history, YAML editing with a simulation preview."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from refund_desk.cases.access import accounts_visible
from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import Marketplace
from refund_desk.cases.models import RefundCase, SellerAccount
from refund_desk.cases.selectors import case_get
from refund_desk.core.calendar import zone_for
from refund_desk.core.changes import changes_pending
from refund_desk.core.errors import ValidationFailed
from refund_desk.core.permissions import Perm, has_perm, permission_required
from refund_desk.policy import selectors, services
from refund_desk.policy.engine import STATUTORY_DEFAULT
from refund_desk.policy.forms import PolicyEditForm
from refund_desk.policy.services import ACTIVATE_CHANGE


def _target(request: HttpRequest, account_id: int, marketplace: str) -> SellerAccount:
    if marketplace not in Marketplace.values:
        raise Http404
    return get_object_or_404(accounts_visible(request.user), pk=account_id)


@permission_required(Perm.POLICY_READ)
def index(request: HttpRequest) -> HttpResponse:
    published = {(p.account_id, p.marketplace): p for p in selectors.policy_list()}
    rows = [
        {"account": account, "marketplace": marketplace, "policy": published.get((account.pk, marketplace))}
        for account in accounts_visible(request.user).filter(is_active=True)
        for marketplace in Marketplace.values
    ]
    return render(
        request,
        "policy/index.html",
        {
            "rows": rows,
            "default_version": STATUTORY_DEFAULT.version,
            "can_edit": has_perm(request.user, Perm.POLICY_PUBLISH),
        },
    )


@permission_required(Perm.POLICY_READ)
def detail(request: HttpRequest, account_id: int, marketplace: str) -> HttpResponse:
    account = _target(request, account_id, marketplace)
    policy = selectors.policy_get(account=account, marketplace=marketplace)
    context: dict[str, Any] = {
        "account": account,
        "marketplace": marketplace,
        "policy": policy,
        "active_yaml": selectors.policy_export_yaml(account=account, marketplace=marketplace),
        "active_label": policy.active_version.label
        if policy and policy.active_version
        else STATUTORY_DEFAULT.version,
        "versions": selectors.policy_versions(policy=policy) if policy else [],
        "pending_changes": changes_pending(account_ids=frozenset({account.pk})).filter(kind=ACTIVATE_CHANGE),
        "changes": selectors.policy_changes(policy=policy) if policy else [],
        "can_edit": has_perm(request.user, Perm.POLICY_PUBLISH),
    }
    return render(request, "policy/detail.html", context)


@permission_required(Perm.POLICY_READ)
def version(request: HttpRequest, account_id: int, marketplace: str, number: int) -> HttpResponse:
    account = _target(request, account_id, marketplace)
    policy = selectors.policy_get(account=account, marketplace=marketplace)
    if policy is None:
        raise Http404
    found = get_object_or_404(policy.versions, number=number)
    return render(
        request, "policy/version.html", {"account": account, "marketplace": marketplace, "version": found}
    )


@permission_required(Perm.POLICY_READ)
def export(request: HttpRequest, account_id: int, marketplace: str) -> HttpResponse:
    account = _target(request, account_id, marketplace)
    response = HttpResponse(
        selectors.policy_export_yaml(account=account, marketplace=marketplace),
        content_type="application/yaml; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="policy-{account.pk}-{marketplace}.yaml"'
    return response


@permission_required(Perm.POLICY_PUBLISH)
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, account_id: int, marketplace: str) -> HttpResponse:
    """Edit as YAML; "preview" simulates the change on stored cases; "publish" needs that preview first."""
    account = _target(request, account_id, marketplace)
    context: dict[str, Any] = {"account": account, "marketplace": marketplace, "report": None}
    if request.method == "GET":
        form = PolicyEditForm(
            initial={"yaml_text": selectors.policy_export_yaml(account=account, marketplace=marketplace)}
        )
        return render(request, "policy/edit.html", {**context, "form": form})

    form = PolicyEditForm(request.POST)
    if not form.is_valid() or form.parsed is None:
        return render(request, "policy/edit.html", {**context, "form": form}, status=400)
    if request.POST.get("action") == "publish":
        if not form.was_previewed:
            form.add_error(None, _("Preview the effect of this version before publishing it."))
            return render(request, "policy/edit.html", {**context, "form": form}, status=400)
        try:
            published = services.policy_publish(
                account=account,
                marketplace=marketplace,
                yaml_text=form.cleaned_data["yaml_text"],
                actor=Actor.for_user(request.user),
                comment=form.cleaned_data["comment"],
            )
        except ValidationFailed as exc:
            for path, message in exc.errors:
                form.add_error("yaml_text", f"{path}: {message}")
            return render(request, "policy/edit.html", {**context, "form": form}, status=400)
        messages.success(request, _("Published %(label)s.") % {"label": published.label})
        return redirect("policy:detail", account_id=account.pk, marketplace=marketplace)

    report = selectors.policy_simulate(proposed=form.parsed, account=account, marketplace=marketplace)
    data = request.POST.copy()
    data["previewed"] = form.fingerprint
    preview_form = PolicyEditForm(data)
    preview_form.is_valid()
    return render(
        request, "policy/edit.html", {**context, "form": preview_form, "report": report, "previewed": True}
    )


def _day(raw: str, field: str, errors: list[tuple[str, str]], zone: Any) -> datetime | None:
    text = (raw or "").strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text[:10])
    except ValueError:
        errors.append((field, _("a date such as 2026-11-30")))
        return None
    return datetime.combine(day, time(12, 0), tzinfo=zone)


@permission_required(Perm.CASE_WORK)
@require_POST
def case_facts(request: HttpRequest, case_id: int) -> HttpResponse:
    """Record the facts only a person knows for the policy engine; back to the case."""
    try:
        case = case_get(case_id=case_id, viewer=request.user)
    except RefundCase.DoesNotExist as exc:
        raise Http404(_("No such case.")) from exc
    errors: list[tuple[str, str]] = []
    zone = zone_for(case.marketplace)
    delivered = _day(request.POST.get("delivered_at", ""), "delivered_at", errors, zone)
    dispatched = _day(request.POST.get("return_dispatched_at", ""), "return_dispatched_at", errors, zone)
    informed = {"yes": True, "no": False}.get(request.POST.get("buyer_informed", ""))
    cheapest: Decimal | None = None
    raw = request.POST.get("cheapest_delivery", "").strip().replace(",", ".")
    if raw:
        try:
            cheapest = Decimal(raw)
        except InvalidOperation:
            errors.append(("cheapest_delivery", _("an amount such as 9.99")))
    seals = {
        key.removeprefix("seal:"): value == "broken"
        for key, value in request.POST.items()
        if key.startswith("seal:") and value in ("broken", "intact")
    }
    try:
        if errors:
            raise ValidationFailed(errors)
        services.case_facts_set(
            case=case,
            actor=Actor.for_user(request.user),
            delivered_at=delivered,
            buyer_informed=informed,
            return_dispatched_at=dispatched,
            cheapest_delivery=cheapest,
            seal_broken=seals,
        )
        messages.success(request, _("Facts saved; the policy engine uses them from now on."))
    except ValidationFailed as exc:
        messages.error(request, "; ".join(f"{field}: {message}" for field, message in exc.errors))
    return redirect(f"/cases/{case.pk}/")
