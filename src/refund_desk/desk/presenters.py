"""How the desk words things: deadlines, amounts, reasons, actions and event payloads (no business rules)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from refund_desk.cases.choices import CaseStatus
from refund_desk.core.money import Money
from refund_desk.core.roles import Role

# Allegro return-reason codes, in the words a seller uses. Unknown codes are shown as they come.
REASON_LABELS: dict[str, Promise] = {
    "NONE": _("No reason given"),
    "MISTAKE": _("Bought by mistake"),
    "TRANSPORT": _("Damaged in transport"),
    "DAMAGED": _("Damaged"),
    "NOT_AS_DESCRIBED": _("Not as described"),
    "DONT_LIKE_IT": _("Does not like it"),
    "OVERDUE_DELIVERY": _("Delivered too late"),
    "INCOMPLETE": _("Incomplete"),
    "HIDDEN_FLAW": _("Hidden flaw"),
    "OTHER_FLAW": _("Other flaw"),
    "DIFFERENT": _("Different item received"),
    "COUNTERFEIT": _("Counterfeit"),
    "NOT_NEW": _("Not new"),
    "TOO_LARGE": _("Too large"),
    "TOO_SMALL": _("Too small"),
    "NOT_AS_EXPECTED": _("Not as expected"),
    "ORDERED_FOR_COMPARISON": _("Ordered for comparison"),
}

# The button that moves a case into each status, worded as the action a person takes.
ACTION_LABELS: dict[CaseStatus, Promise] = {
    CaseStatus.NEW: pgettext_lazy("case action", "Reopen as new"),
    CaseStatus.UNDER_REVIEW: pgettext_lazy("case action", "Start review"),
    CaseStatus.AWAITING_RETURN: pgettext_lazy("case action", "Wait for the return"),
    CaseStatus.RETURN_RECEIVED: pgettext_lazy("case action", "Mark return received"),
    CaseStatus.APPROVED: pgettext_lazy("case action", "Approve"),
    CaseStatus.REFUND_PENDING: pgettext_lazy("case action", "Mark refund pending"),
    CaseStatus.REFUNDED: pgettext_lazy("case action", "Mark refunded"),
    CaseStatus.CLOSED: pgettext_lazy("case action", "Close"),
    CaseStatus.REJECTED: pgettext_lazy("case action", "Reject"),
    CaseStatus.ESCALATED: pgettext_lazy("case action", "Escalate"),
    CaseStatus.APPEALED: pgettext_lazy("case action", "Record appeal"),
    CaseStatus.REMEDY: pgettext_lazy("case action", "Accept with a repair or replacement"),
}
# Visual weight of each action button; it never changes what the button does.
ACTION_STYLES: dict[CaseStatus, str] = {
    CaseStatus.APPROVED: "primary",
    CaseStatus.REFUNDED: "primary",
    CaseStatus.REJECTED: "danger",
    CaseStatus.CLOSED: "quiet",
}

ROLE_LABELS: dict[Role, Promise] = {
    Role.AGENT: _("agent"),
    Role.SUPERVISOR: _("supervisor"),
    Role.AUDITOR: _("auditor"),
    Role.ADMIN: _("administrator"),
}

PAYLOAD_SUMMARY_LIMIT = 240


def reason_label(code: str) -> str:
    if not code:
        return ""
    label = REASON_LABELS.get(code)
    return str(label) if label is not None else code


def action_label(status: CaseStatus) -> str:
    return str(ACTION_LABELS.get(status, status.label))


def money_display(amount: Decimal | None, currency: str) -> str:
    """A localised amount with its ISO currency code: "1 234,50 PLN" in Polish, "1,234.50 PLN" in English."""
    if amount is None:
        return ""
    rounded = Money(Decimal(amount), currency).rounded().amount
    number = formats.number_format(rounded, decimal_pos=2, use_l10n=True, force_grouping=True)
    return f"{number}\N{NO-BREAK SPACE}{currency}"


# --- deadlines -------------------------------------------------------------------------------------


COUNTDOWN_UNITS = ("day", "hour", "minute")


def _countdown_phrase(unit: str, count: int, overdue: bool) -> str:
    # Literal ngettext calls, so makemessages finds every phrase.
    if unit == "day":
        if overdue:
            return ngettext("%(count)d day overdue", "%(count)d days overdue", count) % {"count": count}
        return ngettext("in %(count)d day", "in %(count)d days", count) % {"count": count}
    if unit == "hour":
        if overdue:
            return ngettext("%(count)d hour overdue", "%(count)d hours overdue", count) % {"count": count}
        return ngettext("in %(count)d hour", "in %(count)d hours", count) % {"count": count}
    if overdue:
        return ngettext("%(count)d minute overdue", "%(count)d minutes overdue", count) % {"count": count}
    return ngettext("in %(count)d minute", "in %(count)d minutes", count) % {"count": count}


@dataclass(frozen=True, slots=True)
class Countdown:
    text: str
    overdue: bool
    unit: str
    count: int


def countdown(deadline: datetime, now: datetime) -> Countdown:
    """Whole units left (or overdue), in the largest unit that is at least one: days, then hours, then minutes."""
    delta = deadline - now
    overdue = delta < timedelta(0)
    remaining = abs(delta)
    if remaining >= timedelta(days=1):
        unit, count = "day", remaining // timedelta(days=1)
    elif remaining >= timedelta(hours=1):
        unit, count = "hour", remaining // timedelta(hours=1)
    else:
        unit, count = "minute", max(remaining // timedelta(minutes=1), 0)
        if count == 0:
            return Countdown(text=str(_("due now")), overdue=overdue, unit="minute", count=0)
    return Countdown(text=_countdown_phrase(unit, count, overdue), overdue=overdue, unit=unit, count=count)


# Sample numbers that select each CLDR plural category the browser's Intl.PluralRules may return,
# for the languages the desk speaks (en: one/other, pl: one/few/many).
_PLURAL_SAMPLES = {"one": 1, "few": 2, "many": 5, "other": 0}


def countdown_strings() -> dict[str, Any]:
    """The countdown phrases in the active language, keyed for the page's script that keeps them current."""
    strings: dict[str, Any] = {"now": str(_("due now"))}
    for unit in COUNTDOWN_UNITS:
        for overdue in (False, True):
            key = f"{unit}{'_overdue' if overdue else ''}"
            strings[key] = {
                category: _countdown_phrase(unit, sample, overdue).replace(str(sample), "{n}", 1)
                for category, sample in _PLURAL_SAMPLES.items()
            }
    return strings


# --- event payloads --------------------------------------------------------------------------------


def _scalar(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(_("yes")) if value else str(_("no"))
    if isinstance(value, list | tuple):
        return ", ".join(_scalar(v) for v in value) or "—"
    return str(value)


def _flatten(prefix: str, value: Any, out: list[str]) -> None:
    if isinstance(value, Mapping):
        if set(value) == {"from", "to"}:
            out.append(f"{prefix}: {_scalar(value['from'])} → {_scalar(value['to'])}")
            return
        if not value:
            return
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), inner, out)
        return
    if isinstance(value, list | tuple) and any(isinstance(v, Mapping) for v in value):
        out.append(f"{prefix}: {len(value)}")
        return
    out.append(f"{prefix}: {_scalar(value)}" if prefix else _scalar(value))


def payload_summary(payload: Any, limit: int = PAYLOAD_SUMMARY_LIMIT) -> str:
    """One line describing an event payload, e.g. "changes.externalStatus: CREATED → DELIVERED"."""
    if not payload:
        return ""
    parts: list[str] = []
    _flatten("", payload, parts)
    text = "; ".join(parts)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
