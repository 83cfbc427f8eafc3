"""`{% case_messages case as messages %}`: the Message Center messages about a case's order."""

from __future__ import annotations

from django import template
from django.db.models import QuerySet

from refund_desk.cases.models import RefundCase
from refund_desk.messaging.models import Message
from refund_desk.messaging.selectors import messages_for_case

register = template.Library()


@register.simple_tag
def case_messages(case: RefundCase | None) -> QuerySet[Message] | list[Message]:
    if case is None or case.pk is None:
        return []
    return messages_for_case(case)
