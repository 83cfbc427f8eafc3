"""Carry out decisions on Allegro exactly once: enqueue in the decision's transaction, send with a lease,
retry what may not have arrived, read back before sending again, and tell a person what Allegro refuses."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import EventType
from refund_desk.cases.isolation import case_isolated
from refund_desk.cases.models import RefundCase
from refund_desk.cases.services import event_append
from refund_desk.core.effects import run_after_commit
from refund_desk.core.ports import GatewayError, GatewayNotFound, GatewayRejected, GatewayUnavailable
from refund_desk.outbound.choices import CommandKind, CommandStatus
from refund_desk.outbound.gateway import Remote, RemoteChat, RemoteIssue, RemoteReturn, decision_gateway
from refund_desk.outbound.models import Command

logger = logging.getLogger("refund_desk.outbound")
SYSTEM = Actor.system("Allegro outbox")
LEASE = timedelta(minutes=2)
# Seconds to wait before attempt n+1; the last one repeats.
RETRY_DELAYS = (30, 60, 120, 300, 900, 1800, 3600)
# Payments owns alerts; the kind's value, named here (a test checks payments declares it).
REFUSED_ALERT_KIND = "COMMAND_REFUSED"


@transaction.atomic
def command_enqueue(
    *, case: RefundCase, kind: CommandKind, key: str, payload: dict[str, Any], actor: Actor
) -> Command:
    """Record that Allegro must be told (call inside the decision's transaction); sent after commit.

    Idempotent by `key`: the same decision again returns the first command and queues nothing.
    """
    command, created = Command.objects.get_or_create(
        key=key, defaults={"case": case, "kind": kind, "payload": payload, "requested_by": actor.label}
    )
    if created:
        event_append(
            case=case,
            type=EventType.OUTBOUND,
            actor=actor,
            reason=f"{CommandKind(kind).label}: queued for Allegro",
            payload={"command": command.pk, "kind": kind, "status": CommandStatus.PENDING},
        )
        run_after_commit("outbound.command_execute", command.pk)
    return command


def _claim(command_id: int, now: datetime) -> Command | None:
    with transaction.atomic():
        command = (
            Command.objects.select_for_update(of=("self",))
            .select_related("case", "case__account")
            .filter(pk=command_id, status=CommandStatus.PENDING)
            .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
            .first()
        )
        if command is None:
            return None
        command.attempts += 1
        command.locked_until = now + LEASE
        command.save(update_fields=["attempts", "locked_until"])
        return command


# Allegro takes about one Message Center post a second per seller. A post that would have to wait is put
# back for its turn instead of holding a worker, so decisions queued behind a burst of notices go at once.
MESSAGE_CENTER_KINDS = frozenset({CommandKind.THREAD_MESSAGE, CommandKind.NEW_MESSAGE})
_last_post: dict[int, float] = {}
_pace_lock = threading.Lock()


def _message_turn(account_id: int) -> float:
    """Seconds until this seller may post again in this process (0: now, and the turn is taken)."""
    interval = float(getattr(settings, "OUTBOUND_MESSAGE_INTERVAL", 1.0))
    with _pace_lock:
        moment = time.monotonic()
        last = _last_post.get(account_id)
        wait = last + interval - moment if last is not None else 0.0
        if wait > 0:
            return wait
        _last_post[account_id] = moment
        return 0.0


def _postpone(command_id: int, now: datetime, seconds: float) -> Command:
    Command.objects.filter(pk=command_id, status=CommandStatus.PENDING).update(
        next_attempt_at=now + timedelta(seconds=seconds)
    )
    return Command.objects.get(pk=command_id)


def command_execute(*, command_id: int, now: datetime | None = None) -> Command:
    """One attempt at a pending command (nothing when it is done, refused or leased by another worker)."""
    now = now or timezone.now()
    queued = Command.objects.filter(pk=command_id).values("kind", "case__account_id").first()
    if queued is not None and queued["kind"] in MESSAGE_CENTER_KINDS:
        wait = _message_turn(queued["case__account_id"])
        if wait > 0:
            return _postpone(command_id, now, wait)
    command = _claim(command_id, now)
    if command is None:
        return Command.objects.get(pk=command_id)
    handler = _HANDLERS.get(CommandKind(command.kind))
    if handler is None:
        raise ValueError(f"unknown command kind {command.kind!r}")
    return handler(command, now)


def _rejected(remote: Remote | None) -> bool:
    return isinstance(remote, RemoteReturn | RemoteIssue) and remote.rejected


def _claim_reject(command: Command, now: datetime) -> Command:
    gateway = decision_gateway.get()
    account, issue_id = command.case.account, command.payload["issueId"]

    def send() -> RemoteIssue:
        gateway.decide_claim(
            account, issue_id, status=command.payload["status"], message=command.payload["message"]
        )
        return gateway.get_issue(account, issue_id)

    return _attempt(
        command, now, read=lambda: gateway.get_issue(account, issue_id), send=send, carried_out=_rejected
    )


def _return_reject(command: Command, now: datetime) -> Command:
    gateway = decision_gateway.get()
    account, return_id = command.case.account, command.payload["returnId"]
    return _attempt(
        command,
        now,
        read=lambda: gateway.get_return(account, return_id),
        send=lambda: gateway.reject_return(
            account, return_id, code=command.payload["code"], reason=command.payload["reason"]
        ),
        carried_out=_rejected,
    )


def _said(text: str) -> Callable[[Remote | None], bool]:
    return lambda remote: isinstance(remote, RemoteChat) and remote.holds(text)


def _post_into(
    command: Command,
    now: datetime,
    conversation: str,
    post: Callable[[str], None],
    read: Callable[[], RemoteChat],
) -> Command:
    """Post the command's text into a known conversation (`post(text)`), read back from `read`."""
    text = command.payload["text"]

    def send() -> RemoteChat:
        post(text)
        return RemoteChat(id=conversation, seller_texts=(text,))

    return _attempt(command, now, read=read, send=send, carried_out=_said(text))


def _issue_message(command: Command, now: datetime) -> Command:
    gateway, account, issue_id = decision_gateway.get(), command.case.account, command.payload["issueId"]
    return _post_into(
        command,
        now,
        issue_id,
        post=lambda text: gateway.post_issue_message(account, issue_id, text=text),
        read=lambda: gateway.issue_chat(account, issue_id),
    )


def _thread_message(command: Command, now: datetime) -> Command:
    gateway, account, thread_id = decision_gateway.get(), command.case.account, command.payload["threadId"]
    return _post_into(
        command,
        now,
        thread_id,
        post=lambda text: gateway.post_thread_message(account, thread_id, text=text),
        read=lambda: gateway.thread_chat(account, thread_id),
    )


def _new_message(command: Command, now: datetime) -> Command:
    gateway = decision_gateway.get()
    account, login, text = command.case.account, command.payload["login"], command.payload["text"]
    return _attempt(
        command,
        now,
        read=lambda: gateway.buyer_chat(account, login),
        send=lambda: gateway.new_message(
            account, login=login, order_id=command.payload["orderId"], text=text
        ),
        carried_out=_said(text),
    )


def _claim_accept(command: Command, now: datetime) -> Command:
    """An acceptance's message lands in the issue chat, and Allegro lets an accepted claim change to
    another acceptance: the message in the chat is what shows this decision carried out."""
    gateway = decision_gateway.get()
    account, issue_id, message = command.case.account, command.payload["issueId"], command.payload["message"]
    partial = command.payload.get("partialRefund")

    def send() -> RemoteChat:
        gateway.decide_claim(
            account,
            issue_id,
            status=command.payload["status"],
            message=message,
            partial_refund=(Decimal(partial["amount"]), partial["currency"]) if partial else None,
        )
        return RemoteChat(id=issue_id, seller_texts=(message,))

    return _attempt(
        command,
        now,
        read=lambda: gateway.issue_chat(account, issue_id),
        send=send,
        carried_out=_said(message),
    )


_HANDLERS: dict[CommandKind, Callable[[Command, datetime], Command]] = {
    CommandKind.CLAIM_ACCEPT: _claim_accept,
    CommandKind.RETURN_REJECT: _return_reject,
    CommandKind.CLAIM_REJECT: _claim_reject,
    CommandKind.ISSUE_MESSAGE: _issue_message,
    CommandKind.THREAD_MESSAGE: _thread_message,
    CommandKind.NEW_MESSAGE: _new_message,
}


def _attempt(
    command: Command,
    now: datetime,
    *,
    read: Callable[[], Remote | None],
    send: Callable[[], Remote],
    carried_out: Callable[[Remote | None], bool],
) -> Command:
    """One attempt at a command: `read` fetches what Allegro shows now (the return, the claim, the
    conversation), `send` acts and answers with the same, `carried_out` tells whether what was read
    shows the command done (the return rejected, our message in the chat).

    An earlier attempt may have reached Allegro, so a second one looks before sending again. When
    Allegro refuses (a duplicate delivery of ours, or a rejection made in Sales Center) and what it
    shows is the command done, it is carried out; otherwise a person must look. What may not have
    arrived is retried later.
    """
    try:
        if command.attempts > 1:
            remote = read()
            if remote is not None and carried_out(remote):
                return _done(command, remote.answer(read_back=True), how=ALREADY)
        sent = send()
    except GatewayUnavailable as exc:
        return _retry(command, exc, now)
    except GatewayRejected as exc:
        try:
            already = read()
        except GatewayError as unreadable:  # cannot tell yet whether it is carried out: look again later
            return _retry(command, unreadable, now)
        if already is not None and carried_out(already):
            return _done(command, already.answer(read_back=True), how=ALREADY)
        return _refused(command, exc)
    except GatewayNotFound as exc:
        return _refused(command, exc)
    except GatewayError as exc:
        return _retry(command, exc, now)
    return _done(command, sent.answer(read_back=False), how=CARRIED_OUT)


CARRIED_OUT = "carried out"
ALREADY = "found already carried out when read back"


def _outcome_event(command: Command, case: RefundCase, reason: str) -> None:
    """The case timeline's record of how a command ended: its status, attempts and Allegro's answer."""
    event_append(
        case=case,
        type=EventType.OUTBOUND,
        actor=SYSTEM,
        reason=reason,
        payload={
            "command": command.pk,
            "status": command.status,
            "attempts": command.attempts,
            "answer": command.answer,
        },
    )


@transaction.atomic
def _done(command: Command, answer: dict[str, Any], *, how: str) -> Command:
    locked = Command.objects.select_for_update().get(pk=command.pk)
    locked.status, locked.done_at, locked.locked_until = CommandStatus.DONE, timezone.now(), None
    locked.answer, locked.last_error = answer, ""
    locked.save(update_fields=["status", "done_at", "locked_until", "answer", "last_error"])
    state = answer.get("returnStatus") or answer.get("issueStatus")
    where = f"now {state}" if state else f"conversation {answer.get('conversation') or '?'}"
    _outcome_event(locked, command.case, f"{CommandKind(locked.kind).label}: {how} on Allegro ({where})")
    logger.info("command %s %s after %s attempt(s)", locked.pk, how, locked.attempts)
    return locked


@transaction.atomic
def _retry(command: Command, exc: GatewayError, now: datetime) -> Command:
    locked = Command.objects.select_for_update().get(pk=command.pk)
    delay = RETRY_DELAYS[min(locked.attempts, len(RETRY_DELAYS)) - 1]
    locked.next_attempt_at, locked.locked_until = now + timedelta(seconds=delay), None
    locked.last_error = str(exc)[:2000]
    locked.save(update_fields=["next_attempt_at", "locked_until", "last_error"])
    logger.info("command %s attempt %s failed, again in %ss: %s", locked.pk, locked.attempts, delay, exc)
    return locked


@transaction.atomic
def _refused(command: Command, exc: GatewayError) -> Command:
    locked = Command.objects.select_for_update().get(pk=command.pk)
    error = exc.user_message or str(exc)
    locked.status, locked.locked_until, locked.last_error = CommandStatus.REFUSED, None, error[:2000]
    locked.answer = {"codes": list(exc.codes), "message": error}
    locked.save(update_fields=["status", "locked_until", "last_error", "answer"])
    label = CommandKind(locked.kind).label
    _outcome_event(locked, command.case, f"{label}: Allegro refused it: {error}")
    message = f"Allegro refused “{label}” for case {command.case}: {error}"
    run_after_commit(
        "payments.alert_raise", REFUSED_ALERT_KIND, message, f"command:{locked.pk}", command.case_id
    )
    logger.warning("command %s refused: %s", locked.pk, error)
    return locked


def commands_due(*, now: datetime | None = None, limit: int = 100) -> list[tuple[int, int]]:
    moment = now or timezone.now()
    return list(
        Command.objects.filter(status=CommandStatus.PENDING, next_attempt_at__lte=moment)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=moment))
        .order_by("next_attempt_at", "id")
        .values_list("pk", "case_id")[:limit]
    )


def commands_run_due(*, now: datetime | None = None, limit: int = 100) -> int:
    """Attempt every due command (retries and what a killed worker left behind); returns how many."""
    due = commands_due(now=now, limit=limit)
    for command_id, case_id in due:
        with case_isolated(case_id, job="Allegro outbox", atomic=False):
            command_execute(command_id=command_id, now=now)
    return len(due)
