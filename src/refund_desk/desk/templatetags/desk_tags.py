"""Template helpers of the staff desk: money, countdowns, roles, reasons and event payloads."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html, json_script
from django.utils.safestring import SafeString

from refund_desk.core.money import Money
from refund_desk.core.roles import Role, user_roles
from refund_desk.core.roles import has_role as user_has_role
from refund_desk.desk import presenters

register = template.Library()


@register.filter
def money(value: Money | Decimal | None, currency: str = "") -> str:
    """`{{ case.requested_money|money }}` or `{{ order.paid_amount|money:order.currency }}`."""
    if value is None or value == "":
        return ""
    if isinstance(value, Money):
        return presenters.money_display(value.amount, value.currency)
    return presenters.money_display(Decimal(value), currency)


@register.filter
def line_total(unit_price: Decimal, quantity: int) -> Decimal:
    return Decimal(unit_price) * int(quantity)


@register.filter
def has_role(user: Any, role: str) -> bool:
    try:
        return user_has_role(user, Role(role))
    except ValueError:
        return False


@register.filter
def role_labels(user: Any) -> str:
    """The user's effective roles, in the active language, most powerful first."""
    held = user_roles(user)
    return ", ".join(str(label) for role, label in reversed(presenters.ROLE_LABELS.items()) if role in held)


@register.filter
def reason_label(code: str) -> str:
    return presenters.reason_label(code)


@register.filter
def payload_summary(payload: Any) -> str:
    return presenters.payload_summary(payload)


@register.simple_tag
def countdown(deadline: datetime | None, now: datetime | None = None) -> SafeString | str:
    """A <time> telling how long is left (or how late it is); desk.js keeps the words current."""
    if deadline is None:
        return ""
    result = presenters.countdown(deadline, now or timezone.now())
    return format_html(
        '<time class="countdown{}" datetime="{}" data-countdown>{}</time>',
        " countdown--overdue" if result.overdue else "",
        deadline.isoformat(),
        result.text,
    )


@register.simple_tag
def countdown_strings() -> SafeString:
    """The countdown phrases of the active language as a JSON script element for desk.js."""
    return json_script(presenters.countdown_strings(), "countdown-strings")
