"""The state machine: every legal move succeeds with an event, every illegal one raises and writes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import transaction

from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import ActorType, CaseStatus, EventType
from refund_desk.cases.lifecycle import (
    ALLOWED_TRANSITIONS,
    KIND_ONLY_TARGETS,
    OPEN_STATUSES,
    SYSTEM_ONLY_TARGETS,
)
from refund_desk.cases.models import CaseEvent, RefundCase
from refund_desk.cases.services import (
    FAR_FUTURE,
    case_add_note,
    case_move_if_allowed,
    case_note_vanished,
    case_transition,
)
from refund_desk.cases.tests.factories import case_file, imported_case, make_account, make_user
from refund_desk.core.errors import IllegalTransition, PermissionDenied, ValidationFailed
from refund_desk.core.roles import Role
from refund_desk.integrations.allegro.intake import cases_import

pytestmark = pytest.mark.django_db

ALL_PAIRS = [(a, b) for a in CaseStatus for b in CaseStatus]
LEGAL = [(a, b) for a, b in ALL_PAIRS if b in ALLOWED_TRANSITIONS[a]]
ILLEGAL = [(a, b) for a, b in ALL_PAIRS if b not in ALLOWED_TRANSITIONS[a]]


@pytest.fixture
def case() -> RefundCase:
    account = make_account()
    result = cases_import(items=[case_file(seed=11)], account=account).results[0]
    return imported_case(result)


@pytest.fixture
def admin_actor() -> Actor:
    return Actor.for_user(make_user("boss", [Role.ADMIN]))


def _force_status(case: RefundCase, status: CaseStatus, *, towards: CaseStatus | None = None) -> RefundCase:
    """The case in `status`, of a kind that may move `towards` (a remedy is a complaint's)."""
    kinds = KIND_ONLY_TARGETS.get(towards) if towards is not None else None
    RefundCase.objects.filter(pk=case.pk).update(
        status=status, **({"kind": sorted(kinds)[0]} if kinds and case.kind not in kinds else {})
    )
    case.refresh_from_db()
    return case


def test_a_kind_only_move_is_refused_to_other_kinds(case: RefundCase, admin_actor: Actor) -> None:
    assert case.kind == "WITHDRAWAL"
    with pytest.raises(IllegalTransition, match="withdrawal case cannot move to REMEDY"):
        case_transition(case=case, to=CaseStatus.REMEDY, actor=admin_actor, reason="repair")


def test_every_status_has_an_entry_in_the_table() -> None:
    assert set(ALLOWED_TRANSITIONS) == set(CaseStatus)


@pytest.mark.parametrize(("from_status", "to_status"), LEGAL, ids=[f"{a}->{b}" for a, b in LEGAL])
def test_legal_transition_moves_case_and_appends_one_event(
    case: RefundCase, admin_actor: Actor, from_status: CaseStatus, to_status: CaseStatus
) -> None:
    # given a case in from_status
    case = _force_status(case, from_status, towards=to_status)
    events_before = case.events.count()
    # when an admin moves it (payments, for the moves only the case's refunds make)
    actor = Actor.system("payments") if to_status in SYSTEM_ONLY_TARGETS else admin_actor
    moved = case_transition(case=case, to=to_status, actor=actor, reason="checked")
    # then the status changes and exactly one event records who, from, to and why
    case.refresh_from_db()
    assert case.status == to_status == moved.status
    assert case.events.count() == events_before + 1
    event = case.events.latest("id")
    assert (event.type, event.from_status, event.to_status) == (EventType.TRANSITION, from_status, to_status)
    assert event.actor_label == actor.label and event.actor_user == actor.user
    assert event.reason == "checked"
    if to_status not in OPEN_STATUSES:
        assert case.due_at == FAR_FUTURE


@pytest.mark.parametrize(("from_status", "to_status"), ILLEGAL, ids=[f"{a}->{b}" for a, b in ILLEGAL])
def test_illegal_transition_raises_and_writes_nothing(
    case: RefundCase, admin_actor: Actor, from_status: CaseStatus, to_status: CaseStatus
) -> None:
    case = _force_status(case, from_status)
    events_before = case.events.count()
    expected = f"{from_status.value} cannot move to {to_status.value}"
    with pytest.raises(IllegalTransition, match=expected), transaction.atomic():
        case_transition(case=case, to=to_status, actor=admin_actor)
    case.refresh_from_db()
    assert case.status == from_status
    assert case.events.count() == events_before


def test_automation_can_approve_but_never_reject(case: RefundCase) -> None:
    case = _force_status(case, CaseStatus.UNDER_REVIEW)
    with pytest.raises(PermissionDenied, match="only a person"):
        case_transition(case=case, to=CaseStatus.REJECTED, actor=Actor.model("risk-1"))
    approved = case_transition(case=case, to=CaseStatus.APPROVED, actor=Actor.model("risk-1"))
    assert approved.status == CaseStatus.APPROVED
    event = approved.events.latest("id")
    assert event.actor_type == ActorType.MODEL and event.actor_label == "risk-1" and event.actor_user is None


@pytest.mark.parametrize("target", sorted(ALLOWED_TRANSITIONS[CaseStatus.APPEALED]))
def test_only_a_supervisor_decides_an_appeal(case: RefundCase, target: CaseStatus) -> None:
    case = _force_status(case, CaseStatus.APPEALED, towards=target)
    agent = Actor.for_user(make_user("agent1", [Role.AGENT]))
    with pytest.raises(PermissionDenied, match="supervisor"):
        case_transition(case=case, to=target, actor=agent)
    assert RefundCase.objects.get(pk=case.pk).status == CaseStatus.APPEALED
    supervisor = Actor.for_user(make_user("sup1", [Role.SUPERVISOR]))
    assert case_transition(case=case, to=target, actor=supervisor).status == target


def test_auditor_and_users_without_role_cannot_move_cases(case: RefundCase) -> None:
    for username, roles in (("aud", [Role.AUDITOR]), ("nobody", [])):
        actor = Actor.for_user(make_user(username, roles))
        with pytest.raises(PermissionDenied, match="needs a person with the permission"):
            case_transition(case=case, to=CaseStatus.UNDER_REVIEW, actor=actor)
    assert RefundCase.objects.get(pk=case.pk).status == CaseStatus.NEW


@pytest.mark.parametrize(
    ("from_status", "to_status"),
    [(a, b) for a, b in LEGAL if b in SYSTEM_ONLY_TARGETS],
    ids=[f"{a}->{b}" for a, b in LEGAL if b in SYSTEM_ONLY_TARGETS],
)
@pytest.mark.parametrize("role", list(Role))
def test_no_person_marks_a_case_refund_pending_or_refunded(
    case: RefundCase, from_status: CaseStatus, to_status: CaseStatus, role: Role
) -> None:
    """Money only moves through refunds: whatever their role, a person never makes these moves."""
    case = _force_status(case, from_status)
    events_before = case.events.count()
    person = Actor.for_user(make_user(f"someone-{role.value}", [role]))
    with pytest.raises(PermissionDenied, match="only through its refunds"), transaction.atomic():
        case_transition(case=case, to=to_status, actor=person)
    assert RefundCase.objects.get(pk=case.pk).status == from_status
    assert case.events.count() == events_before


def test_an_appeal_is_decided_by_someone_who_made_no_earlier_decision(case: RefundCase) -> None:
    supervisor = Actor.for_user(make_user("sup-decided", [Role.SUPERVISOR]))
    case_transition(case=case, to=CaseStatus.REJECTED, actor=supervisor, reason="worn")
    case_transition(case=case, to=CaseStatus.APPEALED, actor=supervisor, reason="buyer contests")
    with pytest.raises(PermissionDenied, match="made none of the case's earlier decisions"):
        case_transition(case=case, to=CaseStatus.APPROVED, actor=supervisor)
    assert RefundCase.objects.get(pk=case.pk).status == CaseStatus.APPEALED
    other = Actor.for_user(make_user("sup-fresh", [Role.SUPERVISOR]))
    assert case_transition(case=case, to=CaseStatus.APPROVED, actor=other).status == CaseStatus.APPROVED


def test_case_events_are_append_only(case: RefundCase) -> None:
    event = case.events.get()
    event.reason = "rewritten"
    with pytest.raises(TypeError, match="append-only"):
        event.save()
    with pytest.raises(TypeError, match="append-only"):
        event.delete()
    with pytest.raises(TypeError, match="append-only"):
        CaseEvent.objects.filter(case=case).update(reason="x")
    with pytest.raises(TypeError, match="append-only"):
        CaseEvent.objects.filter(case=case).delete()
    assert case.events.get().reason == ""


def test_notes_are_events_and_cannot_be_empty(case: RefundCase, admin_actor: Actor) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        case_add_note(case=case, actor=admin_actor, text="   ")
    assert excinfo.value.errors == [("text", "a note cannot be empty")]
    note = case_add_note(case=case, actor=admin_actor, text="Buyer phoned, parcel sent today.")
    assert note.type == EventType.NOTE and note.reason == "Buyer phoned, parcel sent today."
    assert case.events.count() == 2


def test_a_vanished_allegro_object_is_noted_once_per_object(case: RefundCase) -> None:
    # given a case
    sync = Actor.system("allegro-sync")
    status, events_before = case.status, case.events.count()
    noticed = datetime(2030, 1, 2, 23, 30, tzinfo=UTC)  # already 3 January in Warsaw
    # when Allegro answers 404 for its return twice and for its order once
    first = case_note_vanished(
        case=case, object_type="customerReturn", object_id="r-1", actor=sync, noticed_at=noticed
    )
    repeated = case_note_vanished(case=case, object_type="customerReturn", object_id="r-1", actor=sync)
    order = case_note_vanished(case=case, object_type="checkoutForm", object_id="o-1", actor=sync)
    # then one note per vanished object, in plain words, and the case is otherwise unchanged
    assert first is not None and repeated is None and order is not None
    assert first.type == EventType.NOTE and first.actor_type == ActorType.SYSTEM
    assert first.reason == (
        "Allegro no longer knows customer return r-1 (404 during sync on 2030-01-03); "
        "check it in Sales Center before acting."
    )
    assert first.payload == {"vanishedFromAllegro": {"object": "customerReturn", "id": "r-1"}}
    assert order.reason.startswith("Allegro no longer knows order o-1 ")
    case.refresh_from_db()
    assert case.status == status and case.events.count() == events_before + 2


SYSTEM = Actor.system("payments")


@pytest.mark.parametrize(("start", "target"), [(a, b) for a, b in LEGAL if b != CaseStatus.REJECTED])
def test_move_if_allowed_moves_a_case_the_lifecycle_lets_move(
    case: RefundCase, start: CaseStatus, target: CaseStatus
) -> None:
    """Every legal move a system actor may make (automation never rejects)."""
    _force_status(case, start, towards=target)
    before = CaseEvent.objects.filter(case=case).count()
    assert case_move_if_allowed(case=case, to=target, actor=SYSTEM, reason="refund paid", payload={"x": 1})
    case.refresh_from_db()
    assert case.status == target
    event = CaseEvent.objects.filter(case=case).order_by("-id").first()
    assert event is not None
    assert (event.type, event.from_status, event.to_status, event.reason, event.payload) == (
        EventType.TRANSITION,
        start,
        target,
        "refund paid",
        {"x": 1},
    )
    assert CaseEvent.objects.filter(case=case).count() == before + 1


def test_move_if_allowed_keeps_the_reason_as_a_note_when_the_case_cannot_move(case: RefundCase) -> None:
    _force_status(case, CaseStatus.CLOSED)
    assert not case_move_if_allowed(case=case, to=CaseStatus.REFUNDED, actor=SYSTEM, reason="Allegro paid")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    note = CaseEvent.objects.filter(case=case).order_by("-id").first()
    assert note is not None
    assert (note.type, note.reason, note.actor_label, note.to_status) == (
        EventType.NOTE,
        "Allegro paid",
        "payments",
        "",
    )


def test_move_if_allowed_notes_a_case_already_there_and_may_record_nothing(case: RefundCase) -> None:
    _force_status(case, CaseStatus.REFUND_PENDING)
    assert not case_move_if_allowed(
        case=case,
        to=CaseStatus.REFUND_PENDING,
        actor=SYSTEM,
        reason="second refund",
        otherwise=EventType.SYNCED,
    )
    assert CaseEvent.objects.filter(case=case).order_by("-id").values_list("type", flat=True)[0] == "SYNCED"
    before = CaseEvent.objects.filter(case=case).count()
    assert not case_move_if_allowed(
        case=case, to=CaseStatus.CLOSED, actor=SYSTEM, reason="nothing", otherwise=None
    )
    assert CaseEvent.objects.filter(case=case).count() == before


def test_move_if_allowed_reads_the_row_afresh(case: RefundCase) -> None:
    """A stale in-memory case does not fool it: the lifecycle is checked against the stored status."""
    stale = RefundCase.objects.get(pk=case.pk)
    _force_status(case, CaseStatus.APPROVED)
    assert case_move_if_allowed(case=stale, to=CaseStatus.REFUND_PENDING, actor=SYSTEM, reason="paying")
    assert RefundCase.objects.get(pk=case.pk).status == CaseStatus.REFUND_PENDING
