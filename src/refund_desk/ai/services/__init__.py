"""Writes of the ai app: comment labels, risk aggregates, automatic reviews."""

from __future__ import annotations

from refund_desk.ai.services.labels import (
    case_comment_correct,
    comment_label_record,
)
from refund_desk.ai.services.reviews import (
    PAYMENT_FAILED,
    REVIEWABLE,
    Replay,
    ReviewNotFound,
    account_automation_set,
    review_case,
    review_outcomes_record,
    review_replay,
)
from refund_desk.ai.services.stats import (
    stats_backfill,
    stats_update_for_case,
)

__all__ = [
    "PAYMENT_FAILED",
    "REVIEWABLE",
    "Replay",
    "ReviewNotFound",
    "account_automation_set",
    "case_comment_correct",
    "comment_label_record",
    "review_case",
    "review_outcomes_record",
    "review_replay",
    "stats_backfill",
    "stats_update_for_case",
]
