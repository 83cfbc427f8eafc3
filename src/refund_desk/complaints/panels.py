"""The case page's remedy panel: the repair or replacement granted, where it stands, the next step."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from refund_desk.cases.models import RefundCase
from refund_desk.complaints.models import Remedy


def remedy_panel(case: RefundCase, request: HttpRequest) -> dict[str, Any]:
    return {"remedy": Remedy.objects.filter(case=case).first()}
