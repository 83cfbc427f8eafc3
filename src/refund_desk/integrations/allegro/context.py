"""Context processor: the seller accounts whose Allegro connection needs a person to reconnect it."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.http import HttpRequest

from refund_desk.core.permissions import Perm, has_perm
from refund_desk.core.roles import user_roles
from refund_desk.integrations.allegro.models import AllegroCredentials, CredentialStatus

BANNER_LIMIT = 5


class ReconnectBanner:
    """Queried only when a template reads it (one small indexed query), at most once per request."""

    def __init__(self, user: Any):
        self.user = user

    @cached_property
    def accounts(self) -> list[dict[str, Any]]:
        rows = (
            AllegroCredentials.objects.filter(
                status=CredentialStatus.NEEDS_RECONNECT, account__is_active=True
            )
            .order_by("account__name")
            .values("account_id", "account__name", "status_reason")[: BANNER_LIMIT + 1]
        )
        return [dict(row) for row in rows]

    @property
    def shown(self) -> list[dict[str, Any]]:
        return self.accounts[:BANNER_LIMIT]

    @property
    def more(self) -> bool:
        return len(self.accounts) > BANNER_LIMIT

    @property
    def can_reconnect(self) -> bool:
        return has_perm(self.user, Perm.ACCOUNTS_MANAGE)

    def __bool__(self) -> bool:
        return bool(self.accounts)


def allegro_banner(request: HttpRequest) -> dict[str, Any]:
    """`allegro_banner`: accounts needing reconnect, for signed-in staff (users holding a desk role)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user_roles(user):
        return {"allegro_banner": None}
    return {"allegro_banner": ReconnectBanner(user)}
