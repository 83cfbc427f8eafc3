"""Desk pages: supervisors edit YAML, must preview the simulation before publishing; others cannot."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse

from refund_desk.cases.models import AccountMembership, RefundCase, SellerAccount
from refund_desk.policy.forms import yaml_fingerprint
from refund_desk.policy.models import PolicyVersion

YAML = "name: Longer\nwithdrawal:\n  periodDays: 30\n"


def login(client: Client, role: str | None) -> User:
    user = User.objects.create_user(username=f"u-{role}", password="pw-123456789")
    AccountMembership.objects.create(user=user, account=None)
    if role:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    client.force_login(user)
    return user


def test_agents_cannot_see_or_edit_policies(client: Client, account: SellerAccount) -> None:
    login(client, "agent")
    assert client.get(reverse("policy:index")).status_code == 403
    assert client.get(reverse("policy:edit", args=[account.pk, "allegro-pl"])).status_code == 403


def test_supervisor_previews_then_publishes(
    client: Client, account: SellerAccount, stored_case: RefundCase
) -> None:
    login(client, "supervisor")
    url = reverse("policy:edit", args=[account.pk, "allegro-pl"])
    page = client.get(url)
    assert page.status_code == 200 and "periodDays: 14" in page.content.decode()

    # Publishing without a preview is refused.
    refused = client.post(url, {"yaml_text": YAML, "action": "publish"})
    assert refused.status_code == 400 and not PolicyVersion.objects.exists()

    preview = client.post(url, {"yaml_text": YAML, "action": "preview"})
    body = preview.content.decode()
    assert preview.status_code == 200 and "cases replayed" in body and yaml_fingerprint(YAML) in body

    published = client.post(
        url,
        {"yaml_text": YAML, "action": "publish", "previewed": yaml_fingerprint(YAML), "comment": "30 days"},
    )
    assert published.status_code == 302
    version = PolicyVersion.objects.get()
    assert version.comment == "30 days" and version.created_by_label == "u-supervisor"

    detail = client.get(reverse("policy:detail", args=[account.pk, "allegro-pl"])).content.decode()
    assert "shop-one/allegro-pl/v1" in detail and "30 days" in detail
    assert client.get(reverse("policy:version", args=[account.pk, "allegro-pl", 1])).status_code == 200
    export = client.get(reverse("policy:export", args=[account.pk, "allegro-pl"]))
    assert b"periodDays: 30" in export.content


def test_invalid_yaml_shows_field_paths(client: Client, account: SellerAccount) -> None:
    login(client, "supervisor")
    response = client.post(
        reverse("policy:edit", args=[account.pk, "allegro-pl"]),
        {"yaml_text": "withdrawal:\n  periodDays: 5\n", "action": "preview"},
    )
    assert response.status_code == 400
    assert "withdrawal.periodDays" in response.content.decode()


def test_auditor_sees_the_overview(client: Client, account: SellerAccount, **_: Any) -> None:
    login(client, "auditor")
    body = client.get(reverse("policy:index")).content.decode()
    assert "shop-one" in body and "statutory-default/v1" in body
