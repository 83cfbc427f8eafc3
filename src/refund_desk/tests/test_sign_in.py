"""Sign-in throttling: guessing passwords stops after a few tries, on the form and on the token endpoint,
even when the right password finally comes; other logins and other addresses are not affected."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

PASSWORD = "the-right-password-1"


@pytest.fixture
def person(db: None, settings: Any) -> User:
    settings.AXES_FAILURE_LIMIT = 5
    return User.objects.create_user(username="ewa", password=PASSWORD)


def form(client: Client, password: str, username: str = "ewa") -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password})


def token(client: Client, password: str, username: str = "ewa") -> Any:
    body = json.dumps({"username": username, "password": password})
    return client.post("/api/v1/auth/token/", body, content_type="application/json")


def test_the_form_stops_after_five_wrong_passwords_even_for_the_right_one(person: User) -> None:
    client = Client()
    for _ in range(4):
        assert form(client, "guess").status_code == 200  # the form again, with its error
    locked = form(client, "guess")
    assert locked.status_code == 429 and "Too many wrong passwords" in locked.content.decode()

    right = form(client, PASSWORD)
    assert right.status_code == 429 and "_auth_user_id" not in client.session
    # Another address is not affected.
    other = Client(REMOTE_ADDR="10.9.9.9")
    assert form(other, PASSWORD).status_code == 302


def test_the_token_endpoint_stops_after_five_wrong_passwords(person: User) -> None:
    client = Client()
    for _ in range(5):
        assert token(client, "guess").status_code == 401
    refused = token(client, PASSWORD)
    assert refused.status_code == 429 and refused["Content-Type"].startswith("application/problem+json")
    assert int(refused["Retry-After"]) == 15 * 60
    assert "try again later" in refused.json()["detail"]


def test_the_form_and_the_token_endpoint_count_together(person: User) -> None:
    client = Client()
    for _ in range(3):
        form(client, "guess")
    for _ in range(2):
        token(client, "guess")
    assert token(client, PASSWORD).status_code == 429


def test_a_right_password_clears_the_count(person: User) -> None:
    client = Client()
    for _ in range(4):
        form(client, "guess")
    assert form(client, PASSWORD).status_code == 302
    fresh = Client()
    for _ in range(4):
        assert form(fresh, "guess").status_code == 200
    assert form(fresh, PASSWORD).status_code == 302
