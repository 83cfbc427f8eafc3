"""Background work of the payments app. Every task takes ids, is idempotent and calls services.

Periodic jobs (timings in core/schedules.py): the outbox sweep (also picks up work a killed worker left
behind), reconciliation of submitted refunds, commission claims.
"""

from __future__ import annotations

from refund_desk.cases.models import RefundCase
from refund_desk.core.effects import task
from refund_desk.core.schedules import periodic
from refund_desk.payments import services
from refund_desk.payments.choices import AlertKind


@task("payments.refund_execute")
def refund_execute_task(refund_order_id: int) -> None:
    services.refund_execute(refund_order_id=refund_order_id)


@task("payments.commission_claim_file")
def commission_claim_file_task(claim_id: int) -> None:
    services.commission_claim_file(claim_id=claim_id)


@task("payments.alert_raise")
def alert_raise_task(kind: str, message: str, dedup_key: str, case_id: int | None = None) -> None:
    """An alert raised for an app that cannot import payments (partners: a secret that must be renewed;
    cases: a case set aside as needing attention)."""
    case = RefundCase.objects.filter(pk=case_id).first() if case_id is not None else None
    services.alert_raise(kind=AlertKind(kind), message=message, dedup_key=dedup_key, case=case)


@periodic("payments.outbox_run")
def outbox_run_task() -> None:
    services.outbox_run()


@periodic("payments.refunds_reconcile")
def refunds_reconcile_task() -> None:
    services.refunds_reconcile_all()


@periodic("payments.commission_claims_sync")
def commission_claims_sync_task() -> None:
    services.commission_claims_sync()
