"""Reads of the messaging app."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from refund_desk.cases.models import RefundCase
from refund_desk.messaging.models import Message, Thread


def thread_get(*, account_id: int, external_id: str) -> Thread | None:
    return Thread.objects.filter(account_id=account_id, external_id=external_id).first()


def messages_for_case(case: RefundCase) -> QuerySet[Message]:
    """Message Center messages about the case's order, oldest first.

    A message that names an order (`relatesTo.order.id`) belongs to that order; one that names none
    belongs to its thread's order.
    """
    order_id = case.order_external_id
    return (
        Message.objects.filter(thread__account_id=case.account_id)
        .filter(Q(order_external_id=order_id) | Q(order_external_id="", thread__order_external_id=order_id))
        .select_related("thread")
        .order_by("created_at", "id")
    )


def thread_for_order(*, account_id: int, order_id: str, buyer_login: str) -> Thread | None:
    """The buyer's newest thread about this order (the thread's order, or a message in it naming the
    order): where a reply about the order belongs."""
    return (
        Thread.objects.filter(account_id=account_id, buyer_login=buyer_login)
        .filter(Q(order_external_id=order_id) | Q(messages__order_external_id=order_id))
        .order_by("-last_message_at", "-id")
        .distinct()
        .first()
    )
