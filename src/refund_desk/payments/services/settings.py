"""Per-account payment settings: the four-eyes threshold per currency, the payer's bank account for
transfer files."""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation

from django.db import transaction

from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import Currency
from refund_desk.cases.models import SellerAccount
from refund_desk.core.errors import PermissionDenied, ValidationFailed
from refund_desk.core.money import CENT
from refund_desk.core.roles import Role, has_role
from refund_desk.payments.models import AccountPaymentSettings

logger = logging.getLogger("refund_desk.payments")


def _require_supervisor(actor: Actor) -> None:
    if actor.user is not None and not has_role(actor.user, Role.SUPERVISOR):
        raise PermissionDenied("only a supervisor can change payment settings")


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
    iban = (debtor_iban or "").replace(" ", "").upper()
    if debtor_iban and not (15 <= len(iban) <= 34 and iban[:2].isalpha() and iban[2:].isalnum()):
        errors.append(("debtor_iban", "not an IBAN"))
    if errors:
        raise ValidationFailed(errors)
    row, created = AccountPaymentSettings.objects.select_for_update().get_or_create(
        account=account, currency=currency, defaults={"approval_threshold": threshold}
    )
    before = row.approval_threshold
    row.approval_threshold = threshold
    if debtor_name is not None:
        row.debtor_name = debtor_name.strip()
    if debtor_iban is not None:
        row.debtor_iban = iban
    if debtor_bic is not None:
        row.debtor_bic = debtor_bic.strip().upper()
    row.save()
    logger.info(
        "payment settings %s %s: threshold %s -> %s by %s",
        account,
        currency,
        "new" if created else before,
        threshold,
        actor.label,
    )
    return row
