"""Background work of the workflows: reviewing new requests. Tasks take ids and are idempotent."""

from __future__ import annotations

from refund_desk.cases.models import RefundCase
from refund_desk.core.effects import task
from refund_desk.workflows.review import review_case


@task("workflows.review_cases", retries=2, retry_delay=30)
def review_cases_task(case_ids: list[int]) -> None:
    """Review a batch of new cases (one queued task per intake chunk, not one per case)."""
    for case in RefundCase.objects.filter(pk__in=case_ids).order_by("pk"):
        review_case(case)
