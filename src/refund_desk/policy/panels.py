"""The case page's policy panel: what the engine decides for the case under its account's policy."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import translation

from refund_desk.cases.models import RefundCase
from refund_desk.policy.models import CaseFacts
from refund_desk.policy.selectors import case_evaluation


def evaluation_panel(case: RefundCase, request: HttpRequest) -> dict[str, Any]:
    offers: dict[str, str] = {}
    for line in case.order.line_items.all():
        offers.setdefault(line.offer_id, line.offer_name or line.offer_id)
    facts = CaseFacts.objects.filter(case_id=case.pk).first()
    return {
        "evaluation": case_evaluation(case, lang=translation.get_language()),
        "facts": facts,
        "fact_offers": [
            (offer_id, name, (facts.seal_broken if facts else {}).get(offer_id))
            for offer_id, name in offers.items()
        ],
    }
