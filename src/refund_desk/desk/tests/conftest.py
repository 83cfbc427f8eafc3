"""Fixtures of the desk tests: staff clients per role and a case in a given status."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client

from refund_desk.desk.tests.factories import UserFactory


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    def make(*roles: str, username: str | None = None) -> User:
        kwargs = {"username": username} if username else {}
        return UserFactory.create(roles=list(roles), **kwargs)

    return make


def _client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def agent(make_user: Callable[..., User]) -> User:
    return make_user("agent", username="agnieszka")


@pytest.fixture
def supervisor(make_user: Callable[..., User]) -> User:
    return make_user("supervisor", username="sabina")


@pytest.fixture
def auditor(make_user: Callable[..., User]) -> User:
    return make_user("auditor", username="artur")


@pytest.fixture
def agent_client(agent: User) -> Client:
    return _client_for(agent)


@pytest.fixture
def supervisor_client(supervisor: User) -> Client:
    return _client_for(supervisor)


@pytest.fixture
def auditor_client(auditor: User) -> Client:
    return _client_for(auditor)
