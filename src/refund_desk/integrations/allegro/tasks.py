"""Background sync (Huey). Tasks take ids, are idempotent, and record their outcome in SyncRun.

Schedule "allegro.sync" (every minute, see refund_desk.core.schedules): `allegro_sync_every_minute` runs
`allegro_sync_all`, which enqueues one `allegro_sync_account` per active, connected account.
"""

from __future__ import annotations

import logging

from refund_desk.cases.models import SellerAccount
from refund_desk.core.effects import task
from refund_desk.core.schedules import periodic
from refund_desk.integrations.allegro.errors import AllegroError
from refund_desk.integrations.allegro.selectors import accounts_syncable
from refund_desk.integrations.allegro.services import client_for_account
from refund_desk.integrations.allegro.sync import (
    sync_customer_returns,
    sync_issues,
    sync_message_threads,
    sync_open_returns,
    sync_order_events,
)

logger = logging.getLogger("refund_desk.integrations.allegro")


def sync_account(account_id: int) -> None:
    """New returns, changes to open returns, cancellations, post-purchase issues and Message Center
    threads — for one account."""
    account = SellerAccount.objects.filter(pk=account_id, is_active=True).first()
    if account is None:
        return
    try:
        client = client_for_account(account)
    except AllegroError as exc:
        logger.warning("cannot sync %s: %s", account.name, exc)
        return
    with client:
        sync_customer_returns(account=account, client=client)
        sync_open_returns(account=account, client=client)
        sync_order_events(account=account, client=client)
        sync_issues(account=account, client=client)
        sync_message_threads(account=account, client=client)


@task("allegro.sync_account", retries=2, retry_delay=30)
def allegro_sync_account(account_id: int) -> None:
    sync_account(account_id)


@task("allegro.sync_all")
def allegro_sync_all() -> int:
    """Enqueue a sync for every active, connected account; returns how many were enqueued."""
    ids = list(accounts_syncable().values_list("pk", flat=True))
    for account_id in ids:
        allegro_sync_account(account_id)
    return len(ids)


@periodic("allegro.sync")
def allegro_sync_every_minute() -> None:
    """New requests reach the desk within a minute of arriving on Allegro."""
    allegro_sync_all.call_local()
