"""Per-account payment settings: the four-eyes threshold per currency, the payer's bank account for
transfer files."""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from refund_desk.cases.access import require_account as _require_account
from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import Currency
from refund_desk.cases.models import SellerAccount
from refund_desk.core.audit import audit_record
from refund_desk.core.changes import change_request
from refund_desk.core.errors import PermissionDenied, ValidationFailed
from refund_desk.core.models import ChangeRequest
from refund_desk.core.money import CENT
from refund_desk.core.permissions import Perm, has_perm
from refund_desk.payments.models import AccountPaymentSettings
from refund_desk.payments.selectors import approval_threshold as approval_threshold_in_force

logger = logging.getLogger("refund_desk.payments")


def _require_supervisor(actor: Actor) -> None:
    if actor.user is not None and not has_perm(actor.user, Perm.PAYMENT_SETTINGS_CHANGE):
        raise PermissionDenied("only a supervisor can change payment settings")


def _bank_code(
    kind: type[IBAN] | type[BIC], value: str | None, field: str, errors: list[tuple[str, str]]
) -> str:
    """`value` checked by schwifty and made compact ("" when not given); a wrong one is added to
    `errors` under `field`."""
    code = (value or "").replace(" ", "").upper()
    if not code:
        return ""
    try:
        return str(kind(code).compact)
    except SchwiftyException as exc:
        errors.append((field, f"not a valid {kind.__name__} ({exc})"))
        return code


@transaction.atomic
def payment_settings_set(
    *,
    account: SellerAccount,
    currency: str,
    approval_threshold: Decimal | str,
    actor: Actor,
    debtor_name: str | None = None,
    debtor_iban: str | None = None,
    debtor_bic: str | None = None,
) -> AccountPaymentSettings:
    """Create or change the account's settings for one currency (None leaves a bank field as it is)."""
    _require_supervisor(actor)
    errors: list[tuple[str, str]] = []
    if currency not in Currency.values:
        errors.append(("currency", f"unknown currency {currency!r}"))
    try:
        threshold = Decimal(str(approval_threshold)).quantize(CENT)
    except InvalidOperation:
        threshold = Decimal(-1)
    if not threshold.is_finite() or threshold < 0:
        errors.append(("approval_threshold", "must be an amount of 0 or more"))
    iban = _bank_code(IBAN, debtor_iban, "debtor_iban", errors)
    bic = _bank_code(BIC, debtor_bic, "debtor_bic", errors)
    if errors:
        raise ValidationFailed(errors)
    _require_account(actor, account.pk)
    in_force = approval_threshold_in_force(account_id=account.pk, currency=currency)
    row, created = AccountPaymentSettings.objects.select_for_update().get_or_create(
        account=account, currency=currency, defaults={"approval_threshold": in_force}
    )
    before = _settings_state(row)
    # Four eyes: a higher threshold lets more refunds out without a second look, so a second person
    # confirms it; a lower one (stricter) applies now.
    raising = actor.user is not None and threshold > in_force
    if raising:
        change_request(
            kind=THRESHOLD_CHANGE,
            account_id=account.pk,
            summary=f"{account}: approval needed above {threshold} {currency} (now {in_force})",
            before={"currency": currency, "approval_threshold": str(in_force)},
            after={"currency": currency, "approval_threshold": str(threshold)},
            actor=actor,
        )
    else:
        row.approval_threshold = threshold
    if debtor_name is not None:
        row.debtor_name = debtor_name.strip()[:140]
    if debtor_iban is not None:
        row.debtor_iban = iban
    if debtor_bic is not None:
        row.debtor_bic = bic
    row.save()
    audit_record(
        actor=actor,
        action="payment_settings.changed",
        object_type="AccountPaymentSettings",
        object_id=row.pk,
        summary=f"{account} {currency}: payment settings saved"
        + (f"; threshold {threshold} waits for a second person" if raising else ""),
        before=None if created else before,
        after=_settings_state(row),
        account_id=account.pk,
    )
    logger.info("payment settings %s %s saved by %s", account, currency, actor.label)
    return row


THRESHOLD_CHANGE = "payments.approval_threshold"


def _settings_state(row: AccountPaymentSettings) -> dict[str, str]:
    return {
        "approval_threshold": str(row.approval_threshold),
        "debtor_name": row.debtor_name,
        "debtor_iban": row.debtor_iban,
        "debtor_bic": row.debtor_bic,
    }


def threshold_change_apply(change: ChangeRequest, actor: Any) -> None:
    """Apply a confirmed higher approval threshold."""
    currency = change.after["currency"]
    row, _ = AccountPaymentSettings.objects.select_for_update().get_or_create(
        account_id=change.account_id,
        currency=currency,
        defaults={"approval_threshold": Decimal(change.after["approval_threshold"])},
    )
    row.approval_threshold = Decimal(change.after["approval_threshold"])
    row.save(update_fields=["approval_threshold"])
