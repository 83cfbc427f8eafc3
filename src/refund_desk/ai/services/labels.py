"""Agents' labels of buyer comments: corrections the comment model retrains from."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from refund_desk.ai.choices import REASONS, TEXT_FLAGS, LabelSource
from refund_desk.ai.models import (
    CommentLabel,
)
from refund_desk.ai.selectors import (
    case_comment_prediction,
    case_comment_text,
)
from refund_desk.ai.text import clean
from refund_desk.cases.access import require_account
from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import ActorType
from refund_desk.cases.models import RefundCase
from refund_desk.cases.services import case_add_note
from refund_desk.core.errors import PermissionDenied, ValidationFailed
from refund_desk.core.permissions import Perm, has_perm


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


@transaction.atomic
def case_comment_correct(
    *, case: RefundCase, reason: str, flags: Iterable[str], actor: Actor
) -> CommentLabel:
    """An agent corrects how the buyer's comment on `case` was understood (reason type and text flags).

    Stores a `CommentLabel` that the next `ai train` learns from and notes the correction on the case
    timeline, with what the model had read before it. Only people holding the agent role may correct.
    """
    if actor.type != ActorType.USER or not has_perm(actor.user, Perm.COMMENT_CORRECT):
        raise PermissionDenied("only an agent, supervisor or admin may correct a comment's understanding")
    require_account(actor, case.account_id)
    locked = RefundCase.objects.select_for_update().get(pk=case.pk)
    text = case_comment_text(locked)
    if not text:
        raise ValidationFailed([("text", "the case has no buyer comment to correct")])
    before = case_comment_prediction(locked)
    label = comment_label_record(text=text, reason=reason, flags=flags, user=actor.user, case_id=locked.pk)
    flag_words = ", ".join(label.flags) or "none"
    case_add_note(
        case=locked,
        actor=actor,
        text=f"comment understanding corrected: reason {label.reason}, flags {flag_words}",
        payload={
            "commentLabel": label.pk,
            "before": (
                {"reason": before.reason, "flags": [f for f in before.flags if f in TEXT_FLAGS]}
                if before is not None
                else None
            ),
            "after": {"reason": label.reason, "flags": list(label.flags)},
        },
    )
    return label
