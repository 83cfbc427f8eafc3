"""The case page's automatic-review panel: the latest risk review of a case and the account's mode, and how
the buyer's comment was understood (the model's reading, the latest agent correction, the correction form)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest

from refund_desk.ai.choices import FLAG_LABELS, REASONS, TEXT_FLAGS
from refund_desk.ai.forms import CommentCorrectionForm
from refund_desk.ai.models import CommentLabel
from refund_desk.ai.selectors import (
    automation_for,
    case_comment_label_latest,
    case_comment_prediction,
    case_comment_text,
    review_latest,
)
from refund_desk.core.permissions import Perm, has_perm

if TYPE_CHECKING:  # the classifier module loads scikit-learn; pages import it only when a model is read
    from refund_desk.ai.comments import CommentAnalysis


def _flag_words(flags: list[str]) -> list[str]:
    return [str(FLAG_LABELS.get(flag, flag)) for flag in flags]


def _initial(case: Any, label: CommentLabel | None, prediction: CommentAnalysis | None) -> dict[str, Any]:
    """The form starts from the latest correction, else the model's reading, else the buyer's own reason."""
    if label is not None:
        return {"reason": label.reason, "flags": [f for f in label.flags if f in TEXT_FLAGS]}
    if prediction is not None:
        return {"reason": prediction.reason, "flags": [f for f in prediction.flags if f in TEXT_FLAGS]}
    return {"reason": case.primary_reason if case.primary_reason in REASONS else "NONE", "flags": []}


def review_panel(
    case: Any, request: HttpRequest, *, form: CommentCorrectionForm | None = None
) -> dict[str, Any]:
    """`form`: a correction posted with errors, shown again instead of a fresh one."""
    return {"info": _review_info(case, request, form)}


def _review_info(case: Any, request: HttpRequest, form: CommentCorrectionForm | None) -> dict[str, Any]:
    info: dict[str, Any] = {"review": review_latest(case), "mode": automation_for(case.account_id).mode}
    comment = case_comment_text(case)
    if not comment:
        return {**info, "comment": "", "form": form}
    prediction = case_comment_prediction(case)
    label = case_comment_label_latest(case)
    form = form or CommentCorrectionForm(initial=_initial(case, label, prediction))
    return {
        **info,
        "comment": comment,
        "prediction": prediction,
        "prediction_flags": _flag_words(prediction.flags) if prediction else [],
        "label": label,
        "label_flags": _flag_words(list(label.flags)) if label else [],
        "form": form,
        "may_correct": has_perm(getattr(request, "user", None), Perm.COMMENT_CORRECT),
    }
