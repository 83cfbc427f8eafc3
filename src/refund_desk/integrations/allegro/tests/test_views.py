"""/allegro/: the accounts overview, connecting through the authorization-code flow (PKCE) against the
in-process emulator, "Sync now", and the reconnect banner."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from refund_desk.cases.models import SellerAccount
from refund_desk.cases.tests.factories import make_user
from refund_desk.core import effects
from refund_desk.core.permissions import user_permissions
from refund_desk.core.roles import Role
from refund_desk.integrations.allegro import views
from refund_desk.integrations.allegro.context import allegro_banner
from refund_desk.integrations.allegro.emulator.app import EmulatorApp
from refund_desk.integrations.allegro.models import (
    AllegroCredentials,
    CredentialStatus,
    QuarantinedItem,
    SyncRun,
    SyncRunStatus,
    SyncStream,
)
from refund_desk.integrations.allegro.oauth import TokenPair, pkce_challenge
from refund_desk.integrations.allegro.services import account_connect, credentials_mark_needs_reconnect
from refund_desk.integrations.allegro.tests.conftest import EMULATOR_URL

pytestmark = [pytest.mark.django_db]


def _login(desk: Client, role: Role) -> Any:
    user = make_user(f"user-{role.value}", [role])
    desk.force_login(cast(User, user))
    return user


def _tokens(hours: int = 12) -> TokenPair:
    return TokenPair(
        access_token="access", refresh_token="refresh", expires_at=datetime.now(UTC) + timedelta(hours=hours)
    )


@pytest.fixture
def desk() -> Client:
    """Django's test client (this package's conftest names its Allegro client `client`)."""
    return Client()


@pytest.fixture
def shop(db: Any) -> SellerAccount:
    return account_connect(name="shop-a", environment="emulator", api_url=EMULATOR_URL, tokens=_tokens())


@pytest.fixture
def via_emulator(transport: httpx.WSGITransport, monkeypatch: pytest.MonkeyPatch) -> httpx.WSGITransport:
    monkeypatch.setattr(views, "TRANSPORT", transport)
    return transport


@pytest.fixture
def seller(transport: httpx.WSGITransport) -> Iterator[httpx.Client]:
    with httpx.Client(transport=transport) as client:
        yield client


# --- access --------------------------------------------------------------------------------------------


def test_agents_get_403_everywhere(desk: Client, shop: SellerAccount) -> None:
    _login(desk, Role.AGENT)
    assert desk.get(reverse("allegro:accounts")).status_code == 403
    assert desk.get(reverse("allegro:connect")).status_code == 403
    assert desk.get(reverse("allegro:callback"), {"state": "x", "code": "y"}).status_code == 403
    assert desk.post(reverse("allegro:sync", args=[shop.pk])).status_code == 403


def test_anonymous_users_are_sent_to_login(desk: Client) -> None:
    response = desk.get(reverse("allegro:accounts"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_auditor_reads_but_cannot_change(
    desk: Client, shop: SellerAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    queued: list[int] = []
    monkeypatch.setitem(effects.TASKS, "allegro.sync_account", queued.append)
    _login(desk, Role.AUDITOR)
    page = desk.get(reverse("allegro:accounts"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "shop-a" in html
    assert reverse("allegro:sync", args=[shop.pk]) not in html
    assert reverse("allegro:connect") not in html
    assert desk.get(reverse("allegro:connect")).status_code == 403
    assert desk.post(reverse("allegro:connect"), {"name": "x", "environment": "emulator"}).status_code == 403
    assert desk.post(reverse("allegro:sync", args=[shop.pk])).status_code == 403
    assert queued == []


# --- overview ------------------------------------------------------------------------------------------


def test_overview_shows_status_expiry_last_runs_and_quarantine(desk: Client, shop: SellerAccount) -> None:
    other = account_connect(name="shop-b", environment="sandbox", tokens=_tokens())
    credentials_mark_needs_reconnect(account=other, reason="token refresh refused: invalid_grant")
    t0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    SyncRun.objects.create(
        account=shop,
        stream=SyncStream.CUSTOMER_RETURNS,
        started_at=t0,
        finished_at=t0,
        status=SyncRunStatus.SUCCEEDED,
        items_seen=1,
        created=1,
    )
    latest = SyncRun.objects.create(
        account=shop,
        stream=SyncStream.CUSTOMER_RETURNS,
        started_at=t0 + timedelta(minutes=1),
        finished_at=t0 + timedelta(minutes=2),
        status=SyncRunStatus.SUCCEEDED,
        items_seen=17,
        created=5,
        updated=3,
        errors=2,
    )
    SyncRun.objects.create(
        account=shop, stream=SyncStream.ISSUES, started_at=t0, status=SyncRunStatus.FAILED, message="boom"
    )
    QuarantinedItem.objects.create(account=shop, stream=SyncStream.CUSTOMER_RETURNS, payload={}, reason="bad")
    QuarantinedItem.objects.create(account=shop, stream=SyncStream.ISSUES, payload={}, reason="bad")
    QuarantinedItem.objects.create(
        account=shop, stream=SyncStream.ISSUES, payload={}, reason="old", resolved_at=t0
    )

    rows = {
        row.account.name: row for row in views.accounts_overview(viewer=make_user("viewer", [Role.ADMIN]))
    }
    assert rows["shop-a"].quarantined == 2
    assert rows["shop-b"].quarantined == 0
    runs = {stream: run for stream, _, run in rows["shop-a"].runs}
    assert runs[SyncStream.CUSTOMER_RETURNS] == latest
    issues = runs[SyncStream.ISSUES]
    assert issues is not None
    assert issues.status == SyncRunStatus.FAILED
    assert runs[SyncStream.MESSAGES] is None
    assert all(run is None for _, _, run in rows["shop-b"].runs)

    _login(desk, Role.SUPERVISOR)
    html = desk.get(reverse("allegro:accounts")).content.decode()
    assert "Emulator" in html and "Sandbox" in html
    assert "Needs reconnect" in html and "token refresh refused: invalid_grant" in html
    assert "Never synced" in html
    finished = timezone.localtime(t0 + timedelta(minutes=2))  # of the latest customer-returns run
    assert finished.strftime("%Y-%m-%d %H:%M:%S") in html
    assert ">17<" in html and ">5<" in html and ">3<" in html
    assert reverse("allegro:sync", args=[shop.pk]) in html
    assert reverse("allegro:sync", args=[other.pk]) not in html  # needs reconnect: no sync button
    expires = AllegroCredentials.objects.get(account=shop).expires_at
    assert expires is not None
    assert timezone.localtime(expires).strftime("%Y-%m-%dT%H:%M") in html


def test_overview_query_count_does_not_grow_with_accounts(
    desk: Client, django_assert_max_num_queries: Any
) -> None:
    for i in range(6):
        account = account_connect(name=f"shop-{i}", environment="sandbox", tokens=_tokens())
        for stream in SyncStream.values:
            SyncRun.objects.create(account=account, stream=stream, status=SyncRunStatus.SUCCEEDED)
    viewer = make_user("viewer", [Role.ADMIN])
    user_permissions(viewer)  # as on the page: its permission check has read the viewer's roles
    with django_assert_max_num_queries(2):
        rows = views.accounts_overview(viewer=viewer)
    assert len(rows) == 6
    assert all(run is not None for row in rows for _, _, run in row.runs)


# --- connecting ----------------------------------------------------------------------------------------


def _start_connect(desk: Client, **data: str) -> dict[str, list[str]]:
    response = desk.post(reverse("allegro:connect"), data)
    assert response.status_code == 302, response.content.decode()
    url = urlsplit(response["Location"])
    assert f"{url.scheme}://{url.netloc}" == EMULATOR_URL
    assert url.path == "/auth/oauth/authorize"
    return parse_qs(url.query)


def test_connect_redirects_to_authorize_and_callback_connects_the_account(
    desk: Client, via_emulator: httpx.WSGITransport, seller: httpx.Client, emulator: EmulatorApp
) -> None:
    _login(desk, Role.SUPERVISOR)
    assert desk.get(reverse("allegro:connect")).status_code == 200
    query = _start_connect(desk, name="shop-new", environment="emulator", api_url=EMULATOR_URL)

    flow = desk.session[views.SESSION_KEY][query["state"][0]]
    assert query["response_type"] == ["code"]
    assert query["client_id"] == ["refund-desk-emulator"]
    assert query["redirect_uri"] == ["http://testserver" + reverse("allegro:callback")]
    assert query["code_challenge_method"] == ["S256"]
    assert query["prompt"] == ["confirm"]
    assert query["code_challenge"] == [pkce_challenge(flow["code_verifier"])]
    assert len(query["state"][0]) >= 32

    # The seller's seller at Allegro (the emulator auto-approves) and back to the desk.
    at_allegro = seller.get(
        f"{EMULATOR_URL}/auth/oauth/authorize", params={k: v[0] for k, v in query.items()}
    )
    assert at_allegro.status_code == 302
    back = urlsplit(at_allegro.headers["Location"])
    assert back.path == reverse("allegro:callback")
    response = desk.get(back.path, parse_qs(back.query))

    assert response.status_code == 302
    assert response["Location"] == reverse("allegro:accounts")
    account = SellerAccount.objects.get(name="shop-new")
    assert (account.environment, account.api_url) == ("emulator", EMULATOR_URL)
    assert account.allegro_login and account.allegro_user_id  # read from the emulator's /me
    credentials = AllegroCredentials.objects.get(account=account)
    assert credentials.status == CredentialStatus.CONNECTED
    assert emulator.oauth.authenticate(credentials.access_token)  # the emulator's own token, stored
    assert credentials.refresh_token
    assert views.SESSION_KEY in desk.session and not desk.session[views.SESSION_KEY]
    assert any("is connected" in str(m) for m in get_messages(response.wsgi_request))
    # The callback cannot be replayed: the state was used up.
    replay = desk.get(back.path, parse_qs(back.query))
    assert replay.status_code == 302
    assert any("did not match" in str(m) for m in get_messages(replay.wsgi_request))


def test_reconnect_clears_needs_reconnect(
    desk: Client, shop: SellerAccount, via_emulator: httpx.WSGITransport, seller: httpx.Client
) -> None:
    credentials_mark_needs_reconnect(account=shop, reason="refresh refused")
    _login(desk, Role.SUPERVISOR)
    form = desk.get(
        reverse("allegro:connect"), {"name": "shop-a", "environment": "emulator", "api_url": EMULATOR_URL}
    )
    assert 'value="shop-a"' in form.content.decode()
    query = _start_connect(desk, name="shop-a", environment="emulator", api_url=EMULATOR_URL)
    back = urlsplit(
        seller.get(
            f"{EMULATOR_URL}/auth/oauth/authorize", params={k: v[0] for k, v in query.items()}
        ).headers["Location"]
    )
    desk.get(back.path, parse_qs(back.query))

    credentials = AllegroCredentials.objects.get(account=shop)
    assert credentials.status == CredentialStatus.CONNECTED
    assert credentials.status_reason == ""
    assert credentials.access_token != "access"
    assert SellerAccount.objects.filter(name="shop-a").count() == 1


def test_callback_with_a_foreign_state_connects_nothing(
    desk: Client, via_emulator: httpx.WSGITransport, seller: httpx.Client
) -> None:
    _login(desk, Role.SUPERVISOR)
    query = _start_connect(desk, name="shop-x", environment="emulator", api_url=EMULATOR_URL)
    forged = {**{k: v[0] for k, v in query.items()}, "state": "forged"}
    back = urlsplit(seller.get(f"{EMULATOR_URL}/auth/oauth/authorize", params=forged).headers["Location"])

    response = desk.get(back.path, parse_qs(back.query))

    assert response.status_code == 302
    assert not SellerAccount.objects.filter(name="shop-x").exists()
    assert any("did not match" in str(m) for m in get_messages(response.wsgi_request))


def test_callback_reports_allegro_refusals(desk: Client, via_emulator: httpx.WSGITransport) -> None:
    _login(desk, Role.SUPERVISOR)
    state = _start_connect(desk, name="shop-x", environment="emulator", api_url=EMULATOR_URL)["state"][0]
    denied = desk.get(reverse("allegro:callback"), {"state": state, "error": "access_denied"})
    assert any("access_denied" in str(m) for m in get_messages(denied.wsgi_request))

    state = _start_connect(desk, name="shop-x", environment="emulator", api_url=EMULATOR_URL)["state"][0]
    bad_code = desk.get(reverse("allegro:callback"), {"state": state, "code": "not-a-code"})
    assert bad_code.status_code == 302
    assert any("invalid_grant" in str(m) for m in get_messages(bad_code.wsgi_request))
    assert not SellerAccount.objects.filter(name="shop-x").exists()


def test_connect_form_validation(desk: Client, settings: Any) -> None:
    settings.ALLEGRO_CLIENT_ID = ""
    _login(desk, Role.SUPERVISOR)
    missing_url = desk.post(reverse("allegro:connect"), {"name": "e", "environment": "emulator"})
    assert missing_url.status_code == 200
    assert "needs its API URL" in missing_url.content.decode()
    no_client = desk.post(reverse("allegro:connect"), {"name": "p", "environment": "production"})
    assert no_client.status_code == 200
    assert "ALLEGRO_CLIENT_ID" in no_client.content.decode()


def test_production_authorize_url_goes_to_allegro(desk: Client, settings: Any) -> None:
    settings.ALLEGRO_CLIENT_ID = "prod-client"
    settings.ALLEGRO_CLIENT_SECRET = "prod-secret"
    settings.ALLEGRO_REDIRECT_URI = "https://desk.example.com/allegro/callback/"
    _login(desk, Role.SUPERVISOR)
    response = desk.post(
        reverse("allegro:connect"),
        {"name": "p", "environment": "production", "api_url": "http://ignored.test"},
    )
    url = urlsplit(response["Location"])
    assert (url.netloc, url.path) == ("allegro.pl", "/auth/oauth/authorize")
    query = parse_qs(url.query)
    assert query["client_id"] == ["prod-client"]
    assert query["redirect_uri"] == ["https://desk.example.com/allegro/callback/"]
    assert desk.session[views.SESSION_KEY][query["state"][0]]["api_url"] == ""
    assert "prod-secret" not in response["Location"]


# --- sync now ------------------------------------------------------------------------------------------


def test_sync_now_enqueues_the_task(
    desk: Client, shop: SellerAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    queued: list[int] = []
    monkeypatch.setitem(effects.TASKS, "allegro.sync_account", queued.append)
    _login(desk, Role.SUPERVISOR)
    assert desk.get(reverse("allegro:sync", args=[shop.pk])).status_code == 405
    response = desk.post(reverse("allegro:sync", args=[shop.pk]))
    assert response.status_code == 302
    assert queued == [shop.pk]

    credentials_mark_needs_reconnect(account=shop, reason="gone")
    desk.post(reverse("allegro:sync", args=[shop.pk]))
    assert queued == [shop.pk]
    assert desk.post(reverse("allegro:sync", args=[999999])).status_code == 404


# --- banner --------------------------------------------------------------------------------------------


def test_banner_lists_accounts_needing_reconnect_for_staff_only(
    shop: SellerAccount, django_assert_num_queries: Any
) -> None:
    rf = RequestFactory()
    request = rf.get("/")
    request.user = cast(User, make_user("agent-banner", [Role.AGENT]))
    banner = allegro_banner(request)["allegro_banner"]
    assert not banner

    credentials_mark_needs_reconnect(account=shop, reason="refresh token refused")
    request.user = cast(User, make_user("agent-banner-2", [Role.AGENT]))
    banner = allegro_banner(request)["allegro_banner"]
    with django_assert_num_queries(1):
        html = render_to_string("allegro/_banner.html", {"allegro_banner": banner})
    assert "shop-a" in html and "refresh token refused" in html
    assert "Ask a supervisor" in html

    request.user = cast(User, make_user("sup-banner", [Role.SUPERVISOR]))
    html = render_to_string(
        "allegro/_banner.html", {"allegro_banner": allegro_banner(request)["allegro_banner"]}
    )
    assert reverse("allegro:accounts") in html

    request.user = cast(User, make_user("no-role"))
    assert allegro_banner(request) == {"allegro_banner": None}
    assert render_to_string("allegro/_banner.html", {"allegro_banner": None}).strip() == ""
