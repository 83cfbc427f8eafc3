"""Fill a notice template: `{name}` placeholders only, each from a fixed list, so a template edited by a
person can name a fact but never reach into the program."""

from __future__ import annotations

import re
from collections.abc import Mapping

from refund_desk.notices.texts import PLACEHOLDERS, REQUIRED

PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
BODY_MAX = 20000


def placeholders_in(body: str) -> list[str]:
    return [match.group(1) for match in PLACEHOLDER.finditer(body)]


def template_errors(kind: str, body: str) -> list[str]:
    """What is wrong with a template's wording (empty: nothing)."""
    errors = []
    text = body.strip()
    if not text:
        return ["write the notice's text"]
    if len(text) > BODY_MAX:
        errors.append(f"at most {BODY_MAX} characters; this has {len(text)}")
    named = placeholders_in(text)
    unknown = sorted({name for name in named if name not in PLACEHOLDERS})
    if unknown:
        known = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
        errors.append(
            "unknown placeholder(s) " + ", ".join("{" + name + "}" for name in unknown) + f"; use {known}"
        )
    missing = sorted(REQUIRED.get(kind, frozenset()) - set(named))
    if missing:
        errors.append(
            "this notice must keep "
            + ", ".join("{" + name + "}" for name in missing)
            + ": the buyer must be told"
        )
    return errors


def fill(body: str, values: Mapping[str, str]) -> str:
    """The template with its placeholders replaced; a placeholder without a value is left out."""
    text = PLACEHOLDER.sub(lambda match: values.get(match.group(1), ""), body.strip())
    return re.sub(r"\n{3,}", "\n\n", text).strip()
