"""Management pages: webhook subscriptions and partners. Supervisors edit; auditors read.

A secret is shown in plain text only in the response to its creation or rotation (never stored in the
session or shown again): the page says so and the partner must copy it then.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from refund_desk.cases.access import accounts_visible
from refund_desk.cases.actors import Actor
from refund_desk.core.errors import DomainError, ValidationFailed
from refund_desk.core.permissions import Perm, has_perm, permission_required
from refund_desk.partners import selectors, services
from refund_desk.partners.forms import PartnerForm, SubscriptionForm
from refund_desk.partners.models import Partner


def _can_edit(request: HttpRequest) -> bool:
    return has_perm(request.user, Perm.PARTNERS_MANAGE)


def _add_errors(form: SubscriptionForm | PartnerForm, exc: DomainError) -> None:
    if isinstance(exc, ValidationFailed):
        for path, message in exc.errors:
            field = path.split("[", 1)[0]
            form.add_error(field if field in form.fields else None, message)
    else:
        form.add_error(None, str(exc))


def _form_page(
    request: HttpRequest,
    form: SubscriptionForm | PartnerForm,
    template: str,
    context: dict[str, Any],
    save: Callable[[dict[str, Any]], HttpResponse],
) -> HttpResponse:
    """A create or edit page: a valid POST runs `save` with the cleaned data and returns its response;
    a refusal from the service shows next to the field it names, and nothing is written."""
    if request.method == "POST" and form.is_valid():
        try:
            return save(form.cleaned_data)
        except DomainError as exc:
            _add_errors(form, exc)
    return render(request, template, {"form": form, **context})


def _secret_page(request: HttpRequest, *, title: str, owner: str, secret: str, back: str) -> HttpResponse:
    response = render(
        request, "partners/secret.html", {"title": title, "owner": owner, "secret": secret, "back": back}
    )
    response["Cache-Control"] = "no-store"
    return response


@permission_required(Perm.PARTNERS_READ)
def subscriptions(request: HttpRequest) -> HttpResponse:
    rows = (
        selectors.subscriptions_visible(viewer=request.user)
        .select_related("account", "partner")
        .order_by("name", "pk")
    )
    return render(
        request, "partners/subscriptions.html", {"subscriptions": rows, "can_edit": _can_edit(request)}
    )


@permission_required(Perm.PARTNERS_MANAGE)
def subscription_create(request: HttpRequest) -> HttpResponse:
    form = SubscriptionForm(request.POST or None, accounts=accounts_visible(request.user))

    def save(data: dict[str, Any]) -> HttpResponse:
        subscription = services.webhook_subscription_create(
            name=data["name"],
            url=data["url"],
            events=form.event_list(),
            account=data["account"],
            partner=data["partner"],
            actor=Actor.for_user(request.user),
        )
        return _secret_page(
            request,
            title="Webhook subscription created",
            owner=str(subscription),
            secret=subscription.secret,
            back="/partners/subscriptions/",
        )

    return _form_page(request, form, "partners/subscription_form.html", {"subscription": None}, save)


@permission_required(Perm.PARTNERS_MANAGE)
def subscription_edit(request: HttpRequest, subscription_id: int) -> HttpResponse:
    subscription = get_object_or_404(selectors.subscriptions_visible(viewer=request.user), pk=subscription_id)
    initial = {
        "name": subscription.name,
        "url": subscription.url,
        "events": ", ".join(subscription.events),
        "account": subscription.account_id,
        "partner": subscription.partner_id,
        "is_active": subscription.is_active,
    }
    form = SubscriptionForm(request.POST or None, initial=initial, accounts=accounts_visible(request.user))

    def save(data: dict[str, Any]) -> HttpResponse:
        services.webhook_subscription_update(
            subscription=subscription,
            actor=Actor.for_user(request.user),
            name=data["name"],
            url=data["url"],
            events=form.event_list(),
            account=data["account"],
            partner=data["partner"],
            is_active=data["is_active"],
        )
        return redirect("partners:subscriptions")

    return _form_page(request, form, "partners/subscription_form.html", {"subscription": subscription}, save)


@permission_required(Perm.PARTNERS_MANAGE)
@require_POST
def subscription_disable(request: HttpRequest, subscription_id: int) -> HttpResponse:
    subscription = get_object_or_404(selectors.subscriptions_visible(viewer=request.user), pk=subscription_id)
    services.webhook_subscription_disable(subscription=subscription, actor=Actor.for_user(request.user))
    return redirect("partners:subscriptions")


@permission_required(Perm.PARTNERS_MANAGE)
@require_POST
def subscription_rotate(request: HttpRequest, subscription_id: int) -> HttpResponse:
    subscription = get_object_or_404(selectors.subscriptions_visible(viewer=request.user), pk=subscription_id)
    rotated, secret = services.webhook_subscription_rotate_secret(
        subscription=subscription, actor=Actor.for_user(request.user)
    )
    return _secret_page(
        request,
        title="Webhook secret rotated",
        owner=str(rotated),
        secret=secret,
        back="/partners/subscriptions/",
    )


@permission_required(Perm.PARTNERS_READ)
def partners(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "partners/partners.html",
        {"partners": Partner.objects.order_by("name"), "can_edit": _can_edit(request)},
    )


def _inbound(partner: Partner) -> str:
    return f"{partner.name} — POST /partners/inbound/{partner.slug}/"


@permission_required(Perm.PARTNERS_MANAGE)
def partner_create(request: HttpRequest) -> HttpResponse:
    form = PartnerForm(request.POST or None, accounts=accounts_visible(request.user))

    def save(data: dict[str, Any]) -> HttpResponse:
        partner, secret = services.partner_create(
            name=data["name"],
            slug=data["slug"],
            kind=data["kind"],
            carrier_id=data["carrier_id"],
            actor=Actor.for_user(request.user),
            account_ids=form.account_ids(),
        )
        return _secret_page(
            request,
            title="Partner created",
            owner=_inbound(partner),
            secret=secret,
            back="/partners/partners/",
        )

    return _form_page(request, form, "partners/partner_form.html", {"partner": None}, save)


@permission_required(Perm.PARTNERS_MANAGE)
def partner_edit(request: HttpRequest, partner_id: int) -> HttpResponse:
    partner = get_object_or_404(Partner, pk=partner_id)
    initial = {
        "name": partner.name,
        "slug": partner.slug,
        "kind": partner.kind,
        "carrier_id": partner.carrier_id,
        "is_active": partner.is_active,
        "accounts": list(partner.accounts.values_list("pk", flat=True)),
    }
    form = PartnerForm(request.POST or None, initial=initial, accounts=accounts_visible(request.user))

    def save(data: dict[str, Any]) -> HttpResponse:
        services.partner_update(
            partner=partner,
            actor=Actor.for_user(request.user),
            name=data["name"],
            slug=data["slug"],
            kind=data["kind"],
            carrier_id=data["carrier_id"],
            is_active=data["is_active"],
            account_ids=form.account_ids(),
        )
        return redirect("partners:partners")

    return _form_page(request, form, "partners/partner_form.html", {"partner": partner}, save)


@permission_required(Perm.PARTNERS_MANAGE)
@require_POST
def partner_rotate(request: HttpRequest, partner_id: int) -> HttpResponse:
    partner = get_object_or_404(Partner, pk=partner_id)
    rotated, secret = services.partner_rotate_inbound_secret(
        partner=partner, actor=Actor.for_user(request.user)
    )
    return _secret_page(
        request,
        title="Inbound secret rotated",
        owner=_inbound(rotated),
        secret=secret,
        back="/partners/partners/",
    )
