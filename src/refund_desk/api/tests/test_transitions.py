"""POST /api/v1/cases/{id}/transitions/: the state machine through the API, per role."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from refund_desk.api.tests.conftest import ClientFor, assert_problem, case_files, error_fields, import_files
from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import ActorType, CaseStatus, EventType
from refund_desk.cases.models import CaseEvent, RefundCase
from refund_desk.cases.services import case_transition
from refund_desk.notices.models import Notice
from refund_desk.outbound.choices import CommandKind
from refund_desk.outbound.models import Command


@pytest.fixture
def case(db: None) -> RefundCase:
    (imported,) = import_files(case_files(1, seed=41))
    return imported


@pytest.fixture
def appealed_case(case: RefundCase, agent: Any) -> RefundCase:
    """An agent rejected the case and recorded the buyer's appeal: a supervisor who decided nothing on
    it may decide the appeal."""
    actor = Actor.for_user(agent)
    case_transition(case=case, to=CaseStatus.REJECTED, actor=actor, reason="used item")
    return case_transition(case=case, to=CaseStatus.APPEALED, actor=actor, reason="buyer appealed")


def url(case: RefundCase) -> str:
    return f"/api/v1/cases/{case.pk}/transitions/"


def test_legal_transition_moves_the_case_and_records_the_user(
    agent_client: APIClient, agent: Any, case: RefundCase
) -> None:
    response = agent_client.post(
        url(case), {"to": "APPROVED", "reason": "parcel arrived intact"}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == case.pk
    assert body["status"] == "APPROVED"
    # Refund pending and refunded follow the case's refunds; no person moves a case there.
    assert [t["to"] for t in body["allowedTransitions"]] == ["ESCALATED"]
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED
    event = CaseEvent.objects.filter(case=case).last()
    assert event is not None
    assert event.type == EventType.TRANSITION
    assert (event.from_status, event.to_status) == ("NEW", "APPROVED")
    assert event.actor_type == ActorType.USER
    assert event.actor_user == agent
    assert event.reason == "parcel arrived intact"


def test_illegal_transition_is_a_409_problem_and_changes_nothing(
    agent_client: APIClient, case: RefundCase
) -> None:
    events_before = case.events.count()

    body = assert_problem(agent_client.post(url(case), {"to": "REFUNDED"}, format="json"), 409)

    assert body["type"] == "urn:refund-desk:problem:illegal-transition"
    assert "NEW" in body["detail"] and "REFUNDED" in body["detail"]
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW
    assert case.events.count() == events_before


def test_agent_may_not_decide_an_appeal(agent_client: APIClient, appealed_case: RefundCase) -> None:
    events_before = appealed_case.events.count()

    body = assert_problem(agent_client.post(url(appealed_case), {"to": "APPROVED"}, format="json"), 403)

    assert body["type"] == "urn:refund-desk:problem:forbidden-action"
    assert "supervisor" in body["detail"]
    appealed_case.refresh_from_db()
    assert appealed_case.status == CaseStatus.APPEALED
    assert appealed_case.events.count() == events_before


def test_supervisor_decides_an_appeal(
    supervisor: Any, client_for: ClientFor, appealed_case: RefundCase
) -> None:
    response = client_for(supervisor).post(
        url(appealed_case), {"to": "APPROVED", "reason": "appeal upheld"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "APPROVED"
    event = appealed_case.events.last()
    assert event is not None
    assert (event.from_status, event.to_status, event.actor_user) == ("APPEALED", "APPROVED", supervisor)


def test_auditor_is_read_only(auditor: Any, client_for: ClientFor, case: RefundCase) -> None:
    client = client_for(auditor)
    events_before = case.events.count()

    assert client.get(f"/api/v1/cases/{case.pk}/").status_code == 200
    body = assert_problem(client.post(url(case), {"to": "UNDER_REVIEW"}, format="json"), 403)

    assert "read-only" in body["detail"]
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW
    assert case.events.count() == events_before


def test_no_token_is_a_401_problem(anonymous_client: APIClient, case: RefundCase) -> None:
    response = anonymous_client.post(url(case), {"to": "UNDER_REVIEW"}, format="json")

    body = assert_problem(response, 401)
    assert response["WWW-Authenticate"] == "Token"
    assert body["type"] == "about:blank"
    assert body["title"] == "Unauthorized"
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW


@pytest.mark.parametrize(
    ("payload", "field"),
    [({}, "to"), ({"to": "TELEPORTED"}, "to"), ({"to": "APPROVED", "reason": "x" * 2001}, "reason")],
)
def test_invalid_transition_request_is_a_400_problem(
    agent_client: APIClient, case: RefundCase, payload: dict[str, Any], field: str
) -> None:
    body = assert_problem(agent_client.post(url(case), payload, format="json"), 400)

    assert error_fields(body) == {field}
    assert body["errors"][0]["message"]


def test_transition_of_unknown_case_is_a_404_problem(agent_client: APIClient, db: None) -> None:
    assert_problem(
        agent_client.post("/api/v1/cases/31337/transitions/", {"to": "APPROVED"}, format="json"), 404
    )


def test_a_rejection_needs_allegros_code_and_a_reason(agent_client: APIClient, case: RefundCase) -> None:
    body = assert_problem(agent_client.post(url(case), {"to": "REJECTED"}, format="json"), 400)
    assert {error["field"] for error in body["errors"]} == {"rejectionCode", "reason"}
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW and not Command.objects.exists()


def test_a_rejection_is_queued_for_allegro(agent_client: APIClient, case: RefundCase) -> None:
    response = agent_client.post(
        url(case),
        {"to": "REJECTED", "rejectionCode": "NO_RETURN_RIGHT", "reason": "Sealed item opened"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["status"] == "REJECTED"
    command = Command.objects.get(case=case, kind=CommandKind.RETURN_REJECT)
    assert command.payload == {
        "returnId": case.external_id,
        "code": "NO_RETURN_RIGHT",
        "reason": "Sealed item opened",
    }
    [notice] = Notice.objects.filter(case=case)
    assert notice.kind == "REJECTED" and not notice.automated and not notice.edited
    assert "Sealed item opened" in notice.text and notice.command is not None


def test_a_rejection_sends_the_notice_given_and_refuses_one_too_long(
    agent_client: APIClient, case: RefundCase
) -> None:
    body = {"to": "REJECTED", "rejectionCode": "NO_RETURN_RIGHT", "reason": "Sealed item opened"}
    too_long = assert_problem(
        agent_client.post(url(case), {**body, "notice": "x" * 2001}, format="json"), 400
    )
    assert [e["field"] for e in too_long["errors"]] == ["notice"] and "2000" in too_long["errors"][0][
        "message"
    ]
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW and not Command.objects.exists() and not Notice.objects.exists()

    answer = agent_client.post(
        url(case), {**body, "notice": "Dzień dobry, nie przyjmiemy zwrotu."}, format="json"
    )
    assert answer.status_code == 200
    notice = Notice.objects.get(case=case)
    assert notice.text == "Dzień dobry, nie przyjmiemy zwrotu." and notice.edited
    assert notice.command is not None and notice.command.payload["text"] == notice.text
