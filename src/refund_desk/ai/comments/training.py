"""Training data (shipped corpus + agents' corrections), fitting and evaluation of the comment model."""

from __future__ import annotations

import hashlib
import json
import logging
import time
import warnings
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
from django.db import DatabaseError
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.metrics import f1_score

from refund_desk.ai.choices import (
    LANGUAGES,
    REASONS,
    TEXT_FLAGS,
)
from refund_desk.ai.comments.model import (
    FLAG_THRESHOLD,
    LANGUAGE_MIN_PROBABILITY,
    MODEL_FORMAT,
    OTHER_LANGUAGE,
    CommentModel,
    Example,
    _features,
    expected_calibration_error,
    fit_temperature,
)
from refund_desk.ai.comments.store import (
    _remember,
    _save,
)
from refund_desk.ai.keywords import KEYWORD_RULES_VERSION
from refund_desk.ai.models import CommentLabel

logger = logging.getLogger("refund_desk.ai.comments")


DATA_DIR = Path(__file__).resolve().parent.parent / "data"


CORPUS_PATH = DATA_DIR / "comments.jsonl"


OTHER_LANGUAGES_PATH = DATA_DIR / "other_languages.jsonl"


AGENT_WEIGHT = 10.0  # one agent correction counts as ten synthetic comments


REASON_C = 20.0


FLAG_ALPHA = 2e-5


def load_corpus(split: str | None = None, path: Path = CORPUS_PATH) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [row for row in rows if split is None or row["split"] == split]


def _corpus_examples(rows: Iterable[dict[str, Any]]) -> list[Example]:
    return [Example(r["text"], r["reason"], list(r["flags"]), r["language"]) for r in rows]


def agent_examples() -> list[Example]:
    """Agents' corrections; an unreachable or unmigrated database means none (logged, not fatal).

    A case corrected twice teaches only its latest correction (the agent changed their mind).
    """

    try:
        rows = list(
            CommentLabel.objects.filter(source="agent")
            .order_by("pk")
            .values_list("pk", "case_id", "text", "reason", "flags", "language")
        )
    except DatabaseError as exc:
        logger.warning("comment classifier: agent labels unavailable (%s); training on the corpus only", exc)
        return []
    latest: dict[tuple[str, int], tuple[str, str, list[str], str]] = {}
    for pk, case_id, text, reason, flags, language in rows:
        key = ("case", case_id) if case_id is not None else ("label", pk)
        latest[key] = (text, reason, flags, language)
    return [
        Example(text, reason, [f for f in flags if f in TEXT_FLAGS], language or "", AGENT_WEIGHT)
        for text, reason, flags, language in latest.values()
        if reason in REASONS
    ]


def _data_hash(examples: Sequence[Example]) -> str:
    digest = hashlib.sha256()
    digest.update(CORPUS_PATH.read_bytes())
    digest.update(OTHER_LANGUAGES_PATH.read_bytes())
    for ex in examples:
        if ex.weight != 1.0:
            digest.update(json.dumps([ex.text, ex.reason, sorted(ex.flags)], ensure_ascii=False).encode())
    return digest.hexdigest()[:16]


def _flag_matrix(examples: Sequence[Example]) -> np.ndarray:
    return np.array([[flag in ex.flags for flag in TEXT_FLAGS] for ex in examples], dtype=np.int8)


def _fit_reason(x: Any, reasons: Sequence[str], weights: np.ndarray) -> LogisticRegression:
    # saga stopped after a fixed budget: within 0.01 macro-F1 of full lbfgs convergence at a third of the time.
    model = LogisticRegression(C=REASON_C, solver="saga", max_iter=40, tol=1e-3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x, list(reasons), sample_weight=weights)
    return model


def _fit_flags(x: Any, examples: Sequence[Example], weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    targets = _flag_matrix(examples)
    coefs, biases = [], []
    for column in range(len(TEXT_FLAGS)):
        y = targets[:, column]
        if y.min() == y.max():  # a flag nobody has (only possible with a tiny custom corpus)
            coefs.append(np.zeros(x.shape[1], dtype=np.float64))
            biases.append(10.0 if y[0] else -10.0)
            continue
        # SGD with log loss: a logistic regression per flag in a tenth of lbfgs' time on these features.
        model = SGDClassifier(
            loss="log_loss", alpha=FLAG_ALPHA, class_weight="balanced", max_iter=30, tol=None, random_state=0
        )
        model.fit(x, y, sample_weight=weights)
        coefs.append(model.coef_[0])
        biases.append(float(model.intercept_[0]))
    return np.ascontiguousarray(np.vstack(coefs).T), np.array(biases)


def _calibration_split(rows: list[dict[str, Any]]) -> tuple[list[int], list[int]]:
    """Hold one more family per (language, reason) out of the train split to fit the temperature."""
    families: dict[str, list[str]] = {}
    for row in rows:
        cell = row["family"].rsplit("/", 1)[0]
        if row["family"] not in families.setdefault(cell, []):
            families[cell].append(row["family"])
    held = {
        fams[int(hashlib.sha256(cell.encode()).hexdigest(), 16) % len(fams)]
        for cell, fams in families.items()
        if len(fams) > 1
    }
    fit = [i for i, row in enumerate(rows) if row["family"] not in held]
    val = [i for i, row in enumerate(rows) if row["family"] in held]
    return fit, val


def _fit_language(include_agent: Sequence[Example]) -> tuple[TfidfVectorizer, LogisticRegression]:
    rows = load_corpus("train") + [r for r in load_corpus(path=OTHER_LANGUAGES_PATH) if r["split"] == "train"]
    texts = [r["text"] for r in rows] + [ex.text for ex in include_agent if ex.language in LANGUAGES]
    labels = [r["language"] for r in rows] + [ex.language for ex in include_agent if ex.language in LANGUAGES]
    vectorizer = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(1, 3), lowercase=True, sublinear_tf=True, min_df=2, dtype=np.float32
    )
    x = vectorizer.fit_transform(texts)
    weights = np.array([3.0 if label == OTHER_LANGUAGE else 1.0 for label in labels])
    model = LogisticRegression(C=10.0, solver="saga", max_iter=40, tol=1e-3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x, labels, sample_weight=weights)
    return vectorizer, model


def fit(examples: Sequence[Example], *, temperature: float = 1.0) -> CommentModel:
    features = _features()
    texts = [ex.text for ex in examples]
    weights = np.array([ex.weight for ex in examples])
    x = features.fit_transform(texts)
    reason_model = _fit_reason(x, [ex.reason for ex in examples], weights)
    flag_weights, flag_bias = _fit_flags(x, examples, weights)
    language_features, language_model = _fit_language([ex for ex in examples if ex.weight != 1.0])
    return CommentModel(
        features=features,
        reason_model=reason_model,
        temperature=temperature,
        flag_weights=flag_weights,
        flag_bias=flag_bias,
        language_features=language_features,
        language_model=language_model,
        metadata={},
    )


def train(*, include_agent_labels: bool = True, save: bool = True) -> CommentModel:
    """Train on the corpus train split (+ agent labels), calibrate, evaluate on the test split, save."""
    started = time.monotonic()
    train_rows = load_corpus("train")
    agents = agent_examples() if include_agent_labels else []
    fit_idx, val_idx = _calibration_split(train_rows)
    probe_features = _features()
    probe_x = probe_features.fit_transform([train_rows[i]["text"] for i in fit_idx])
    probe = _fit_reason(probe_x, [train_rows[i]["reason"] for i in fit_idx], np.ones(len(fit_idx)))
    val_rows = [train_rows[i] for i in val_idx]
    val_logits = probe.decision_function(probe_features.transform([r["text"] for r in val_rows]))
    val_labels = np.array([list(probe.classes_).index(r["reason"]) for r in val_rows])
    temperature = fit_temperature(val_logits, val_labels)

    examples = _corpus_examples(train_rows) + agents
    model = fit(examples, temperature=temperature)
    trained_at = datetime.now(UTC)
    model.metadata = {
        "model": "comments",
        "model_format": MODEL_FORMAT,
        "version": trained_at.strftime("%Y%m%dT%H%M%S%fZ"),
        "trained_at": trained_at.isoformat(),
        "data_hash": _data_hash(examples),
        "train_size": len(examples),
        "agent_labels": len(agents),
        "temperature": round(temperature, 4),
        "sklearn_version": sklearn.__version__,
    }
    model.metadata["metrics"] = evaluate(model)
    model.metadata["training_seconds"] = round(time.monotonic() - started, 2)
    if save:
        _save(model)
    _remember(model)
    return model


def evaluate(model: CommentModel, rows: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Scores on the held-out split: reason macro-F1 (overall, per language, per reason), flag F1,
    language accuracy and calibration (expected calibration error of `confidence`)."""
    rows = load_corpus("test") if rows is None else rows
    texts = [r["text"] for r in rows]
    probs, flag_probs = model.reason_probabilities(texts)
    predicted = [model.reasons[i] for i in probs.argmax(axis=1)]
    truth = [r["reason"] for r in rows]
    confidence = probs.max(axis=1)
    correct = np.array([p == t for p, t in zip(predicted, truth, strict=True)])

    per_language = {}
    for language in LANGUAGES:
        idx = [i for i, r in enumerate(rows) if r["language"] == language]
        if idx:
            per_language[language] = round(
                float(
                    f1_score(
                        [truth[i] for i in idx], [predicted[i] for i in idx], average="macro", zero_division=0
                    )
                ),
                4,
            )
    per_reason_scores = f1_score(truth, predicted, labels=list(REASONS), average=None, zero_division=0)
    flag_truth = _flag_matrix(_corpus_examples(rows))
    flag_pred = (flag_probs >= FLAG_THRESHOLD).astype(np.int8)
    per_flag = {
        flag: round(float(f1_score(flag_truth[:, i], flag_pred[:, i], zero_division=0)), 4)
        for i, flag in enumerate(TEXT_FLAGS)
    }
    _, model_flag_probs = model.reason_probabilities(texts, keywords=False)
    model_flag_pred = (model_flag_probs >= FLAG_THRESHOLD).astype(np.int8)
    per_flag_model_only = {
        flag: round(float(f1_score(flag_truth[:, i], model_flag_pred[:, i], zero_division=0)), 4)
        for i, flag in enumerate(TEXT_FLAGS)
    }

    other_rows = [r for r in load_corpus(path=OTHER_LANGUAGES_PATH) if r["split"] == "test"]
    lang_rows = rows + other_rows
    lang_probs = model.language_probabilities([r["text"] for r in lang_rows])
    lang_pred = []
    for p in lang_probs:
        best = int(p.argmax())
        code = model.languages[best]
        known = code != OTHER_LANGUAGE and p[best] >= LANGUAGE_MIN_PROBABILITY
        lang_pred.append(code if known else OTHER_LANGUAGE)
    lang_truth = [r["language"] for r in lang_rows]
    return {
        "test_size": len(rows),
        "reason_macro_f1": round(float(f1_score(truth, predicted, average="macro", zero_division=0)), 4),
        "reason_accuracy": round(float(correct.mean()), 4),
        "reason_macro_f1_per_language": per_language,
        "reason_f1_per_reason": {
            r: round(float(s), 4) for r, s in zip(REASONS, per_reason_scores, strict=True)
        },
        "flag_f1": per_flag,
        "flag_f1_model_only": per_flag_model_only,
        "keyword_rules": KEYWORD_RULES_VERSION,
        "flag_micro_f1": round(float(f1_score(flag_truth, flag_pred, average="micro", zero_division=0)), 4),
        "language_accuracy": round(
            float(np.mean([p == t for p, t in zip(lang_pred, lang_truth, strict=True)])), 4
        ),
        "calibration_ece": round(expected_calibration_error(confidence, correct), 4),
        "mean_confidence": round(float(confidence.mean()), 4),
    }
