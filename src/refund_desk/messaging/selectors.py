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
