"""Agents correct on the case page how a buyer's comment was understood; retraining learns from it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, cast

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from refund_desk.ai import comments, services
from refund_desk.ai.choices import TEXT_FLAGS, LabelSource
from refund_desk.ai.models import CommentLabel
from refund_desk.ai.text import clean
from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import ActorType, EventType
from refund_desk.cases.models import CaseEvent, RefundCase
from refund_desk.cases.tests.factories import make_user
from refund_desk.core.errors import PermissionDenied, ValidationFailed
from refund_desk.core.roles import Role
from refund_desk.desk.tests.factories import RefundCaseFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
COMMENT = "Ekran jest pęknięty, telefon przyszedł rozbity. Zgłoszę to do UOKiK."


@pytest.fixture
def case(db: None) -> RefundCase:
    return cast(
        RefundCase, RefundCaseFactory.create(primary_reason="DONT_LIKE_IT", with_item__comment=COMMENT)
    )


def _login(client: Client, role: Role) -> Any:
    user = make_user(f"{role.value}-anna", [role])
    client.force_login(cast(User, user))
    return user


def case_url(case: RefundCase) -> str:
    return reverse("desk:case", args=[case.pk])


def correct_url(case: RefundCase) -> str:
    return reverse("ai:case_comment", args=[case.pk])


def selected_reasons(body: str) -> list[str]:
    return re.findall(r'<option value="([A-Z_]+)" selected>', body)


def checked_flags(body: str) -> list[str]:
    return re.findall(r'name="flags" value="([a-z_]+)" checked', body)


def notes_of(case: RefundCase) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case=case, type=EventType.NOTE).order_by("id"))


def test_case_page_shows_the_models_reading_and_the_form_prefilled_with_it(
    client: Client, case: RefundCase, comment_model: comments.CommentModel
) -> None:
    # given what the model reads in the buyer's comment
    expected = comment_model.analyse(COMMENT, "DONT_LIKE_IT")
    expected_flags = [flag for flag in TEXT_FLAGS if flag in expected.flags]
    assert "legal_threat" in expected_flags  # "UOKiK": the keyword layer always raises it
    _login(client, Role.AGENT)

    # when an agent opens the case page
    body = client.get(case_url(case)).content.decode()

    # then the AI review shows the reading, and the collapsed form starts from it
    assert f'data-predicted-reason="{expected.reason}"' in body
    assert "Legal threat" in body
    assert f'action="{correct_url(case)}"' in body
    assert f'hx-post="{correct_url(case)}"' in body
    assert '<details class="ai-review__correct">' in body  # collapsed
    assert selected_reasons(body) == [expected.reason]
    assert checked_flags(body) == expected_flags
    assert "REASON_MISMATCH" not in body and 'value="reason_mismatch"' not in body  # derived, not correctable


def test_without_a_trained_model_the_form_starts_from_the_buyers_reason(
    client: Client, case: RefundCase, settings: Any, tmp_path: Path
) -> None:
    settings.DATA_DIR = tmp_path  # no saved comment model here; the page must not train one
    comments.forget_cached_models()
    _login(client, Role.AGENT)

    body = client.get(case_url(case)).content.decode()

    assert "No comment model has been trained yet." in body
    assert selected_reasons(body) == ["DONT_LIKE_IT"]
    assert checked_flags(body) == []
    assert not (tmp_path / "models").exists() or not any((tmp_path / "models").iterdir())


def test_agent_correction_with_htmx_is_stored_noted_and_shown(
    client: Client, case: RefundCase, comment_model: comments.CommentModel
) -> None:
    agent = _login(client, Role.AGENT)
    predicted = comment_model.analyse(COMMENT, "DONT_LIKE_IT")

    # when the agent corrects the reading
    response = client.post(
        correct_url(case), {"reason": "DAMAGED", "flags": ["legal_threat", "damage"]}, headers=HTMX
    )

    # then the correction is stored as an agent label of this case, with the comment's text
    assert response.status_code == 200
    label = CommentLabel.objects.get()
    assert label.source == LabelSource.AGENT
    assert label.case_id == case.pk
    assert label.created_by == agent
    assert label.reason == "DAMAGED"
    assert label.flags == ["damage", "legal_threat"]
    assert label.text == clean(COMMENT).text
    assert label.language == predicted.language
    # the case timeline has a note by the agent with the model's reading before and the correction after
    (note,) = notes_of(case)
    assert note.actor_type == ActorType.USER
    assert note.actor_user == agent
    assert "DAMAGED" in note.reason
    assert note.payload["commentLabel"] == label.pk
    assert note.payload["before"] == {
        "reason": predicted.reason,
        "flags": [flag for flag in predicted.flags if flag in TEXT_FLAGS],
    }
    assert note.payload["after"] == {"reason": "DAMAGED", "flags": ["damage", "legal_threat"]}
    # and the re-rendered fragment shows who corrected what, with the form now starting from the correction
    body = response.content.decode()
    assert body.lstrip().startswith("<section")
    assert "<html" not in body
    assert 'id="ai-review"' in body
    assert "Correction saved." in body
    assert f"Corrected by {agent.get_username()} on " in body
    assert ": Damaged; flags: Damage, Legal threat" in body
    assert f'data-comment-label="{label.pk}"' in body
    assert selected_reasons(body) == ["DAMAGED"]
    assert checked_flags(body) == ["damage", "legal_threat"]


def test_plain_form_post_redirects_to_the_case_page_which_shows_the_latest_correction(
    client: Client, case: RefundCase, comment_model: comments.CommentModel
) -> None:
    agent = _login(client, Role.SUPERVISOR)
    client.post(correct_url(case), {"reason": "NOT_NEW", "flags": ["used_or_not_new"]})

    response = client.post(correct_url(case), {"reason": "TOO_SMALL"})

    assert response.status_code == 303
    assert response["Location"] == case_url(case) + "#ai-review"
    assert [(label.reason, label.flags) for label in CommentLabel.objects.order_by("pk")] == [
        ("NOT_NEW", ["used_or_not_new"]),
        ("TOO_SMALL", []),
    ]
    body = client.get(case_url(case)).content.decode()
    assert "Correction saved." in body  # the message after the redirect
    assert f"Corrected by {agent.get_username()} on " in body
    assert ": Too small; no flags" in body
    assert "Not new; flags" not in body  # only the latest correction is shown
    assert selected_reasons(body) == ["TOO_SMALL"]
    assert checked_flags(body) == []


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"reason": "BROKEN_SCREEN", "flags": ["damage"]}, "reason"),
        ({"reason": "DAMAGED", "flags": ["damage", "teleported"]}, "flags"),
    ],
)
def test_unknown_reason_or_flag_shows_the_error_at_its_field_and_stores_nothing(
    client: Client, case: RefundCase, comment_model: comments.CommentModel, data: dict[str, Any], field: str
) -> None:
    _login(client, Role.AGENT)

    response = client.post(correct_url(case), data, headers=HTMX)

    assert response.status_code == 422
    assert not CommentLabel.objects.exists()
    assert notes_of(case) == []
    body = response.content.decode()
    error = re.search(rf'<p class="field__error" id="ai-correct-{field}-errors">([^<]+)</p>', body)
    assert error is not None
    assert "Select a valid choice" in error.group(1)
    assert len(re.findall(r'class="field__error"', body)) == 1  # only the named field
    assert '<details class="ai-review__correct" open>' in body
    assert "Correction saved." not in body


def test_plain_form_post_with_an_unknown_reason_goes_back_with_the_error(
    client: Client, case: RefundCase
) -> None:
    _login(client, Role.AGENT)

    response = client.post(correct_url(case), {"reason": "BROKEN_SCREEN"}, follow=True)

    assert response.redirect_chain == [(case_url(case) + "#ai-review", 303)]
    assert "The change was not saved: Select a valid choice." in response.content.decode()
    assert not CommentLabel.objects.exists()


def test_auditor_sees_the_reading_but_no_form_and_may_not_post(
    client: Client, case: RefundCase, comment_model: comments.CommentModel
) -> None:
    _login(client, Role.AUDITOR)

    page = client.get(case_url(case)).content.decode()
    plain = client.post(correct_url(case), {"reason": "DAMAGED", "flags": ["damage"]})
    htmx = client.post(correct_url(case), {"reason": "DAMAGED", "flags": ["damage"]}, headers=HTMX)

    assert "data-predicted-reason=" in page
    assert correct_url(case) not in page
    assert 'name="flags"' not in page
    assert plain.status_code == 403
    assert htmx.status_code == 403
    assert "Your role can read cases but not change them." in htmx.content.decode()
    assert 'name="flags"' not in htmx.content.decode()
    assert not CommentLabel.objects.exists()
    assert notes_of(case) == []


def test_case_without_a_buyer_comment_has_no_form_and_refuses_a_correction(client: Client) -> None:
    case = RefundCaseFactory.create(with_item__comment="  ")
    _login(client, Role.AGENT)

    page = client.get(case_url(case)).content.decode()
    response = client.post(correct_url(case), {"reason": "DAMAGED"}, headers=HTMX)

    assert "Buyer's comment as the model reads it" not in page
    assert correct_url(case) not in page
    assert response.status_code == 422
    assert "This case has no buyer comment to correct." in response.content.decode()
    assert not CommentLabel.objects.exists()


def test_the_service_refuses_auditors_and_cases_without_a_comment(case: RefundCase) -> None:
    auditor = make_user("auditor-bob", [Role.AUDITOR])
    bare = RefundCaseFactory.create(with_item=False)

    with pytest.raises(PermissionDenied):
        services.case_comment_correct(case=case, reason="DAMAGED", flags=[], actor=Actor.for_user(auditor))
    with pytest.raises(PermissionDenied):
        services.case_comment_correct(case=case, reason="DAMAGED", flags=[], actor=Actor.system("cli"))
    with pytest.raises(ValidationFailed) as refused:
        services.case_comment_correct(
            case=bare, reason="DAMAGED", flags=[], actor=Actor.for_user(make_user("agent-bob", [Role.AGENT]))
        )

    assert refused.value.errors == [("text", "the case has no buyer comment to correct")]
    assert not CommentLabel.objects.exists()


def test_a_correction_from_the_desk_is_training_data_for_the_comment_model(
    client: Client, case: RefundCase, comment_model: comments.CommentModel
) -> None:
    _login(client, Role.AGENT)

    client.post(correct_url(case), {"reason": "NOT_AS_DESCRIBED", "flags": []}, headers=HTMX)
    client.post(correct_url(case), {"reason": "DAMAGED", "flags": ["damage"]}, headers=HTMX)

    # Both corrections are kept (audit), but the model learns only the latest one for the case.
    assert CommentLabel.objects.filter(case_id=case.pk).count() == 2
    (example,) = comments.agent_examples()
    assert (example.text, example.reason, example.flags) == (clean(COMMENT).text, "DAMAGED", ["damage"])
    assert example.weight == comments.AGENT_WEIGHT


# --- REST API ---------------------------------------------------------------------------------------


def api_client(role: Role) -> tuple[APIClient, Any]:
    user = make_user(f"api-{role.value}", [role])
    client = APIClient()
    client.force_authenticate(user)
    return client, user


def api_url(case: RefundCase) -> str:
    return f"/api/v1/cases/{case.pk}/comment-labels/"


def test_api_correction_is_stored_and_returned(
    case: RefundCase, comment_model: comments.CommentModel
) -> None:
    client, agent = api_client(Role.AGENT)

    response = client.post(api_url(case), {"reason": "DAMAGED", "flags": ["damage"]}, format="json")

    assert response.status_code == 201, response.content
    label = CommentLabel.objects.get()
    assert (label.case_id, label.created_by, label.reason, label.flags) == (
        case.pk,
        agent,
        "DAMAGED",
        ["damage"],
    )
    body = response.json()
    assert body["id"] == label.pk
    assert body["caseId"] == case.pk
    assert (body["reason"], body["flags"], body["createdBy"]) == ("DAMAGED", ["damage"], agent.get_username())
    assert notes_of(case)[-1].payload["commentLabel"] == label.pk


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"reason": "BROKEN_SCREEN"}, "reason"),
        ({"reason": "DAMAGED", "flags": ["damage", "teleported"]}, "flags.1"),
    ],
)
def test_api_refuses_unknown_values_with_a_field_error(
    case: RefundCase, data: dict[str, Any], field: str
) -> None:
    client, _ = api_client(Role.AGENT)

    response = client.post(api_url(case), data, format="json")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert not CommentLabel.objects.exists()


def test_api_refuses_auditors_and_cases_without_a_comment(case: RefundCase) -> None:
    auditor, _ = api_client(Role.AUDITOR)
    agent, _ = api_client(Role.AGENT)
    bare = RefundCaseFactory.create(with_item=False)

    forbidden = auditor.post(api_url(case), {"reason": "DAMAGED"}, format="json")
    no_comment = agent.post(api_url(bare), {"reason": "DAMAGED"}, format="json")

    assert forbidden.status_code == 403
    assert no_comment.status_code == 400
    assert no_comment.json()["errors"] == [
        {"field": "text", "message": "the case has no buyer comment to correct"}
    ]
    assert not CommentLabel.objects.exists()
