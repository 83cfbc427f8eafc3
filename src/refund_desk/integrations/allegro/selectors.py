"""Reads of the Allegro integration."""

from __future__ import annotations

from django.db.models import QuerySet

from refund_desk.cases.models import SellerAccount
from refund_desk.integrations.allegro.models import CredentialStatus


def accounts_syncable() -> QuerySet[SellerAccount]:
    """Active accounts with connected Allegro credentials, in a stable order."""
    return SellerAccount.objects.filter(
        is_active=True, allegro_credentials__status=CredentialStatus.CONNECTED
    ).order_by("pk")


def account_connected(account_id: int) -> bool:
    """Whether the desk can call Allegro for this account (active, with connected credentials)."""
    return accounts_syncable().filter(pk=account_id).exists()
