"""Refund orders: built from the engine, held against what was paid, four eyes, exactly-once execution."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import AbstractUser
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from refund_desk.cases.actors import Actor
from refund_desk.cases.models import CaseEvent, RefundCase, SellerAccount
from refund_desk.cases.tests.factories import make_user
from refund_desk.core.errors import IllegalTransition, PermissionDenied, ValidationFailed
from refund_desk.core.roles import Role
from refund_desk.payments import services
from refund_desk.payments.choices import AlertKind, OutboxStatus, RefundMethod, RefundStatus
from refund_desk.payments.models import (
    AccountPaymentSettings,
    Alert,
    LineRefundLedger,
    OrderRefundLedger,
    OutboxMessage,
    RefundOrder,
)
from refund_desk.payments.services import execution
from refund_desk.payments.services.ledger import OverRefund
from refund_desk.payments.services.refunds import LineSpec
from refund_desk.payments.tests.fakes import FakeGateway, FakeRefund


class Crash(BaseException):
    """A worker dying (SIGKILL, OOM): nothing after this point runs, no except clause catches it."""


def later(minutes: int = 10) -> datetime:
    return timezone.now() + timedelta(minutes=minutes)


def test_refund_order_follows_the_engine_breakdown(approved_case: RefundCase, agent: AbstractUser) -> None:
    refund = services.refund_order_create(case=approved_case, actor=Actor.for_user(agent))

    assert refund.status == RefundStatus.PLANNED
    assert refund.method == RefundMethod.ALLEGRO
    assert (refund.lines_total, refund.delivery_amount, refund.total) == (
        Decimal("200.00"),
        Decimal("12.99"),
        Decimal("212.99"),
    )
    assert refund.reason == "REFUND" and not refund.overrides_engine
    payload = services.refund_payload(refund)
    assert payload["lineItems"] == [
        {"id": "li-1", "type": "QUANTITY", "quantity": 2},
        {"id": "li-2", "type": "QUANTITY", "quantity": 1},
    ]
    assert payload["delivery"] == {"value": {"amount": "12.99", "currency": "PLN"}}
    assert payload["payment"] == {"id": "pay-1"}
    # The decision and the intent to call Allegro were committed together.
    assert OutboxMessage.objects.get(refund_order=refund).status == OutboxStatus.PENDING
    assert RefundCase.objects.get(pk=approved_case.pk).status == "REFUND_PENDING"


def test_execution_submits_once_and_reconciles_to_success(
    approved_case: RefundCase, agent: AbstractUser, fake: FakeGateway
) -> None:
    refund = services.refund_order_create(case=approved_case, actor=Actor.for_user(agent))

    services.refund_execute(refund_order_id=refund.pk)
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUBMITTED and refund.allegro_status == "NEW"
    assert services.refund_execute(refund_order_id=refund.pk) is None  # outbox is done: nothing to send

    fake.settle()
    services.refund_reconcile(refund_order_id=refund.pk)
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCESS
    assert fake.refund_count() == 1
    assert RefundCase.objects.get(pk=approved_case.pk).status == "REFUNDED"


@pytest.mark.parametrize("fault", ["5xx", "429", "timeout"])
def test_transient_failures_retry_with_the_same_command_id(
    approved_case: RefundCase, agent: AbstractUser, fake: FakeGateway, fault: str
) -> None:
    refund = services.refund_order_create(case=approved_case, actor=Actor.for_user(agent))
    fake.fail_next(fault, fault)

    services.refund_execute(refund_order_id=refund.pk)
    message = OutboxMessage.objects.get(refund_order=refund)
    assert message.status == OutboxStatus.PENDING and message.attempts == 1 and fault in message.last_error
    assert services.refund_execute(refund_order_id=refund.pk) is None  # not due yet: backoff
    services.outbox_run(now=later())
    services.outbox_run(now=later(60))

    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUBMITTED
    assert fake.refund_count() == 1
    assert next(iter(fake.refunds))[1] == str(refund.command_id)


def test_late_response_after_a_retry_does_not_pay_twice(
    approved_case: RefundCase, agent: AbstractUser, fake: FakeGateway
) -> None:
    """Allegro executed the refund but the connection dropped before we read the answer."""
    refund = services.refund_order_create(case=approved_case, actor=Actor.for_user(agent))
    fake.fail_next("drop_after")

    services.refund_execute(refund_order_id=refund.pk)
    assert fake.refund_count() == 1
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PLANNED

    services.outbox_run(now=later())
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUBMITTED
    assert refund.allegro_refund_id == next(iter(fake.refunds.values())).id
    assert fake.refund_count() == 1


def test_crash_before_the_call_is_sent_after_the_lease(
    approved_case: RefundCase, agent: AbstractUser, fake: FakeGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    refund = services.refund_order_create(case=approved_case, actor=Actor.for_user(agent))

    def die(*args: object, **kwargs: object) -> None:
        raise Crash

    monkeypatch.setattr(execution, "refund_payload", die)
    with pytest.raises(Crash):
        services.refund_execute(refund_order_id=refund.pk)
    monkeypatch.undo()
    assert fake.refund_count() == 0
    # A live lease keeps a second worker off; once it expires the restarted worker sends it.
    assert services.outbox_run() == 0
    assert services.outbox_run(now=later(6)) == 1
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUBMITTED and fake.refund_count() == 1


def test_crash_during_the_call_is_reconciled_without_a_second_refund(
    approved_case: RefundCase, agent: AbstractUser, fake: FakeGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    refund = services.refund_order_create(case=approved_case, actor=Actor.for_user(agent))
    original = fake.initiate_refund

    def die_mid_call(*args: object, **kwargs: object) -> None:
        original(*args, **kwargs)  # type: ignore[arg-type]
        raise Crash

    monkeypatch.setattr(fake, "initiate_refund", die_mid_call)
    with pytest.raises(Crash):
        services.refund_execute(refund_order_id=refund.pk)
    monkeypatch.undo()

    services.outbox_run(now=later(6))
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUBMITTED and fake.refund_count() == 1


def test_crash_after_the_response_before_saving_it(
    approved_case: RefundCase, agent: AbstractUser, fake: FakeGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    refund = services.refund_order_create(case=approved_case, actor=Actor.for_user(agent))

    def die(*args: object, **kwargs: object) -> None:
        raise Crash

    monkeypatch.setattr(execution, "refund_record_response", die)
    with pytest.raises(Crash):
        services.refund_execute(refund_order_id=refund.pk)
    monkeypatch.undo()
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PLANNED and fake.refund_count() == 1

    services.refunds_reconcile_all(now=later(6))  # the `payments reconcile` path also drains the outbox
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUBMITTED and fake.refund_count() == 1
    assert OutboxMessage.objects.get(refund_order=refund).status == OutboxStatus.DONE


def test_crash_inside_the_save_rolls_back_and_is_retried(
    approved_case: RefundCase, agent: AbstractUser, fake: FakeGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    refund = services.refund_order_create(case=approved_case, actor=Actor.for_user(agent))
    original = execution._apply_allegro_state

    def half_saved(refund_order: RefundOrder, *args: object) -> None:
        original(refund_order, *args)  # type: ignore[arg-type]
        raise Crash

    monkeypatch.setattr(execution, "_apply_allegro_state", half_saved)
    with pytest.raises(Crash):
        services.refund_execute(refund_order_id=refund.pk)
    monkeypatch.undo()
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PLANNED and refund.allegro_refund_id == ""

    services.outbox_run(now=later(6))
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUBMITTED and fake.refund_count() == 1


def test_canceled_refund_alerts_and_returns_the_case_to_the_queue(
    approved_case: RefundCase, agent: AbstractUser, fake: FakeGateway
) -> None:
    fake.balances[approved_case.account_id] = Decimal("10.00")
    refund = services.refund_order_create(case=approved_case, actor=Actor.for_user(agent))
    services.refund_execute(refund_order_id=refund.pk)
    fake.settle()

    services.refunds_reconcile_all(now=later(11))
    refund.refresh_from_db()
    assert refund.status == RefundStatus.CANCELED
    assert "balance" in refund.error_message
    assert RefundCase.objects.get(pk=approved_case.pk).status == "APPROVED"
    assert Alert.objects.filter(kind=AlertKind.REFUND_CANCELED, case=approved_case).count() == 1
    assert OrderRefundLedger.objects.get(order=approved_case.order).held_total == 0
    # The case can be refunded again, with a new commandId.
    fake.balances[approved_case.account_id] = Decimal("1000.00")
    again = services.refund_order_create(case=approved_case, actor=Actor.for_user(agent))
    assert again.command_id != refund.command_id


def test_rejection_is_shown_in_plain_words(
    approved_case: RefundCase, agent: AbstractUser, fake: FakeGateway
) -> None:
    refund = services.refund_order_create(case=approved_case, actor=Actor.for_user(agent))
    fake.refunds[(approved_case.account_id, "someone-else")] = _other_refund(approved_case)

    services.refund_execute(refund_order_id=refund.pk)
    refund.refresh_from_db()
    assert refund.status == RefundStatus.FAILED
    assert refund.error_codes == ["VALIDATION_ERROR"]
    assert refund.error_message.startswith("Allegro refused the refund: it is more than what is left")
    assert OutboxMessage.objects.get(refund_order=refund).status == OutboxStatus.DEAD
    assert RefundCase.objects.get(pk=approved_case.pk).status == "APPROVED"


def _other_refund(case: RefundCase) -> FakeRefund:
    """A refund made outside the desk (e.g. in Sales Center) for the whole first line."""
    return FakeRefund(
        id="outside",
        account_pk=case.account_id,
        command_id="someone-else",
        order_id=case.order.external_id,
        payment_id="pay-1",
        status="SUCCESS",
        total=Decimal("100.00"),
        currency="PLN",
        quantities={"li-1": 2},
        amounts={"li-1": Decimal("100.00")},
        delivery=Decimal(0),
        created_at=timezone.now(),
    )


def test_never_more_than_paid_is_checked_in_code(approved_case: RefundCase, agent: AbstractUser) -> None:
    actor = Actor.for_user(agent)
    with pytest.raises(OverRefund, match="units are left"):
        services.refund_order_create(
            case=approved_case,
            actor=actor,
            lines=[LineSpec("li-1", "QUANTITY", quantity=3)],
            delivery=Decimal(0),
            override_reason="buyer says three",
        )
    with pytest.raises(OverRefund, match="delivery"):
        services.refund_order_create(
            case=approved_case,
            actor=actor,
            lines=[LineSpec("li-1", "AMOUNT", amount=Decimal("10"))],
            delivery=Decimal("20"),
            override_reason="courier",
        )
    assert not RefundOrder.objects.exists()


def test_partial_refunds_add_up_to_the_paid_amount_only(
    approved_case: RefundCase, agent: AbstractUser, supervisor: AbstractUser, fake: FakeGateway
) -> None:
    actor = Actor.for_user(agent)
    first = services.refund_order_create(
        case=approved_case,
        actor=actor,
        lines=[LineSpec("li-2", "AMOUNT", amount=Decimal("60.00"))],
        delivery=Decimal(0),
        override_reason="price reduction agreed",
    )
    services.refund_order_approve(refund=first, actor=Actor.for_user(supervisor))
    services.refund_execute(refund_order_id=first.pk)
    fake.settle()
    services.refund_reconcile(refund_order_id=first.pk)
    RefundCase.objects.filter(pk=approved_case.pk).update(status="APPROVED")  # complaint reopened
    with pytest.raises(OverRefund, match=r"40\.00 PLN is left"):
        services.refund_order_create(
            case=approved_case,
            actor=actor,
            lines=[LineSpec("li-2", "QUANTITY", quantity=1)],
            delivery=Decimal(0),
            override_reason="full refund after all",
        )
    line = LineRefundLedger.objects.get(line_item__external_id="li-2")
    assert (line.held_amount, line.paid_amount) == (Decimal("60.00"), Decimal("100.00"))


def test_the_database_refuses_an_over_refund_even_without_the_code_check(
    approved_case: RefundCase, agent: AbstractUser
) -> None:
    services.refund_order_create(case=approved_case, actor=Actor.for_user(agent))
    with pytest.raises(IntegrityError), transaction.atomic():
        LineRefundLedger.objects.update(held_amount=F("held_amount") + Decimal("0.01"))
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderRefundLedger.objects.update(held_total=F("paid_total") + 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        RefundOrder.objects.create(
            case=approved_case,
            order=approved_case.order,
            account=approved_case.account,
            method="ALLEGRO",
            status="PLANNED",
            reason="REFUND",
            currency="PLN",
            lines_total=Decimal(1),
            total=Decimal(1),
            requested_by_label="x",
        )  # a second live refund for the same case


def test_one_live_refund_per_case(approved_case: RefundCase, agent: AbstractUser) -> None:
    services.refund_order_create(case=approved_case, actor=Actor.for_user(agent))
    RefundCase.objects.filter(pk=approved_case.pk).update(status="APPROVED")
    with pytest.raises(IllegalTransition, match="already has a refund"):
        services.refund_order_create(case=approved_case, actor=Actor.for_user(agent))


def test_above_threshold_waits_for_a_second_person(
    approved_case: RefundCase, agent: AbstractUser, supervisor: AbstractUser, fake: FakeGateway
) -> None:
    AccountPaymentSettings.objects.create(
        account=approved_case.account, currency="PLN", approval_threshold=Decimal("200")
    )
    refund = services.refund_order_create(case=approved_case, actor=Actor.for_user(agent))
    assert refund.status == RefundStatus.AWAITING_APPROVAL
    assert refund.approval_reasons == ["ABOVE_THRESHOLD"]
    assert not OutboxMessage.objects.exists()
    assert RefundCase.objects.get(pk=approved_case.pk).status == "APPROVED"

    with pytest.raises(PermissionDenied, match="supervisor"):
        services.refund_order_approve(refund=refund, actor=Actor.for_user(agent))
    approved = services.refund_order_approve(refund=refund, actor=Actor.for_user(supervisor))
    assert approved.status == RefundStatus.PLANNED and approved.approved_by == supervisor
    assert OutboxMessage.objects.filter(refund_order=refund).exists()
    assert RefundCase.objects.get(pk=approved_case.pk).status == "REFUND_PENDING"


def test_the_requester_cannot_approve_even_as_supervisor(
    approved_case: RefundCase, supervisor: AbstractUser
) -> None:
    refund = services.refund_order_create(
        case=approved_case,
        actor=Actor.for_user(supervisor),
        lines=[LineSpec("li-1", "QUANTITY", quantity=1)],
        delivery=Decimal(0),
        override_reason="only one mug came back",
    )
    assert refund.approval_reasons == ["OVERRIDES_ENGINE"]
    with pytest.raises(PermissionDenied, match="cannot approve"):
        services.refund_order_approve(refund=refund, actor=Actor.for_user(supervisor))
    with pytest.raises(IntegrityError), transaction.atomic():
        RefundOrder.objects.filter(pk=refund.pk).update(approved_by=supervisor)


def test_override_needs_a_reason_and_decline_releases_the_hold(
    approved_case: RefundCase, agent: AbstractUser, supervisor: AbstractUser
) -> None:
    with pytest.raises(ValidationFailed, match="explain why"):
        services.refund_order_create(
            case=approved_case, actor=Actor.for_user(agent), lines=[LineSpec("li-1", "QUANTITY", quantity=1)]
        )
    refund = services.refund_order_create(
        case=approved_case,
        actor=Actor.for_user(agent),
        lines=[LineSpec("li-1", "QUANTITY", quantity=1)],
        override_reason="one mug kept",
    )
    services.refund_order_decline(refund=refund, actor=Actor.for_user(supervisor), reason="photos missing")
    refund.refresh_from_db()
    assert refund.status == RefundStatus.DECLINED
    assert OrderRefundLedger.objects.get(order=approved_case.order).held_total == 0
    assert CaseEvent.objects.filter(case=approved_case, reason__contains="photos missing").exists()


def test_only_approved_cases_are_refunded(
    account: SellerAccount, fake: FakeGateway, agent: AbstractUser
) -> None:
    from refund_desk.payments.tests.conftest import ingest
    from refund_desk.policy.tests.builders import case as case_file

    case = ingest(account, case_file())
    with pytest.raises(IllegalTransition):
        services.refund_order_create(case=case, actor=Actor.for_user(agent))


def test_a_refund_paid_outside_the_desk_counts_once_a_second_person_confirms_it(
    approved_case: RefundCase, agent: AbstractUser, supervisor: AbstractUser, fake: FakeGateway
) -> None:
    paid = timezone.now() - timedelta(days=1)
    lead = Actor.for_user(supervisor)
    refund = services.refund_outside_record(
        case=approved_case,
        amount=Decimal("50.00"),
        paid_at=paid,
        reference="PKO-778",
        actor=lead,
    )
    assert (refund.method, refund.status, refund.total) == ("OUTSIDE", "AWAITING_APPROVAL", Decimal("50.00"))
    assert refund.approval_reasons == ["PAID_OUTSIDE"] and refund.outside_reference == "PKO-778"
    assert RefundCase.objects.get(pk=approved_case.pk).status == "APPROVED"
    with pytest.raises(PermissionDenied, match="cannot approve"):
        services.refund_order_approve(refund=refund, actor=lead)

    second = make_user("second-sup", [Role.SUPERVISOR])
    services.refund_order_approve(refund=refund, actor=Actor.for_user(second))
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCESS and refund.approved_by == second
    assert RefundCase.objects.get(pk=approved_case.pk).status == "REFUNDED"
    assert not OutboxMessage.objects.exists() and fake.refund_count() == 0  # nothing goes to Allegro


@pytest.mark.parametrize(
    ("amount", "reference", "field"),
    [
        (Decimal("0"), "ref", "amount"),
        (Decimal("-5"), "ref", "amount"),
        (Decimal("1.005"), "ref", "amount"),
        (Decimal("10"), "", "reference"),
        (Decimal("10"), "r" * 101, "reference"),
        (Decimal("99999999"), "ref", "amount"),
    ],
)
def test_an_outside_refund_is_refused_naming_the_field_and_writes_nothing(
    approved_case: RefundCase, agent: AbstractUser, amount: Decimal, reference: str, field: str
) -> None:
    before = CaseEvent.objects.filter(case=approved_case).count()
    with pytest.raises(ValidationFailed) as refused:
        services.refund_outside_record(
            case=approved_case,
            amount=amount,
            paid_at=timezone.now(),
            reference=reference,
            actor=Actor.for_user(agent),
        )
    assert field in [path for path, _ in refused.value.errors]
    assert not RefundOrder.objects.exists()
    assert CaseEvent.objects.filter(case=approved_case).count() == before
