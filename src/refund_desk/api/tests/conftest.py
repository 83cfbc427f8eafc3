"""Fixtures for API tests: staff users per role with tokens, and cases imported through the intake service."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from knox.models import AuthToken
from rest_framework.test import APIClient

from refund_desk.ai.synthetic.casefiles import generate_case_files
from refund_desk.cases.models import AccountMembership, RefundCase
from refund_desk.core.roles import Role
from refund_desk.integrations.allegro.intake import account_get_or_create, cases_import

PASSWORD = "correct horse battery staple"
FIXED_NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)

ClientFor = Callable[[AbstractBaseUser], APIClient]


def make_user(username: str, *roles: Role) -> Any:
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    AccountMembership.objects.create(user=user, account=None)  # an in-house team: every account
    for role in roles:
        group, _ = Group.objects.get_or_create(name=role.value)
        user.groups.add(group)
    return user


@pytest.fixture
def agent(db: None) -> Any:
    return make_user("agnes", Role.AGENT)


@pytest.fixture
def supervisor(db: None) -> Any:
    return make_user("sam", Role.SUPERVISOR)


@pytest.fixture
def auditor(db: None) -> Any:
    return make_user("audrey", Role.AUDITOR)


@pytest.fixture
def client_for(db: None) -> ClientFor:
    def build(user: AbstractBaseUser) -> APIClient:
        _instance, token = AuthToken.objects.create(user=user)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client

    return build


@pytest.fixture
def agent_client(agent: Any, client_for: ClientFor) -> APIClient:
    return client_for(agent)


@pytest.fixture
def anonymous_client() -> APIClient:
    return APIClient()


def case_files(count: int, *, seed: int = 7, now: datetime = FIXED_NOW) -> list[dict[str, Any]]:
    """Valid Allegro case files from the demo generator (deep copies, safe to mutate)."""
    return [copy.deepcopy(f) for f in generate_case_files(count, seed=seed, now=now)]


def import_files(files: list[dict[str, Any]], account: str = "default") -> list[RefundCase]:
    """Import case files through the intake service; returns the cases in file order."""
    summary = cases_import(items=files, account=account_get_or_create(name=account))
    ids = [result.case_id for result in summary.results]
    assert all(ids), summary.to_json()
    by_id = RefundCase.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i is not None]


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem with `status`; returns its body."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    for key in ("type", "title", "detail", "instance"):
        assert isinstance(body[key], str) and body[key], key
    return body


def error_fields(body: dict[str, Any]) -> set[str]:
    return {error["field"] for error in body.get("errors", [])}
