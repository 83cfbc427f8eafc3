"""Transitions and notes from the case page: htmx fragments, the event log, roles and refusals."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from refund_desk.cases.choices import ActorType, CaseStatus, EventType
from refund_desk.cases.models import CaseEvent, RefundCase
from refund_desk.desk.tests.factories import RefundCaseFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def transition_url(case: RefundCase) -> str:
    return reverse("desk:case_transition", args=[case.pk])


def note_url(case: RefundCase) -> str:
    return reverse("desk:case_note", args=[case.pk])


def events_of(case: RefundCase) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case=case).order_by("id"))


def test_agent_moves_a_case_with_htmx(agent_client: Client, agent) -> None:
    # given a new case
    case = RefundCaseFactory.create(status=CaseStatus.NEW)

    # when the agent clicks "Start review" (htmx POST)
    response = agent_client.post(
        transition_url(case), {"to": "UNDER_REVIEW", "reason": "photos needed"}, headers=HTMX
    )

    # then the case moved, the event records the agent, and the fragment shows the new state
    case.refresh_from_db()
    assert response.status_code == 200
    assert case.status == CaseStatus.UNDER_REVIEW
    event = events_of(case)[-1]
    assert event.type == EventType.TRANSITION
    assert (event.from_status, event.to_status) == (CaseStatus.NEW, CaseStatus.UNDER_REVIEW)
    assert event.actor_type == ActorType.USER
    assert event.actor_user == agent
    assert event.actor_label == "agnieszka"
    assert event.reason == "photos needed"
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="case-live"')
    assert "<html" not in body
    assert 'data-status="UNDER_REVIEW"' in body
    assert "photos needed" in body  # the timeline in the fragment has the new event
    assert '<div id="case-announcer" hx-swap-oob="innerHTML">Status changed to “Under review”.</div>' in body
    # the actions now are those allowed from UNDER_REVIEW
    assert 'value="APPROVED"' in body and 'value="CLOSED"' not in body


def test_buttons_show_the_moves_allowed_now(agent_client: Client) -> None:
    case = RefundCaseFactory.create(status=CaseStatus.REFUNDED)

    body = agent_client.get(reverse("desk:case", args=[case.pk])).content.decode()

    assert 'name="to" value="CLOSED"' in body
    assert body.count('name="to" value=') == 1
    assert 'hx-post="' + transition_url(case) + '"' in body
    assert 'name="csrfmiddlewaretoken"' in body


def test_illegal_transition_shows_error_and_changes_nothing(agent_client: Client) -> None:
    case = RefundCaseFactory.create(status=CaseStatus.NEW)
    before = events_of(case)

    response = agent_client.post(transition_url(case), {"to": "REFUNDED"}, headers=HTMX)

    case.refresh_from_db()
    assert response.status_code == 409
    assert "This case cannot move from “New” to “Refunded”" in response.content.decode()
    assert case.status == CaseStatus.NEW
    assert events_of(case) == before


def test_unknown_status_is_refused(agent_client: Client) -> None:
    case = RefundCaseFactory.create(status=CaseStatus.NEW)

    response = agent_client.post(transition_url(case), {"to": "VANISHED"}, headers=HTMX)

    case.refresh_from_db()
    assert response.status_code == 422
    assert case.status == CaseStatus.NEW
    assert 'class="alert alert--error"' in response.content.decode()


def test_agent_cannot_decide_an_appeal(agent_client: Client) -> None:
    # given an appealed case
    case = RefundCaseFactory.create(status=CaseStatus.APPEALED)
    before = events_of(case)

    # the agent sees no decision buttons, only a hint
    page = agent_client.get(reverse("desk:case", args=[case.pk])).content.decode()
    assert 'name="to"' not in page
    assert "Some moves of this case need a supervisor." in page

    # and a crafted POST is refused by the service, shown inline, changing nothing
    response = agent_client.post(transition_url(case), {"to": "APPROVED"}, headers=HTMX)
    case.refresh_from_db()
    assert response.status_code == 403
    assert "Only a supervisor may move a case from “Appealed” to “Approved”." in response.content.decode()
    assert case.status == CaseStatus.APPEALED
    assert events_of(case) == before


def test_supervisor_decides_an_appeal(supervisor_client: Client, supervisor) -> None:
    case = RefundCaseFactory.create(status=CaseStatus.APPEALED)

    page = supervisor_client.get(reverse("desk:case", args=[case.pk])).content.decode()
    response = supervisor_client.post(transition_url(case), {"to": "APPROVED"}, headers=HTMX)

    case.refresh_from_db()
    assert 'name="to" value="APPROVED"' in page
    assert response.status_code == 200
    assert case.status == CaseStatus.APPROVED
    assert events_of(case)[-1].actor_user == supervisor


def test_auditor_is_read_only(auditor_client: Client) -> None:
    case = RefundCaseFactory.create(status=CaseStatus.NEW)
    before = events_of(case)

    page = auditor_client.get(reverse("desk:case", args=[case.pk]))
    transition = auditor_client.post(transition_url(case), {"to": "UNDER_REVIEW"})
    transition_htmx = auditor_client.post(transition_url(case), {"to": "UNDER_REVIEW"}, headers=HTMX)
    note = auditor_client.post(note_url(case), {"text": "hello"})

    case.refresh_from_db()
    assert page.status_code == 200
    assert 'name="to"' not in page.content.decode()
    assert 'name="text"' not in page.content.decode()
    assert "Read-only" in page.content.decode()
    assert transition.status_code == 403
    assert transition_htmx.status_code == 403
    assert note.status_code == 403
    assert case.status == CaseStatus.NEW
    assert events_of(case) == before


def test_agent_adds_a_note(agent_client: Client, agent) -> None:
    case = RefundCaseFactory.create()

    response = agent_client.post(note_url(case), {"text": "Called the buyer <b>today</b>"}, headers=HTMX)

    event = events_of(case)[-1]
    assert response.status_code == 200
    assert (event.type, event.actor_user, event.reason) == (
        EventType.NOTE,
        agent,
        "Called the buyer <b>today</b>",
    )
    assert "Called the buyer &lt;b&gt;today&lt;/b&gt;" in response.content.decode()


def test_empty_note_is_refused(agent_client: Client) -> None:
    case = RefundCaseFactory.create()
    before = events_of(case)

    response = agent_client.post(note_url(case), {"text": "   "}, headers=HTMX)

    assert response.status_code == 422
    assert "A note cannot be empty." in response.content.decode()
    assert events_of(case) == before


def test_plain_form_post_redirects_back_with_a_message(agent_client: Client) -> None:
    case = RefundCaseFactory.create(status=CaseStatus.NEW)

    response = agent_client.post(transition_url(case), {"to": "ESCALATED"}, follow=True)

    case.refresh_from_db()
    assert response.redirect_chain == [(reverse("desk:case", args=[case.pk]), 303)]
    assert case.status == CaseStatus.ESCALATED
    assert "Status changed to “Escalated”." in response.content.decode()


def test_error_message_in_polish(agent_client: Client) -> None:
    case = RefundCaseFactory.create(status=CaseStatus.APPEALED)

    response = agent_client.post(
        transition_url(case), {"to": "REJECTED"}, headers={**HTMX, "Accept-Language": "pl"}
    )

    assert "Tylko przełożony może zmienić status zgłoszenia z „Odwołanie” na „Odrzucone”." in (
        response.content.decode()
    )


def test_anonymous_post_is_redirected_and_changes_nothing(client: Client) -> None:
    case = RefundCaseFactory.create(status=CaseStatus.NEW)

    response = client.post(transition_url(case), {"to": "UNDER_REVIEW"})

    case.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert case.status == CaseStatus.NEW


def test_transition_requires_csrf(agent) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    case = RefundCaseFactory.create(status=CaseStatus.NEW)

    response = client.post(transition_url(case), {"to": "UNDER_REVIEW"}, headers=HTMX)

    case.refresh_from_db()
    assert response.status_code == 403
    assert case.status == CaseStatus.NEW
