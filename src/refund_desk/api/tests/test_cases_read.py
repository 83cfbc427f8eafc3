"""GET /api/v1/cases/, /cases/{id}/ and /cases/{id}/events/."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from refund_desk.api.tests.conftest import (
    ClientFor,
    assert_problem,
    case_files,
    error_fields,
    import_files,
    make_user,
)
from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import CaseStatus, EventType
from refund_desk.cases.lifecycle import OPEN_STATUSES
from refund_desk.cases.models import RefundCase
from refund_desk.cases.services import case_transition
from refund_desk.core.roles import Role

LIST_URL = "/api/v1/cases/"


def fetch_all(
    client: APIClient, params: dict[str, Any] | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    """Every case the list returns for `params`, following `next` links to the end."""
    response = client.get(LIST_URL, {**(params or {}), "limit": limit})
    assert response.status_code == 200, response.content
    rows = list(response.json()["results"])
    next_url = response.json()["next"]
    while next_url:
        response = client.get(next_url)
        assert response.status_code == 200, response.content
        rows += response.json()["results"]
        next_url = response.json()["next"]
    return rows


def ids(rows: list[dict[str, Any]]) -> list[int]:
    return [row["id"] for row in rows]


def queue_order(cases: list[RefundCase]) -> list[int]:
    return [c.pk for c in sorted(cases, key=lambda c: (c.due_at, c.pk))]


@pytest.fixture
def queue(supervisor: Any) -> list[RefundCase]:
    """40 cases in "default" and 10 in "second", some moved on so statuses vary."""
    now = timezone.now()
    cases = import_files(case_files(40, seed=11, now=now)) + import_files(
        case_files(10, seed=12, now=now), account="second"
    )
    actor = Actor.for_user(supervisor)
    for case in cases[0:6]:
        case_transition(case=case, to=CaseStatus.UNDER_REVIEW, actor=actor)
    for case in cases[6:10]:
        case_transition(case=case, to=CaseStatus.REJECTED, actor=actor, reason="outside the return period")
    for case in cases[10:12]:
        case_transition(case=case, to=CaseStatus.CLOSED, actor=actor)
    return list(RefundCase.objects.all())


def test_list_returns_every_case_in_queue_order(agent_client: APIClient, queue: list[RefundCase]) -> None:
    rows = fetch_all(agent_client)

    assert ids(rows) == queue_order(queue)
    first = RefundCase.objects.get(pk=rows[0]["id"])
    assert rows[0]["status"] == first.status
    assert rows[0]["reference"] == first.reference
    assert rows[0]["buyerLogin"] == first.buyer_login
    assert rows[0]["requestedAmount"] == {
        "amount": f"{first.requested_amount:.2f}",
        "currency": first.currency,
    }
    assert rows[0]["account"] == {"id": first.account_id, "name": first.account.name}
    assert rows[0]["url"] == f"http://testserver/api/v1/cases/{first.pk}/"


def test_cursor_pages_are_disjoint_and_complete(agent_client: APIClient, queue: list[RefundCase]) -> None:
    pages: list[list[int]] = []
    response = agent_client.get(LIST_URL, {"limit": 7})
    while True:
        body = response.json()
        assert len(body["results"]) <= 7
        pages.append(ids(body["results"]))
        if body["next"] is None:
            break
        assert "cursor=" in body["next"] and "limit=7" in body["next"]
        response = agent_client.get(body["next"])

    assert len(pages) == 8  # 50 cases, 7 a page
    seen = [case_id for page in pages for case_id in page]
    assert len(seen) == len(set(seen))
    assert seen == queue_order(queue)


def test_cursor_keeps_the_filters(agent_client: APIClient, queue: list[RefundCase]) -> None:
    expected = queue_order([c for c in queue if c.marketplace == "allegro-pl"])

    assert ids(fetch_all(agent_client, {"marketplace": "allegro-pl"}, limit=3)) == expected


@pytest.mark.parametrize(
    ("params", "predicate"),
    [
        ({"status": "UNDER_REVIEW"}, lambda c: c.status == "UNDER_REVIEW"),
        ({"status": ["REJECTED", "CLOSED"]}, lambda c: c.status in {"REJECTED", "CLOSED"}),
        ({"kind": "WITHDRAWAL"}, lambda c: c.kind == "WITHDRAWAL"),
        ({"kind": "COMPLAINT"}, lambda c: c.kind == "COMPLAINT"),
        ({"marketplace": "allegro-cz"}, lambda c: c.marketplace == "allegro-cz"),
        ({"reason": "damaged"}, lambda c: c.primary_reason == "DAMAGED"),
        ({"open": "true"}, lambda c: c.status in OPEN_STATUSES),
        ({"overdue": "1"}, lambda c: c.status in OPEN_STATUSES and c.due_at < timezone.now()),
    ],
)
def test_each_filter_returns_exactly_the_matching_cases(
    agent_client: APIClient, queue: list[RefundCase], params: dict[str, Any], predicate: Any
) -> None:
    expected = queue_order([c for c in queue if predicate(c)])

    assert ids(fetch_all(agent_client, params)) == expected


def test_filters_select_something_and_not_everything(queue: list[RefundCase]) -> None:
    """Guards the parametrised filter test against a data set where filters prove nothing."""
    overdue = [c for c in queue if c.status in OPEN_STATUSES and c.due_at < timezone.now()]
    assert 0 < len(overdue) < len(queue)
    assert 0 < len([c for c in queue if c.marketplace == "allegro-cz"]) < len(queue)
    assert 0 < len([c for c in queue if c.primary_reason == "DAMAGED"]) < len(queue)


def test_account_filter(agent_client: APIClient, queue: list[RefundCase]) -> None:
    second = next(c.account for c in queue if c.account.name == "second")

    rows = fetch_all(agent_client, {"account": second.pk})

    assert ids(rows) == queue_order([c for c in queue if c.account_id == second.pk])
    assert len(rows) == 10


def test_search_by_buyer_login_reference_and_order(agent_client: APIClient, queue: list[RefundCase]) -> None:
    target = queue[20]

    by_login = fetch_all(agent_client, {"q": target.buyer_login[:6]})
    by_reference = fetch_all(agent_client, {"q": target.reference.lower()})
    by_order = fetch_all(agent_client, {"q": target.order_external_id})

    assert target.pk in ids(by_login)
    assert all(row["buyerLogin"].startswith(target.buyer_login[:6]) for row in by_login)
    assert ids(by_reference) == [target.pk]
    assert target.pk in ids(by_order)
    assert all(row["orderId"] == target.order_external_id for row in by_order)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 201}, "limit"),
        ({"limit": 0}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"status": "LOST"}, "status"),
        ({"kind": "GIFT"}, "kind"),
        ({"marketplace": "ebay"}, "marketplace"),
        ({"account": "first"}, "account"),
        ({"cursor": "not-a-cursor"}, "cursor"),
    ],
)
def test_bad_list_parameters_are_400_problems_naming_the_parameter(
    agent_client: APIClient, db: None, params: dict[str, Any], field: str
) -> None:
    body = assert_problem(agent_client.get(LIST_URL, params), 400)

    assert field in error_fields(body)
    assert body["type"] == "urn:refund-desk:problem:validation-error"


def test_limit_of_200_is_accepted(agent_client: APIClient, queue: list[RefundCase]) -> None:
    response = agent_client.get(LIST_URL, {"limit": 200})

    assert response.status_code == 200
    assert len(response.json()["results"]) == 50
    assert response.json()["next"] is None


# --- detail ------------------------------------------------------------------------------------------


def test_detail_shows_items_order_amounts_and_deadlines(agent_client: APIClient, db: None) -> None:
    files = case_files(12, seed=3)
    # A file with several returned lines makes the item assertions meaningful.
    data = max(files, key=lambda f: len(f["customerReturn"]["items"]))
    assert len(data["customerReturn"]["items"]) >= 2
    (case,) = import_files([data])

    response = agent_client.get(f"/api/v1/cases/{case.pk}/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    order, ret = data["order"], data["customerReturn"]
    currency = order["lineItems"][0]["price"]["currency"]
    assert body["id"] == case.pk
    assert body["externalId"] == ret["id"]
    assert body["reference"] == ret["referenceNumber"]
    assert body["status"] == "NEW"
    assert body["kind"] == "WITHDRAWAL"
    assert body["marketplace"] == order["marketplace"]["id"]
    assert body["buyer"]["login"] == order["buyer"]["login"]

    lines = {li["offer"]["id"]: li for li in order["lineItems"]}
    assert len(body["items"]) == len(ret["items"])
    expected_total = Decimal("0")
    for item, returned in zip(body["items"], ret["items"], strict=True):
        line = lines[returned["offerId"]]
        assert item["lineItemId"] == line["id"]
        assert item["offer"] == {"id": line["offer"]["id"], "name": line["offer"]["name"]}
        assert item["quantity"] == returned["quantity"]
        assert item["orderedQuantity"] == line["quantity"]
        assert item["unitPrice"] == {"amount": line["price"]["amount"], "currency": currency}
        line_total = Decimal(line["price"]["amount"]) * returned["quantity"]
        assert item["total"] == {"amount": f"{line_total:.2f}", "currency": currency}
        assert item["reason"] == returned["reason"]["type"]
        assert item["comment"] == (returned["reason"]["userComment"] or "")
        expected_total += line_total
    assert body["requestedAmount"] == {"amount": f"{expected_total:.2f}", "currency": currency}

    summary = body["order"]
    assert summary["id"] == order["id"]
    assert summary["totalToPay"] == order["summary"]["totalToPay"]
    assert summary["paidAmount"] == order["payment"]["paidAmount"]
    assert summary["deliveryCost"] == order["delivery"]["cost"]
    assert summary["deliveryMethod"] == order["delivery"]["method"]["name"]
    assert summary["paymentType"] == order["payment"]["type"]
    assert summary["lineItemCount"] == len(order["lineItems"])
    for money in (body["requestedAmount"], summary["totalToPay"], summary["deliveryCost"]):
        assert isinstance(money["amount"], str)

    case.refresh_from_db()
    assert case.refund_by is not None
    deadlines = body["deadlines"]
    assert deadlines["refundBy"] == timezone.localtime(case.refund_by).isoformat()
    assert deadlines["dueAt"] == timezone.localtime(case.due_at).isoformat()
    assert deadlines["overdue"] is (case.due_at < timezone.now())


def test_detail_lists_the_transitions_the_user_may_make(
    agent_client: APIClient, auditor: Any, client_for: ClientFor, db: None
) -> None:
    (case,) = import_files(case_files(1, seed=5))

    as_agent = agent_client.get(f"/api/v1/cases/{case.pk}/").json()
    as_auditor = client_for(auditor).get(f"/api/v1/cases/{case.pk}/").json()

    assert [t["to"] for t in as_agent["allowedTransitions"]] == [
        "UNDER_REVIEW",
        "AWAITING_RETURN",
        "APPROVED",
        "CLOSED",
        "REJECTED",
        "ESCALATED",
    ]
    assert as_agent["allowedTransitions"][0] == {"to": "UNDER_REVIEW", "label": "Under review"}
    assert as_auditor["allowedTransitions"] == []


def test_detail_of_appealed_case_offers_decisions_to_supervisors_only(
    agent_client: APIClient, supervisor: Any, client_for: ClientFor, db: None
) -> None:
    (case,) = import_files(case_files(1, seed=5))
    actor = Actor.for_user(make_user("rejecting-agent", Role.AGENT))  # the appeal goes to someone else
    case_transition(case=case, to=CaseStatus.REJECTED, actor=actor)
    case_transition(case=case, to=CaseStatus.APPEALED, actor=actor)

    as_agent = agent_client.get(f"/api/v1/cases/{case.pk}/").json()
    as_supervisor = client_for(supervisor).get(f"/api/v1/cases/{case.pk}/").json()

    assert as_agent["allowedTransitions"] == []
    assert {t["to"] for t in as_supervisor["allowedTransitions"]} == {"UNDER_REVIEW", "APPROVED", "REJECTED"}


def test_unknown_case_is_a_404_problem(agent_client: APIClient, db: None) -> None:
    body = assert_problem(agent_client.get("/api/v1/cases/999999/"), 404)

    assert body["instance"] == "/api/v1/cases/999999/"
    assert body["type"] == "about:blank"
    assert body["title"] == "Not Found"


# --- events ------------------------------------------------------------------------------------------


def test_events_are_the_timeline_oldest_first(agent_client: APIClient, agent: Any, db: None) -> None:
    (case,) = import_files(case_files(1, seed=5))
    case_transition(
        case=case, to=CaseStatus.UNDER_REVIEW, actor=Actor.for_user(agent), reason="checking photos"
    )

    response = agent_client.get(f"/api/v1/cases/{case.pk}/events/")

    assert response.status_code == 200
    events = response.json()["results"]
    assert [e["type"] for e in events] == [EventType.CREATED, EventType.TRANSITION]
    created, moved = events
    assert created["actor"] == {"type": "SYSTEM", "label": "intake", "userId": None}
    assert created["toStatus"] == "NEW"
    assert created["payload"]["externalId"] == case.external_id
    assert moved["actor"] == {"type": "USER", "label": "agnes", "userId": agent.pk}
    assert (moved["fromStatus"], moved["toStatus"], moved["reason"]) == (
        "NEW",
        "UNDER_REVIEW",
        "checking photos",
    )


def test_events_of_unknown_case_is_a_404_problem(agent_client: APIClient, db: None) -> None:
    assert_problem(agent_client.get("/api/v1/cases/424242/events/"), 404)


def test_a_reason_of_40_characters_that_grows_when_uppercased_is_accepted(
    agent_client: APIClient, db: None
) -> None:
    assert agent_client.get("/api/v1/cases/", {"reason": "ß" * 40}).status_code == 200
    assert agent_client.get("/api/v1/cases/", {"reason": "ß" * 41}).status_code == 400
