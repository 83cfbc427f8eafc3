"""Vocabulary of the comment classifier: Allegro reason types, flags, languages and reason families."""

from __future__ import annotations

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from refund_desk.cases.choices import RETURN_REASON_TYPES

# CustomerReturnItemReason.type (allegro-domain.md, section C). Allegro treats it as a free string;
# anything else a buyer or agent sends is tolerated but cannot be learnt.
REASONS: tuple[str, ...] = RETURN_REASON_TYPES

# Flags the model learns from text. `reason_mismatch` is derived (text vs. the reason the buyer chose).
TEXT_FLAGS: tuple[str, ...] = (
    "damage",
    "wrong_item",
    "missing_parts",
    "used_or_not_new",
    "late_delivery",
    "size",
    "legal_threat",
    "abusive_language",
)
REASON_MISMATCH = "reason_mismatch"
FLAGS: tuple[str, ...] = (*TEXT_FLAGS, REASON_MISMATCH)

# How the desk names each flag.
FLAG_LABELS: dict[str, Promise] = {
    "damage": _("Damage"),
    "wrong_item": _("Wrong item"),
    "missing_parts": _("Missing parts"),
    "used_or_not_new": _("Used or not new"),
    "late_delivery": _("Late delivery"),
    "size": _("Wrong size"),
    "legal_threat": _("Legal threat"),
    "abusive_language": _("Abusive language"),
    REASON_MISMATCH: _("Contradicts the buyer's chosen reason"),
}

# The flags a comment of each reason carries by itself (more are added by what else the text says).
REASON_FLAGS: dict[str, tuple[str, ...]] = {
    "TRANSPORT": ("damage",),
    "DAMAGED": ("damage",),
    "DIFFERENT": ("wrong_item",),
    "INCOMPLETE": ("missing_parts",),
    "NOT_NEW": ("used_or_not_new",),
    "OVERDUE_DELIVERY": ("late_delivery",),
    "TOO_LARGE": ("size",),
    "TOO_SMALL": ("size",),
}

# Who pays return shipping follows the family: a defect (non-conformity) is the seller's cost, a
# change of mind the buyer's. OVERDUE_DELIVERY belongs to neither and never counts as a mismatch.
NON_DEFECT_REASONS: frozenset[str] = frozenset(
    {"NONE", "MISTAKE", "DONT_LIKE_IT", "TOO_LARGE", "TOO_SMALL", "ORDERED_FOR_COMPARISON", "NOT_AS_EXPECTED"}
)
DEFECT_REASONS: frozenset[str] = frozenset(
    {
        "DAMAGED",
        "HIDDEN_FLAW",
        "OTHER_FLAW",
        "INCOMPLETE",
        "NOT_AS_DESCRIBED",
        "DIFFERENT",
        "NOT_NEW",
        "COUNTERFEIT",
        "TRANSPORT",
    }
)
DEFECT_FLAGS: frozenset[str] = frozenset({"damage", "wrong_item", "missing_parts", "used_or_not_new"})

LANGUAGES: tuple[str, ...] = ("pl", "cs", "sk", "hu", "en", "uk")
UNKNOWN_LANGUAGE = "unknown"


def reason_family(reason: str | None) -> str | None:
    """'defect', 'non_defect' or None (late delivery, unknown values)."""
    if reason in DEFECT_REASONS:
        return "defect"
    if reason in NON_DEFECT_REASONS:
        return "non_defect"
    return None


class LabelSource(models.TextChoices):
    CORPUS = "corpus", _("shipped corpus")
    AGENT = "agent", _("agent correction")


class Recommendation(models.TextChoices):
    """What the automatic review recommends for a case."""

    APPROVE = "APPROVE", _("Approve as asked")
    PERSON = "PERSON", _("A person should decide")


class ReviewAction(models.TextChoices):
    """What the automatic review did with its recommendation."""

    NONE = "NONE", _("nothing (a recommendation only)")
    AUTO_APPROVED_REFUND = "AUTO_APPROVED_REFUND", _("approved and refunded automatically")
    AUTO_APPROVED_AWAIT_RETURN = (
        "AUTO_APPROVED_AWAIT_RETURN",
        _("approved automatically, waiting for the return"),
    )
    ESCALATED = "ESCALATED", _("escalated to a person")
    LEFT_FOR_PERSON = "LEFT_FOR_PERSON", _("left for a person")
