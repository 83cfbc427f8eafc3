"""Background work of the ai app. Tasks take ids, are idempotent and call services.

Schedules (all here): outcomes of reviewed cases stamped every 15 minutes (shadow agreement report);
risk model retrained every Sunday at 03:30, promoted only if not worse on held-out data.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from huey.contrib.djhuey import db_task

from refund_desk.ai import services
from refund_desk.core.schedules import periodic


@db_task(retries=2, retry_delay=30)
def review_cases_task(case_ids: list[int]) -> None:
    """Review a batch of new cases (one queued task per intake chunk, not one per case)."""
    from refund_desk.cases.models import RefundCase

    for case in RefundCase.objects.filter(pk__in=case_ids).order_by("pk"):
        services.stats_update_for_case(case)  # aggregates stay current even when automation is off
        services.review_case(case)


def review_cases_after_commit(case_ids: Iterable[int]) -> None:
    """Queue a risk review of each new case once the surrounding transaction commits."""
    ids = [int(i) for i in case_ids if i is not None]

    def enqueue() -> None:
        review_cases_task(ids)

    if ids:
        transaction.on_commit(enqueue)


@periodic("ai.review_outcomes")
def review_outcomes_task() -> None:
    services.review_outcomes_record()


@periodic("ai.risk_retrain")
def risk_retrain_task() -> None:
    from refund_desk.ai.risk import training

    training.train(promote=True)
