"""The case page's policy panel: what the engine decides for the case under its account's policy."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import translation

from refund_desk.cases.models import RefundCase
from refund_desk.policy.selectors import case_evaluation


def evaluation_panel(case: RefundCase, request: HttpRequest) -> dict[str, Any]:
    return {"evaluation": case_evaluation(case, lang=translation.get_language())}
