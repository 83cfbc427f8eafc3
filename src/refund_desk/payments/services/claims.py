"""Commission refund claims ("rabat transakcyjny"): one per refunded line item, within 45 days of purchase,
unless Allegro already filed one."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from refund_desk.cases.choices import CaseKind
from refund_desk.core.effects import run_after_commit
from refund_desk.payments.choices import CLAIM_OPEN_STATUSES, AlertKind, ClaimStatus, LineType
from refund_desk.payments.gateway import (
    GatewayClaim,
    GatewayError,
    GatewayNotFound,
    GatewayRejected,
    GatewayUnavailable,
    refund_gateway,
)
from refund_desk.payments.models import CommissionClaim, RefundOrder
from refund_desk.payments.services.alerts import alert_raise

logger = logging.getLogger("refund_desk.payments.claims")

CLAIM_PERIOD = timedelta(days=45)
# Cases whose refund means the goods came back or the sale was cancelled: the commission is recoverable.
CLAIMABLE_KINDS = frozenset({CaseKind.WITHDRAWAL, CaseKind.CANCELLATION})
DECIDED = frozenset(
    {ClaimStatus.GRANTED, ClaimStatus.REJECTED, ClaimStatus.REJECTED_AFTER_APPEAL, ClaimStatus.CANCELLED}
)


def _enqueue_file(claim_ids: list[int]) -> None:
    for claim_id in claim_ids:
        run_after_commit("payments.commission_claim_file", claim_id)


def _returned_quantities(refund: RefundOrder) -> dict[int, int]:
    """Units of each order line the case is about (what the buyer sent back), by line item pk."""
    quantities: dict[int, int] = {}
    for line_item_id, quantity in refund.case.items.values_list("line_item_id", "quantity"):
        quantities[line_item_id] = quantities.get(line_item_id, 0) + quantity
    return quantities


def _claim_quantity(
    line_type: str, refunded_units: int | None, returned: int | None, bought: int, refund: RefundOrder
) -> int | None:
    """How many units of a refunded line the commission claim covers (None: nothing to claim).

    Whole units refunded (QUANTITY) are claimed as refunded. A partial value (AMOUNT) — e.g. a withdrawal
    paid with a deduction for wear — still means the goods came back: the claim covers the units
    returned in the case, or the whole line for a cancelled sale.
    """
    if line_type == LineType.QUANTITY:
        return refunded_units or 1
    if returned:
        return min(returned, bought)
    if refund.case.kind == CaseKind.CANCELLATION:
        return bought
    return None


@transaction.atomic
def commission_claims_plan(*, refund: RefundOrder) -> list[CommissionClaim]:
    """After a paid refund for returned items or a cancellation, plan one claim per refunded line
    (whole units or a partial value of goods that came back)."""
    if refund.case.kind not in CLAIMABLE_KINDS:
        return []
    planned: list[CommissionClaim] = []
    returned = _returned_quantities(refund)
    for line in refund.lines.select_related("line_item__order").order_by("pk"):
        item = line.line_item
        quantity = _claim_quantity(line.type, line.quantity, returned.get(item.pk), item.quantity, refund)
        if quantity is None:
            continue
        bought = item.bought_at or item.order.bought_at or refund.order.bought_at or refund.created_at
        claim, created = CommissionClaim.objects.get_or_create(
            line_item=item,
            defaults={
                "account": refund.account,
                "case": refund.case,
                "refund_order": refund,
                "quantity": quantity,
                "deadline_at": bought + CLAIM_PERIOD,
                "currency": refund.currency,
            },
        )
        if created:
            planned.append(claim)
    _enqueue_file([c.pk for c in planned])
    return planned


def _apply_remote(claim: CommissionClaim, remote: GatewayClaim, now: datetime) -> None:
    claim.allegro_claim_id = remote.id
    claim.status = remote.status if remote.status in ClaimStatus.values else ClaimStatus.IN_PROGRESS
    if remote.commission is not None:
        claim.commission_amount = remote.commission
        claim.currency = remote.currency or claim.currency
    if claim.status in DECIDED and claim.decided_at is None:
        claim.decided_at = now
    claim.updated_at = now


def commission_claim_file(*, claim_id: int, now: datetime | None = None) -> CommissionClaim:
    """File one planned claim at Allegro (or adopt the one Allegro created). Idempotent."""
    moment = now or timezone.now()
    claim = CommissionClaim.objects.select_related("account", "line_item").get(pk=claim_id)
    if claim.status != ClaimStatus.PLANNED:
        return claim
    gateway = refund_gateway.get()
    if moment > claim.deadline_at:
        return _claim_finish(claim_id, ClaimStatus.MISSED, "the 45 days after purchase have passed", moment)
    try:
        existing = [
            c
            for c in gateway.list_refund_claims(claim.account, offer_id=claim.line_item.offer_id)
            if c.line_item_id == claim.line_item.external_id
        ]
        if existing:
            return _claim_adopt(claim_id, existing[0], moment, created_by_allegro=True)
        claim_ref = gateway.create_refund_claim(claim.account, claim.line_item.external_id, claim.quantity)
    except GatewayUnavailable as exc:
        logger.info("claim #%s postponed: %s", claim.pk, exc)
        CommissionClaim.objects.filter(pk=claim.pk).update(last_error=str(exc)[:2000], updated_at=moment)
        return claim
    except GatewayRejected as exc:
        if "CommissionRefundPeriodExpiredException" in exc.codes:
            return _claim_finish(
                claim_id, ClaimStatus.MISSED, "Allegro says the claim period expired", moment
            )
        if "ClaimExistsException" in exc.codes:
            return _claim_finish(claim_id, ClaimStatus.IN_PROGRESS, "Allegro already has a claim", moment)
        alert_raise(
            kind=AlertKind.CLAIM_FAILED,
            message=f"Commission claim for line {claim.line_item.external_id} refused: {exc.user_message or exc}",
            dedup_key=f"claim-failed:{claim.pk}",
            account=claim.account,
        )
        return _claim_finish(claim_id, ClaimStatus.FAILED, str(exc), moment)
    except GatewayError as exc:
        CommissionClaim.objects.filter(pk=claim.pk).update(last_error=str(exc)[:2000], updated_at=moment)
        return claim
    adopted = GatewayClaim(
        id=claim_ref,
        status=ClaimStatus.IN_PROGRESS,
        line_item_id=claim.line_item.external_id,
        quantity=claim.quantity,
        commission=None,
        currency=None,
    )
    return _claim_adopt(claim_id, adopted, moment, created_by_allegro=False)


@transaction.atomic
def _claim_adopt(
    claim_id: int, remote: GatewayClaim, now: datetime, *, created_by_allegro: bool
) -> CommissionClaim:
    claim = CommissionClaim.objects.select_for_update().get(pk=claim_id)
    _apply_remote(claim, remote, now)
    claim.created_by_allegro = created_by_allegro
    claim.filed_at = claim.filed_at or now
    claim.last_error = ""
    claim.save()
    return claim


@transaction.atomic
def _claim_finish(claim_id: int, status: ClaimStatus, note: str, now: datetime) -> CommissionClaim:
    claim = CommissionClaim.objects.select_for_update().get(pk=claim_id)
    claim.status = status
    claim.last_error = note
    claim.updated_at = now
    if status not in CLAIM_OPEN_STATUSES:
        claim.decided_at = now
    claim.save()
    return claim


def commission_claim_refresh(*, claim_id: int, now: datetime | None = None) -> CommissionClaim:
    """Fetch the status and the commission of an open claim."""
    moment = now or timezone.now()
    claim = CommissionClaim.objects.select_related("account").get(pk=claim_id)
    if claim.status not in CLAIM_OPEN_STATUSES or not claim.allegro_claim_id:
        return claim
    try:
        remote = refund_gateway.get().get_refund_claim(claim.account, claim.allegro_claim_id)
    except GatewayNotFound:
        return _claim_finish(claim_id, ClaimStatus.CANCELLED, "Allegro no longer knows this claim", moment)
    except GatewayError as exc:
        logger.info("claim #%s refresh postponed: %s", claim.pk, exc)
        return claim
    with transaction.atomic():
        locked = CommissionClaim.objects.select_for_update().get(pk=claim_id)
        _apply_remote(locked, remote, moment)
        locked.save()
        return locked


def commission_claims_sync(*, now: datetime | None = None) -> tuple[int, int]:
    """File planned claims and refresh open ones; returns (filed, refreshed) counts."""
    planned = list(CommissionClaim.objects.filter(status=ClaimStatus.PLANNED).values_list("pk", flat=True))
    for claim_id in planned:
        commission_claim_file(claim_id=claim_id, now=now)
    open_ids = list(
        CommissionClaim.objects.filter(status__in=CLAIM_OPEN_STATUSES)
        .exclude(allegro_claim_id="")
        .values_list("pk", flat=True)
    )
    for claim_id in open_ids:
        commission_claim_refresh(claim_id=claim_id, now=now)
    return len(planned), len(open_ids)
