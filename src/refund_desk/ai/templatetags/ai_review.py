"""`{% case_review case as review %}`: the latest risk review of a case and the account's mode."""

from __future__ import annotations

from typing import Any

from django import template

from refund_desk.ai.selectors import automation_for, review_latest

register = template.Library()


@register.simple_tag
def case_review(case: Any) -> dict[str, Any]:
    return {"review": review_latest(case), "mode": automation_for(case.account_id).mode}
