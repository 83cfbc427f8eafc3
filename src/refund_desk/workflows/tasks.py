"""Background work of the workflows: reviewing new requests. Tasks take ids and are idempotent."""

from __future__ import annotations

from refund_desk.cases.isolation import case_isolated
from refund_desk.cases.models import RefundCase
from refund_desk.core.effects import task
from refund_desk.core.schedules import periodic
from refund_desk.workflows.attention import cases_health_scan
from refund_desk.workflows.review import review_case


@task("workflows.review_cases", retries=2, retry_delay=30)
def review_cases_task(case_ids: list[int]) -> None:
    """Review a batch of new cases (one queued task per intake chunk, not one per case). A case set aside
    as needing attention is skipped; one whose data breaks the review is set aside, and the rest go on."""
    waiting = RefundCase.objects.filter(pk__in=case_ids, attention_since__isnull=True).order_by("pk")
    for case in waiting:
        with case_isolated(case.pk, job="automatic review"):
            review_case(case)


@periodic("workflows.cases_health_scan")
def cases_health_scan_task() -> None:
    cases_health_scan()
