"""Background work of the payments app. Every task takes ids, is idempotent and calls services.

Schedules (all here): outbox sweep every minute (also picks up work a killed worker left behind),
reconciliation of submitted refunds every 5 minutes, commission claims every hour.
"""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from refund_desk.core.schedules import periodic
from refund_desk.payments import services


@db_task(retries=0)
def refund_execute_task(refund_order_id: int) -> None:
    services.refund_execute(refund_order_id=refund_order_id)


@db_task(retries=0)
def commission_claim_file_task(claim_id: int) -> None:
    services.commission_claim_file(claim_id=claim_id)


@periodic("payments.outbox_run")
def outbox_run_task() -> None:
    services.outbox_run()


@periodic("payments.refunds_reconcile")
def refunds_reconcile_task() -> None:
    services.refunds_reconcile_all()


@periodic("payments.commission_claims_sync")
def commission_claims_sync_task() -> None:
    services.commission_claims_sync()
