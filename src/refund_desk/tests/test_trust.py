"""Who may do what, tried the way the trust review did: the team page, account scoping, four-eyes changes,
redirects that stay on this host, and no Django admin."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from knox.models import AuthToken

from refund_desk.cases.actors import Actor
from refund_desk.cases.models import AccountMembership
from refund_desk.cases.team import member_access
from refund_desk.core.models import AuditRecord, ChangeRequest
from refund_desk.core.roles import Role
from refund_desk.payments.models import AccountPaymentSettings
from refund_desk.payments.services import payment_settings_set
from refund_desk.tests.world import World


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def fresh(user: User) -> User:
    """The person as stored now (roles are cached on a loaded user)."""
    return User.objects.get(pk=user.pk)


def assigned(user: User) -> frozenset[Role]:
    return member_access(user).roles


def audit_actions() -> list[str]:
    return list(AuditRecord.objects.order_by("pk").values_list("action", flat=True))


# --- the team page -----------------------------------------------------------------------------------


def test_admin_adds_a_person_who_can_sign_in_with_the_password_shown_once(world: World) -> None:
    admin = client_of(world.people["admin"])

    page = admin.post(
        "/team/new/",
        {
            "username": "kasia",
            "email": "kasia@example.pl",
            "roles": ["agent"],
            "accounts": [world.account.pk],
        },
    )

    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    person = User.objects.get(username="kasia")
    assert assigned(fresh(person)) == {Role.AGENT}
    assert list(AccountMembership.objects.filter(user=person).values_list("account_id", flat=True)) == [
        world.account.pk
    ]
    password = page.context["secret"]
    assert password in page.content.decode() and person.check_password(password)
    assert Client().login(username="kasia", password=password)
    assert audit_actions()[-1] == "team.member_created"


def test_admin_changes_roles_deactivates_and_the_token_stops_working(world: World) -> None:
    admin = client_of(world.people["admin"])
    agent = world.people["agent"]
    token_row, token = AuthToken.objects.create(user=agent)

    response = admin.post(f"/team/{agent.pk}/", {"roles": ["auditor"], "accounts": [world.account.pk]})

    assert response.status_code == 302
    agent = fresh(agent)
    assert assigned(agent) == {Role.AUDITOR} and not agent.is_active
    assert not AuthToken.objects.filter(pk=token_row.pk).exists()
    api = Client(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/cases/").status_code == 401
    change = AuditRecord.objects.get(action="team.member_changed")
    assert change.before is not None and change.before["roles"] == ["agent"]
    assert change.after == {
        "username": "matrix-agent",
        "active": False,
        "roles": ["auditor"],
        "accounts": [world.account.pk],
    }


def test_reset_token_revokes_the_old_one_and_shows_the_new_one_once(world: World) -> None:
    admin = client_of(world.people["admin"])
    agent = world.people["agent"]
    old_row, old = AuthToken.objects.create(user=agent)

    page = admin.post(f"/team/{agent.pk}/token/")

    new = page.context["secret"]
    assert new != old and new in page.content.decode()
    assert not AuthToken.objects.filter(pk=old_row.pk).exists()
    assert AuthToken.objects.filter(user=agent).count() == 1
    assert Client(HTTP_AUTHORIZATION=f"Token {old}").get("/api/v1/cases/").status_code == 401
    assert Client(HTTP_AUTHORIZATION=f"Token {new}").get("/api/v1/cases/").status_code == 200
    assert audit_actions()[-1] == "team.token_reset"


def test_a_lead_manages_agents_of_their_accounts_only(world: World) -> None:
    lead = client_of(world.people["supervisor"])
    outsider_lead = client_of(world.people["outsider"])
    agent = world.people["agent"]

    made = lead.post("/team/new/", {"username": "nowy", "roles": ["agent"], "accounts": [world.account.pk]})
    assert made.status_code == 200 and User.objects.filter(username="nowy").exists()

    refused = lead.post("/team/new/", {"username": "szef", "roles": ["supervisor"], "accounts": []})
    assert refused.status_code == 200 and not User.objects.filter(username="szef").exists()
    assert "Select a valid choice" in refused.content.decode()  # the role is not even offered

    # Another account's lead does not see this team's people at all.
    assert outsider_lead.get(f"/team/{agent.pk}/").status_code == 404
    assert "matrix-agent" not in outsider_lead.get("/team/").content.decode()
    assert outsider_lead.post(f"/team/{agent.pk}/token/").status_code == 404


def test_a_lead_keeps_the_memberships_they_cannot_see(world: World) -> None:
    """An agent working for shop-a and shop-b, changed by the lead of shop-a, keeps shop-b."""
    agent = world.people["agent"]
    AccountMembership.objects.create(user=agent, account=world.other_account)
    lead = client_of(world.people["supervisor"])

    page = lead.get("/team/")
    assert "shop-b" not in page.content.decode()
    lead.post(
        f"/team/{agent.pk}/", {"roles": ["agent", "auditor"], "accounts": [world.account.pk], "active": "on"}
    )

    kept = set(AccountMembership.objects.filter(user=agent).values_list("account_id", flat=True))
    assert kept == {world.account.pk, world.other_account.pk}
    assert assigned(fresh(agent)) == {Role.AGENT, Role.AUDITOR}


def test_a_lead_cannot_change_a_supervisor_or_an_every_account_member(world: World) -> None:
    lead = client_of(world.people["supervisor"])
    auditor = world.people["auditor"]  # works for every account
    other_lead = User.objects.get(username="matrix-second-lead")
    before = audit_actions()

    for person in (auditor, other_lead):
        page = lead.post(
            f"/team/{person.pk}/", {"roles": ["agent"], "accounts": [world.account.pk], "active": "on"}
        )
        assert page.status_code == 200 and "ask an admin" in page.content.decode()

    assert assigned(fresh(other_lead)) == {Role.SUPERVISOR} and assigned(fresh(auditor)) == {Role.AUDITOR}
    assert audit_actions() == before


def test_nobody_deactivates_themselves(world: World) -> None:
    admin = world.people["admin"]
    page = client_of(admin).post(f"/team/{admin.pk}/", {"roles": ["admin"], "all_accounts": "on"})
    admin.refresh_from_db()
    assert (
        page.status_code == 200 and admin.is_active and "cannot deactivate yourself" in page.content.decode()
    )


# --- account scoping ---------------------------------------------------------------------------------


def test_a_person_of_another_account_sees_none_of_its_cases(world: World) -> None:
    outsider = client_of(world.people["outsider"])
    fresh, other = world.cases["fresh"], world.cases["other"]

    queue = outsider.get("/").content.decode()
    assert other.reference in queue and fresh.reference not in queue
    assert outsider.get(f"/cases/{fresh.pk}/").status_code == 404
    api = outsider.get("/api/v1/cases/").json()
    assert [row["reference"] for row in api["results"]] == [other.reference]
    assert outsider.get(f"/api/v1/cases/{fresh.pk}/").status_code == 404
    assert outsider.get(f"/payments/transfers/{world.kwargs['batch_id']}/download/").status_code == 404
    assert "shop-a" not in outsider.get("/payments/approvals/").content.decode()


def test_every_account_member_and_admin_see_both_accounts(world: World) -> None:
    for person in ("auditor", "admin"):
        queue = client_of(world.people[person]).get("/").content.decode()
        assert world.cases["fresh"].reference in queue and world.cases["other"].reference in queue


# --- four eyes on safeguards -------------------------------------------------------------------------


def test_a_raised_threshold_waits_for_a_second_person(world: World) -> None:
    """The world's second lead asked to raise the PLN threshold to 5000; it is not in force."""
    settings = AccountPaymentSettings.objects.get(account=world.account, currency="PLN")
    change = ChangeRequest.objects.get(pk=world.kwargs["change_id"])
    assert settings.approval_threshold == Decimal("10.00") and change.status == "PENDING"
    requester = User.objects.get(username="matrix-second-lead")

    own = client_of(requester).post(f"/changes/{change.pk}/confirm/")
    change.refresh_from_db()
    assert own.status_code == 302 and change.status == "PENDING"

    client_of(world.people["supervisor"]).post(f"/changes/{change.pk}/confirm/")
    change.refresh_from_db()
    settings.refresh_from_db()
    assert change.status == "APPLIED" and change.decided_by == world.people["supervisor"]
    assert settings.approval_threshold == Decimal("5000.00")


def test_a_declined_change_never_takes_effect_and_lowering_needs_no_second_person(world: World) -> None:
    change = ChangeRequest.objects.get(pk=world.kwargs["change_id"])
    client_of(world.people["supervisor"]).post(f"/changes/{change.pk}/decline/", {"note": "too high"})
    change.refresh_from_db()
    assert change.status == "DECLINED"
    assert AccountPaymentSettings.objects.get(account=world.account).approval_threshold == Decimal("10.00")

    payment_settings_set(
        account=world.account,
        currency="PLN",
        approval_threshold=Decimal("5.00"),
        actor=Actor.for_user(world.people["supervisor"]),
    )
    assert AccountPaymentSettings.objects.get(account=world.account).approval_threshold == Decimal("5.00")


def test_the_changes_page_lists_pending_changes_and_offers_confirm_to_others(world: World) -> None:
    supervisor = client_of(world.people["supervisor"]).get("/changes/").content.decode()
    auditor = client_of(world.people["auditor"]).get("/changes/").content.decode()
    requester = client_of(User.objects.get(username="matrix-second-lead")).get("/changes/").content.decode()
    action = f"/changes/{world.kwargs['change_id']}/confirm/"
    assert "5000" in supervisor and action in supervisor
    assert "5000" in auditor and action not in auditor
    assert action not in requester


# --- redirects and the admin -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "route",
    [
        "/logistics/cases/{case}/track/",
        "/logistics/parcels/{parcel}/issue/",
        "/payments/alerts/{alert}/resolve/",
    ],
)
@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/x", "/\\evil.example"])
def test_next_never_leaves_this_host(world: World, route: str, target: str) -> None:
    url = route.format(
        case=world.kwargs["case_id"], parcel=world.kwargs["parcel_id"], alert=world.kwargs["alert_id"]
    )
    response = client_of(world.people["supervisor"]).post(url, {"next": target, "kind": "PARCEL_LOST"})
    assert response.status_code == 302
    assert "evil.example" not in response["Location"] and response["Location"].startswith("/")


def test_next_on_this_host_is_followed(world: World) -> None:
    url = f"/logistics/cases/{world.kwargs['case_id']}/track/"
    response = client_of(world.people["agent"]).post(url, {"next": "/payments/alerts/"})
    assert response["Location"] == "/payments/alerts/"


def test_there_is_no_django_admin(world: World) -> None:
    response = client_of(world.people["admin"]).get("/admin/")
    assert response.status_code == 404 and "Page not found" not in response.content.decode()[:200]
