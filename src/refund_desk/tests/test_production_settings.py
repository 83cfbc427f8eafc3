"""Production settings: `check --deploy` is clean over HTTPS, every page says where its scripts, styles and
images may come from (this site only), and API answers are never cached."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from refund_desk.tests.world import World


def test_check_deploy_is_clean_over_https(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)  # the browser tests set it
    settings.DEBUG = False
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = settings.SECURE_HSTS_PRELOAD = True
    call_command("check", "--deploy", "--fail-level", "WARNING")  # raises SystemCheckError otherwise


def policy(response: Any) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part for part in (p.strip() for p in header.split(";")) if part}


@pytest.mark.parametrize("path", ["/accounts/login/", "/api/docs/", "/api/redoc/"])
def test_every_page_allows_only_its_own_assets(client: Client, db: None, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    directives = policy(response)
    assert directives["default-src"] == "default-src 'self'"
    assert directives["frame-ancestors"] == "frame-ancestors 'none'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    html = response.content.decode()
    assert not re.search(r"""(?:src|href)=["']https?://""", html), "an asset from another host"
    for tag in re.findall(r"<(?:script|style)(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>", html):
        # Every inline script or style carries this response's nonce.
        nonce = re.search(r"nonce=\"([^\"]+)\"", tag)
        assert nonce and f"'nonce-{nonce.group(1)}'" in response["Content-Security-Policy"], tag


def test_desk_pages_carry_the_policy(world: World) -> None:
    client = Client()
    client.force_login(world.people["agent"])
    response = client.get(f"/cases/{world.kwargs['case_id']}/")
    assert response.status_code == 200 and "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY" and response["Referrer-Policy"] == "same-origin"


def test_api_answers_are_never_cached(world: World) -> None:
    client = Client()
    client.force_login(world.people["agent"])
    assert client.get("/api/v1/cases/")["Cache-Control"] == "no-store"
    assert client.get("/api/v1/cases/999999/")["Cache-Control"] == "no-store"
    token = client.post(
        "/api/v1/auth/token/", {"username": "x", "password": "y"}, content_type="application/json"
    )
    assert token["Cache-Control"] == "no-store"
