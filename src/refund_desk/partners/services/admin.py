"""Managing webhook subscriptions and partners (supervisors only): create, edit, disable, and signing
secrets that are stored encrypted and shown in plain text exactly once (on creation and rotation)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q

from refund_desk.cases.access import may_see_account, require_account
from refund_desk.cases.actors import Actor
from refund_desk.cases.models import SellerAccount
from refund_desk.core.errors import PermissionDenied, ValidationFailed
from refund_desk.core.permissions import Perm, has_perm
from refund_desk.partners.choices import PartnerKind
from refund_desk.partners.models import Partner, WebhookSubscription, new_secret

logger = logging.getLogger("refund_desk.partners")

EVENT_PATTERN = re.compile(r"^(\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?)$")
# What the management form offers; any "<prefix>.*" or exact event name is accepted.
KNOWN_EVENTS = (
    "refund.*",
    "refund.submitted",
    "refund.succeeded",
    "refund.canceled",
    "refund.failed",
    "alert.raised",
    "partner.issue",
    "case.*",
)


def _require_supervisor(actor: Actor) -> None:
    """Managing subscriptions and partners needs `partners.manage` (system actors: CLI, demo, migrations)."""
    if actor.user is not None and not has_perm(actor.user, Perm.PARTNERS_MANAGE):
        raise PermissionDenied("only a supervisor can manage webhooks and partners")


def _clean_subscription(*, name: str, url: str, events: list[str]) -> tuple[str, str, list[str]]:
    errors: list[tuple[str, str]] = []
    name, url = name.strip(), url.strip()
    if not name:
        errors.append(("name", "give the subscription a name"))
    if not url.startswith(("https://", "http://")):
        errors.append(("url", "must be an http(s) URL"))
    cleaned: list[str] = []
    for index, event in enumerate(e.strip() for e in events):
        if not event:
            continue
        if not EVENT_PATTERN.match(event):
            errors.append((f"events[{index}]", f"{event!r} is not an event name or a prefix like refund.*"))
        elif event not in cleaned:
            cleaned.append(event)
    if errors:
        raise ValidationFailed(errors)
    return name, url, cleaned


@transaction.atomic
def webhook_subscription_create(
    *,
    name: str,
    url: str,
    events: list[str],
    account: SellerAccount | None = None,
    partner: Partner | None = None,
    actor: Actor | None = None,
) -> WebhookSubscription:
    """A new subscription with a fresh secret (encrypted at rest; read it once from `.secret`)."""
    if actor is not None:
        _require_supervisor(actor)
    name, url, events = _clean_subscription(name=name, url=url, events=events)
    subscription = WebhookSubscription.objects.create(
        name=name, url=url, events=events, account=account, partner=partner
    )
    if actor is not None:
        logger.info("webhook subscription %s created by %s", subscription.pk, actor.label)
    return subscription


@transaction.atomic
def webhook_subscription_update(
    *,
    subscription: WebhookSubscription,
    actor: Actor,
    name: str,
    url: str,
    events: list[str],
    account: SellerAccount | None,
    partner: Partner | None,
    is_active: bool,
) -> WebhookSubscription:
    """Change where and what a subscription receives, or disable it (pending deliveries still go out)."""
    _require_supervisor(actor)
    name, url, events = _clean_subscription(name=name, url=url, events=events)
    locked = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    locked.name, locked.url, locked.events = name, url, events
    locked.account, locked.partner, locked.is_active = account, partner, is_active
    locked.save(update_fields=["name", "url", "events", "account", "partner", "is_active"])
    logger.info("webhook subscription %s updated by %s (active=%s)", locked.pk, actor.label, is_active)
    return locked


@transaction.atomic
def webhook_subscription_disable(*, subscription: WebhookSubscription, actor: Actor) -> WebhookSubscription:
    _require_supervisor(actor)
    locked = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    locked.is_active = False
    locked.save(update_fields=["is_active"])
    logger.info("webhook subscription %s disabled by %s", locked.pk, actor.label)
    return locked


@transaction.atomic
def webhook_subscription_rotate_secret(
    *, subscription: WebhookSubscription, actor: Actor
) -> tuple[WebhookSubscription, str]:
    """A new signing secret, returned once in plain text; deliveries from now on are signed with it."""
    _require_supervisor(actor)
    locked = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    secret = new_secret()
    locked.secret = secret
    locked.needs_new_secret = False
    locked.save(update_fields=["secret_encrypted", "needs_new_secret"])
    logger.info("webhook subscription %s secret rotated by %s", locked.pk, actor.label)
    return locked, secret


def _clean_partner(*, name: str, slug: str, kind: str, carrier_id: str) -> tuple[str, str, str, str]:
    errors: list[tuple[str, str]] = []
    name, slug, carrier_id = name.strip(), slug.strip().lower(), carrier_id.strip()
    if not name:
        errors.append(("name", "give the partner a name"))
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,49}", slug):
        errors.append(("slug", "use lowercase letters, digits, - and _ (it becomes part of the inbound URL)"))
    if kind not in PartnerKind.values:
        errors.append(("kind", f"unknown kind {kind!r}"))
    if errors:
        raise ValidationFailed(errors)
    return name, slug, kind, carrier_id


def _partner_accounts(actor: Actor, partner: Partner | None, account_ids: Iterable[int]) -> set[int]:
    """The accounts a partner will handle: those chosen (each one the actor works for), plus those of
    other accounts it already handles, which this actor cannot see and so does not take away."""
    chosen = {int(pk) for pk in account_ids}
    known = set(SellerAccount.objects.filter(pk__in=chosen).values_list("pk", flat=True))
    if chosen - known:
        raise ValidationFailed([("accounts", "unknown seller account")])
    for pk in chosen:
        require_account(actor, pk)
    if partner is not None:
        current = set(partner.accounts.values_list("pk", flat=True))
        chosen |= {pk for pk in current if not may_see_account(actor.user, pk)} if actor.user else set()
    return chosen


@transaction.atomic
def partner_create(
    *,
    name: str,
    slug: str,
    kind: str,
    actor: Actor,
    carrier_id: str = "",
    account_ids: Iterable[int] = (),
) -> tuple[Partner, str]:
    """A new partner handling `account_ids`, and its inbound secret (returned once, stored encrypted)."""
    _require_supervisor(actor)
    name, slug, kind, carrier_id = _clean_partner(name=name, slug=slug, kind=kind, carrier_id=carrier_id)
    if Partner.objects.filter(Q(name=name) | Q(slug=slug)).exists():
        raise ValidationFailed([("slug", "a partner with this name or slug exists")])
    accounts = _partner_accounts(actor, None, account_ids)
    secret = new_secret()
    partner = Partner(name=name, slug=slug, kind=kind, carrier_id=carrier_id)
    partner.inbound_secret = secret
    partner.save()
    partner.accounts.set(accounts)
    logger.info("partner %s created by %s", partner.slug, actor.label)
    return partner, secret


@transaction.atomic
def partner_update(
    *,
    partner: Partner,
    actor: Actor,
    name: str,
    slug: str,
    kind: str,
    carrier_id: str,
    is_active: bool,
    account_ids: Iterable[int] | None = None,
) -> Partner:
    """Change a partner (`account_ids` None: the accounts it handles stay as they are)."""
    _require_supervisor(actor)
    name, slug, kind, carrier_id = _clean_partner(name=name, slug=slug, kind=kind, carrier_id=carrier_id)
    if Partner.objects.filter(Q(name=name) | Q(slug=slug)).exclude(pk=partner.pk).exists():
        raise ValidationFailed([("slug", "a partner with this name or slug exists")])
    locked = Partner.objects.select_for_update().get(pk=partner.pk)
    locked.name, locked.slug, locked.kind = name, slug, kind
    locked.carrier_id, locked.is_active = carrier_id, is_active
    locked.save(update_fields=["name", "slug", "kind", "carrier_id", "is_active"])
    if account_ids is not None:
        locked.accounts.set(_partner_accounts(actor, locked, account_ids))
    logger.info("partner %s updated by %s", locked.slug, actor.label)
    return locked


@transaction.atomic
def partner_rotate_inbound_secret(*, partner: Partner, actor: Actor) -> tuple[Partner, str]:
    """A new inbound secret, returned once; calls signed with the old one are refused from now on."""
    _require_supervisor(actor)
    locked = Partner.objects.select_for_update().get(pk=partner.pk)
    secret = new_secret()
    locked.inbound_secret = secret
    locked.needs_new_secret = False
    locked.save(update_fields=["inbound_secret_encrypted", "needs_new_secret"])
    logger.info("partner %s inbound secret rotated by %s", locked.slug, actor.label)
    return locked, secret
