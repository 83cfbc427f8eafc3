"""Reads of refund cases reused by the desk and the API."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from refund_desk.cases.access import scoped
from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import CaseKind, CaseStatus, Marketplace
from refund_desk.cases.lifecycle import OPEN_STATUSES
from refund_desk.cases.models import CaseEvent, RefundCase
from refund_desk.cases.services import check_transition_allowed
from refund_desk.core.errors import DomainError, PermissionDenied, ValidationFailed
from refund_desk.core.money import MAX_QUANTITY, SUPPORTED_CURRENCIES, amount_limit

MAX_PAGE_SIZE = 200
# Upper bound for prefix search on indexed columns: every string starting with the prefix sorts below it.
_PREFIX_END = "\U0010ffff"


TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"", "0", "false", "no", "off"})
MAX_ID = 2**63 - 1  # the largest primary key any supported database stores


@dataclass(frozen=True, slots=True)
class QueueFilters:
    """Filters of the case queue; every field is optional."""

    status: tuple[str, ...] = ()
    kind: str = ""
    marketplace: str = ""
    account: int | None = None
    reason: str = ""
    overdue: bool = False
    open_only: bool = False
    attention: bool = False
    q: str = ""

    @classmethod
    def from_params(cls, params: dict[str, list[str]] | object) -> QueueFilters:
        """Parse query parameters (a QueryDict or dict of lists); bad values raise ValidationFailed."""
        get_list = getattr(params, "getlist", None)

        def many(name: str) -> list[str]:
            if get_list is not None:
                return [v for v in get_list(name) if v]
            value = params.get(name, []) if isinstance(params, dict) else []
            return [v for v in (value if isinstance(value, list) else [value]) if v]

        def one(name: str) -> str:
            values = many(name)
            return values[0].strip() if values else ""

        errors: list[tuple[str, str]] = []
        statuses = tuple(many("status"))
        for s in statuses:
            if s not in CaseStatus.values:
                errors.append(("status", f"unknown status {s!r}"))
        kind = one("kind")
        if kind and kind not in CaseKind.values:
            errors.append(("kind", f"unknown kind {kind!r}"))
        marketplace = one("marketplace")
        if marketplace and marketplace not in Marketplace.values:
            errors.append(("marketplace", f"unknown marketplace {marketplace!r}"))
        account_raw = one("account")
        account: int | None = None
        if account_raw:
            if not account_raw.isdigit() or not 0 < int(account_raw) <= MAX_ID:
                errors.append(("account", "must be an account id (a whole number)"))
            else:
                account = int(account_raw)

        def flag(name: str) -> bool:
            value = one(name).lower()
            if value not in TRUE | FALSE:
                errors.append((name, f"must be 1 or 0 (true or false), not {value[:20]!r}"))
            return value in TRUE

        overdue, open_only, attention = flag("overdue"), flag("open"), flag("attention")
        given_reason, q = one("reason"), one("q")
        reason = given_reason.upper()  # may grow ("ß" → "SS"): the limit is on what was given
        if len(given_reason) > 40:
            errors.append(("reason", "at most 40 characters"))
        if len(q) > 100:
            errors.append(("q", "at most 100 characters"))
        if errors:
            raise ValidationFailed(errors)
        return cls(
            status=statuses,
            kind=kind,
            marketplace=marketplace,
            account=account,
            reason=reason,
            overdue=overdue,
            open_only=open_only,
            attention=attention,
            q=q,
        )


@dataclass(slots=True)
class QueuePage:
    cases: list[RefundCase]
    next_cursor: str | None
    filters: QueueFilters = field(default_factory=QueueFilters)


def _encode_cursor(case: RefundCase) -> str:
    raw = json.dumps([case.due_at.isoformat(), case.pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        due, pk = json.loads(raw)
        return datetime.fromisoformat(due), int(pk)
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError) as exc:
        raise ValidationFailed([("cursor", "not a cursor this server issued")]) from exc


def case_queryset(filters: QueueFilters, *, viewer: Any) -> QuerySet[RefundCase]:
    """Cases of the accounts `viewer` works for matching the filters, most urgent first (by the earliest
    open deadline, then id)."""
    qs = scoped(RefundCase.objects.all(), viewer)
    if filters.status:
        qs = qs.filter(status__in=filters.status)
    elif filters.open_only or filters.overdue:
        qs = qs.filter(status__in=OPEN_STATUSES)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.marketplace:
        qs = qs.filter(marketplace=filters.marketplace)
    if filters.account is not None:
        qs = qs.filter(account_id=filters.account)
    if filters.reason:
        qs = qs.filter(primary_reason=filters.reason)
    if filters.overdue:
        qs = qs.filter(due_at__lt=timezone.now())
    if filters.attention:
        qs = qs.filter(attention_since__isnull=False)
    if filters.q:
        term = filters.q.strip()
        lowered = term.lower()
        # Prefix ranges on indexed columns: fast with millions of rows, unlike LIKE '%term%'.
        qs = qs.filter(
            Q(buyer_login__gte=lowered, buyer_login__lt=lowered + _PREFIX_END)
            | Q(order_external_id__gte=lowered, order_external_id__lt=lowered + _PREFIX_END)
            | Q(reference__gte=term.upper(), reference__lt=term.upper() + _PREFIX_END)
            | Q(external_id=term)
        )
    return qs.order_by("due_at", "id")


def case_queue(
    *, filters: QueueFilters, viewer: Any, cursor: str | None = None, limit: int = 50
) -> QueuePage:
    """One page of the queue with keyset pagination: no OFFSET and no COUNT(*) over the table."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    qs = case_queryset(filters, viewer=viewer).select_related("account")
    if cursor:
        due, pk = _decode_cursor(cursor)
        qs = qs.filter(Q(due_at__gt=due) | Q(due_at=due, id__gt=pk))
    rows = list(qs[: limit + 1])
    next_cursor = _encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return QueuePage(cases=rows[:limit], next_cursor=next_cursor, filters=filters)


def case_get(*, case_id: int, viewer: Any) -> RefundCase:
    """One case with what its page shows; RefundCase.DoesNotExist also for a case of an account the
    viewer does not work for (so nobody learns it exists)."""
    return (
        scoped(RefundCase.objects.all(), viewer)
        .select_related("account", "order", "buyer", "assigned_to")
        .prefetch_related("items__line_item")
        .get(pk=case_id)
    )


def case_timeline(*, case: RefundCase) -> QuerySet[CaseEvent]:
    return case.events.select_related("actor_user").order_by("created_at", "id")


@dataclass(frozen=True, slots=True)
class TransitionOptions:
    """The moves a user may make on a case now, and whether other moves need a role they lack."""

    allowed: list[CaseStatus]
    needs_other_role: bool


def case_transition_options(*, case: RefundCase, user: Any) -> TransitionOptions:
    """Ask the state machine's own check for every move the lifecycle allows from the case's status."""
    actor = Actor.for_user(user)
    allowed: list[CaseStatus] = []
    needs_other_role = False
    for target in case.allowed_transitions():
        try:
            check_transition_allowed(case=case, to=target, actor=actor)
        except PermissionDenied:
            needs_other_role = True
            continue
        except DomainError:
            continue
        allowed.append(target)
    return TransitionOptions(allowed=allowed, needs_other_role=needs_other_role)


def cases_out_of_bounds(
    *, limit: int = 1000, case_ids: list[int] | None = None, include_flagged: bool = False
) -> list[tuple[int, str]]:
    """Open cases not yet set aside whose stored amounts lie outside what intake accepts, with what is
    wrong in words: values written behind the desk's back (an older version, a hand edit, a restore).
    `case_ids`: only these cases; `include_flagged`: cases already set aside too.

    Six queries per currency, whatever the number of cases.
    """
    found: dict[int, list[str]] = {}
    candidates = RefundCase.objects.filter(status__in=OPEN_STATUSES)
    if not include_flagged:
        candidates = candidates.filter(attention_since__isnull=True)
    if case_ids is not None:
        candidates = candidates.filter(pk__in=case_ids)
    for currency in SUPPORTED_CURRENCIES:
        max_line = amount_limit(settings.INTAKE_MAX_LINE_AMOUNT, currency)
        max_order = amount_limit(settings.INTAKE_MAX_ORDER_AMOUNT, currency)
        mine = candidates.filter(currency=currency)
        checks: list[tuple[Q, str, str]] = [
            (
                Q(requested_amount__gt=max_order),
                "requested_amount",
                f"requested amount above {max_order} {currency}",
            ),
            (
                Q(order__total_to_pay__gt=max_order),
                "order__total_to_pay",
                f"order total above {max_order} {currency}",
            ),
            (
                Q(order__paid_amount__gt=max_order) | Q(order__paid_amount__lt=0),
                "order__paid_amount",
                f"paid amount below 0 or above {max_order} {currency}",
            ),
            (
                Q(order__delivery_cost__gt=max_order) | Q(order__delivery_cost__lt=0),
                "order__delivery_cost",
                f"delivery cost below 0 or above {max_order} {currency}",
            ),
            (
                Q(order__line_items__unit_price__gt=max_line),
                "order__line_items__unit_price",
                f"line price above {max_line} {currency}",
            ),
            (
                Q(order__line_items__quantity__gt=MAX_QUANTITY),
                "order__line_items__quantity",
                f"line quantity above {MAX_QUANTITY}",
            ),
        ]
        for condition, column, words in checks:
            for pk, value in mine.filter(condition).values_list("pk", column).order_by("pk")[:limit]:
                problems = found.setdefault(pk, [])
                if len(problems) < 3 and not any(p.startswith(f"stored {words}") for p in problems):
                    problems.append(f"stored {words}: {value}")
    return [(pk, "; ".join(problems)) for pk, problems in sorted(found.items())[:limit]]
