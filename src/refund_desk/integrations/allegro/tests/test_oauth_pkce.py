"""Authorization-code flow with PKCE: the authorize URL, the S256 challenge and the code exchange."""

from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from refund_desk.integrations.allegro.emulator.app import EmulatorApp
from refund_desk.integrations.allegro.errors import OAuthError
from refund_desk.integrations.allegro.oauth import (
    OAuthClient,
    authorize_url,
    oauth_state,
    pkce_challenge,
    pkce_verifier,
)
from refund_desk.integrations.allegro.tests.conftest import EMULATOR_URL


def test_s256_challenge_matches_the_rfc_7636_example() -> None:
    # RFC 7636, appendix B.
    assert (
        pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


def test_verifier_is_long_random_and_unreserved() -> None:
    verifiers = {pkce_verifier() for _ in range(20)}
    assert len(verifiers) == 20
    for verifier in verifiers:
        assert 43 <= len(verifier) <= 128
        assert re.fullmatch(r"[A-Za-z0-9._~-]+", verifier)
        challenge = pkce_challenge(verifier)
        expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
        assert challenge == expected.decode()
        assert "=" not in challenge
    assert oauth_state() != oauth_state()


def test_authorize_url_carries_every_parameter() -> None:
    oauth = OAuthClient(base_url="https://allegro.pl/", client_id="cid", client_secret="secret")
    url = oauth.authorize_url(
        redirect_uri="https://desk.example/allegro/callback/?x=1", state="st", code_challenge="ch"
    )
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "allegro.pl", "/auth/oauth/authorize")
    assert parse_qs(parts.query) == {
        "response_type": ["code"],
        "client_id": ["cid"],
        "redirect_uri": ["https://desk.example/allegro/callback/?x=1"],
        "state": ["st"],
        "code_challenge": ["ch"],
        "code_challenge_method": ["S256"],
        "prompt": ["confirm"],
    }
    oauth.close()


def test_authorize_url_scope_and_no_prompt() -> None:
    url = authorize_url(
        "https://allegro.pl",
        client_id="cid",
        redirect_uri="https://desk.example/cb",
        state="st",
        code_challenge="ch",
        scope="allegro:api:orders:read",
        prompt=None,
    )
    query = parse_qs(urlsplit(url).query)
    assert "prompt" not in query
    assert query["scope"] == ["allegro:api:orders:read"]


def test_exchange_sends_basic_auth_and_the_verifier() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200, json={"access_token": "a", "refresh_token": "r", "expires_in": 3600, "scope": "s"}
        )

    oauth = OAuthClient(
        base_url="https://allegro.pl",
        client_id="cid",
        client_secret="secret",
        transport=httpx.MockTransport(handler),
    )
    pair = oauth.exchange_code("the-code", "https://desk.example/cb", code_verifier="the-verifier")
    oauth.close()

    assert (pair.access_token, pair.refresh_token, pair.scope) == ("a", "r", "s")
    (request,) = seen
    assert request.method == "POST"
    assert request.url.path == "/auth/oauth/token"
    assert dict(request.url.params) == {
        "grant_type": "authorization_code",
        "code": "the-code",
        "redirect_uri": "https://desk.example/cb",
        "code_verifier": "the-verifier",
    }
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"cid:secret").decode()


def test_round_trip_against_the_emulator(emulator: EmulatorApp, transport: httpx.WSGITransport) -> None:
    verifier = pkce_verifier()
    oauth = OAuthClient(
        base_url=EMULATOR_URL, client_id="refund-desk-emulator", client_secret="emulator", transport=transport
    )
    url = oauth.authorize_url(
        redirect_uri="http://desk.test/cb", state="s1", code_challenge=pkce_challenge(verifier)
    )
    with httpx.Client(transport=transport) as browser:
        redirect = browser.get(url)
    assert redirect.status_code == 302
    back = parse_qs(urlsplit(redirect.headers["Location"]).query)
    assert back["state"] == ["s1"]

    pair = oauth.exchange_code(back["code"][0], "http://desk.test/cb", code_verifier=verifier)
    assert pair.access_token and pair.refresh_token
    emulator.oauth.authenticate(pair.access_token)  # a token the emulator accepts
    with pytest.raises(OAuthError) as refused:  # codes are single use
        oauth.exchange_code(back["code"][0], "http://desk.test/cb", code_verifier=verifier)
    assert refused.value.error == "invalid_grant"
    oauth.close()
