"""Notices to buyers: every kind in every language fills completely, supervisors version the wording but
cannot drop the buyer's rights from it, each case's notice goes where Allegro allows, and a message whose
answer was lost is read back rather than posted twice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import CaseSource
from refund_desk.cases.models import RefundCase, SellerAccount
from refund_desk.cases.tests.factories import make_user
from refund_desk.core.errors import PermissionDenied, ValidationFailed
from refund_desk.core.roles import Role
from refund_desk.messaging.choices import AuthorRole
from refund_desk.messaging.services import MessageData, thread_sync
from refund_desk.notices.choices import NoticeChannel, NoticeKind, NoticeLanguage
from refund_desk.notices.models import Notice, NoticeTemplate
from refund_desk.notices.rendering import PLACEHOLDER
from refund_desk.notices.selectors import notice_route, template_current
from refund_desk.notices.services import notice_send, notice_template_save
from refund_desk.notices.texts import REQUIRED, TEMPLATES
from refund_desk.outbound import services as outbound
from refund_desk.outbound.choices import CommandKind, CommandStatus
from refund_desk.outbound.tests.test_commands import FakeDecisions, allegro  # noqa: F401  -- fixture
from refund_desk.payments.tests.conftest import account, ingest  # noqa: F401  -- fixture
from refund_desk.policy.tests.builders import case as case_file
from refund_desk.workflows.notices import Decided, decision_notice

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(account: SellerAccount) -> RefundCase:  # noqa: F811
    return ingest(account, case_file())


@pytest.mark.parametrize("kind", NoticeKind.values)
@pytest.mark.parametrize("lang", NoticeLanguage.values)
def test_every_kind_in_every_language_fills_every_placeholder(case: RefundCase, kind: str, lang: str) -> None:
    assert REQUIRED[kind] <= set(PLACEHOLDER.findall(TEMPLATES[kind][lang]))
    decided = Decided(
        kind=NoticeKind(kind), automated=kind == NoticeKind.REFUND, code="REFUND_REJECTED", reason="R"
    )
    draft = decision_notice(case=case, decided=decided, lang=lang)
    assert draft.lang == lang and draft.template_version == 0
    assert not PLACEHOLDER.search(draft.text), draft.text
    assert case.account.name in draft.text and len(draft.text) <= draft.limit


def test_a_supervisor_versions_the_wording_and_cannot_drop_the_buyers_rights(case: RefundCase) -> None:
    lead = Actor.for_user(make_user("lead-ola", [Role.SUPERVISOR]))
    agent = Actor.for_user(make_user("agent-ewa", [Role.AGENT]))
    body = "Dzień dobry, odmowa ({reference}).\n{reasons}\n{decided_by}\n{contest}\n{adr}\n{seller}"
    with pytest.raises(PermissionDenied):
        notice_template_save(kind="REJECTED", lang="pl", body=body, actor=agent)
    with pytest.raises(ValidationFailed) as unknown:
        notice_template_save(kind="REJECTED", lang="pl", body=body + " {case.__class__}", actor=lead)
    assert unknown.value.errors[0][0] == "body" and "unknown placeholder" in unknown.value.errors[0][1]
    with pytest.raises(ValidationFailed) as dropped:
        notice_template_save(kind="REJECTED", lang="pl", body=body.replace("{contest}", ""), actor=lead)
    assert "{contest}" in dropped.value.errors[0][1]
    assert not NoticeTemplate.objects.exists()

    first = notice_template_save(kind="REJECTED", lang="pl", body=body, actor=lead)
    second = notice_template_save(kind="REJECTED", lang="pl", body=body + "\nPS", actor=lead)
    assert (first.version, second.version) == (1, 2)
    assert template_current("REJECTED", "pl").version == 2 and template_current("REJECTED", "cs").version == 0
    draft = decision_notice(
        case=case, decided=Decided(kind=NoticeKind.REJECTED, automated=False, reason="Brak")
    )
    assert draft.template_version == 2 and draft.text.startswith("Dzień dobry, odmowa") and "PS" in draft.text
    with pytest.raises(TypeError):
        first.save()


def test_a_return_with_a_thread_about_its_order_gets_a_reply_there(
    case: RefundCase,
    allegro: FakeDecisions,  # noqa: F811
) -> None:
    assert notice_route(case).channel == NoticeChannel.NEW_MESSAGE
    thread_sync(
        account=case.account,
        external_id="thread-9",
        buyer_login=case.buyer_login,
        last_message_at=timezone.now(),
        read=False,
        messages=[
            MessageData(
                external_id="m-1",
                author_role=AuthorRole.BUYER,
                author_login=case.buyer_login,
                text="Kiedy zwrot?",
                created_at=timezone.now(),
                order_external_id=case.order_external_id,
            )
        ],
    )
    route = notice_route(case)
    assert route.channel == NoticeChannel.THREAD_REPLY and route.target == {"threadId": "thread-9"}
    manual = RefundCase.objects.filter(pk=case.pk)
    manual.update(source=CaseSource.MANUAL)
    assert notice_route(manual.get()).channel == NoticeChannel.NONE


def test_a_notice_whose_answer_was_lost_is_read_back_not_posted_twice(
    case: RefundCase,
    allegro: FakeDecisions,  # noqa: F811
) -> None:
    agent = Actor.for_user(make_user("agent-iza", [Role.AGENT]))
    draft = decision_notice(case=case, decided=Decided(kind=NoticeKind.REFUND, automated=False))
    notice = notice_send(case=case, draft=draft, actor=agent)
    command = notice.command
    assert command is not None and command.kind == CommandKind.NEW_MESSAGE
    assert command.payload == {
        "login": case.buyer_login,
        "orderId": case.order_external_id,
        "text": notice.text,
    }

    allegro.post_then_fail = True
    first = outbound.command_execute(command_id=command.pk)
    assert first.status == CommandStatus.PENDING
    done = outbound.command_execute(command_id=command.pk, now=timezone.now() + timedelta(minutes=5))
    assert done.status == CommandStatus.DONE and done.answer["readBack"] is True
    assert len(allegro.posts) == 1  # posted once; the second attempt found it in the thread

    with pytest.raises(ValidationFailed, match="already sent"):
        notice_send(case=case, draft=draft, actor=agent)
    assert Notice.objects.filter(case=case).count() == 1
    with pytest.raises(TypeError):
        notice.save()


def test_message_center_posts_wait_their_turn_without_holding_a_worker(
    case: RefundCase,
    allegro: FakeDecisions,  # noqa: F811
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.OUTBOUND_MESSAGE_INTERVAL = 60.0
    monkeypatch.setattr(outbound, "_last_post", {})  # no earlier test's post counts
    agent = Actor.for_user(make_user("agent-pola", [Role.AGENT]))
    first = notice_send(
        case=case,
        draft=decision_notice(case=case, decided=Decided(kind=NoticeKind.REFUND, automated=False)),
        actor=agent,
    )
    second = notice_send(
        case=case,
        draft=decision_notice(
            case=case, decided=Decided(kind=NoticeKind.REJECTED, automated=False, reason="Nie")
        ),
        actor=agent,
    )
    assert first.command is not None and second.command is not None
    now = timezone.now()
    assert outbound.command_execute(command_id=first.command.pk, now=now).status == CommandStatus.DONE
    waiting = outbound.command_execute(command_id=second.command.pk, now=now)
    # not sent, not counted as an attempt, back in the queue for its turn
    assert waiting.status == CommandStatus.PENDING and waiting.attempts == 0
    assert waiting.next_attempt_at > now + timedelta(seconds=50) and len(allegro.posts) == 1
