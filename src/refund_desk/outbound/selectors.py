"""Reads of the outbound commands."""

from __future__ import annotations

from django.db.models import QuerySet

from refund_desk.cases.models import RefundCase
from refund_desk.outbound.models import Command


def commands_for_case(case: RefundCase) -> QuerySet[Command]:
    return Command.objects.filter(case=case).order_by("id")
