"""Writes to refund cases. Every change appends a CaseEvent in the same transaction."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from refund_desk.cases.access import require_account
from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import ActorType, CaseKind, CaseSource, CaseStatus, EventType
from refund_desk.cases.lifecycle import (
    ALLOWED_TRANSITIONS,
    DECISION_TARGETS,
    KIND_ONLY_TARGETS,
    OPEN_STATUSES,
    automation_may,
    person_may,
    required_permission,
)
from refund_desk.cases.models import CaseEvent, CaseItem, Order, OrderLineItem, RefundCase
from refund_desk.core.calendar import COMPLAINT_ANSWER_DAYS, STATUTORY_REFUND_DAYS, period_end
from refund_desk.core.effects import run_after_commit
from refund_desk.core.errors import IllegalTransition, PermissionDenied, ValidationFailed
from refund_desk.core.permissions import Perm, has_perm, require

logger = logging.getLogger("refund_desk.cases")

# Closed cases sink to the bottom of a deadline-sorted queue.
FAR_FUTURE = datetime(9999, 12, 31, tzinfo=UTC)


def case_due_at(*, status: str, respond_by: datetime | None, refund_by: datetime | None) -> datetime:
    """The queue's sort key: the earliest deadline of an open case."""
    if status not in OPEN_STATUSES:
        return FAR_FUTURE
    deadlines = [d for d in (respond_by, refund_by) if d is not None]
    return min(deadlines) if deadlines else FAR_FUTURE


def event_append(
    *,
    case: RefundCase,
    type: EventType,
    actor: Actor,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    payload: dict[str, Any] | None = None,
) -> CaseEvent:
    """Append one event to the case's log (callers hold the transaction)."""
    return CaseEvent.objects.create(
        case=case,
        type=type,
        actor_type=actor.type,
        actor_user=actor.user if actor.type == ActorType.USER else None,
        actor_label=actor.label,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        payload=payload or {},
    )


def check_transition_allowed(*, case: RefundCase, to: CaseStatus, actor: Actor) -> None:
    """Raise unless `actor` may move `case` to `to` now."""
    current = CaseStatus(case.status)
    if to not in ALLOWED_TRANSITIONS[current]:
        raise IllegalTransition(f"a case in status {current.value} cannot move to {to.value}")
    if to in KIND_ONLY_TARGETS and case.kind not in KIND_ONLY_TARGETS[to]:
        raise IllegalTransition(f"a {case.kind.lower()} case cannot move to {to.value}")
    if not automation_may(to, actor.type):
        raise PermissionDenied(f"only a person may move a case to {to.value}")
    if not person_may(to, actor.type):
        raise PermissionDenied(
            f"a case becomes {to.value} only through its refunds: when a refund is on its way or paid"
        )
    if actor.type == ActorType.USER:
        perm = required_permission(current, to)
        if not has_perm(actor.user, perm):
            who = "a supervisor" if perm == Perm.CASE_APPEAL_DECIDE else "a person with the permission"
            raise PermissionDenied(
                f"moving a case from {current.value} to {to.value} needs {who} ({perm.value!r})"
            )
        require_account(actor, case.account_id)
        if (
            perm == Perm.CASE_APPEAL_DECIDE
            and current == CaseStatus.APPEALED
            and _decided_before(case, actor)
        ):
            raise PermissionDenied(
                "an appeal is decided by someone who made none of the case's earlier decisions"
            )


def _decided_before(case: RefundCase, actor: Actor) -> bool:
    """Did this person make any decision on the case (a decisive move, or a refund decision)?"""
    return (
        CaseEvent.objects.filter(case_id=case.pk, actor_user=actor.user)
        .filter(
            Q(type=EventType.DECISION)
            | Q(type=EventType.TRANSITION, to_status__in=DECISION_TARGETS)
            | Q(type=EventType.TRANSITION, from_status=CaseStatus.APPEALED)
        )
        .exists()
    )


@transaction.atomic
def case_transition(
    *,
    case: RefundCase,
    to: CaseStatus | str,
    actor: Actor,
    reason: str = "",
    payload: dict[str, Any] | None = None,
    event_type: EventType = EventType.TRANSITION,
) -> RefundCase:
    """Move a case to another status: lock the row, check the table and the actor, write the event.

    `event_type`: a move that a sync brings (e.g. the return was delivered) is recorded as that sync's
    one SYNCED event, with the move's from/to status, instead of a TRANSITION.
    """
    target = CaseStatus(to)
    locked = RefundCase.objects.select_for_update().get(pk=case.pk)
    check_transition_allowed(case=locked, to=target, actor=actor)
    previous = locked.status
    locked.status = target
    locked.updated_at = timezone.now()
    fields = ["status", "updated_at", "due_at"]
    if target == CaseStatus.APPROVED and locked.kind == CaseKind.COMPLAINT and locked.refund_by is None:
        # An accepted complaint owes the money from now on: 14 days (UPK Art. 43e/43g).
        locked.refund_by = period_end(locked.updated_at, STATUTORY_REFUND_DAYS, locked.marketplace)
        fields.append("refund_by")
    locked.due_at = case_due_at(status=target, respond_by=locked.respond_by, refund_by=locked.refund_by)
    locked.save(update_fields=fields)
    event_append(
        case=locked,
        type=event_type,
        actor=actor,
        from_status=previous,
        to_status=target,
        reason=reason,
        payload=payload,
    )
    if actor.type == ActorType.USER and target in PERSON_DECISIONS:
        # A person's decision changes the buyer and offer statistics the risk model reads.
        run_after_commit("ai.stats_update", locked.pk)
    return locked


PERSON_DECISIONS = frozenset({CaseStatus.APPROVED, CaseStatus.AWAITING_RETURN, CaseStatus.REJECTED})


@transaction.atomic
def case_move_if_allowed(
    *,
    case: RefundCase,
    to: CaseStatus,
    actor: Actor,
    reason: str,
    payload: dict[str, Any] | None = None,
    otherwise: EventType | None = EventType.NOTE,
) -> bool:
    """Move the case to `to` if its lifecycle allows it now; otherwise keep `reason` on the timeline.

    For whatever follows from something that happened elsewhere (a refund paid, a parcel delivered, a
    review done): the case moves when it can, and when it cannot (it moved on meanwhile, or is already
    there) the same words are recorded as an event of type `otherwise` (a note by default; None records
    nothing). The row is locked and read afresh. Returns whether the case moved.
    """
    locked = RefundCase.objects.select_for_update().get(pk=case.pk)
    if locked.status != to and locked.can_transition_to(to):
        case_transition(case=locked, to=to, actor=actor, reason=reason, payload=payload)
        return True
    if otherwise is not None:
        event_append(case=locked, type=otherwise, actor=actor, reason=reason, payload=payload)
    return False


@transaction.atomic
def case_add_note(
    *, case: RefundCase, actor: Actor, text: str, payload: dict[str, Any] | None = None
) -> CaseEvent:
    """Record a note on the case timeline (`payload`: data for whoever reads the log later)."""
    require(actor, Perm.CASE_WORK)
    require_account(actor, case.account_id)
    text = text.strip()
    if not text:
        raise ValidationFailed([("text", "a note cannot be empty")])
    locked = RefundCase.objects.select_for_update().get(pk=case.pk)
    locked.updated_at = timezone.now()
    locked.save(update_fields=["updated_at"])
    return event_append(case=locked, type=EventType.NOTE, actor=actor, reason=text, payload=payload)


# Allegro objects a case rests on, in the words a seller uses; the keys are what the event payload records.
VANISHED_CUSTOMER_RETURN = "customerReturn"
VANISHED_ISSUE = "issue"
VANISHED_CHECKOUT_FORM = "checkoutForm"
VANISHED_OBJECT_WORDS = {
    VANISHED_CUSTOMER_RETURN: "customer return",
    VANISHED_ISSUE: "post-purchase issue",
    VANISHED_CHECKOUT_FORM: "order",
}
VANISHED_KEY = "vanishedFromAllegro"


@transaction.atomic
def case_note_vanished(
    *, case: RefundCase, object_type: str, object_id: str, actor: Actor, noticed_at: datetime | None = None
) -> CaseEvent | None:
    """Note on the case that Allegro answered 404 for an object the case rests on (its customer return,
    its post-purchase issue, its order's checkout form), so that nobody acts on it unawares.

    Once per case and object: when the case already has that note, nothing is written and None is
    returned. Nothing else about the case changes.
    """
    locked = RefundCase.objects.select_for_update().get(pk=case.pk)
    already = CaseEvent.objects.filter(
        case=locked,
        type=EventType.NOTE,
        **{f"payload__{VANISHED_KEY}__object": object_type, f"payload__{VANISHED_KEY}__id": object_id},
    )
    if already.exists():
        return None
    day = timezone.localdate(noticed_at or timezone.now()).isoformat()
    words = VANISHED_OBJECT_WORDS.get(object_type, object_type)
    text = (
        f"Allegro no longer knows {words} {object_id} (404 during sync on {day}); "
        "check it in Sales Center before acting."
    )
    marker = {VANISHED_KEY: {"object": object_type, "id": object_id}}
    return case_add_note(case=locked, actor=actor, text=text, payload=marker)


@transaction.atomic
def case_open_manual(
    *,
    order: Order,
    kind: CaseKind,
    items: list[tuple[OrderLineItem, int, str, str]],
    actor: Actor,
    external_id: str,
    opened_at: datetime | None = None,
    source: CaseSource = CaseSource.MANUAL,
    reference: str = "",
) -> RefundCase:
    """Open a case that did not come from an Allegro customer return (complaint, cancellation, other).

    `items` are (line item of `order`, quantity, reason type, comment). Deadlines: a complaint must be
    answered within the marketplace's complaint period (14 days in Poland, else deemed accepted, UPK
    Art. 7a; 30 days elsewhere); a refund is due within 14 days of the request, or for a complaint within
    14 days of accepting it (set when the case is approved).
    """
    errors: list[tuple[str, str]] = []
    if not items:
        errors.append(("items", "a case needs at least one item"))
    for index, (line, quantity, _reason, _comment) in enumerate(items):
        if line.order_id != order.pk:
            errors.append(
                (f"items[{index}].lineItem", f"line item {line.external_id} is not in order {order}")
            )
        if quantity <= 0:
            errors.append((f"items[{index}].quantity", "must be at least 1"))
        elif quantity > line.quantity:
            errors.append((f"items[{index}].quantity", f"only {line.quantity} were bought"))
    if errors:
        raise ValidationFailed(errors)
    opened = opened_at or timezone.now()
    refund_by: datetime | None = period_end(opened, STATUTORY_REFUND_DAYS, order.marketplace)
    respond_by = refund_by
    if kind == CaseKind.COMPLAINT:
        respond_by = period_end(opened, COMPLAINT_ANSWER_DAYS.get(order.marketplace, 30), order.marketplace)
        refund_by = None  # nothing is owed until the complaint is accepted (case_transition sets it)
    case = RefundCase.objects.create(
        account=order.account,
        kind=kind,
        source=source,
        external_id=external_id,
        reference=reference,
        order=order,
        buyer=order.buyer,
        status=CaseStatus.NEW,
        marketplace=order.marketplace,
        currency=order.currency,
        buyer_login=order.buyer.login.lower(),
        order_external_id=order.external_id,
        primary_reason=items[0][2],
        requested_amount=sum((line.unit_price * qty for line, qty, _, _ in items), Decimal("0")),
        opened_at=opened,
        respond_by=respond_by,
        refund_by=refund_by,
        due_at=case_due_at(status=CaseStatus.NEW, respond_by=respond_by, refund_by=refund_by),
    )
    CaseItem.objects.bulk_create(
        CaseItem(case=case, line_item=line, quantity=qty, reason_type=reason, comment=comment)
        for line, qty, reason, comment in items
    )
    event_append(
        case=case,
        type=EventType.CREATED,
        actor=actor,
        to_status=CaseStatus.NEW,
        payload={"source": source, "kind": kind, "externalId": external_id},
    )
    return case


ORDER_CANCELLED = "CANCELLED"


@transaction.atomic
def order_mark_cancelled(*, order: Order, event_id: str, actor: Actor, event_type: str = "") -> bool:
    """Record that Allegro cancelled an order (buyer or automatic cancellation, order event `event_id`).

    Locks the order, sets its status to CANCELLED and appends one SYNCED event to every case of the order
    (rows locked by pk). Idempotent: an order already cancelled is left alone and False is returned.
    """
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.status == ORDER_CANCELLED:
        return False
    previous = locked.status
    locked.status = ORDER_CANCELLED
    locked.fetched_at = timezone.now()
    locked.save(update_fields=["status", "fetched_at"])
    now = timezone.now()
    for case in RefundCase.objects.select_for_update().filter(order=locked).order_by("pk"):
        case.updated_at = now
        case.save(update_fields=["updated_at"])
        event_append(
            case=case,
            type=EventType.SYNCED,
            actor=actor,
            reason=f"Allegro cancelled the order ({event_type or 'order event'} {event_id})",
            payload={
                "changes": {"order": {"status": {"from": previous, "to": ORDER_CANCELLED}}},
                "orderEvent": {"id": event_id, "type": event_type},
            },
        )
    order.status = ORDER_CANCELLED
    return True


# The alert a case set aside raises (payments owns alerts; its kind's value, named here).
ATTENTION_ALERT_KIND = "CASE_ATTENTION"
ATTENTION_MAX_CHARS = 2000


def attention_alert_key(case_id: int) -> str:
    return f"case-attention:{case_id}"


@transaction.atomic
def case_attention_flag(*, case_id: int, error: str, actor: Actor) -> bool:
    """Set a case aside as "needs attention": a stored value failed a check or a job broke on it.

    Until a person re-reads the case from Allegro or closes it, automation neither reviews, approves nor
    pays it; every page still shows it, with the error. Raises one alert (after commit). Returns False
    when the case is already set aside (its first error stays) or does not exist.
    """
    error = (error.strip() or "unknown error")[:ATTENTION_MAX_CHARS]
    now = timezone.now()
    flagged = RefundCase.objects.filter(pk=case_id, attention_since__isnull=True).update(
        attention=error, attention_since=now, updated_at=now
    )
    if not flagged:
        return False
    case = RefundCase.objects.only("pk", "account_id", "reference", "external_id", "kind").get(pk=case_id)
    event_append(case=case, type=EventType.ATTENTION, actor=actor, reason=error)
    message = f"Case {case} needs attention: {error}"
    run_after_commit(
        "payments.alert_raise", ATTENTION_ALERT_KIND, message, attention_alert_key(case_id), case_id
    )
    logger.warning("case %s set aside by %s: %s", case_id, actor.label, error)
    return True


@transaction.atomic
def case_attention_clear(*, case: RefundCase, actor: Actor, reason: str) -> RefundCase:
    """Take a case off "needs attention" (a person fixed or closed it); the reason goes on the timeline."""
    require(actor, Perm.CASE_WORK)
    require_account(actor, case.account_id)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed([("reason", "say why the case no longer needs attention")])
    locked = RefundCase.objects.select_for_update().get(pk=case.pk)
    if not locked.needs_attention:
        return locked
    previous = locked.attention
    locked.attention, locked.attention_since, locked.updated_at = "", None, timezone.now()
    locked.save(update_fields=["attention", "attention_since", "updated_at"])
    event_append(
        case=locked, type=EventType.ATTENTION_CLEARED, actor=actor, reason=reason, payload={"error": previous}
    )
    return locked
