"""The case queue: deadline order, filters, search, keyset pagination, access and language."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from refund_desk.ai.synthetic.casefiles import generate_case_files
from refund_desk.cases.choices import CaseKind, CaseStatus, Marketplace
from refund_desk.cases.models import RefundCase
from refund_desk.desk.tests.factories import (
    BuyerFactory,
    OrderFactory,
    RefundCaseFactory,
    SellerAccountFactory,
)
from refund_desk.integrations.allegro.intake import account_get_or_create, cases_import

pytestmark = pytest.mark.django_db

QUEUE = reverse("desk:queue")


def listed_ids(response) -> list[int]:
    """Case ids in the order the queue shows them."""
    return [int(pk) for pk in re.findall(r'data-case-id="(\d+)"', response.content.decode())]


def test_queue_lists_cases_sorted_by_deadline(agent_client: Client) -> None:
    # given cases created out of deadline order, one of them closed
    later = RefundCaseFactory.create(days_left=9)
    soonest = RefundCaseFactory.create(days_left=1)
    middle = RefundCaseFactory.create(days_left=4)
    closed = RefundCaseFactory.create(days_left=0, status=CaseStatus.CLOSED)

    # when the agent opens the queue
    response = agent_client.get(QUEUE)

    # then the most urgent comes first and the closed case sinks to the bottom
    assert response.status_code == 200
    assert listed_ids(response) == [soonest.pk, middle.pk, later.pk, closed.pk]
    assert "Case queue" in response.content.decode()


@pytest.mark.parametrize(
    ("param", "value", "match", "other"),
    [
        ("status", CaseStatus.ESCALATED, {"status": CaseStatus.ESCALATED}, {"status": CaseStatus.NEW}),
        ("kind", CaseKind.COMPLAINT, {"kind": CaseKind.COMPLAINT}, {"kind": CaseKind.WITHDRAWAL}),
        ("marketplace", Marketplace.CZ, {"marketplace": Marketplace.CZ}, {"marketplace": Marketplace.PL}),
        ("reason", "DAMAGED", {"primary_reason": "DAMAGED"}, {"primary_reason": "TOO_SMALL"}),
        ("overdue", "1", {"days_left": -2}, {"days_left": 3}),
    ],
)
def test_each_filter_narrows_the_queue(
    agent_client: Client, param: str, value: str, match: dict, other: dict
) -> None:
    # given one case that matches the filter and two that do not
    wanted = RefundCaseFactory.create(**match)
    unwanted = [RefundCaseFactory.create(**other), RefundCaseFactory.create(**other)]

    # when the queue is filtered
    response = agent_client.get(QUEUE, {param: value})

    # then only the matching case is listed
    assert response.status_code == 200
    assert listed_ids(response) == [wanted.pk]
    assert not set(listed_ids(response)) & {c.pk for c in unwanted}


def test_account_filter_narrows_the_queue(agent_client: Client) -> None:
    shop_a = SellerAccountFactory.create(name="shop-a")
    shop_b = SellerAccountFactory.create(name="shop-b")
    wanted = RefundCaseFactory.create(account=shop_a)
    RefundCaseFactory.create(account=shop_b)

    response = agent_client.get(QUEUE, {"account": shop_a.pk})

    assert listed_ids(response) == [wanted.pk]
    # the account select offers the connected accounts by name
    assert f'<option value="{shop_a.pk}" selected>shop-a</option>' in response.content.decode()


def test_overdue_filter_excludes_closed_cases_past_their_deadline(agent_client: Client) -> None:
    overdue = RefundCaseFactory.create(days_left=-3)
    RefundCaseFactory.create(days_left=-3, status=CaseStatus.REFUNDED)

    assert listed_ids(agent_client.get(QUEUE, {"overdue": "on"})) == [overdue.pk]


def test_filters_combine(agent_client: Client) -> None:
    wanted = RefundCaseFactory.create(status=CaseStatus.NEW, marketplace=Marketplace.HU)
    RefundCaseFactory.create(status=CaseStatus.NEW, marketplace=Marketplace.PL)
    RefundCaseFactory.create(status=CaseStatus.ESCALATED, marketplace=Marketplace.HU)

    response = agent_client.get(QUEUE, {"status": "NEW", "marketplace": Marketplace.HU})

    assert listed_ids(response) == [wanted.pk]


def test_search_by_buyer_login_prefix(agent_client: Client) -> None:
    kasia = RefundCaseFactory.create(order__buyer=BuyerFactory.create(login="Kasia_Nowak77"))
    RefundCaseFactory.create(order__buyer=BuyerFactory.create(login="marek_kasia"))

    # case-insensitive prefix: "kasia" finds Kasia_Nowak77 but not a login that merely contains it
    assert listed_ids(agent_client.get(QUEUE, {"q": "KASIA_n"})) == [kasia.pk]


def test_search_by_order_id(agent_client: Client) -> None:
    wanted = RefundCaseFactory.create(
        order=OrderFactory.create(external_id="7c1e0f7a-1111-4d2b-9a0b-0123456789ab")
    )
    RefundCaseFactory.create(order=OrderFactory.create(external_id="8d2f1a8b-2222-4d2b-9a0b-0123456789ab"))

    assert listed_ids(agent_client.get(QUEUE, {"q": "7c1e0f7a-1111-4d2b-9a0b-0123456789ab"})) == [wanted.pk]
    assert listed_ids(agent_client.get(QUEUE, {"q": "7c1e0f"})) == [wanted.pk]


def test_search_by_return_reference(agent_client: Client) -> None:
    wanted = RefundCaseFactory.create(reference="K48213P")
    RefundCaseFactory.create(reference="M11111A")

    assert listed_ids(agent_client.get(QUEUE, {"q": "k48213p"})) == [wanted.pk]


def test_cursor_pagination_returns_disjoint_pages_covering_all_cases(agent_client: Client, settings) -> None:
    # given 23 imported cases and pages of 5
    settings.QUEUE_PAGE_SIZE = 5
    summary = cases_import(items=generate_case_files(23, seed=7), account=account_get_or_create(name="x"))
    assert summary.count("created") == 23

    # when the agent follows "Next page" until there is none
    pages: list[list[int]] = []
    url: str | None = QUEUE
    while url is not None:
        with CaptureQueriesContext(connection) as queries:
            response = agent_client.get(url)
        assert response.status_code == 200
        pages.append(listed_ids(response))
        # keyset pagination: no page ever counts the table
        assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)
        match = re.search(r'rel="next" href="([^"]+)"', response.content.decode())
        url = QUEUE + match.group(1).replace("&amp;", "&") if match else None

    # then the pages are disjoint, in deadline order, and together hold every case exactly once
    seen = [pk for page in pages for pk in page]
    assert [len(p) for p in pages] == [5, 5, 5, 5, 3]
    assert len(seen) == len(set(seen)) == 23
    assert set(seen) == set(RefundCase.objects.values_list("pk", flat=True))
    assert seen == list(RefundCase.objects.order_by("due_at", "id").values_list("pk", flat=True))


def test_next_page_keeps_the_filters(agent_client: Client, settings) -> None:
    settings.QUEUE_PAGE_SIZE = 2
    escalated = [RefundCaseFactory.create(status=CaseStatus.ESCALATED, days_left=d) for d in (1, 2, 3)]
    RefundCaseFactory.create(status=CaseStatus.NEW, days_left=0)

    first = agent_client.get(QUEUE, {"status": "ESCALATED"})
    found = re.search(r'rel="next" href="([^"]+)"', first.content.decode())
    assert found is not None
    next_href = found.group(1).replace("&amp;", "&")
    second = agent_client.get(QUEUE + next_href)

    assert "status=ESCALATED" in next_href
    assert listed_ids(first) + listed_ids(second) == [c.pk for c in escalated]
    assert 'rel="next"' not in second.content.decode()


def test_invalid_filter_or_cursor_shows_an_error(agent_client: Client) -> None:
    RefundCaseFactory.create()

    bad_status = agent_client.get(QUEUE, {"status": "NOPE"})
    bad_cursor = agent_client.get(QUEUE, {"cursor": "not-a-cursor"})

    assert bad_status.status_code == 400
    assert listed_ids(bad_status) == []
    assert "unknown status" in bad_status.content.decode()
    assert bad_cursor.status_code == 400


def test_htmx_filter_request_gets_only_the_results_fragment(agent_client: Client) -> None:
    case = RefundCaseFactory.create()

    response = agent_client.get(QUEUE, headers={"HX-Request": "true"})

    body = response.content.decode()
    assert listed_ids(response) == [case.pk]
    assert body.lstrip().startswith('<section id="queue-results"')
    assert "<html" not in body
    assert "HX-Request" in response["Vary"]
    # screen readers hear the outcome through the page's persistent live region
    assert '<div id="queue-announcer" hx-swap-oob="innerHTML">1 case on this page.</div>' in body


def test_queue_in_polish_via_accept_language(agent_client: Client) -> None:
    RefundCaseFactory.create(status=CaseStatus.NEW)

    response = agent_client.get(QUEUE, headers={"Accept-Language": "pl"})

    body = response.content.decode()
    assert '<html lang="pl">' in body
    assert "Kolejka zgłoszeń" in body
    assert "Następna strona" not in body  # one page only
    assert ">Termin<" in body and ">Kupujący<" in body
    assert "Nowe" in body  # the status label, translated


def test_queue_in_polish_via_language_cookie(agent_client: Client, settings) -> None:
    agent_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "pl"

    body = agent_client.get(QUEUE).content.decode()

    assert "Kolejka zgłoszeń" in body
    assert "Zastosuj filtry" in body


def test_language_switch_sets_the_language(agent_client: Client) -> None:
    response = agent_client.post(reverse("set_language"), {"language": "pl", "next": QUEUE})

    assert response.status_code == 302
    assert "Kolejka zgłoszeń" in agent_client.get(QUEUE).content.decode()


def test_anonymous_is_redirected_to_login(client: Client) -> None:
    response = client.get(QUEUE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_user_without_a_role_is_refused(make_user) -> None:
    client = Client()
    client.force_login(make_user())

    assert client.get(QUEUE).status_code == 403


def test_policy_link_only_for_supervisors(agent_client: Client, supervisor_client: Client) -> None:
    assert 'href="/policy/"' not in agent_client.get(QUEUE).content.decode()
    supervisor_page = supervisor_client.get(QUEUE).content.decode()
    assert 'href="/policy/"' in supervisor_page
    assert "Roles: supervisor, agent" in supervisor_page


def test_queue_shows_amount_and_countdown(agent_client: Client) -> None:
    RefundCaseFactory.create(days_left=3, marketplace=Marketplace.CZ, requested_amount="1234.50")
    RefundCaseFactory.create(
        days_left=-2, respond_by=timezone.now() - timedelta(days=2, hours=1), status=CaseStatus.UNDER_REVIEW
    )

    body = agent_client.get(QUEUE).content.decode()

    assert "1,234.50\N{NO-BREAK SPACE}CZK" in body
    assert "in 3 days" in body
    assert "2 days overdue" in body
