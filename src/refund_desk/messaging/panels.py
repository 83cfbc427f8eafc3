"""The case page's buyer-messages panel: the Message Center messages about the case's order."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from refund_desk.cases.models import RefundCase
from refund_desk.messaging.selectors import messages_for_case


def messages_panel(case: RefundCase, request: HttpRequest) -> dict[str, Any]:
    return {"messages": list(messages_for_case(case))}
