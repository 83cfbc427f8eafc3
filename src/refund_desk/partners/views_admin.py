"""Management pages: webhook subscriptions and partners. Supervisors edit; auditors read.

A secret is shown in plain text only in the response to its creation or rotation (never stored in the
session or shown again): the page says so and the partner must copy it then.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from refund_desk.cases.actors import Actor
from refund_desk.core.errors import DomainError, ValidationFailed
from refund_desk.core.roles import Role, has_role
from refund_desk.partners import services
from refund_desk.partners.forms import PartnerForm, SubscriptionForm
from refund_desk.partners.models import Partner, WebhookSubscription


def _can_view(request: HttpRequest) -> bool:
    return has_role(request.user, Role.SUPERVISOR) or has_role(request.user, Role.AUDITOR)


def _can_edit(request: HttpRequest) -> bool:
    return has_role(request.user, Role.SUPERVISOR)


def _add_errors(form: SubscriptionForm | PartnerForm, exc: DomainError) -> None:
    if isinstance(exc, ValidationFailed):
        for path, message in exc.errors:
            field = path.split("[", 1)[0]
            form.add_error(field if field in form.fields else None, message)
    else:
        form.add_error(None, str(exc))


def _secret_page(request: HttpRequest, *, title: str, owner: str, secret: str, back: str) -> HttpResponse:
    response = render(
        request, "partners/secret.html", {"title": title, "owner": owner, "secret": secret, "back": back}
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def subscriptions(request: HttpRequest) -> HttpResponse:
    if not _can_view(request):
        return HttpResponseForbidden("supervisors and auditors only")
    rows = WebhookSubscription.objects.select_related("account", "partner").order_by("name", "pk")
    return render(
        request, "partners/subscriptions.html", {"subscriptions": rows, "can_edit": _can_edit(request)}
    )


@login_required
def subscription_create(request: HttpRequest) -> HttpResponse:
    if not _can_edit(request):
        return HttpResponseForbidden("supervisors only")
    form = SubscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            subscription = services.webhook_subscription_create(
                name=form.cleaned_data["name"],
                url=form.cleaned_data["url"],
                events=form.event_list(),
                account=form.cleaned_data["account"],
                partner=form.cleaned_data["partner"],
                actor=Actor.for_user(request.user),
            )
        except DomainError as exc:
            _add_errors(form, exc)
        else:
            return _secret_page(
                request,
                title="Webhook subscription created",
                owner=str(subscription),
                secret=subscription.secret,
                back="/partners/subscriptions/",
            )
    return render(request, "partners/subscription_form.html", {"form": form, "subscription": None})


@login_required
def subscription_edit(request: HttpRequest, subscription_id: int) -> HttpResponse:
    if not _can_edit(request):
        return HttpResponseForbidden("supervisors only")
    subscription = get_object_or_404(WebhookSubscription, pk=subscription_id)
    initial = {
        "name": subscription.name,
        "url": subscription.url,
        "events": ", ".join(subscription.events),
        "account": subscription.account_id,
        "partner": subscription.partner_id,
        "is_active": subscription.is_active,
    }
    form = SubscriptionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.webhook_subscription_update(
                subscription=subscription,
                actor=Actor.for_user(request.user),
                name=form.cleaned_data["name"],
                url=form.cleaned_data["url"],
                events=form.event_list(),
                account=form.cleaned_data["account"],
                partner=form.cleaned_data["partner"],
                is_active=form.cleaned_data["is_active"],
            )
        except DomainError as exc:
            _add_errors(form, exc)
        else:
            return redirect("partners:subscriptions")
    return render(request, "partners/subscription_form.html", {"form": form, "subscription": subscription})


@login_required
@require_POST
def subscription_disable(request: HttpRequest, subscription_id: int) -> HttpResponse:
    if not _can_edit(request):
        return HttpResponseForbidden("supervisors only")
    subscription = get_object_or_404(WebhookSubscription, pk=subscription_id)
    services.webhook_subscription_disable(subscription=subscription, actor=Actor.for_user(request.user))
    return redirect("partners:subscriptions")


@login_required
@require_POST
def subscription_rotate(request: HttpRequest, subscription_id: int) -> HttpResponse:
    if not _can_edit(request):
        return HttpResponseForbidden("supervisors only")
    subscription = get_object_or_404(WebhookSubscription, pk=subscription_id)
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


@login_required
def partners(request: HttpRequest) -> HttpResponse:
    if not _can_view(request):
        return HttpResponseForbidden("supervisors and auditors only")
    return render(
        request,
        "partners/partners.html",
        {"partners": Partner.objects.order_by("name"), "can_edit": _can_edit(request)},
    )


@login_required
def partner_create(request: HttpRequest) -> HttpResponse:
    if not _can_edit(request):
        return HttpResponseForbidden("supervisors only")
    form = PartnerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            partner, secret = services.partner_create(
                name=form.cleaned_data["name"],
                slug=form.cleaned_data["slug"],
                kind=form.cleaned_data["kind"],
                carrier_id=form.cleaned_data["carrier_id"],
                actor=Actor.for_user(request.user),
            )
        except DomainError as exc:
            _add_errors(form, exc)
        else:
            return _secret_page(
                request,
                title="Partner created",
                owner=f"{partner.name} — POST /partners/inbound/{partner.slug}/",
                secret=secret,
                back="/partners/partners/",
            )
    return render(request, "partners/partner_form.html", {"form": form, "partner": None})


@login_required
def partner_edit(request: HttpRequest, partner_id: int) -> HttpResponse:
    if not _can_edit(request):
        return HttpResponseForbidden("supervisors only")
    partner = get_object_or_404(Partner, pk=partner_id)
    initial = {
        "name": partner.name,
        "slug": partner.slug,
        "kind": partner.kind,
        "carrier_id": partner.carrier_id,
        "is_active": partner.is_active,
    }
    form = PartnerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.partner_update(
                partner=partner,
                actor=Actor.for_user(request.user),
                name=form.cleaned_data["name"],
                slug=form.cleaned_data["slug"],
                kind=form.cleaned_data["kind"],
                carrier_id=form.cleaned_data["carrier_id"],
                is_active=form.cleaned_data["is_active"],
            )
        except DomainError as exc:
            _add_errors(form, exc)
        else:
            return redirect("partners:partners")
    return render(request, "partners/partner_form.html", {"form": form, "partner": partner})


@login_required
@require_POST
def partner_rotate(request: HttpRequest, partner_id: int) -> HttpResponse:
    if not _can_edit(request):
        return HttpResponseForbidden("supervisors only")
    partner = get_object_or_404(Partner, pk=partner_id)
    rotated, secret = services.partner_rotate_inbound_secret(
        partner=partner, actor=Actor.for_user(request.user)
    )
    return _secret_page(
        request,
        title="Inbound secret rotated",
        owner=f"{rotated.name} — POST /partners/inbound/{rotated.slug}/",
        secret=secret,
        back="/partners/partners/",
    )
