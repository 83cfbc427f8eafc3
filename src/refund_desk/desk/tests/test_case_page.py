"""The case page: order, items with the buyer's words (escaped), amounts, deadlines, timeline, policy panel."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from refund_desk.ai.synthetic.casefiles import generate_case_files
from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import CaseStatus, EventType, Marketplace
from refund_desk.cases.models import RefundCase
from refund_desk.cases.services import case_transition, event_append
from refund_desk.cases.tests.factories import case_file, imported_case
from refund_desk.desk.tests.factories import OrderFactory, RefundCaseFactory
from refund_desk.integrations.allegro.intake import account_get_or_create, cases_import
from refund_desk.policy.selectors import case_evaluation

pytestmark = pytest.mark.django_db


def case_url(case: RefundCase) -> str:
    return reverse("desk:case", args=[case.pk])


def test_case_page_shows_items_amounts_and_buyer(agent_client: Client) -> None:
    # given a Czech case with a company order
    order = OrderFactory.create(
        marketplace=Marketplace.CZ,
        company_name="Nowak Sp. z o.o.",
        company_ids=[{"type": "PL_NIP", "value": "5261040828"}],
        invoice_required=True,
        paid_amount=Decimal("1487.40"),
        delivery_cost=Decimal("76.64"),
    )
    case = RefundCaseFactory.create(
        order=order,
        buyer=order.buyer,
        marketplace=Marketplace.CZ,
        requested_amount=Decimal("1410.76"),
        with_item__comment="Po tygodniu przestał działać",
        primary_reason="HIDDEN_FLAW",
    )

    # when the agent opens it
    response = agent_client.get(case_url(case))

    # then the page shows the returned item with the buyer's reason and comment, the amounts and the order
    body = response.content.decode()
    assert response.status_code == 200
    assert "Słuchawki bezprzewodowe ANC Pro" in body
    assert "Hidden flaw" in body
    assert "Po tygodniu przestał działać" in body
    assert "1,410.76\N{NO-BREAK SPACE}CZK" in body  # requested and item amount
    assert "1,487.40\N{NO-BREAK SPACE}CZK" in body  # paid
    assert "76.64\N{NO-BREAK SPACE}CZK" in body  # delivery
    assert "Nowak Sp. z o.o." in body and "5261040828" in body
    assert order.external_id in body
    assert case.buyer.login in body and "Anna Nowak" in body
    assert "in 7 days" in body  # countdown to the deadline


def test_case_page_escapes_buyer_text(agent_client: Client) -> None:
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    case = RefundCaseFactory.create(with_item__comment=attack)
    event_append(case=case, type=EventType.NOTE, actor=Actor.system("test"), reason=attack)

    body = agent_client.get(case_url(case)).content.decode()

    assert attack not in body
    assert "<img src=x" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in body


def test_case_page_shows_the_timeline(agent_client: Client, agent) -> None:
    case = RefundCaseFactory.create()
    case_transition(
        case=case, to=CaseStatus.UNDER_REVIEW, actor=Actor.for_user(agent), reason="checking photos"
    )
    event_append(
        case=case,
        type=EventType.SYNCED,
        actor=Actor.system("intake"),
        payload={"changes": {"externalStatus": {"from": "CREATED", "to": "DELIVERED"}}},
    )

    body = agent_client.get(case_url(case)).content.decode()

    assert "Case opened" in body
    assert "Status changed" in body
    assert "agnieszka" in body
    assert "checking photos" in body
    assert "Updated from Allegro" in body
    assert "changes.externalStatus: CREATED → DELIVERED" in body
    # newest first
    assert body.index("Updated from Allegro") < body.index("Status changed") < body.index("Case opened")


def test_case_page_of_an_imported_case(agent_client: Client) -> None:
    summary = cases_import(items=generate_case_files(3, seed=11), account=account_get_or_create(name="x"))
    case_id = summary.results[0].case_id
    assert case_id is not None
    case = RefundCase.objects.get(pk=case_id)

    response = agent_client.get(case_url(case))

    body = response.content.decode()
    assert response.status_code == 200
    for item in case.items.select_related("line_item"):
        assert item.line_item.offer_name in body
    assert case.order.delivery_method in body


def test_case_page_in_polish_formats_money_and_countdown(agent_client: Client) -> None:
    case = RefundCaseFactory.create(requested_amount=Decimal("1234.50"), days_left=3)

    body = agent_client.get(case_url(case), headers={"Accept-Language": "pl"}).content.decode()

    assert "1\N{NO-BREAK SPACE}234,50\N{NO-BREAK SPACE}PLN" in body
    assert "za 3 dni" in body
    assert "Zwracane produkty" in body
    assert "Rozpocznij weryfikację" in body


def test_overdue_deadline_counts_days_late(agent_client: Client) -> None:
    late = timezone.now() - timedelta(days=2, hours=3)
    case = RefundCaseFactory.create(respond_by=late, refund_by=late)

    assert "2 days overdue" in agent_client.get(case_url(case)).content.decode()


def test_missing_case_is_404(agent_client: Client) -> None:
    assert agent_client.get(reverse("desk:case", args=[987654])).status_code == 404


def test_anonymous_is_redirected_to_login(client: Client) -> None:
    case = RefundCaseFactory.create()

    response = client.get(case_url(case))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_case_page_shows_the_policy_decision_and_rule_trace(agent_client: Client) -> None:
    # given a case imported from Allegro data, which the statutory policy can evaluate
    result = cases_import(items=[case_file(seed=3)], account=account_get_or_create(name="shop")).results[0]
    case = imported_case(result)
    evaluation = case_evaluation(case, lang="en")
    assert evaluation is not None

    # when the case page renders
    body = agent_client.get(case_url(case)).content.decode()

    # then it shows the engine's decision, its total and every rule of the trace
    data = evaluation.to_json()
    assert data["decision"] in body
    assert data["refund"]["total"]["currency"] in body
    for rule in data["rules"]:
        assert rule["id"] in body
