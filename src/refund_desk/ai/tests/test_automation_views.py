"""/ai/: supervisors set each account's automation mode and threshold (audited); auditors only read."""

from __future__ import annotations

from typing import Any, cast

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from refund_desk.ai import selectors, services
from refund_desk.ai.models import AccountAutomation, AutomationChange
from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import ActorType
from refund_desk.cases.models import SellerAccount
from refund_desk.cases.tests.factories import make_user
from refund_desk.core.models import ChangeRequest, ChangeStatus
from refund_desk.core.roles import Role
from refund_desk.integrations.allegro.intake import account_get_or_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(db: Any) -> SellerAccount:
    return account_get_or_create(name="shop-modes")


def _login(client: Client, role: Role, name: str = "") -> Any:
    user = make_user(name or f"user-{role.value}", [role])
    client.force_login(cast(User, user))
    return user


def _confirmed_by_a_second_supervisor(client: Client) -> Any:
    """More automation waits for someone else: a second supervisor confirms it on the changes page."""
    change = ChangeRequest.objects.get(status=ChangeStatus.PENDING)
    second = _login(client, Role.SUPERVISOR, "second-supervisor")
    assert change.summary in client.get(reverse("desk:changes")).content.decode()
    assert client.post(reverse("desk:change_confirm", args=[change.pk])).status_code == 302
    change.refresh_from_db()
    assert change.status == ChangeStatus.APPLIED and change.decided_by == second
    return second


def test_supervisor_switches_mode_and_threshold_and_the_change_is_audited(
    client: Client, account: SellerAccount
) -> None:
    supervisor = _login(client, Role.SUPERVISOR)
    page = client.get(reverse("ai:index"))
    assert page.status_code == 200
    assert reverse("ai:automation", args=[account.pk]) in page.content.decode()

    response = client.post(
        reverse("ai:automation", args=[account.pk]), {"mode": "shadow", "risk_threshold": "0.2"}
    )

    assert response.status_code == 302
    assert selectors.automation_for(account.pk).mode == "off"  # not before a second person confirms
    assert not AutomationChange.objects.filter(account=account).exists()
    requested = ChangeRequest.objects.get()
    assert requested.requested_by == supervisor and requested.kind == "ai.automation"
    second = _confirmed_by_a_second_supervisor(client)
    assert selectors.automation_for(account.pk).mode == "shadow"
    assert selectors.automation_for(account.pk).risk_threshold == pytest.approx(0.2)
    change = AutomationChange.objects.get(account=account)
    assert change.actor_type == ActorType.USER
    assert change.actor_user == second
    assert change.actor_label == second.get_username()
    assert change.before == {"mode": "off", "risk_threshold": None}
    assert change.after == {"mode": "shadow", "risk_threshold": 0.2}
    assert change.created_at is not None
    assert "second-supervisor" in client.get(reverse("ai:index")).content.decode()


def test_empty_threshold_means_the_model_default(client: Client, account: SellerAccount) -> None:
    services.account_automation_set(account=account, mode="shadow", risk_threshold=0.3)
    _login(client, Role.SUPERVISOR)

    client.post(reverse("ai:automation", args=[account.pk]), {"mode": "live", "risk_threshold": ""})
    _confirmed_by_a_second_supervisor(client)

    row = AccountAutomation.objects.get(account=account)
    assert (row.mode, row.risk_threshold) == ("live", None)
    latest = AutomationChange.objects.filter(account=account).order_by("-id").first()
    assert latest is not None
    assert latest.before == {"mode": "shadow", "risk_threshold": 0.3}


def test_switching_automation_off_or_stricter_applies_at_once(client: Client, account: SellerAccount) -> None:
    services.account_automation_set(account=account, mode="live", risk_threshold=0.3)
    _login(client, Role.SUPERVISOR)
    client.post(reverse("ai:automation", args=[account.pk]), {"mode": "shadow", "risk_threshold": "0.1"})
    row = AccountAutomation.objects.get(account=account)
    assert (row.mode, row.risk_threshold) == ("shadow", 0.1)
    assert not ChangeRequest.objects.exists()


def test_the_person_who_asked_cannot_confirm_their_own_change(client: Client, account: SellerAccount) -> None:
    _login(client, Role.SUPERVISOR)
    client.post(reverse("ai:automation", args=[account.pk]), {"mode": "live", "risk_threshold": ""})
    change = ChangeRequest.objects.get()
    page = client.get(reverse("desk:changes")).content.decode()
    assert "another supervisor confirms it" in page
    assert reverse("desk:change_confirm", args=[change.pk]) not in page
    client.post(reverse("desk:change_confirm", args=[change.pk]))
    change.refresh_from_db()
    assert change.status == ChangeStatus.PENDING
    assert selectors.automation_for(account.pk).mode == "off"


@pytest.mark.parametrize("data", [{"mode": "turbo"}, {"mode": "live", "risk_threshold": "1.5"}])
def test_invalid_input_is_refused_and_nothing_changes(
    client: Client, account: SellerAccount, data: dict[str, str]
) -> None:
    _login(client, Role.SUPERVISOR)

    response = client.post(reverse("ai:automation", args=[account.pk]), data)

    assert response.status_code == 422
    assert selectors.automation_for(account.pk).mode == "off"
    assert not AutomationChange.objects.exists()


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.AGENT])
def test_auditors_and_agents_cannot_change_modes(client: Client, account: SellerAccount, role: Role) -> None:
    _login(client, role)

    response = client.post(reverse("ai:automation", args=[account.pk]), {"mode": "live"})

    assert response.status_code == 403
    assert selectors.automation_for(account.pk).mode == "off"
    assert not AutomationChange.objects.exists()


def test_auditor_sees_modes_and_changes_but_no_form(client: Client, account: SellerAccount) -> None:
    services.account_automation_set(account=account, mode="live", actor=Actor.system("cli"))
    _login(client, Role.AUDITOR)

    page = client.get(reverse("ai:index")).content.decode()

    assert "shop-modes" in page
    assert 'data-mode="live"' in page
    assert "cli" in page
    assert reverse("ai:automation", args=[account.pk]) not in page


def test_post_without_csrf_token_is_refused(account: SellerAccount) -> None:
    client = Client(enforce_csrf_checks=True)
    _login(client, Role.SUPERVISOR)

    response = client.post(reverse("ai:automation", args=[account.pk]), {"mode": "live"})

    assert response.status_code == 403
    assert selectors.automation_for(account.pk).mode == "off"


def test_setting_the_same_values_records_no_change(account: SellerAccount) -> None:
    services.account_automation_set(account=account, mode="shadow")
    services.account_automation_set(account=account, mode="shadow")

    assert AutomationChange.objects.filter(account=account).count() == 1


def test_change_records_are_append_only(account: SellerAccount) -> None:
    services.account_automation_set(account=account, mode="live")
    change = AutomationChange.objects.get(account=account)

    with pytest.raises(TypeError):
        change.save()
    with pytest.raises(TypeError):
        change.delete()
