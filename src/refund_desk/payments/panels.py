"""The case page's refunds panel: every refund of the case with its lines, and the refund-per-policy form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from refund_desk.cases.choices import CaseStatus
from refund_desk.cases.models import RefundCase
from refund_desk.payments.choices import RefundStatus
from refund_desk.payments.models import RefundOrder
from refund_desk.payments.selectors import case_refunds


@dataclass(frozen=True, slots=True)
class RefundRow:
    refund: RefundOrder
    lines: list[str]
    approved_by: str

    @property
    def awaiting_approval(self) -> bool:
        return self.refund.status == RefundStatus.AWAITING_APPROVAL


def _line_words(refund: RefundOrder) -> list[str]:
    words = []
    for line in refund.lines.all():  # prefetched by case_refunds
        item = line.line_item.offer_name or line.line_item.external_id
        words.append(f"{item}: {line.quantity} {_('pcs')}" if line.quantity else f"{item}: {line.amount}")
    return words


def refunds_panel(case: RefundCase, request: HttpRequest) -> dict[str, Any]:
    rows = [
        RefundRow(
            refund=refund,
            lines=_line_words(refund),
            approved_by=refund.approved_by.get_username() if refund.approved_by else "",
        )
        for refund in case_refunds(case=case)
    ]
    return {
        "refunds": rows,
        "may_request_refund": case.status == CaseStatus.APPROVED,
    }
