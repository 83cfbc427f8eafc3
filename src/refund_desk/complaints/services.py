"""Writes of the complaints app: a remedy granted, its item received, the repaired or new item sent back."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import EventType
from refund_desk.cases.models import RefundCase
from refund_desk.cases.services import event_append
from refund_desk.complaints.choices import RemedyKind, RemedyStatus
from refund_desk.complaints.models import Remedy
from refund_desk.core.errors import IllegalTransition, ValidationFailed

WAYBILL_MAX = 64


@transaction.atomic
def remedy_grant(*, case: RefundCase, kind: RemedyKind, item_required: bool, actor: Actor) -> Remedy:
    """Record the remedy granted on the case (call in the acceptance's transaction)."""
    if Remedy.objects.filter(case=case).exists():
        raise IllegalTransition("this complaint already has a repair or replacement under way")
    remedy = Remedy.objects.create(
        case=case,
        kind=kind,
        status=RemedyStatus.AWAITING_ITEM if item_required else RemedyStatus.IN_PROGRESS,
        item_required=item_required,
        decided_by=actor.label,
    )
    event_append(
        case=case,
        type=EventType.DECISION,
        actor=actor,
        reason=f"complaint accepted: {RemedyKind(kind).label.lower()}"
        + ("; waiting for the item" if item_required else "; the item stays with the buyer"),
        payload={"remedy": remedy.pk, "kind": kind, "status": remedy.status},
    )
    return remedy


def _locked(remedy: Remedy, to: RemedyStatus) -> Remedy:
    locked = Remedy.objects.select_for_update().select_related("case").get(pk=remedy.pk)
    if not locked.can_move_to(to):
        raise IllegalTransition(
            f"a remedy that is {RemedyStatus(locked.status).label.lower()} cannot become "
            f"{RemedyStatus(to).label.lower()}"
        )
    return locked


@transaction.atomic
def remedy_item_received(*, remedy: Remedy, actor: Actor) -> Remedy:
    locked = _locked(remedy, RemedyStatus.IN_PROGRESS)
    locked.status, locked.item_received_at = RemedyStatus.IN_PROGRESS, timezone.now()
    locked.updated_at = locked.item_received_at
    locked.save(update_fields=["status", "item_received_at", "updated_at"])
    event_append(
        case=locked.case,
        type=EventType.NOTE,
        actor=actor,
        reason="the complained-of item arrived; repair or replacement under way",
        payload={"remedy": locked.pk, "status": locked.status},
    )
    return locked


@transaction.atomic
def remedy_sent_back(*, remedy: Remedy, waybill: str, carrier: str, actor: Actor) -> Remedy:
    """The repaired or new item is on its way to the buyer. Raises ValidationFailed naming `waybill`."""
    waybill, carrier = waybill.strip(), carrier.strip()
    errors = []
    if not waybill or len(waybill) > WAYBILL_MAX:
        errors.append(("waybill", f"give the parcel's waybill (1 to {WAYBILL_MAX} characters)"))
    if len(carrier) > 40:
        errors.append(("carrier", "at most 40 characters"))
    if errors:
        raise ValidationFailed(errors)
    locked = _locked(remedy, RemedyStatus.SENT_BACK)
    locked.status, locked.sent_back_at = RemedyStatus.SENT_BACK, timezone.now()
    locked.waybill, locked.carrier, locked.updated_at = waybill, carrier, locked.sent_back_at
    locked.save(update_fields=["status", "sent_back_at", "waybill", "carrier", "updated_at"])
    event_append(
        case=locked.case,
        type=EventType.NOTE,
        actor=actor,
        reason=f"{RemedyKind(locked.kind).label} sent back to the buyer: {waybill} ({carrier or '?'})",
        payload={"remedy": locked.pk, "status": locked.status, "waybill": waybill, "carrier": carrier},
    )
    return locked
