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
    Verdict,
    account_automation_set,
    review_mark,
    review_outcomes_record,
    review_record,
    review_replay,
    review_verdict,
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
    "Verdict",
    "account_automation_set",
    "case_comment_correct",
    "comment_label_record",
    "review_mark",
    "review_outcomes_record",
    "review_record",
    "review_replay",
    "review_verdict",
    "stats_backfill",
    "stats_update_for_case",
]
