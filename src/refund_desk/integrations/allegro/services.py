"""Writes of the Allegro integration: connecting accounts and storing/refreshing their tokens."""

from __future__ import annotations

import logging
import os
import threading
import time
from datetime import UTC, datetime, timedelta

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from refund_desk.cases.access import account_name_errors, forget_cached_accounts, may_see_account
from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import AccountEnvironment
from refund_desk.cases.models import AccountMembership, SellerAccount
from refund_desk.core.crypto import DecryptionFailed
from refund_desk.core.effects import queue
from refund_desk.core.errors import ValidationFailed
from refund_desk.core.permissions import Perm, require
from refund_desk.integrations.allegro.client import AllegroClient
from refund_desk.integrations.allegro.errors import NeedsReconnect, OAuthError
from refund_desk.integrations.allegro.models import AllegroCredentials, CredentialStatus
from refund_desk.integrations.allegro.oauth import API_HOSTS, OAuthClient, TokenPair, oauth_base_url

logger = logging.getLogger("refund_desk.integrations.allegro")


def _setting(name: str, default: str = "") -> str:
    return str(getattr(settings, name, "") or os.environ.get(name, "") or default)


def api_url_for(account: SellerAccount) -> str:
    if account.api_url:
        return account.api_url.rstrip("/")
    if account.environment in API_HOSTS:
        return API_HOSTS[account.environment]
    raise ValidationFailed([("api_url", f"account {account.name} has no API URL")])


def oauth_client_for(account: SellerAccount, *, transport: httpx.BaseTransport | None = None) -> OAuthClient:
    """OAuth client with the installation's one client_id (ALLEGRO_CLIENT_ID / ALLEGRO_CLIENT_SECRET)."""
    client_id = _setting(
        "ALLEGRO_CLIENT_ID", "refund-desk-emulator" if account.environment == "emulator" else ""
    )
    if not client_id:
        raise ValidationFailed([("ALLEGRO_CLIENT_ID", "set ALLEGRO_CLIENT_ID (and ALLEGRO_CLIENT_SECRET)")])
    return OAuthClient(
        base_url=oauth_base_url(account.environment, account.api_url),
        client_id=client_id,
        client_secret=_setting(
            "ALLEGRO_CLIENT_SECRET", "emulator" if account.environment == "emulator" else ""
        ),
        transport=transport,
    )


@transaction.atomic
def account_connect(
    *,
    name: str,
    environment: str,
    api_url: str = "",
    tokens: TokenPair,
    allegro_user_id: str = "",
    allegro_login: str = "",
    actor: Actor | None = None,
) -> SellerAccount:
    """Create or update a seller account and store its tokens (encrypted), marking it connected.

    A person (`actor`) may reconnect only an account they work for; an account they create becomes one
    of theirs. The CLI and the demo act as the system."""
    name = name.strip()
    errors: list[tuple[str, str]] = account_name_errors(name)
    if environment not in AccountEnvironment.values:
        errors.append(("environment", f"must be one of {', '.join(AccountEnvironment.values)}"))
    if environment == AccountEnvironment.EMULATOR and not api_url:
        errors.append(("api_url", "an emulator account needs --api-url"))
    if not tokens.access_token:
        errors.append(("access_token", "an access token is required"))
    if errors:
        raise ValidationFailed(errors)
    if actor is not None and actor.user is not None:
        require(actor, Perm.ACCOUNTS_MANAGE)
        existing = SellerAccount.objects.filter(name=name).first()
        if existing is not None and not may_see_account(actor.user, existing.pk):
            raise ValidationFailed([("name", "another seller account already has this name")])
    account, created = SellerAccount.objects.select_for_update().get_or_create(name=name)
    if (
        created
        and actor is not None
        and actor.user is not None
        and not may_see_account(actor.user, account.pk)
    ):
        AccountMembership.objects.create(user=actor.user, account=account)
        forget_cached_accounts(actor.user)
    account.environment = environment
    account.api_url = api_url.rstrip("/")
    account.is_active = True
    if allegro_user_id:
        account.allegro_user_id = allegro_user_id
    if allegro_login:
        account.allegro_login = allegro_login
    account.save()
    credentials_store(account=account, tokens=tokens)
    return account


def account_sync_queue(*, account: SellerAccount) -> None:
    """Ask the worker for a sync of the account now, rather than at the next minute."""
    queue("allegro.sync_account", account.pk)


@transaction.atomic
def credentials_store(*, account: SellerAccount, tokens: TokenPair) -> AllegroCredentials:
    """Store a new token pair atomically (the old refresh token is dead once Allegro issued a new one)."""
    creds, _ = AllegroCredentials.objects.select_for_update().get_or_create(account=account)
    creds.access_token = tokens.access_token
    creds.refresh_token = tokens.refresh_token
    creds.expires_at = tokens.expires_at
    creds.scope = tokens.scope
    creds.status = CredentialStatus.CONNECTED
    creds.status_reason = ""
    creds.refreshed_at = timezone.now()
    creds.updated_at = timezone.now()
    creds.save()
    return creds


@transaction.atomic
def credentials_mark_needs_reconnect(*, account: SellerAccount, reason: str) -> None:
    updated = AllegroCredentials.objects.filter(account=account).update(
        status=CredentialStatus.NEEDS_RECONNECT, status_reason=reason[:1000], updated_at=timezone.now()
    )
    if updated:
        logger.warning("Allegro account %s needs reconnecting: %s", account.name, reason)


class DatabaseTokenProvider:
    """Tokens from AllegroCredentials; refreshes serialised per account by a row lock."""

    # How long a token read from the database is reused without looking again. A token refreshed
    # meanwhile by another process only costs one 401, after which `refresh` finds the new one.
    CACHE_SECONDS = 60.0

    def __init__(self, account: SellerAccount, *, oauth: OAuthClient | None = None):
        self.account = account
        self._oauth = oauth
        self._cached: tuple[str, float] | None = None
        self._lock = threading.Lock()

    @property
    def oauth(self) -> OAuthClient:
        if self._oauth is None:
            self._oauth = oauth_client_for(self.account)
        return self._oauth

    def access_token(self) -> str:
        with self._lock:
            if self._cached and time.monotonic() - self._cached[1] < self.CACHE_SECONDS:
                return self._cached[0]
        token = self._load()
        with self._lock:
            self._cached = (token, time.monotonic())
        return token

    def _load(self) -> str:
        creds = AllegroCredentials.objects.filter(account=self.account).first()
        if creds is None or not creds.can_call():
            raise NeedsReconnect(
                f"Allegro account {self.account.name} is not connected; run `refund-desk allegro connect`"
            )
        try:
            return creds.access_token
        except DecryptionFailed as exc:
            self.mark_needs_reconnect(str(exc))
            raise NeedsReconnect(str(exc)) from exc

    def refresh(self, stale_token: str) -> str:
        with self._lock:  # one refresh per provider at a time; other processes wait on the row lock
            token = self._refresh(stale_token)
            self._cached = (token, time.monotonic())
            return token

    def _refresh(self, stale_token: str) -> str:
        failure: str | None = None
        with transaction.atomic():
            creds = AllegroCredentials.objects.select_for_update().get(account=self.account)
            current = creds.access_token
            if current != stale_token and creds.can_call():
                return current  # another worker refreshed while we waited for the lock
            refresh_token = creds.refresh_token
            if not refresh_token:
                failure = "the access token was refused and there is no refresh token"
            else:
                try:
                    pair = self.oauth.refresh(refresh_token)
                except OAuthError as exc:
                    failure = f"token refresh refused: {exc}"
                else:
                    creds.access_token = pair.access_token
                    creds.refresh_token = pair.refresh_token or refresh_token
                    creds.expires_at = pair.expires_at
                    creds.scope = pair.scope or creds.scope
                    creds.refreshed_at = creds.updated_at = timezone.now()
                    creds.save()
                    return pair.access_token
        self._cached = None
        credentials_mark_needs_reconnect(account=self.account, reason=failure)
        raise NeedsReconnect(f"Allegro account {self.account.name}: {failure}; reconnect it")

    def mark_needs_reconnect(self, reason: str) -> None:
        self._cached = None
        credentials_mark_needs_reconnect(account=self.account, reason=reason)


def client_for_account(
    account: SellerAccount, *, transport: httpx.BaseTransport | None = None, **kwargs: object
) -> AllegroClient:
    """The Allegro client of one seller account (tokens from the database)."""
    oauth = oauth_client_for(account, transport=transport) if transport is not None else None
    return AllegroClient(
        base_url=api_url_for(account),
        tokens=DatabaseTokenProvider(account, oauth=oauth),
        account=f"account:{account.pk}",
        transport=transport,
        **kwargs,  # type: ignore[arg-type]
    )


def token_pair_from_cli(*, access_token: str, refresh_token: str = "", expires_in: int = 43199) -> TokenPair:
    return TokenPair(
        access_token=access_token,
        refresh_token=refresh_token,
        expires_at=datetime.now(UTC) + timedelta(seconds=expires_in),
    )
