"""The main desk journey in headless Chromium: sign in, filter the queue, open a case, move it with htmx."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from refund_desk.cases.choices import CaseStatus, EventType
from refund_desk.cases.models import CaseEvent
from refund_desk.desk.tests.factories import PASSWORD, RefundCaseFactory, UserFactory

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test are still safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing: apt-get install chromium"),
]


@pytest.fixture
def page() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        page = context.new_page()
        try:
            yield page
        finally:
            context.close()
            browser.close()


def test_agent_signs_in_filters_and_moves_a_case(page: Any, live_server: Any, transactional_db: None) -> None:
    from playwright.sync_api import expect

    # given an agent and two cases in different statuses
    UserFactory.create(username="agnieszka", roles=["agent"])
    escalated = RefundCaseFactory.create(status=CaseStatus.ESCALATED, reference="E12345K", days_left=2)
    RefundCaseFactory.create(status=CaseStatus.NEW, reference="N54321K", days_left=1)

    # when she signs in
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Username").fill("agnieszka")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Case queue")).to_be_visible()
    expect(page.get_by_role("link", name="N54321K")).to_be_visible()

    # and filters the queue by status (htmx swaps the results)
    page.get_by_label("Status", exact=True).select_option("ESCALATED")
    expect(page.get_by_role("link", name="N54321K")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"status=ESCALATED"))

    # and opens the escalated case
    page.get_by_role("link", name="E12345K").click()
    expect(page.get_by_role("heading", name="Case E12345K")).to_be_visible()
    expect(page.locator("[data-status]")).to_have_text("Escalated")
    events_before = page.locator(".timeline__event").count()

    # and starts the review with a reason, through the htmx button
    page.get_by_label("Reason (optional, saved in the timeline)").fill("checking the photos")
    page.get_by_role("button", name="Start review").click()

    # then the new status shows without a reload, and the timeline gained the event
    expect(page.locator("[data-status]")).to_have_text("Under review")
    expect(page.locator("#case-message")).to_contain_text("Status changed to “Under review”.")
    expect(page.locator("#case-message")).to_be_focused()
    expect(page.locator(".timeline__event")).to_have_count(events_before + 1)
    expect(page.locator(".timeline__event").first).to_contain_text("checking the photos")
    expect(page.locator("#case-announcer")).to_have_text("Status changed to “Under review”.")

    escalated.refresh_from_db()
    assert escalated.status == CaseStatus.UNDER_REVIEW
    event = CaseEvent.objects.filter(case=escalated, type=EventType.TRANSITION).get()
    assert (event.actor_label, event.reason) == ("agnieszka", "checking the photos")


def test_agent_rejects_a_return_with_a_code_and_a_reason(
    page: Any, live_server: Any, transactional_db: None
) -> None:
    from django.contrib.auth.models import Group
    from playwright.sync_api import expect

    from refund_desk.cases.choices import CaseSource
    from refund_desk.core.roles import Role
    from refund_desk.outbound.models import Command

    # given an agent and a new customer return (the roles' groups again: an earlier test may have flushed)
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    UserFactory.create(username="roksana", roles=["agent"])
    case = RefundCaseFactory.create(
        status=CaseStatus.NEW, source=CaseSource.CUSTOMER_RETURN, reference="R77777K", days_left=3
    )
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.get_by_label("Username").fill("roksana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # when she clicks Reject, she must choose Allegro's code and write the reason the buyer reads
    page.get_by_role("link", name="Reject").click()
    expect(page.get_by_role("heading", name="Reject case R77777K")).to_be_visible()
    page.get_by_label("Allegro's rejection code").select_option("NO_RETURN_RIGHT")
    page.get_by_label("Reason, as the buyer will read it").fill("Zerwana plomba na oprogramowaniu.")
    page.get_by_role("button", name="Review the rejection").click()

    # then she sees exactly what goes to Allegro, and the notice the buyer gets, before confirming
    expect(page.get_by_text("Zerwana plomba na oprogramowaniu.", exact=True)).to_be_visible()
    expect(page.get_by_text("NO_RETURN_RIGHT")).to_be_visible()
    notice = page.get_by_label("Notice to the buyer")
    expect(notice).to_contain_text("Zerwana plomba na oprogramowaniu.")
    notice.fill(notice.input_value() + "\nPS. Zapraszamy ponownie.")
    page.get_by_role("button", name="Confirm the rejection").click()

    # and the case is rejected, with the command for Allegro and the notice on the case page
    expect(page.get_by_text("the rejection is on its way to Allegro")).to_be_visible()
    expect(page.get_by_role("heading", name="Sent to Allegro")).to_be_visible()
    expect(page.get_by_role("heading", name="Told to the buyer")).to_be_visible()
    expect(page.get_by_text("PS. Zapraszamy ponownie.")).to_be_visible()
    case.refresh_from_db()
    assert case.status == CaseStatus.REJECTED
    assert Command.objects.get(case=case, kind="RETURN_REJECT").payload["code"] == "NO_RETURN_RIGHT"
