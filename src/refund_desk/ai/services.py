"""Writes of the ai app."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from refund_desk.ai.choices import REASONS, TEXT_FLAGS, LabelSource
from refund_desk.ai.models import CommentLabel
from refund_desk.ai.text import clean
from refund_desk.core.errors import ValidationFailed


def _detected_language(text: str) -> str:
    # Only when a model is already loaded or saved: recording a label must not trigger a training run.
    from refund_desk.ai.comments import load

    model = load()
    return model.analyse(text).language if model is not None else ""


@transaction.atomic
def comment_label_record(
    *, text: str, reason: str, flags: Iterable[str], user: Any, case_id: int | None = None
) -> CommentLabel:
    """Store an agent's correction of a comment's reason/flags; the next `ai train` learns from it."""
    errors: list[tuple[str, str]] = []
    cleaned = clean(text).text
    if not cleaned:
        errors.append(("text", "must contain text"))
    if reason not in REASONS:
        errors.append(("reason", f"unknown reason type {reason!r}"))
    flag_list = sorted(set(flags))
    unknown = [flag for flag in flag_list if flag not in TEXT_FLAGS]
    if unknown:
        errors.append(("flags", f"unknown flags: {', '.join(unknown)}"))
    if errors:
        raise ValidationFailed(errors)
    return CommentLabel.objects.create(
        text=cleaned,
        language=_detected_language(cleaned),
        reason=reason,
        flags=flag_list,
        source=LabelSource.AGENT,
        created_by=user if getattr(user, "pk", None) else None,
        case_id=case_id,
    )
