"""The case page's notices panel: what the buyer was told, in which language, and whether it arrived."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from refund_desk.cases.models import RefundCase
from refund_desk.notices.selectors import notices_for_case


def notices_panel(case: RefundCase, request: HttpRequest) -> dict[str, Any]:
    return {"notices": list(notices_for_case(case))}
