"""Buyer-comment understanding: reason type, flags and language from free text (pl, cs, sk, hu, en, uk).

Three small linear models over TF-IDF n-grams, trained locally from the shipped synthetic corpus
(`data/comments.jsonl`, see docs/ai-corpus.md) plus agents' corrections (`CommentLabel`):

- reason: multinomial logistic regression on character (2–5, word-bounded) and word (1–2) n-grams of the
  diacritic-folded text, with a temperature fitted on held-out families so `confidence` is calibrated;
- flags: one binary logistic regression per text flag on the same features;
- language: character (1–3) n-grams of the raw text, with an "other" class for unsupported languages.

`classify()` never raises on bad input; it returns a low-confidence result with `warnings` instead.
"""

from __future__ import annotations

import logging

from refund_desk.ai.comments.model import (
    MODEL_FORMAT,
    CommentAnalysis,
    CommentModel,
    Example,
    expected_calibration_error,
    fit_temperature,
)
from refund_desk.ai.comments.store import (
    _lock,
    forget_cached_models,
    latest_metadata,
    load,
    models_dir,
)
from refund_desk.ai.comments.training import (
    AGENT_WEIGHT,
    CORPUS_PATH,
    agent_examples,
    evaluate,
    fit,
    load_corpus,
    train,
)

__all__ = [
    "AGENT_WEIGHT",
    "CORPUS_PATH",
    "MODEL_FORMAT",
    "CommentAnalysis",
    "CommentModel",
    "Example",
    "agent_examples",
    "classify",
    "evaluate",
    "expected_calibration_error",
    "fit",
    "fit_temperature",
    "forget_cached_models",
    "get_model",
    "latest_metadata",
    "load",
    "load_corpus",
    "models_dir",
    "train",
]

logger = logging.getLogger("refund_desk.ai.comments")


def get_model() -> CommentModel:
    """The current model; trains one from the shipped corpus on first use (a few seconds) and saves it."""
    with _lock:
        model = load()
        if model is None:
            logger.info("comment classifier: no trained model in %s, training one now", models_dir())
            model = train()
        return model


def classify(text: str | bytes | None, selected_reason: str | None = None) -> CommentAnalysis:
    """Reason, confidence, flags and language of one buyer comment; `selected_reason` is the reason type
    the buyer picked in Allegro, used to flag `reason_mismatch`."""
    return get_model().analyse(text, selected_reason)
