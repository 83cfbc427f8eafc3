"""Bank transfers for refunds Allegro cannot pay, and commission refund claims."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from xml.etree import ElementTree as ET

import pytest
from django.contrib.auth.models import AbstractUser
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from refund_desk.cases.actors import Actor
from refund_desk.cases.models import RefundCase, SellerAccount
from refund_desk.cases.services import case_transition
from refund_desk.cases.tests.factories import make_user
from refund_desk.core.errors import PermissionDenied
from refund_desk.core.roles import Role
from refund_desk.payments import selectors, services
from refund_desk.payments.choices import ClaimStatus, RefundMethod, RefundStatus
from refund_desk.payments.models import (
    AccountPaymentSettings,
    CommissionClaim,
    OutboxMessage,
    RefundOrder,
    TransferBatch,
)
from refund_desk.payments.services.refunds import LineSpec
from refund_desk.payments.tests.conftest import SYSTEM, ingest
from refund_desk.payments.tests.fakes import FakeGateway
from refund_desk.policy.tests.builders import case as case_file
from refund_desk.policy.tests.builders import customer_return, order


def test_cash_on_delivery_is_paid_by_bank_transfer(
    cod_case: RefundCase, agent: AbstractUser, supervisor: AbstractUser, tmp_path: object
) -> None:
    refund = services.refund_order_create(case=cod_case, actor=Actor.for_user(agent))
    assert (refund.method, refund.status) == (RefundMethod.BANK_TRANSFER, RefundStatus.MANUAL)
    assert refund.bank_account_number == "61109010140000071219812874"
    assert not OutboxMessage.objects.exists()  # never sent to Allegro

    batch = services.transfer_batch_export(account=cod_case.account, currency="PLN", actor=SYSTEM)
    assert batch is not None and batch.format == "CSV"
    lines = batch.content.strip().split("\n")
    assert lines[0].startswith("reference;beneficiary;account")
    assert "Jan Kowalski;61109010140000071219812874;;212.99;PLN" in lines[1]
    assert services.transfer_batch_export(account=cod_case.account, currency="PLN", actor=SYSTEM) is None

    with pytest.raises(PermissionDenied, match=r"transfers\.confirm"):  # an agent may not confirm payments
        services.transfer_batch_confirm(batch=batch, actor=Actor.for_user(agent))
    services.transfer_batch_confirm(batch=batch, actor=Actor.for_user(supervisor))
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCESS
    assert RefundCase.objects.get(pk=cod_case.pk).status == "REFUNDED"


def test_who_exported_a_transfer_file_cannot_confirm_it(
    cod_case: RefundCase, supervisor: AbstractUser
) -> None:
    """Four eyes on bank transfers: exporting and confirming are two different people (and the database
    refuses one row naming the same person twice)."""
    exporter = Actor.for_user(supervisor)
    services.refund_order_create(case=cod_case, actor=Actor.for_user(make_user("agent-cod", [Role.AGENT])))
    batch = services.transfer_batch_export(account=cod_case.account, currency="PLN", actor=exporter)
    assert batch is not None and batch.created_by == supervisor
    with pytest.raises(PermissionDenied, match="four eyes"):
        services.transfer_batch_confirm(batch=batch, actor=exporter)
    batch.refresh_from_db()
    assert batch.confirmed_at is None
    assert RefundOrder.objects.get(case=cod_case).status == RefundStatus.MANUAL
    with pytest.raises(IntegrityError), transaction.atomic():
        TransferBatch.objects.filter(pk=batch.pk).update(confirmed_by=supervisor)
    second = Actor.for_user(make_user("second-sup", [Role.SUPERVISOR]))
    services.transfer_batch_confirm(batch=batch, actor=second)
    assert RefundCase.objects.get(pk=cod_case.pk).status == "REFUNDED"


def test_eur_refunds_export_as_sepa_pain_001(
    account: SellerAccount, fake: FakeGateway, agent: AbstractUser, tmp_path: object
) -> None:
    from refund_desk.payments.tests.conftest import IMMEDIATE
    from refund_desk.policy import services as policy_services

    policy_services.policy_publish(
        account=account, marketplace="allegro-sk", yaml_text=IMMEDIATE, actor=SYSTEM
    )
    ret = customer_return(marketplace="allegro-sk")
    ret["refund"] = {
        "bankAccount": {"owner": "Ján Novák", "iban": "SK31 1200 0000 1987 4263 7541", "swift": "TATRSKBX"}
    }
    data = case_file(
        "allegro-sk", order_data=order("allegro-sk", payment_type="WIRE_TRANSFER"), return_data=ret
    )
    case = case_transition(case=ingest(account, data), to="APPROVED", actor=SYSTEM)
    AccountPaymentSettings.objects.create(
        account=account,
        currency="EUR",
        approval_threshold=Decimal(1000),
        debtor_name="Shop s.r.o.",
        debtor_iban="SK8975000000000012345671",
    )
    services.refund_order_create(case=case, actor=Actor.for_user(agent))
    call_command("payments", "export-transfers", "--currency", "EUR", "--output-dir", str(tmp_path))
    batch = selectors.transfer_batches(viewer=agent).get()
    ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
    root = ET.fromstring(batch.content.split("\n", 1)[1])  # noqa: S314 -- our own output
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", namespaces=ns) == "1"
    tx = root.find("p:CstmrCdtTrfInitn/p:PmtInf/p:CdtTrfTxInf", ns)
    assert tx is not None
    assert tx.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=ns) == "SK3112000000198742637541"
    assert tx.find("p:Amt/p:InstdAmt", ns).attrib["Ccy"] == "EUR"  # type: ignore[union-attr]
    assert tx.findtext("p:Cdtr/p:Nm", namespaces=ns) == "Ján Novák"


def _paid(case: RefundCase, agent: AbstractUser, fake: FakeGateway) -> RefundOrder:
    refund = services.refund_order_create(case=case, actor=Actor.for_user(agent))
    services.refund_execute(refund_order_id=refund.pk)
    fake.settle()
    return services.refund_reconcile(refund_order_id=refund.pk)


def test_commission_claims_are_filed_per_line_and_tracked(
    approved_case: RefundCase, agent: AbstractUser, fake: FakeGateway
) -> None:
    LineItems = approved_case.order.line_items
    LineItems.update(bought_at=timezone.now() - timedelta(days=3))
    fake.add_automatic_claim(approved_case.account, "li-2", 1)  # Allegro filed this one itself
    refund = _paid(approved_case, agent, fake)
    assert refund.status == RefundStatus.SUCCESS
    assert CommissionClaim.objects.filter(status=ClaimStatus.PLANNED).count() == 2

    services.commission_claims_sync()
    own = CommissionClaim.objects.get(line_item__external_id="li-1")
    adopted = CommissionClaim.objects.get(line_item__external_id="li-2")
    assert own.status == ClaimStatus.IN_PROGRESS and not own.created_by_allegro
    assert adopted.created_by_allegro
    assert len(fake.claims) == 2  # no duplicate claim for li-2

    fake.decide_claim(own.allegro_claim_id, "GRANTED")
    fake.decide_claim(adopted.allegro_claim_id, "REJECTED")
    services.commission_claims_sync()
    [row] = selectors.commission_report(viewer=agent)
    assert row["recovered"] == Decimal("10.00") and row["recovered_claims"] == 1 and row["missed_claims"] == 1


def test_a_withdrawal_paid_with_a_deduction_still_claims_the_returned_units(
    approved_case: RefundCase, agent: AbstractUser, supervisor: AbstractUser, fake: FakeGateway
) -> None:
    # The buyer sent back two mugs (li-1) and a kettle (li-2); the mugs came back worn, so li-1 is
    # refunded as a partial value (AMOUNT) after a second person approved the deduction.
    approved_case.order.line_items.update(bought_at=timezone.now() - timedelta(days=3))
    refund = services.refund_order_create(
        case=approved_case,
        actor=Actor.for_user(agent),
        lines=[
            LineSpec("li-1", "AMOUNT", amount=Decimal("70.00")),
            LineSpec("li-2", "QUANTITY", quantity=1),
        ],
        delivery=Decimal(0),
        override_reason="mugs used: 30 PLN deduction for diminished value",
    )
    services.refund_order_approve(refund=refund, actor=Actor.for_user(supervisor))
    services.refund_execute(refund_order_id=refund.pk)
    fake.settle()
    assert services.refund_reconcile(refund_order_id=refund.pk).status == RefundStatus.SUCCESS

    claims = dict(CommissionClaim.objects.values_list("line_item__external_id", "quantity"))
    assert claims == {"li-1": 2, "li-2": 1}
    services.commission_claims_sync()
    filed = sorted((c.line_item_id, c.quantity) for c in fake.claims.values())
    assert filed == [("li-1", 2), ("li-2", 1)]


def test_claims_after_45_days_are_missed(
    approved_case: RefundCase, agent: AbstractUser, fake: FakeGateway
) -> None:
    approved_case.order.line_items.update(bought_at=timezone.now() - timedelta(days=50))
    _paid(approved_case, agent, fake)
    services.commission_claims_sync()
    assert set(CommissionClaim.objects.values_list("status", flat=True)) == {ClaimStatus.MISSED}
    assert fake.claims == {}


def test_cli_runs_outbox_and_reconcile(
    approved_case: RefundCase, agent: AbstractUser, fake: FakeGateway, capsys: object
) -> None:
    refund = services.refund_order_create(case=approved_case, actor=Actor.for_user(agent))
    call_command("payments", "run-outbox")
    fake.settle()
    RefundOrder.objects.filter(pk=refund.pk).update(next_check_at=None)
    call_command("payments", "reconcile")
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCESS
