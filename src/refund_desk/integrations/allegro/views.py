"""Desk pages of the Allegro integration: the accounts overview (supervisors; auditors read), connecting an
account through Allegro's authorization-code flow with PKCE, and "Sync now"."""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from django import forms
from django.conf import settings
from django.contrib import messages
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from refund_desk.cases.access import accounts_visible
from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import AccountEnvironment
from refund_desk.cases.models import SellerAccount
from refund_desk.core.errors import ValidationFailed
from refund_desk.core.permissions import Perm, has_perm, permission_required
from refund_desk.integrations.allegro.errors import AllegroError
from refund_desk.integrations.allegro.models import AllegroCredentials, SyncRun, SyncStream
from refund_desk.integrations.allegro.oauth import oauth_state, pkce_challenge, pkce_verifier
from refund_desk.integrations.allegro.services import (
    account_connect,
    account_sync_queue,
    client_for_account,
    oauth_client_for,
)

logger = logging.getLogger("refund_desk.integrations.allegro")

# Transport for the calls the callback makes (token exchange, /me). None = real HTTP; tests put the
# emulator's WSGI transport here.
TRANSPORT: httpx.BaseTransport | None = None

SESSION_KEY = "allegro_oauth_flows"
FLOW_TTL_SECONDS = 15 * 60
MAX_PENDING_FLOWS = 5


# --- reads ----------------------------------------------------------------------------------------------


@dataclass
class AccountRow:
    account: SellerAccount
    credentials: AllegroCredentials | None
    quarantined: int
    runs: list[tuple[str, str, SyncRun | None]] = field(default_factory=list)  # (stream, label, latest run)


def _stream_key(stream: str) -> str:
    return "last_run_" + stream.replace("-", "_")


def accounts_overview(*, viewer: Any) -> list[AccountRow]:
    """Every seller account with its credentials, unresolved quarantine count and latest run per stream.

    Two queries: accounts (latest run id per stream by an index-backed subquery), then those runs.
    """
    latest = {
        _stream_key(stream): Subquery(
            SyncRun.objects.filter(account=OuterRef("pk"), stream=stream)
            .order_by("-started_at", "-pk")
            .values("pk")[:1]
        )
        for stream in SyncStream.values
    }
    accounts = list(
        accounts_visible(viewer)
        .select_related("allegro_credentials")
        .annotate(
            quarantined_open=Count(
                "allegro_quarantine", filter=Q(allegro_quarantine__resolved_at__isnull=True)
            ),
            **latest,
        )
        .order_by("name")
    )
    run_ids = {getattr(a, key) for a in accounts for key in latest if getattr(a, key) is not None}
    runs = SyncRun.objects.in_bulk(list(run_ids))
    rows = []
    for account in accounts:
        try:
            credentials: AllegroCredentials | None = account.allegro_credentials
        except AllegroCredentials.DoesNotExist:
            credentials = None
        rows.append(
            AccountRow(
                account=account,
                credentials=credentials,
                quarantined=account.quarantined_open,  # type: ignore[attr-defined]
                runs=[
                    (stream, str(label), runs.get(getattr(account, _stream_key(stream)) or 0))
                    for stream, label in SyncStream.choices
                ],
            )
        )
    return rows


@permission_required(Perm.ACCOUNTS_READ)
def accounts(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "allegro/accounts.html",
        {
            "rows": accounts_overview(viewer=request.user),
            "streams": SyncStream.choices,
            "can_change": has_perm(request.user, Perm.ACCOUNTS_MANAGE),
        },
    )


# --- connecting (authorization code + PKCE) ------------------------------------------------------------


class ConnectForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Account name"), max_length=100)
    environment = forms.ChoiceField(
        label=gettext_lazy("Environment"),
        choices=AccountEnvironment.choices,
        initial=AccountEnvironment.PRODUCTION,
    )
    api_url = forms.URLField(
        label=gettext_lazy("API URL"),
        required=False,
        help_text=gettext_lazy("Required for the emulator; optional for the sandbox."),
        assume_scheme="https",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        environment = data.get("environment")
        if environment == AccountEnvironment.PRODUCTION:
            data["api_url"] = ""
        elif environment == AccountEnvironment.EMULATOR and not data.get("api_url"):
            self.add_error("api_url", _("An emulator account needs its API URL."))
        return data


def redirect_uri_for(request: HttpRequest) -> str:
    """The callback URL registered with Allegro (ALLEGRO_REDIRECT_URI overrides the one built from the request)."""
    configured = str(
        getattr(settings, "ALLEGRO_REDIRECT_URI", "") or os.environ.get("ALLEGRO_REDIRECT_URI", "")
    )
    return configured or request.build_absolute_uri(reverse("allegro:callback"))


def _pending_flows(request: HttpRequest) -> dict[str, dict[str, Any]]:
    flows = request.session.get(SESSION_KEY) or {}
    now = time.time()
    return {s: f for s, f in flows.items() if now - float(f.get("started", 0)) < FLOW_TTL_SECONDS}


@permission_required(Perm.ACCOUNTS_MANAGE)
def connect(request: HttpRequest) -> HttpResponse:
    """A supervisor names the account; the browser goes to Allegro's consent page and comes back to `callback`."""
    if request.method == "POST":
        form = ConnectForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            draft = SellerAccount(name=data["name"], environment=data["environment"], api_url=data["api_url"])
            try:
                oauth = oauth_client_for(draft)
            except (ValidationFailed, ValueError) as exc:
                form.add_error(None, str(exc))
            else:
                try:
                    state, verifier = oauth_state(), pkce_verifier()
                    redirect_uri = redirect_uri_for(request)
                    url = oauth.authorize_url(
                        redirect_uri=redirect_uri, state=state, code_challenge=pkce_challenge(verifier)
                    )
                finally:
                    oauth.close()
                flows = _pending_flows(request)
                while len(flows) >= MAX_PENDING_FLOWS:
                    flows.pop(min(flows, key=lambda s: float(flows[s]["started"])))
                flows[state] = {
                    "name": data["name"],
                    "environment": data["environment"],
                    "api_url": data["api_url"],
                    "code_verifier": verifier,
                    "redirect_uri": redirect_uri,
                    "started": time.time(),
                }
                request.session[SESSION_KEY] = flows
                return redirect(url)
    else:
        form = ConnectForm(
            initial={
                key: request.GET[key] for key in ("name", "environment", "api_url") if request.GET.get(key)
            }
        )
    return render(request, "allegro/connect.html", {"form": form})


@permission_required(Perm.ACCOUNTS_MANAGE)
def callback(request: HttpRequest) -> HttpResponse:
    """Allegro sends the browser back here with `code` and `state` (or `error`)."""
    state = request.GET.get("state", "")
    flows = _pending_flows(request)
    flow = flows.pop(state, None) if state else None
    request.session[SESSION_KEY] = flows
    if flow is None:
        messages.error(
            request, _("The Allegro authorization did not match a connection started here; try again.")
        )
        return redirect("allegro:accounts")
    if request.GET.get("error"):
        messages.error(
            request,
            _("Allegro did not authorize the account %(name)s: %(error)s")
            % {"name": flow["name"], "error": request.GET.get("error_description") or request.GET["error"]},
        )
        return redirect("allegro:accounts")
    code = request.GET.get("code", "")
    if not code:
        messages.error(request, _("Allegro sent no authorization code; try again."))
        return redirect("allegro:accounts")
    draft = SellerAccount(name=flow["name"], environment=flow["environment"], api_url=flow["api_url"])
    try:
        oauth = oauth_client_for(draft, transport=TRANSPORT)
        try:
            tokens = oauth.exchange_code(code, flow["redirect_uri"], code_verifier=flow["code_verifier"])
        finally:
            oauth.close()
        account = account_connect(
            name=flow["name"],
            environment=flow["environment"],
            api_url=flow["api_url"],
            tokens=tokens,
            actor=Actor.for_user(request.user),
        )
    except (AllegroError, ValidationFailed, ValueError) as exc:
        logger.warning("connecting Allegro account %s failed: %s", flow["name"], exc)
        messages.error(
            request, _("Connecting %(name)s failed: %(error)s") % {"name": flow["name"], "error": exc}
        )
        return redirect("allegro:accounts")
    _record_seller(account)
    messages.success(request, _("Allegro account %(name)s is connected.") % {"name": account.name})
    return redirect("allegro:accounts")


def _record_seller(account: SellerAccount) -> None:
    """Best effort: remember the Allegro user behind the token (a token without profile scope still works)."""
    try:
        with client_for_account(account, transport=TRANSPORT) as client:
            me = client.me()
    except AllegroError as exc:
        logger.info("could not read /me for %s: %s", account.name, exc)
        return
    SellerAccount.objects.filter(pk=account.pk).update(allegro_user_id=me.id, allegro_login=me.login)


@permission_required(Perm.ACCOUNTS_MANAGE)
@require_POST
def sync_now(request: HttpRequest, account_id: int) -> HttpResponse:
    account = get_object_or_404(accounts_visible(request.user), pk=account_id)
    credentials = AllegroCredentials.objects.filter(account=account).first()
    if not account.is_active or credentials is None or not credentials.can_call():
        messages.error(request, _("%(name)s is not connected; reconnect it first.") % {"name": account.name})
        return redirect("allegro:accounts")
    account_sync_queue(account=account)
    messages.success(request, _("A sync of %(name)s was queued.") % {"name": account.name})
    return redirect("allegro:accounts")
