"""Rejecting from the desk: Allegro's code and a reason, a confirmation showing what will be sent, then the
rejection and its command for Allegro. Bad input is refused naming the field; auditors cannot reject."""

from __future__ import annotations

import html

import pytest
from django.test import Client
from django.urls import reverse

from refund_desk.cases.choices import CaseSource, CaseStatus
from refund_desk.cases.models import CaseEvent, RefundCase
from refund_desk.desk.tests.factories import RefundCaseFactory
from refund_desk.notices.models import Notice
from refund_desk.outbound.choices import CommandKind
from refund_desk.outbound.models import Command

pytestmark = pytest.mark.django_db


def reject_url(case: RefundCase) -> str:
    return reverse("desk:case_reject", args=[case.pk])


@pytest.fixture
def case() -> RefundCase:
    return RefundCaseFactory.create(status=CaseStatus.NEW, source=CaseSource.CUSTOMER_RETURN)


def test_the_form_then_the_confirmation_then_the_rejection(agent_client: Client, case: RefundCase) -> None:
    form = agent_client.get(reject_url(case))
    assert form.status_code == 200 and 'name="code"' in form.content.decode()

    review = agent_client.post(reject_url(case), {"code": "REFUND_REJECTED", "reason": "Ślady użytkowania."})
    page = review.content.decode()
    assert review.status_code == 200 and "Confirm the rejection" in page and "Ślady użytkowania." in page
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW and not Command.objects.exists()  # nothing before confirming

    # The confirmation shows the drafted notice in the buyer's language, for the person to edit.
    assert 'name="notice"' in page and "Najważniejsze powody" in page and "rzecznika konsumentów" in page
    edited = page.split('name="notice"')[1].split(">", 1)[1].split("</textarea>")[0]
    edited = html.unescape(edited).replace("Pozdrawiamy", "Z pozdrowieniami")

    too_long = agent_client.post(
        reject_url(case),
        {"code": "REFUND_REJECTED", "reason": "Ślady użytkowania.", "confirm": "1", "notice": "x" * 2001},
    )
    assert too_long.status_code == 422 and "at most 2000 characters" in too_long.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW and not Command.objects.exists()

    done = agent_client.post(
        reject_url(case),
        {"code": "REFUND_REJECTED", "reason": "Ślady użytkowania.", "confirm": "1", "notice": edited},
        follow=True,
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.REJECTED
    assert "on its way to Allegro" in done.content.decode()
    command = Command.objects.get(case=case, kind=CommandKind.RETURN_REJECT)
    assert command.payload["code"] == "REFUND_REJECTED" and command.payload["reason"] == "Ślady użytkowania."
    notice = Notice.objects.get(case=case)
    assert notice.edited and "Z pozdrowieniami" in notice.text and notice.lang == "pl"
    assert notice.command is not None and notice.command.payload["text"] == notice.text
    page = done.content.decode()
    assert "Sent to Allegro" in page and "Told to the buyer" in page  # the case page's panels


def test_change_it_goes_back_to_the_form_with_the_values(agent_client: Client, case: RefundCase) -> None:
    answer = agent_client.post(reject_url(case), {"code": "NO_RETURN_RIGHT", "reason": "Sealed", "edit": "1"})
    page = answer.content.decode()
    assert "Review the rejection" in page and "Sealed" in page
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"code": "REFUND_REJECTED", "reason": ""}, "This field is required."),
        ({"code": "REFUND_REJECTED", "reason": "x" * 251}, "at most 250 characters"),
        ({"code": "WHATEVER", "reason": "ok"}, "Select a valid choice."),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_writes_nothing(
    agent_client: Client, case: RefundCase, data: dict[str, str], message: str
) -> None:
    before = CaseEvent.objects.filter(case=case).count()
    answer = agent_client.post(reject_url(case), {**data, "confirm": "1"})
    assert answer.status_code == 422 and message in answer.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW and not Command.objects.exists()
    assert CaseEvent.objects.filter(case=case).count() == before


def test_the_plain_transition_does_not_reject(agent_client: Client, case: RefundCase) -> None:
    answer = agent_client.post(reverse("desk:case_transition", args=[case.pk]), {"to": "REJECTED"})
    assert answer.status_code == 303
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW


def test_an_auditor_cannot_reject(auditor_client: Client, case: RefundCase) -> None:
    answer = auditor_client.post(
        reject_url(case), {"code": "REFUND_REJECTED", "reason": "no", "confirm": "1"}
    )
    assert answer.status_code == 403
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW


def test_a_case_that_cannot_be_rejected_says_so(agent_client: Client) -> None:
    refunded = RefundCaseFactory.create(status=CaseStatus.REFUNDED, source=CaseSource.CUSTOMER_RETURN)
    answer = agent_client.get(reject_url(refunded), follow=True)
    assert "cannot be rejected now" in answer.content.decode()
