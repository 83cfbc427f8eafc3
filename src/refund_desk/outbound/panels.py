"""The outbound app's panel on the case page: what the desk told Allegro, attempts and Allegro's answer."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from refund_desk.cases.models import RefundCase
from refund_desk.outbound.selectors import commands_for_case


def commands_panel(case: RefundCase, request: HttpRequest) -> dict[str, Any]:
    return {"commands": list(commands_for_case(case))}
