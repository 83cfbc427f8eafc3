"""Background work of the ai app. Tasks take ids, are idempotent and call services.

Periodic jobs (timings in core/schedules.py): outcomes of reviewed cases stamped for the shadow agreement
report; the risk model retrained weekly, promoted only if not worse on held-out data.
"""

from __future__ import annotations

from refund_desk.ai import services
from refund_desk.cases.models import RefundCase
from refund_desk.core.effects import task
from refund_desk.core.schedules import periodic


@task("ai.stats_update")
def stats_update_task(case_id: int) -> None:
    """Bring the buyer and offer aggregates up to date with a person's decision on a case."""
    case = RefundCase.objects.filter(pk=case_id).first()
    if case is not None:
        services.stats_update_for_case(case)


@periodic("ai.review_outcomes")
def review_outcomes_task() -> None:
    services.review_outcomes_record()


@periodic("ai.risk_retrain")
def risk_retrain_task() -> None:
    # Deferred: training loads scikit-learn, which only the weekly job needs.
    from refund_desk.ai.risk import training

    training.train(promote=True)
