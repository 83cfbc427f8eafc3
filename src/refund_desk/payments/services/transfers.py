"""Refunds Allegro cannot pay (cash on delivery, wire transfer): bank transfer files and their confirmation.

EUR refunds go into a SEPA credit transfer file (ISO 20022 pain.001.001.03); PLN, CZK and HUF into a
CSV for the bank's import.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from xml.etree import ElementTree as ET

from django.db import transaction
from django.utils import timezone

from refund_desk.cases.access import require_account
from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import EventType
from refund_desk.cases.models import SellerAccount
from refund_desk.cases.services import event_append
from refund_desk.core.errors import IllegalTransition, PermissionDenied, ValidationFailed
from refund_desk.core.permissions import Perm, require
from refund_desk.payments.choices import RefundMethod, RefundStatus, TransferFormat
from refund_desk.payments.models import AccountPaymentSettings, RefundOrder, TransferBatch
from refund_desk.payments.services.claims import commission_claims_plan
from refund_desk.payments.services.refunds import refund_emit, refund_paid

PAIN_001 = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"
CSV_HEADER = ["reference", "beneficiary", "account", "swift", "amount", "currency", "title"]


def _remittance(refund: RefundOrder) -> str:
    return f"Refund {refund.case.reference or refund.case.external_id} order {refund.order.external_id}"[:140]


def _sepa_xml(batch_id: str, refunds: list[RefundOrder], debtor: AccountPaymentSettings | None) -> str:
    if debtor is None or not debtor.debtor_iban:
        raise ValidationFailed(
            [
                (
                    "debtor_iban",
                    "set the account's EUR payer IBAN (payment settings) before exporting SEPA transfers",
                )
            ]
        )
    total = sum((r.total for r in refunds), Decimal(0))
    now = timezone.now()
    ET.register_namespace("", PAIN_001)
    ns = f"{{{PAIN_001}}}"

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, ns + tag, attrs)
        if text is not None:
            element.text = text
        return element

    document = ET.Element(ns + "Document")
    root = sub(document, "CstmrCdtTrfInitn")
    header = sub(root, "GrpHdr")
    sub(header, "MsgId", batch_id)
    sub(header, "CreDtTm", now.strftime("%Y-%m-%dT%H:%M:%S"))
    sub(header, "NbOfTxs", str(len(refunds)))
    sub(header, "CtrlSum", f"{total:.2f}")
    sub(sub(header, "InitgPty"), "Nm", debtor.debtor_name[:70])
    info = sub(root, "PmtInf")
    sub(info, "PmtInfId", batch_id)
    sub(info, "PmtMtd", "TRF")
    sub(info, "NbOfTxs", str(len(refunds)))
    sub(info, "CtrlSum", f"{total:.2f}")
    sub(sub(sub(info, "PmtTpInf"), "SvcLvl"), "Cd", "SEPA")
    sub(info, "ReqdExctnDt", timezone.localdate().isoformat())
    sub(sub(info, "Dbtr"), "Nm", debtor.debtor_name[:70])
    sub(sub(sub(info, "DbtrAcct"), "Id"), "IBAN", debtor.debtor_iban)
    agent = sub(sub(info, "DbtrAgt"), "FinInstnId")
    if debtor.debtor_bic:
        sub(agent, "BIC", debtor.debtor_bic)
    else:
        sub(sub(agent, "Othr"), "Id", "NOTPROVIDED")
    sub(info, "ChrgBr", "SLEV")
    for refund in refunds:
        tx = sub(info, "CdtTrfTxInf")
        sub(sub(tx, "PmtId"), "EndToEndId", refund.command_id.hex)
        sub(sub(tx, "Amt"), "InstdAmt", f"{refund.total:.2f}", Ccy="EUR")
        if refund.bank_swift:
            sub(sub(sub(tx, "CdtrAgt"), "FinInstnId"), "BIC", refund.bank_swift)
        sub(sub(tx, "Cdtr"), "Nm", (refund.bank_owner or refund.case.buyer_login)[:70])
        sub(sub(sub(tx, "CdtrAcct"), "Id"), "IBAN", refund.bank_iban)
        sub(sub(tx, "RmtInf"), "Ustrd", _remittance(refund))
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(document, encoding="unicode")


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: str) -> str:
    """A text cell a spreadsheet will show as text: one that would start a formula (`=HYPERLINK(...)`,
    `+`, `-`, `@`, a tab or carriage return) gets a leading apostrophe (OWASP "CSV injection")."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _csv(refunds: list[RefundOrder]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for refund in refunds:
        writer.writerow(
            [
                refund.command_id.hex,
                csv_cell(refund.bank_owner or refund.case.buyer_login),
                csv_cell(refund.bank_iban or refund.bank_account_number),
                csv_cell(refund.bank_swift),
                f"{refund.total:.2f}",
                refund.currency,
                csv_cell(_remittance(refund)),
            ]
        )
    return out.getvalue()


@transaction.atomic
def transfer_batch_export(*, account: SellerAccount, currency: str, actor: Actor) -> TransferBatch | None:
    """Put every manual refund of the account and currency not yet exported into one bank file."""
    require(actor, Perm.TRANSFERS_EXPORT)
    require_account(actor, account.pk)
    refunds = list(
        RefundOrder.objects.select_for_update(of=("self",))
        .select_related("case", "order")
        .filter(
            account=account,
            currency=currency,
            method=RefundMethod.BANK_TRANSFER,
            status=RefundStatus.MANUAL,
            transfer_batch__isnull=True,
        )
        .order_by("pk")
    )
    if not refunds:
        return None
    if currency == "EUR":
        missing = [r.pk for r in refunds if not r.bank_iban]
        if missing:
            raise ValidationFailed([("iban", f"refunds {missing} have no IBAN; SEPA needs one")])
    now = timezone.now()
    batch_id = f"RD{now:%Y%m%d%H%M%S}{account.pk:04d}{currency}"[:35]
    debtor = AccountPaymentSettings.objects.filter(account=account, currency=currency).first()
    if currency == "EUR":
        content, fmt, name = _sepa_xml(batch_id, refunds, debtor), TransferFormat.SEPA_XML, f"{batch_id}.xml"
    else:
        content, fmt, name = _csv(refunds), TransferFormat.CSV, f"{batch_id}.csv"
    batch = TransferBatch.objects.create(
        account=account,
        currency=currency,
        format=fmt,
        message_id=batch_id,
        file_name=name,
        content=content,
        total=sum((r.total for r in refunds), Decimal(0)),
        created_by=actor.user,
        created_by_label=actor.label,
    )
    RefundOrder.objects.filter(pk__in=[r.pk for r in refunds]).update(transfer_batch=batch, updated_at=now)
    for refund in refunds:
        event_append(
            case=refund.case,
            type=EventType.NOTE,
            actor=actor,
            reason=f"refund #{refund.pk} exported for bank transfer in {name}",
            payload={"refundOrder": refund.pk, "batch": batch.pk},
        )
    return batch


@transaction.atomic
def refund_manual_confirm(*, refund: RefundOrder, actor: Actor) -> RefundOrder:
    """The bank transfer to the buyer was made: the refund is paid (by someone other than who requested it)."""
    require(actor, Perm.TRANSFERS_CONFIRM)
    require_account(actor, refund.account_id)
    locked = (
        RefundOrder.objects.select_for_update(of=("self",))
        .select_related("case", "order", "account")
        .get(pk=refund.pk)
    )
    if locked.status != RefundStatus.MANUAL:
        raise IllegalTransition(f"a refund in status {locked.status} is not waiting for a bank transfer")
    if actor.user is not None and locked.requested_by_id == actor.user.pk:
        raise PermissionDenied("the person who requested a refund cannot confirm its payment")
    refund_paid(locked, f"bank transfer of {locked.total:.2f} {locked.currency} confirmed by {actor.label}")
    refund_emit(locked, "refund.succeeded")
    commission_claims_plan(refund=locked)
    return locked


@transaction.atomic
def transfer_batch_confirm(*, batch: TransferBatch, actor: Actor) -> TransferBatch:
    """Every transfer in the file was executed by the bank: confirmed by someone other than who exported it."""
    require(actor, Perm.TRANSFERS_CONFIRM)
    require_account(actor, batch.account_id)
    locked = TransferBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.confirmed_at is not None:
        return locked
    if actor.user is not None and locked.created_by_id == actor.user.pk:
        raise PermissionDenied("the person who exported a transfer file cannot confirm it: four eyes")
    for refund in locked.refund_orders.filter(status=RefundStatus.MANUAL).order_by("pk"):
        refund_manual_confirm(refund=refund, actor=actor)
    locked.confirmed_at = timezone.now()
    locked.confirmed_by = actor.user
    locked.confirmed_by_label = actor.label
    locked.save(update_fields=["confirmed_at", "confirmed_by", "confirmed_by_label"])
    return locked
