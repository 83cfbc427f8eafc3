"""Decisions that reach the buyer, in headless Chromium: a deduction composed in the refund builder and
approved by a second person; a complaint accepted with a price reduction; the notices on the case page."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group

from refund_desk.cases.choices import CaseSource, CaseStatus
from refund_desk.cases.models import RefundCase
from refund_desk.cases.services import case_transition
from refund_desk.cases.tests.factories import make_user
from refund_desk.core.roles import Role
from refund_desk.desk.tests.factories import PASSWORD
from refund_desk.desk.tests.test_browser import CHROMIUM, page  # noqa: F401  -- fixture
from refund_desk.integrations.allegro.intake import account_get_or_create
from refund_desk.notices.models import Notice
from refund_desk.payments.choices import RefundStatus
from refund_desk.payments.models import RefundOrder
from refund_desk.payments.tests.conftest import IMMEDIATE, SYSTEM, ingest
from refund_desk.policy import services as policy_services
from refund_desk.policy.tests.builders import case as case_file
from refund_desk.workflows.refunds import refund_plan

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing: apt-get install chromium"),
]


def _people() -> None:
    for role in Role:  # an earlier transactional test may have flushed the role groups
        Group.objects.get_or_create(name=role.value)
    for name, role in (("agata", Role.AGENT), ("szef", Role.SUPERVISOR)):
        user = make_user(name, [role])
        user.set_password(PASSWORD)
        user.save()


def _case() -> RefundCase:
    account = account_get_or_create(name="shop-browser")
    policy_services.policy_publish(
        account=account, marketplace="allegro-pl", yaml_text=IMMEDIATE, actor=SYSTEM
    )
    return ingest(account, case_file())


def _sign_in(page: Any, url: str, username: str) -> None:  # noqa: F811
    page.goto(url)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_deduction_is_composed_approved_by_a_second_person_and_told_to_the_buyer(
    page: Any,  # noqa: F811
    live_server: Any,
    transactional_db: None,
) -> None:
    from playwright.sync_api import expect

    _people()
    case = case_transition(case=_case(), to=CaseStatus.APPROVED, actor=SYSTEM)
    plan = refund_plan(case)
    assert plan is not None
    first = plan.lines[0]
    kept = first.engine_amount - Decimal("69.50")

    # an agent opens the case and composes the refund: the first line less a 69.50 deduction
    _sign_in(page, f"{live_server.url}/cases/{case.pk}/", "agata")
    page.get_by_role("link", name="Compose the refund").click()
    expect(page.get_by_text("The policy engine's lawful refund")).to_be_visible()
    page.locator("#line-0").fill(f"{kept:.2f}")
    page.get_by_role("button", name="Review the refund").click()
    expect(page.get_by_text("say why")).to_be_visible()  # a refund that differs needs a reason
    page.get_by_label("Why it differs from the engine's refund").fill("Rysa na obudowie po użytkowaniu.")
    page.get_by_role("button", name="Review the refund").click()

    # she sees the total, that a second person approves it, and the buyer's notice (Polish, partial)
    expect(page.get_by_text("differs from the engine: a second person approves it")).to_be_visible()
    notice = page.get_by_label("Notice to the buyer")
    expect(notice).to_contain_text("Rysa na obudowie po użytkowaniu.")
    expect(notice).to_contain_text("rzecznika konsumentów")
    page.get_by_role("button", name="Confirm the refund").click()
    expect(page.get_by_text("it waits for a second person's approval")).to_be_visible()
    refund = RefundOrder.objects.get(case=case)
    assert refund.status == RefundStatus.AWAITING_APPROVAL and refund.total == plan.total - Decimal("69.50")
    assert not Notice.objects.filter(case=case).exists()  # told once it is approved

    # a supervisor approves it on the approvals page
    page.context.clear_cookies()
    _sign_in(page, f"{live_server.url}/payments/approvals/", "szef")
    page.get_by_role("button", name="Approve").first.click()
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PLANNED and refund.approved_by is not None

    # and the case page shows what the buyer was told
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    expect(page.get_by_role("heading", name="Told to the buyer")).to_be_visible()
    expect(page.locator(".notice__text")).to_contain_text("Rysa na obudowie po użytkowaniu.")
    assert Notice.objects.get(case=case).kind == "PARTIAL_REFUND"


def test_a_complaint_is_accepted_with_a_price_reduction(
    page: Any,  # noqa: F811
    live_server: Any,
    transactional_db: None,
) -> None:
    from playwright.sync_api import expect

    _people()
    case = _case()
    RefundCase.objects.filter(pk=case.pk).update(
        source=CaseSource.POST_PURCHASE_ISSUE,
        kind="COMPLAINT",
        snapshot={"type": "CLAIM", "id": case.external_id},
    )

    _sign_in(page, f"{live_server.url}/cases/{case.pk}/", "agata")
    page.get_by_role("link", name="Accept the complaint").click()
    page.get_by_label("Price reduction (partial refund)").check()
    page.get_by_label(f"Price reduction ({case.currency})").fill("40,00")
    page.get_by_label("Why (the buyer reads it)").fill("Rysa na ekranie, obniżamy cenę.")
    page.get_by_role("button", name="Review the acceptance").click()
    notice = page.get_by_label("Notice to the buyer")
    expect(notice).to_contain_text("Obniżamy cenę o uzgodnioną kwotę")
    expect(notice).to_contain_text("40,00 PLN")
    page.get_by_role("button", name="Confirm the acceptance").click()

    expect(
        page.get_by_text("The complaint is accepted; the decision is on its way to Allegro.")
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Sent to Allegro")).to_be_visible()
    refund = RefundOrder.objects.get(case=case)
    assert refund.total == Decimal("40.00") and refund.status == RefundStatus.AWAITING_APPROVAL
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED
