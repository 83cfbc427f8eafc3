"""Writes of the messaging app: idempotent upserts of Message Center threads and their messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from refund_desk.cases.models import SellerAccount
from refund_desk.messaging.choices import AuthorRole
from refund_desk.messaging.models import Message, Thread


@dataclass(frozen=True, slots=True)
class MessageData:
    """One message as the sync read it from Allegro."""

    external_id: str
    author_role: AuthorRole
    author_login: str
    text: str
    created_at: datetime
    order_external_id: str = ""


@dataclass(frozen=True, slots=True)
class ThreadSyncResult:
    thread: Thread
    created: bool
    changed: bool
    new_messages: int


@transaction.atomic
def thread_sync(
    *,
    account: SellerAccount,
    external_id: str,
    buyer_login: str,
    last_message_at: datetime | None,
    read: bool,
    messages: list[MessageData],
) -> ThreadSyncResult:
    """Create or update a thread and add the messages it does not hold yet (by Allegro message id).

    The thread's `last_message_at` is written in the same transaction as its messages, so a sync
    interrupted before the commit sees the thread as changed next time and reads its messages again.
    """
    thread, created = Thread.objects.select_for_update().get_or_create(
        account=account,
        external_id=external_id,
        defaults={"buyer_login": buyer_login, "last_message_at": last_message_at, "read": read},
    )
    known = set(thread.messages.values_list("external_id", flat=True))
    fresh: dict[str, MessageData] = {}
    for message in messages:
        if message.external_id not in known and message.external_id not in fresh:
            fresh[message.external_id] = message
    Message.objects.bulk_create(
        Message(
            thread=thread,
            external_id=m.external_id,
            author_role=m.author_role,
            author_login=m.author_login,
            text=m.text,
            order_external_id=m.order_external_id,
            created_at=m.created_at,
        )
        for m in fresh.values()
    )
    values = {
        "buyer_login": buyer_login or thread.buyer_login,
        "last_message_at": last_message_at,
        "read": read,
    }
    newest_order = (
        thread.messages.exclude(order_external_id="")
        .order_by("-created_at", "-id")
        .values_list("order_external_id", flat=True)
        .first()
    )
    if newest_order:
        values["order_external_id"] = newest_order
    changed = [name for name, value in values.items() if getattr(thread, name) != value]
    if changed or fresh:
        for name in changed:
            setattr(thread, name, values[name])
        thread.updated_at = timezone.now()
        thread.save(update_fields=[*changed, "updated_at"])
    return ThreadSyncResult(
        thread=thread, created=created, changed=bool(changed or fresh), new_messages=len(fresh)
    )
