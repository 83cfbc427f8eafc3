"""Reconciliation of submitted refunds: per account from one listing, per order for the rest."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import AbstractUser
from django.utils import timezone

from refund_desk.cases.actors import Actor
from refund_desk.cases.models import RefundCase, SellerAccount
from refund_desk.cases.services import case_transition
from refund_desk.payments import services
from refund_desk.payments.choices import RefundStatus
from refund_desk.payments.models import RefundOrder
from refund_desk.payments.services import execution
from refund_desk.payments.tests.conftest import SYSTEM, ingest
from refund_desk.payments.tests.fakes import FakeGateway
from refund_desk.policy.tests.builders import case as case_file
from refund_desk.policy.tests.builders import customer_return, line, order

LISTING = "getRefundedPayments:since"  # one page of the account's recent refunds
BY_ORDER = "getRefundedPayments"  # one order's refunds


def later(minutes: int = 11) -> datetime:
    return timezone.now() + timedelta(minutes=minutes)


def submitted_refunds(
    account: SellerAccount, fake: FakeGateway, agent: AbstractUser, count: int
) -> list[RefundOrder]:
    """`count` cases on different orders, each with a refund Allegro has accepted (NEW)."""
    refunds = []
    for n in range(count):
        order_data = order(lines=[line(f"li-{n}", f"offer-{n}", 1, "40.00", "PLN", "Kubek")])
        order_data["id"] = f"00000000-0000-4000-8000-{n:012d}"
        order_data["payment"]["id"] = f"pay-{n}"
        ret = customer_return([(f"offer-{n}", 1, "DONT_LIKE_IT")])
        ret.update(id=f"ret-{n}", referenceNumber=f"ZWR-{n}", orderId=order_data["id"])
        case = ingest(account, case_file(order_data=order_data, return_data=ret))
        fake.register_order(case.order)
        approved = case_transition(case=case, to="APPROVED", actor=SYSTEM)
        refund = services.refund_order_create(case=approved, actor=Actor.for_user(agent))
        services.refund_execute(refund_order_id=refund.pk)
        refund.refresh_from_db()
        assert refund.status == RefundStatus.SUBMITTED
        refunds.append(refund)
    fake.calls.clear()
    return refunds


def test_many_submitted_refunds_are_reconciled_from_one_listing(
    account: SellerAccount, fake: FakeGateway, agent: AbstractUser
) -> None:
    refunds = submitted_refunds(account, fake, agent, 5)
    fake.balances[account.pk] = refunds[0].total * 4  # the fifth refund cannot be charged
    fake.settle()

    assert services.refunds_reconcile_all(now=later()) == 5

    assert [op for op, _ in fake.calls] == [LISTING]  # one call for five refunds
    statuses = dict(RefundOrder.objects.values_list("pk", "status"))
    assert [statuses[r.pk] for r in refunds] == [RefundStatus.SUCCESS] * 4 + [RefundStatus.CANCELED]
    cases = dict(RefundCase.objects.values_list("pk", "status"))
    assert [cases[r.case_id] for r in refunds] == ["REFUNDED"] * 4 + ["APPROVED"]


def test_listing_pages_and_unlisted_refunds_fall_back_to_their_order(
    account: SellerAccount, fake: FakeGateway, agent: AbstractUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    refunds = submitted_refunds(account, fake, agent, 4)
    fake.recent_page_size = 1
    monkeypatch.setattr(execution, "LISTING_MAX_PAGES", 3)  # the listing stops before the oldest refund
    fake.settle()

    services.refunds_reconcile_all(now=later())

    # The listing, capped at 3 pages of 1, then the refund it did not reach, through its order.
    assert [op for op, _ in fake.calls] == [LISTING] * 3 + [BY_ORDER]
    assert set(RefundOrder.objects.values_list("status", flat=True)) == {RefundStatus.SUCCESS}
    assert len(refunds) == 4


def test_a_failed_listing_postpones_the_check_and_nothing_changes(
    account: SellerAccount, fake: FakeGateway, agent: AbstractUser
) -> None:
    refunds = submitted_refunds(account, fake, agent, 3)
    fake.settle()
    fake.fail_next("5xx")

    services.refunds_reconcile_all(now=later())

    assert [op for op, _ in fake.calls] == [LISTING]
    for refund in RefundOrder.objects.filter(pk__in=[r.pk for r in refunds]):
        assert refund.status == RefundStatus.SUBMITTED
        assert refund.next_check_at is not None and refund.next_check_at > timezone.now()

    services.refunds_reconcile_all(now=later(22))
    assert set(RefundOrder.objects.values_list("status", flat=True)) == {RefundStatus.SUCCESS}


def test_few_or_old_refunds_are_checked_one_order_at_a_time(
    account: SellerAccount, fake: FakeGateway, agent: AbstractUser
) -> None:
    refunds = submitted_refunds(account, fake, agent, 3)
    RefundOrder.objects.filter(pk=refunds[0].pk).update(submitted_at=timezone.now() - timedelta(days=5))
    fake.settle()

    services.refunds_reconcile_all(now=later())

    # Two recent refunds are below the listing threshold; the old one is outside the listing window.
    assert [op for op, _ in fake.calls] == [BY_ORDER] * 3
    assert set(RefundOrder.objects.values_list("status", flat=True)) == {RefundStatus.SUCCESS}
