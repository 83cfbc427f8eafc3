"""Every error is RFC 9457 problem details; plus the token endpoint and authentication."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from refund_desk.api import problems
from refund_desk.api.tests.conftest import PASSWORD, ClientFor, assert_problem, make_user
from refund_desk.core.roles import Role

TOKEN_URL = "/api/v1/auth/token/"


def test_token_is_obtained_with_username_and_password(agent: Any, db: None) -> None:
    client = APIClient()

    response = client.post(TOKEN_URL, {"username": "agnes", "password": PASSWORD}, format="json")

    assert response.status_code == 200
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/cases/").status_code == 200


def test_wrong_password_is_a_401_problem(agent: Any, db: None) -> None:
    response = APIClient().post(TOKEN_URL, {"username": "agnes", "password": "guess"}, format="json")

    body = assert_problem(response, 401)
    assert "Unable to log in" in body["detail"] and response["WWW-Authenticate"] == "Token"
    assert "token" not in body


def test_a_missing_password_is_a_400_problem_naming_it(agent: Any, db: None) -> None:
    response = APIClient().post(TOKEN_URL, {"username": "agnes"}, format="json")

    body = assert_problem(response, 400)
    assert body["errors"][0]["field"] == "password"


def test_bad_token_is_a_401_problem(db: None) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = client.get("/api/v1/cases/")

    body = assert_problem(response, 401)
    assert response["WWW-Authenticate"] == "Token"
    assert "token" in body["detail"].lower()


def test_user_without_a_desk_role_is_forbidden(client_for: ClientFor, db: None) -> None:
    outsider = make_user("outsider")

    body = assert_problem(client_for(outsider).get("/api/v1/cases/"), 403)

    assert "role" in body["detail"]


def test_unknown_api_path_is_a_404_problem(agent_client: APIClient, db: None) -> None:
    body = assert_problem(agent_client.get("/api/v1/refunds/"), 404)

    assert body["instance"] == "/api/v1/refunds/"


def test_missing_trailing_slash_is_a_404_problem_with_a_hint(agent_client: APIClient, db: None) -> None:
    body = assert_problem(agent_client.post("/api/v1/cases/import", {}, format="json"), 404)

    assert "/api/v1/cases/import/" in body["detail"]


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("delete", "/api/v1/cases/", "GET"),
        ("put", "/api/v1/cases/1/", "GET"),
        ("get", "/api/v1/cases/import/", "POST"),
        ("get", "/api/v1/cases/1/transitions/", "POST"),
    ],
)
def test_wrong_method_is_a_405_problem(
    agent_client: APIClient, db: None, method: str, path: str, allowed: str
) -> None:
    response = getattr(agent_client, method)(path)

    body = assert_problem(response, 405)
    assert allowed in response["Allow"]
    assert method.upper() in body["detail"]


def test_problem_content_type_even_when_client_accepts_only_json(agent_client: APIClient, db: None) -> None:
    response = agent_client.get("/api/v1/cases/0/", HTTP_ACCEPT="application/json")

    assert_problem(response, 404)


def test_unacceptable_media_type_is_a_406_problem(agent_client: APIClient, db: None) -> None:
    assert_problem(agent_client.get("/api/v1/cases/", HTTP_ACCEPT="text/csv"), 406)


def test_unexpected_error_is_a_500_problem_without_internals(
    agent_client: APIClient, db: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(**kwargs: Any) -> None:
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr("refund_desk.api.views.case_queue", explode)

    response = agent_client.get("/api/v1/cases/")

    body = assert_problem(response, 500)
    assert body["type"] == "about:blank"
    assert body["title"] == "Internal Server Error"
    assert "hunter2" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert "hunter2" in caplog.text  # logged for operators


def test_flatten_errors_builds_field_paths() -> None:
    detail = {
        "items": [{}, {"quantity": ["must be positive"]}],
        "non_field_errors": ["bad body"],
        "to": ["required"],
    }

    assert list(problems.flatten_errors(detail)) == [
        ("items[1].quantity", "must be positive"),
        ("body", "bad body"),
        ("to", "required"),
    ]


def test_agent_role_via_admin_group_may_write(client_for: ClientFor, db: None) -> None:
    admin = make_user("ada", Role.ADMIN)

    response = client_for(admin).post("/api/v1/cases/import/", [], format="json")

    # Past the permission check: the empty array itself is what is refused.
    body = assert_problem(response, 400)
    assert body["errors"][0]["field"] == "body"
