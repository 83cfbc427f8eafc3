"""API tokens: issued on sign-in, shown once, stored only as a digest, expiring, limited per person."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import time_machine
from django.db import connection
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken

from refund_desk.api.tests.conftest import PASSWORD, make_user
from refund_desk.core.roles import Role


def obtain(client: Client, username: str) -> Any:
    body = json.dumps({"username": username, "password": PASSWORD})
    return client.post("/api/v1/auth/token/", body, content_type="application/json")


def test_a_token_is_shown_once_and_kept_only_as_a_digest(db: None) -> None:
    make_user("tomek", Role.AGENT)
    answer = obtain(Client(), "tomek")

    assert answer.status_code == 200 and answer["Cache-Control"] == "no-store"
    token = answer.json()["token"]
    stored = AuthToken.objects.get()
    assert token not in (stored.digest, stored.token_key) and len(stored.digest) == 128
    assert stored.expiry is not None and timedelta(days=29) < stored.expiry - timezone.now() <= timedelta(
        days=30
    )
    assert Client(HTTP_AUTHORIZATION=f"Token {token}").get("/api/v1/cases/").status_code == 200


def test_a_token_stops_working_when_it_expires(db: None) -> None:
    make_user("tomek", Role.AGENT)
    token = obtain(Client(), "tomek").json()["token"]
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert Client(HTTP_AUTHORIZATION=f"Token {token}").get("/api/v1/cases/").status_code == 401


def test_at_most_ten_live_tokens_per_person_the_oldest_go_first(db: None) -> None:
    make_user("tomek", Role.AGENT)
    tokens = [obtain(Client(), "tomek").json()["token"] for _ in range(11)]
    assert AuthToken.objects.count() == 10
    assert Client(HTTP_AUTHORIZATION=f"Token {tokens[0]}").get("/api/v1/cases/").status_code == 401
    assert Client(HTTP_AUTHORIZATION=f"Token {tokens[-1]}").get("/api/v1/cases/").status_code == 200


def test_no_table_of_plain_text_tokens_is_left(db: None) -> None:
    assert "authtoken_token" not in connection.introspection.table_names()
