"""Writes of the payments app (see each module): refund orders and approvals, their execution through
the outbox, reconciliation, bank transfers, commission claims and team alerts."""

from refund_desk.payments.services.alerts import alert_raise, alert_resolve, alerts_resolve_for_case
from refund_desk.payments.services.claims import (
    commission_claim_file,
    commission_claim_refresh,
    commission_claims_plan,
    commission_claims_sync,
)
from refund_desk.payments.services.execution import (
    outbox_run,
    plain_words,
    refund_execute,
    refund_payload,
    refund_reconcile,
    refunds_reconcile_all,
)
from refund_desk.payments.services.ledger import OverRefund
from refund_desk.payments.services.refunds import (
    LineSpec,
    refund_order_approve,
    refund_order_create,
    refund_order_decline,
    refund_outside_record,
    refund_paid,
)
from refund_desk.payments.services.settings import payment_settings_set
from refund_desk.payments.services.transfers import (
    refund_manual_confirm,
    transfer_batch_confirm,
    transfer_batch_export,
)

__all__ = [
    "LineSpec",
    "OverRefund",
    "alert_raise",
    "alert_resolve",
    "alerts_resolve_for_case",
    "commission_claim_file",
    "commission_claim_refresh",
    "commission_claims_plan",
    "commission_claims_sync",
    "outbox_run",
    "payment_settings_set",
    "plain_words",
    "refund_execute",
    "refund_manual_confirm",
    "refund_order_approve",
    "refund_order_create",
    "refund_order_decline",
    "refund_outside_record",
    "refund_paid",
    "refund_payload",
    "refund_reconcile",
    "refunds_reconcile_all",
    "transfer_batch_confirm",
    "transfer_batch_export",
]
