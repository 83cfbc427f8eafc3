"""Reads of notices: the wording in use, its history, what a case's buyer was told, and where a notice
for a case can go on Allegro."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from refund_desk.cases.choices import CaseSource
from refund_desk.cases.models import RefundCase
from refund_desk.messaging.selectors import thread_for_order
from refund_desk.notices.choices import NoticeChannel
from refund_desk.notices.models import Notice, NoticeTemplate
from refund_desk.notices.texts import TEMPLATES
from refund_desk.outbound.choices import ISSUE_MESSAGE_MAX, THREAD_MESSAGE_MAX, CommandKind


@dataclass(frozen=True, slots=True)
class Wording:
    version: int
    body: str
    created_by: str = ""


def template_current(kind: str, lang: str) -> Wording:
    """The newest version of a notice's wording (version 0: the built-in text)."""
    stored = NoticeTemplate.objects.filter(kind=kind, lang=lang).order_by("-version").first()
    if stored is not None:
        return Wording(stored.version, stored.body, stored.created_by)
    return Wording(0, TEMPLATES[kind][lang])


def template_versions(kind: str, lang: str) -> QuerySet[NoticeTemplate]:
    return NoticeTemplate.objects.filter(kind=kind, lang=lang).order_by("-version")


def notices_for_case(case: RefundCase) -> QuerySet[Notice]:
    return Notice.objects.filter(case=case).select_related("command").order_by("created_at", "id")


@dataclass(frozen=True, slots=True)
class Route:
    """Where a notice for a case goes: the channel, the outbound command and its target, the length limit."""

    channel: NoticeChannel
    command_kind: CommandKind | None
    target: dict[str, str]
    limit: int

    @property
    def sendable(self) -> bool:
        return self.command_kind is not None


def notice_route(case: RefundCase) -> Route:
    """The channel Allegro allows for this case: the issue chat for claims and disputes; for returns and
    other cases with an order, a reply in the buyer's thread about that order, or a message about the
    order when there is none (Allegro requires the order id); nothing for a case not from Allegro."""
    if case.source == CaseSource.POST_PURCHASE_ISSUE and case.external_id:
        return Route(
            NoticeChannel.ISSUE_CHAT,
            CommandKind.ISSUE_MESSAGE,
            {"issueId": case.external_id},
            ISSUE_MESSAGE_MAX,
        )
    order_id = case.order_external_id
    if case.source == CaseSource.MANUAL or not order_id or not case.buyer_login:
        return Route(NoticeChannel.NONE, None, {}, ISSUE_MESSAGE_MAX)
    thread = thread_for_order(account_id=case.account_id, order_id=order_id, buyer_login=case.buyer_login)
    if thread is not None:
        return Route(
            NoticeChannel.THREAD_REPLY,
            CommandKind.THREAD_MESSAGE,
            {"threadId": thread.external_id},
            THREAD_MESSAGE_MAX,
        )
    return Route(
        NoticeChannel.NEW_MESSAGE,
        CommandKind.NEW_MESSAGE,
        {"login": case.buyer_login, "orderId": order_id},
        THREAD_MESSAGE_MAX,
    )
