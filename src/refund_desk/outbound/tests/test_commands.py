"""A rejection is carried out on Allegro exactly once: queued with the decision, sent after commit, retried
when Allegro may not have acted, read back before it is sent again, and a refusal reaches a person."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import CaseSource, CaseStatus, EventType
from refund_desk.cases.models import CaseEvent, RefundCase, SellerAccount
from refund_desk.cases.services import case_transition
from refund_desk.cases.tests.factories import make_user
from refund_desk.core.effects import TASKS
from refund_desk.core.errors import PermissionDenied, ValidationFailed
from refund_desk.core.ports import GatewayRejected, GatewayUnavailable
from refund_desk.core.roles import Role
from refund_desk.outbound import services
from refund_desk.outbound.choices import MESSAGE_KINDS, CommandKind, CommandStatus
from refund_desk.outbound.gateway import RemoteChat, RemoteIssue, RemoteReturn, decision_gateway
from refund_desk.outbound.models import Command
from refund_desk.payments.choices import AlertKind
from refund_desk.payments.models import Alert
from refund_desk.payments.tests.conftest import ingest
from refund_desk.policy.tests.builders import case as case_file
from refund_desk.workflows.rejection import case_reject

pytestmark = pytest.mark.django_db


@dataclass
class FakeDecisions:
    """Allegro's returns in memory; `fail` holds what the next reject calls raise, in order."""

    rejected: dict[str, tuple[str, str]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    fail: list[Exception] = field(default_factory=list)
    act_then_fail: bool = False  # Allegro rejects but the answer is lost
    accepted: set[str] = field(default_factory=set)  # claims accepted in Sales Center
    chats: dict[str, list[str]] = field(default_factory=dict)  # conversation id -> seller texts
    posts: list[tuple[str, str]] = field(default_factory=list)  # (conversation, text) per post call
    post_then_fail: bool = False  # the message is posted but the answer is lost
    decisions: list[tuple[str, str, tuple[Decimal, str] | None]] = field(default_factory=list)

    def reject_return(
        self, account: SellerAccount, return_id: str, *, code: str, reason: str
    ) -> RemoteReturn:
        self.calls.append(return_id)
        if self.act_then_fail:
            self.act_then_fail = False
            self.rejected[return_id] = (code, reason)
            raise GatewayUnavailable("timeout after sending")
        if self.fail:
            raise self.fail.pop(0)
        if return_id in self.rejected:
            raise GatewayRejected("already rejected", codes=["ALREADY_REJECTED"])
        self.rejected[return_id] = (code, reason)
        return self.get_return(account, return_id)

    def get_return(self, account: SellerAccount, return_id: str) -> RemoteReturn:
        if return_id in self.rejected:
            code, reason = self.rejected[return_id]
            return RemoteReturn(id=return_id, status="REJECTED", rejection_code=code, rejection_reason=reason)
        return RemoteReturn(id=return_id, status="DELIVERED")

    def decide_claim(
        self,
        account: SellerAccount,
        issue_id: str,
        *,
        status: str,
        message: str,
        partial_refund: tuple[Decimal, str] | None = None,
    ) -> None:
        self.calls.append(issue_id)
        if status.startswith("ACCEPTED_"):
            if self.fail:
                raise self.fail.pop(0)
            self.accepted.add(issue_id)
            self.decisions.append((issue_id, status, partial_refund))
            self.chats.setdefault(issue_id, []).append(message)
            if self.act_then_fail:
                self.act_then_fail = False
                raise GatewayUnavailable("timeout after sending")
            return
        if self.act_then_fail:
            self.act_then_fail = False
            self.rejected[issue_id] = (status, message)
            raise GatewayUnavailable("timeout after sending")
        if self.fail:
            raise self.fail.pop(0)
        if issue_id in self.accepted:
            raise GatewayRejected(
                "400", user_message="An accepted claim can only change to another acceptance"
            )
        self.rejected[issue_id] = (status, message)

    def get_issue(self, account: SellerAccount, issue_id: str) -> RemoteIssue:
        status = "CLAIM_REJECTED" if issue_id in self.rejected else "WAITING_FOR_SELLER_DECISION"
        if issue_id in self.accepted:
            status = "CLAIM_ACCEPTED"
        return RemoteIssue(id=issue_id, type="CLAIM", status=status)

    def _post(self, where: str, text: str) -> None:
        self.posts.append((where, text))
        if self.fail:
            raise self.fail.pop(0)
        self.chats.setdefault(where, []).append(text)
        if self.post_then_fail:
            self.post_then_fail = False
            raise GatewayUnavailable("connection reset after posting")

    def post_issue_message(self, account: SellerAccount, issue_id: str, *, text: str) -> None:
        self._post(issue_id, text)

    def issue_chat(self, account: SellerAccount, issue_id: str) -> RemoteChat:
        return RemoteChat(id=issue_id, seller_texts=tuple(self.chats.get(issue_id, [])))

    def post_thread_message(self, account: SellerAccount, thread_id: str, *, text: str) -> None:
        self._post(thread_id, text)

    def thread_chat(self, account: SellerAccount, thread_id: str) -> RemoteChat:
        return RemoteChat(id=thread_id, seller_texts=tuple(self.chats.get(thread_id, [])))

    def new_message(self, account: SellerAccount, *, login: str, order_id: str, text: str) -> RemoteChat:
        self._post(f"thread-{login}", text)
        return self.thread_chat(account, f"thread-{login}")

    def buyer_chat(self, account: SellerAccount, login: str) -> RemoteChat | None:
        where = f"thread-{login}"
        return self.thread_chat(account, where) if where in self.chats else None


@pytest.fixture
def allegro() -> Iterator[FakeDecisions]:
    fake = FakeDecisions()
    with decision_gateway.override(fake):
        yield fake


@pytest.fixture
def case(account: SellerAccount) -> RefundCase:
    return ingest(account, case_file())


@pytest.fixture
def agent(db: Any) -> Actor:
    return Actor.for_user(make_user("agent-rita", [Role.AGENT]))


def _reject(case: RefundCase, actor: Actor, capture: Any, **kwargs: Any) -> Command:
    with capture(execute=False) as callbacks:
        case_reject(case=case, actor=actor, **{"code": "REFUND_REJECTED", "reason": "Used item", **kwargs})
    command = Command.objects.exclude(kind__in=MESSAGE_KINDS).get(case=case)
    task = TASKS["outbound.command_execute"]
    queued = [c for c in callbacks if getattr(c, "func", None) is task and c.args == (command.pk,)]
    assert len(queued) == 1  # the command's task, once the decision commits
    return command


def test_a_rejection_is_queued_with_the_decision_and_carried_out_once(
    case: RefundCase, agent: Actor, allegro: FakeDecisions, django_capture_on_commit_callbacks: Any
) -> None:
    command = _reject(case, agent, django_capture_on_commit_callbacks)
    case.refresh_from_db()
    assert case.status == CaseStatus.REJECTED and command.status == CommandStatus.PENDING
    assert command.payload == {"returnId": case.external_id, "code": "REFUND_REJECTED", "reason": "Used item"}

    done = services.command_execute(command_id=command.pk)
    again = services.command_execute(command_id=command.pk)

    assert done.status == again.status == CommandStatus.DONE and allegro.calls == [case.external_id]
    assert allegro.rejected[case.external_id] == ("REFUND_REJECTED", "Used item")
    assert done.answer["returnStatus"] == "REJECTED" and done.answer["readBack"] is False
    events = CaseEvent.objects.filter(
        case=case, type=EventType.OUTBOUND, payload__command=command.pk
    ).order_by("pk")
    assert [e.payload["status"] for e in events] == ["PENDING", "DONE"]
    assert "carried out on Allegro" in events[1].reason


@pytest.mark.parametrize(
    ("kwargs", "field_name"),
    [
        ({"reason": "  "}, "reason"),
        ({"reason": "x" * 251}, "reason"),
        ({"code": "BECAUSE"}, "code"),
        ({"code": ""}, "code"),
    ],
)
def test_a_rejection_without_a_valid_code_or_reason_writes_nothing(
    case: RefundCase, agent: Actor, allegro: FakeDecisions, kwargs: dict[str, str], field_name: str
) -> None:
    before = CaseEvent.objects.filter(case=case).count()
    with pytest.raises(ValidationFailed) as refused:
        case_reject(case=case, actor=agent, **{"code": "REFUND_REJECTED", "reason": "Used item", **kwargs})
    assert [f for f, _ in refused.value.errors] == [field_name]
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW and not Command.objects.exists()
    assert CaseEvent.objects.filter(case=case).count() == before


def test_automation_cannot_reject(case: RefundCase, allegro: FakeDecisions) -> None:
    with pytest.raises(PermissionDenied):
        case_reject(case=case, actor=Actor.system("robot"), code="REFUND_REJECTED", reason="no")
    assert not Command.objects.exists()


def test_an_answer_lost_after_allegro_acted_is_read_back_not_sent_twice(
    case: RefundCase, agent: Actor, allegro: FakeDecisions, django_capture_on_commit_callbacks: Any
) -> None:
    command = _reject(case, agent, django_capture_on_commit_callbacks)
    allegro.act_then_fail = True
    first = services.command_execute(command_id=command.pk)
    assert first.status == CommandStatus.PENDING and "timeout" in first.last_error
    assert first.next_attempt_at > timezone.now() + timedelta(seconds=20)
    # Not due yet: the sweep leaves it (and sends only the buyer's notice, due at once).
    assert services.commands_run_due() == 1
    assert Command.objects.get(case=case, kind=CommandKind.NEW_MESSAGE).status == CommandStatus.DONE

    assert services.commands_run_due(now=first.next_attempt_at + timedelta(seconds=1)) == 1
    command.refresh_from_db()
    assert command.status == CommandStatus.DONE and command.answer["readBack"] is True
    assert allegro.calls == [case.external_id]  # sent once
    assert command.attempts == 2


def test_a_refusal_is_kept_with_allegros_error_and_raises_an_alert(
    case: RefundCase, agent: Actor, allegro: FakeDecisions, django_capture_on_commit_callbacks: Any
) -> None:
    command = _reject(case, agent, django_capture_on_commit_callbacks)
    allegro.fail = [
        GatewayRejected("422", codes=["VALIDATION_ERROR"], user_message="Return is not delivered")
    ]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        refused = services.command_execute(command_id=command.pk)
    for callback in callbacks:
        callback.func.call_local(*callback.args)
    assert refused.status == CommandStatus.REFUSED and refused.last_error == "Return is not delivered"
    alert = Alert.objects.get(kind=AlertKind.COMMAND_REFUSED, case=case)
    assert "Return is not delivered" in alert.message
    event = CaseEvent.objects.filter(case=case, type=EventType.OUTBOUND).last()
    assert event is not None and "Allegro refused it" in event.reason
    # Refused stays refused: no further attempts.
    assert services.command_execute(command_id=command.pk).attempts == 1


def test_rejected_again_after_an_appeal_sends_nothing_new(
    case: RefundCase, agent: Actor, allegro: FakeDecisions, django_capture_on_commit_callbacks: Any
) -> None:
    command = _reject(case, agent, django_capture_on_commit_callbacks)
    services.command_execute(command_id=command.pk)
    case = case_transition(case=case, to=CaseStatus.APPEALED, actor=agent, reason="buyer contests")
    supervisor = Actor.for_user(make_user("lead-lena", [Role.SUPERVISOR]))
    case_reject(case=case, actor=supervisor, code="REFUND_REJECTED", reason="Used item, confirmed")
    rejections = Command.objects.filter(case=case, kind=CommandKind.RETURN_REJECT)
    assert rejections.count() == 1 and allegro.calls == [case.external_id]
    # The buyer is told each decision: the first rejection and the one after the appeal.
    assert Command.objects.filter(case=case, kind=CommandKind.NEW_MESSAGE).count() == 2


def test_the_alert_kind_outbound_names_is_the_one_payments_declares() -> None:
    assert AlertKind(services.REFUSED_ALERT_KIND) == AlertKind.COMMAND_REFUSED


def _claim(account: SellerAccount, kind: str = "CLAIM") -> RefundCase:
    claim = ingest(account, case_file())
    RefundCase.objects.filter(pk=claim.pk).update(
        source=CaseSource.POST_PURCHASE_ISSUE, snapshot={"type": kind, "id": claim.external_id}
    )
    claim.refresh_from_db()
    return claim


def test_a_claim_is_rejected_with_its_status_and_the_reason_goes_to_the_chat(
    account: SellerAccount, agent: Actor, allegro: FakeDecisions, django_capture_on_commit_callbacks: Any
) -> None:
    claim = _claim(account)
    with pytest.raises(ValidationFailed, match="code"):
        case_reject(case=claim, actor=agent, code="REFUND_REJECTED", reason="x")  # a return's code
    command = _reject(
        claim,
        agent,
        django_capture_on_commit_callbacks,
        code="REJECTED_PRODUCT_DAMAGED_BY_USER",
        reason="Zalany",
    )
    assert command.kind == "CLAIM_REJECT"
    assert command.payload["issueId"] == claim.external_id
    assert command.payload["status"] == "REJECTED_PRODUCT_DAMAGED_BY_USER"
    # The chat message of the rejection is the buyer's notice: the reason, how to contest, where to turn.
    message = command.payload["message"]
    assert "Zalany" in message and "Uszkodzenie powstało z winy użytkownika." in message
    assert "inna osoba" in message and "rzecznika konsumentów" in message
    # One message: no separate chat post for the notice.
    assert not Command.objects.filter(case=claim, kind__in=MESSAGE_KINDS).exists()
    allegro.act_then_fail = True
    assert services.command_execute(command_id=command.pk).status == CommandStatus.PENDING
    done = services.command_execute(command_id=command.pk, now=timezone.now() + timedelta(hours=1))
    assert done.status == CommandStatus.DONE and done.answer == {
        "issueStatus": "CLAIM_REJECTED",
        "readBack": True,
    }
    assert allegro.calls == [claim.external_id]  # sent once, found decided when read back


def test_a_dispute_is_rejected_in_the_desk_and_the_buyer_told_in_its_chat(
    account: SellerAccount, agent: Actor, allegro: FakeDecisions
) -> None:
    dispute = _claim(account, kind="DISPUTE")
    case_reject(case=dispute, actor=agent, code="REFUND_REJECTED", reason="Nie dotyczy")
    dispute.refresh_from_db()
    assert dispute.status == CaseStatus.REJECTED
    command = Command.objects.get(case=dispute)
    assert command.kind == CommandKind.ISSUE_MESSAGE and command.payload["issueId"] == dispute.external_id
    assert "Nie dotyczy" in command.payload["text"]


def test_a_claim_accepted_meanwhile_in_sales_center_is_refused_not_counted_as_done(
    account: SellerAccount, agent: Actor, allegro: FakeDecisions, django_capture_on_commit_callbacks: Any
) -> None:
    claim = _claim(account)
    command = _reject(claim, agent, django_capture_on_commit_callbacks, code="REJECTED_OTHER", reason="Nie")
    allegro.accepted.add(claim.external_id)
    refused = services.command_execute(command_id=command.pk)
    assert refused.status == CommandStatus.REFUSED and "acceptance" in refused.last_error


def test_the_task_for_a_command_that_does_not_exist_does_nothing() -> None:
    TASKS["outbound.command_execute"].call_local(987654)
    assert not Command.objects.exists()
