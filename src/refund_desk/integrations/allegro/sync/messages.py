"""Message Center threads and their new messages -> the `messaging` app."""

from __future__ import annotations

from django.utils import timezone

from refund_desk.cases.models import SellerAccount
from refund_desk.integrations.allegro.client import AllegroClient
from refund_desk.integrations.allegro.models import SyncRun, SyncRunStatus, SyncStream
from refund_desk.integrations.allegro.sync.cursor import (
    Progress,
    lookback,
    stream_run,
)
from refund_desk.messaging.choices import AuthorRole
from refund_desk.messaging.models import Thread
from refund_desk.messaging.services import MessageData, thread_sync

THREAD_PAGE_LIMIT = 20  # Allegro's maximum for listThreadsGET and listMessagesGET
MESSAGE_OFFSET_MAX = 15000


def _thread_messages(client: AllegroClient, thread_id: str, known: set[str]) -> list[MessageData]:
    """Messages of a thread newest first, until one already stored (messages never change) or the end."""
    found: dict[str, MessageData] = {}
    offset = 0
    while offset <= MESSAGE_OFFSET_MAX:
        page = client.thread_messages(thread_id, limit=THREAD_PAGE_LIMIT, offset=offset)
        for m in page.messages:
            order = (m.relatesTo or {}).get("order") or {}
            found.setdefault(
                m.id,
                MessageData(
                    external_id=m.id,
                    author_role=AuthorRole.BUYER if m.author.isInterlocutor else AuthorRole.SELLER,
                    author_login=m.author.login,
                    text=m.text,
                    created_at=m.createdAt,
                    order_external_id=str(order.get("id") or "") if isinstance(order, dict) else "",
                ),
            )
        if len(page.messages) < THREAD_PAGE_LIMIT or any(m.id in known for m in page.messages):
            break
        offset += THREAD_PAGE_LIMIT
    return list(found.values())


def sync_message_threads(
    *,
    account: SellerAccount,
    client: AllegroClient,
    max_pages: int | None = None,
    progress: Progress | None = None,
) -> SyncRun:
    """Message Center threads (newest message first) and their new messages -> `messaging` app.

    A thread whose last-message time and read flag match what is stored is unchanged. A thread that
    got a message since the last sync sorts before every unchanged one, so the walk stops after the
    first page with nothing changed (the first sync goes back `ALLEGRO_SYNC_LOOKBACK_DAYS`). A thread
    and its new messages commit together; a thread moved to the front mid-walk is met next run.
    """
    stream = SyncStream.MESSAGES
    with stream_run(account=account, stream=stream, what="messages") as session:
        if not session.acquired:
            return session.run
        run = session.run
        since = timezone.now() - lookback()
        offset = 0
        while max_pages is None or run.pages < max_pages:
            page = client.threads(limit=THREAD_PAGE_LIMIT, offset=offset)
            threads = list({t.id: t for t in page.threads}.values())
            stored = {
                t.external_id: t
                for t in Thread.objects.filter(account=account, external_id__in=[t.id for t in threads])
            }
            changed = 0
            for t in threads:
                known = stored.get(t.id)
                if (
                    known is not None
                    and known.last_message_at == t.lastMessageDateTime
                    and known.read == t.read
                ):
                    run.unchanged += 1
                    continue
                if t.lastMessageDateTime is not None and t.lastMessageDateTime < since and known is None:
                    continue  # older than the first sync reaches back
                changed += 1
                ids = set(known.messages.values_list("external_id", flat=True)) if known else set()
                messages = _thread_messages(client, t.id, ids)
                result = thread_sync(
                    account=account,
                    external_id=t.id,
                    buyer_login=(t.interlocutor.login if t.interlocutor else None) or "",
                    last_message_at=t.lastMessageDateTime,
                    read=t.read,
                    messages=messages,
                )
                run.created += int(result.created)
                run.updated += int(result.changed and not result.created)
            run.pages += 1
            run.items_seen += len(page.threads)
            run.save()
            if progress:
                progress(run)
            stamps = [t.lastMessageDateTime for t in threads if t.lastMessageDateTime is not None]
            if changed == 0 or len(page.threads) < THREAD_PAGE_LIMIT or (stamps and min(stamps) < since):
                break
            offset += THREAD_PAGE_LIMIT
        session.finish(SyncRunStatus.SUCCEEDED)
    return session.run
