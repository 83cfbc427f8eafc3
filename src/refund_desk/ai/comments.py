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

import hashlib
import itertools
import json
import logging
import threading
import time
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn
from django.conf import settings
from django.db import DatabaseError
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.metrics import f1_score
from sklearn.pipeline import FeatureUnion

from refund_desk.ai.choices import (
    DEFECT_FLAGS,
    DEFECT_REASONS,
    LANGUAGES,
    NON_DEFECT_REASONS,
    REASON_FLAGS,
    REASON_MISMATCH,
    REASONS,
    TEXT_FLAGS,
    UNKNOWN_LANGUAGE,
    reason_family,
)
from refund_desk.ai.keywords import KEYWORD_RULES_VERSION, keyword_evidence, keyword_flag_matrix
from refund_desk.ai.text import clean, letter_count, normalise

logger = logging.getLogger(__name__)

MODEL_FORMAT = 1
DATA_DIR = Path(__file__).resolve().parent / "data"
CORPUS_PATH = DATA_DIR / "comments.jsonl"
OTHER_LANGUAGES_PATH = DATA_DIR / "other_languages.jsonl"
AGENT_WEIGHT = 10.0  # one agent correction counts as ten synthetic comments
REASON_C = 20.0
FLAG_ALPHA = 2e-5
FLAG_THRESHOLD = 0.5
LANGUAGE_MIN_PROBABILITY = 0.5
MIN_LETTERS = 3
MISMATCH_MASS = 0.7  # probability mass of the opposite reason family needed to call a mismatch
MISMATCH_FLAG_PROBABILITY = 0.8
OTHER_LANGUAGE = "other"
RELOAD_SECONDS = 60.0


@dataclass(frozen=True)
class CommentAnalysis:
    """What a buyer's comment says, as far as the model can tell."""

    reason: str
    confidence: float
    flags: list[str]
    language: str
    language_confidence: float = 0.0
    truncated: bool = False
    warnings: list[str] = field(default_factory=list)
    model_version: str | None = None
    # Words of the keyword layer (`ai.keywords`) that raised a flag, e.g. {"legal_threat": ["uokik"]}.
    flag_evidence: dict[str, list[str]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "confidence": round(self.confidence, 4),
            "flags": list(self.flags),
            "flag_evidence": {flag: list(words) for flag, words in self.flag_evidence.items()},
            "language": self.language,
            "truncated": self.truncated,
            "warnings": list(self.warnings),
            "model_version": self.model_version,
        }


@dataclass
class Example:
    text: str
    reason: str
    flags: list[str]
    language: str
    weight: float = 1.0


def _features() -> FeatureUnion:
    return FeatureUnion(
        [
            (
                "char",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(2, 5),
                    preprocessor=normalise,
                    min_df=2,
                    sublinear_tf=True,
                    dtype=np.float32,
                ),
            ),
            (
                "word",
                TfidfVectorizer(
                    analyzer="word",
                    ngram_range=(1, 2),
                    preprocessor=normalise,
                    token_pattern=r"(?u)\b\w\w+\b",  # noqa: S106 -- a regex, not a password
                    sublinear_tf=True,
                    dtype=np.float32,
                ),
            ),
        ]
    )


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def _sigmoid(values: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-values))


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """Temperature minimising the negative log-likelihood of held-out predictions (grid + refine)."""

    def nll(t: float) -> float:
        probs = _softmax(logits / t)
        return float(-np.mean(np.log(probs[np.arange(len(labels)), labels] + 1e-12)))

    grid = np.exp(np.linspace(np.log(0.05), np.log(20.0), 60))
    best = min(grid, key=nll)
    fine = np.linspace(best * 0.8, best * 1.25, 30)
    return float(min(fine, key=nll))


def expected_calibration_error(confidences: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    edges = np.linspace(0.0, 1.0, bins + 1)
    total = 0.0
    for low, high in itertools.pairwise(edges):
        mask = (confidences > low) & (confidences <= high)
        if mask.any():
            total += mask.mean() * abs(confidences[mask].mean() - correct[mask].mean())
    return float(total)


class CommentModel:
    """The trained models plus the few numbers needed to score one comment in well under a millisecond."""

    def __init__(
        self,
        *,
        features: FeatureUnion,
        reason_model: LogisticRegression,
        temperature: float,
        flag_weights: np.ndarray,
        flag_bias: np.ndarray,
        language_features: TfidfVectorizer,
        language_model: LogisticRegression,
        metadata: dict[str, Any],
    ) -> None:
        self.features = features
        self.reason_model = reason_model
        self.temperature = temperature
        self.flag_weights = flag_weights
        self.flag_bias = flag_bias
        self.language_features = language_features
        self.language_model = language_model
        self.metadata = metadata
        self.reasons: list[str] = [str(c) for c in reason_model.classes_]
        self.languages: list[str] = [str(c) for c in language_model.classes_]
        self._reason_coef = np.ascontiguousarray(reason_model.coef_.T)
        self._reason_bias = reason_model.intercept_
        self._language_coef = np.ascontiguousarray(language_model.coef_.T)
        self._language_bias = language_model.intercept_
        self._implied_flags = np.array(
            [[flag in REASON_FLAGS.get(reason, ()) for flag in TEXT_FLAGS] for reason in self.reasons],
            dtype=float,
        )

    @property
    def version(self) -> str:
        return str(self.metadata["version"])

    # Scoring bypasses sklearn's per-call validation: a sparse row times dense matrices is all it is.
    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        # FeatureUnion.transform dispatches through joblib, which costs milliseconds per call.
        parts = [vectorizer.transform(texts) for _, vectorizer in self.features.transformer_list]
        return sparse.hstack(parts, format="csr")

    def _single(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """TF-IDF (sublinear tf, l2 per vectorizer) of one text as (column indices, values), without scipy:
        the same numbers as `transform`, at a fraction of the per-call overhead."""
        if not hasattr(self, "_fast"):
            self._fast = []
            offset = 0
            for _, vectorizer in self.features.transformer_list:
                self._fast.append(
                    (vectorizer.build_analyzer(), vectorizer.vocabulary_, vectorizer.idf_, offset)
                )
                offset += len(vectorizer.vocabulary_)
        all_idx: list[np.ndarray] = []
        all_val: list[np.ndarray] = []
        for analyzer, vocabulary, idf, offset in self._fast:
            counts: dict[int, int] = {}
            for gram in analyzer(text):
                column = vocabulary.get(gram)
                if column is not None:
                    counts[column] = counts.get(column, 0) + 1
            if not counts:
                continue
            idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            val = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))) * idf[idx]
            all_idx.append(idx + offset)
            all_val.append(val / np.linalg.norm(val))
        if not all_idx:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return np.concatenate(all_idx), np.concatenate(all_val)

    def _score_one(self, text: str) -> tuple[np.ndarray, np.ndarray, dict[str, list[str]]]:
        idx, val = self._single(text)
        reason_logits = val @ self._reason_coef[idx] + self._reason_bias
        probs = _softmax((reason_logits / self.temperature)[None, :])[0]
        flags = np.maximum(
            _sigmoid(val @ self.flag_weights[idx] + self.flag_bias), probs @ self._implied_flags
        )
        evidence = keyword_evidence(text)
        keyword_hits = np.array([flag in evidence for flag in TEXT_FLAGS], dtype=float)
        return probs, np.maximum(flags, keyword_hits), evidence

    def reason_probabilities(
        self, texts: Sequence[str], *, keywords: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """Reason probabilities and flag probabilities; `keywords=False` gives the n-gram model alone."""
        x = self.transform(texts)
        reason_logits = np.asarray(x @ self._reason_coef) + self._reason_bias
        probs = _softmax(reason_logits / self.temperature)
        flags = _sigmoid(np.asarray(x @ self.flag_weights) + self.flag_bias)
        # A flag is as likely as the flag model says or as the reasons that imply it, whichever is higher:
        # "damage" is at least P(DAMAGED) + P(TRANSPORT); a keyword-layer match makes it certain.
        flags = np.maximum(flags, probs @ self._implied_flags)
        if not keywords:
            return probs, flags
        keyword_hits = np.array(keyword_flag_matrix(texts, TEXT_FLAGS), dtype=float).reshape(flags.shape)
        return probs, np.maximum(flags, keyword_hits)

    def language_probabilities(self, texts: Sequence[str]) -> np.ndarray:
        x = self.language_features.transform(texts)
        return _softmax(np.asarray(x @ self._language_coef) + self._language_bias)

    def analyse(self, raw: str | bytes | None, selected_reason: str | None = None) -> CommentAnalysis:
        cleaned = clean(raw)
        warnings = list(cleaned.warnings)
        if selected_reason is not None and selected_reason not in REASONS:
            warnings.append("unknown_selected_reason")
        if not cleaned.text or letter_count(cleaned.text) < MIN_LETTERS:
            if cleaned.text and "too_short" not in warnings:
                warnings.append("too_short")
            return CommentAnalysis(
                "NONE", 0.0, [], UNKNOWN_LANGUAGE, 0.0, cleaned.truncated, warnings, self.version
            )
        language_probs = self.language_probabilities([cleaned.text])[0]
        best = int(language_probs.argmax())
        language, language_confidence = self.languages[best], float(language_probs[best])
        if language == OTHER_LANGUAGE or language_confidence < LANGUAGE_MIN_PROBABILITY:
            warnings.append("unsupported_language")
            return CommentAnalysis(
                "NONE",
                0.0,
                [],
                UNKNOWN_LANGUAGE,
                language_confidence if language != OTHER_LANGUAGE else 0.0,
                cleaned.truncated,
                warnings,
                self.version,
            )
        probs, flag_p, evidence = self._score_one(cleaned.text)
        top = int(probs.argmax())
        flags = [flag for flag, p in zip(TEXT_FLAGS, flag_p, strict=True) if p >= FLAG_THRESHOLD]
        if self._mismatch(selected_reason, probs, dict(zip(TEXT_FLAGS, flag_p, strict=True))):
            flags.append(REASON_MISMATCH)
        return CommentAnalysis(
            reason=self.reasons[top],
            confidence=float(probs[top]),
            flags=flags,
            language=language,
            language_confidence=language_confidence,
            truncated=cleaned.truncated,
            warnings=warnings,
            model_version=self.version,
            flag_evidence=evidence,
        )

    def _mismatch(self, selected: str | None, probs: np.ndarray, flag_p: dict[str, float]) -> bool:
        family = reason_family(selected)
        if family is None:
            return False
        by_reason = dict(zip(self.reasons, probs, strict=True))
        defect = sum(p for r, p in by_reason.items() if r in DEFECT_REASONS)
        non_defect = sum(p for r, p in by_reason.items() if r in NON_DEFECT_REASONS)
        if family == "non_defect":
            described_defect = any(flag_p[f] >= MISMATCH_FLAG_PROBABILITY for f in DEFECT_FLAGS)
            return defect >= MISMATCH_MASS or described_defect
        return non_defect >= MISMATCH_MASS


# --- data -------------------------------------------------------------------------------------------


def load_corpus(split: str | None = None, path: Path = CORPUS_PATH) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [row for row in rows if split is None or row["split"] == split]


def _corpus_examples(rows: Iterable[dict[str, Any]]) -> list[Example]:
    return [Example(r["text"], r["reason"], list(r["flags"]), r["language"]) for r in rows]


def agent_examples() -> list[Example]:
    """Agents' corrections; an unreachable or unmigrated database means none (logged, not fatal).

    A case corrected twice teaches only its latest correction (the agent changed their mind).
    """
    from refund_desk.ai.models import CommentLabel

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


# --- training ---------------------------------------------------------------------------------------


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


# --- evaluation -------------------------------------------------------------------------------------


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


# --- persistence ------------------------------------------------------------------------------------

_lock = threading.RLock()
_cache: dict[Path, tuple[CommentModel, float]] = {}


def models_dir() -> Path:
    return Path(settings.DATA_DIR) / "models"


def _save(model: CommentModel) -> Path:
    directory = models_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"comments-{model.version}.joblib"
    tmp = path.with_suffix(".joblib.tmp")
    joblib.dump(model, tmp, compress=3)
    tmp.replace(path)
    # The metadata file is written last: a model counts as available only once it exists.
    meta_path = directory / f"comments-{model.version}.json"
    meta_path.write_text(json.dumps(model.metadata, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def _remember(model: CommentModel) -> None:
    with _lock:
        _cache[models_dir()] = (model, time.monotonic())


def latest_metadata() -> dict[str, Any] | None:
    """Metadata of the newest saved comment model of the current format, or None."""
    for meta_path in sorted(models_dir().glob("comments-*.json"), reverse=True):
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if meta.get("model_format") == MODEL_FORMAT and meta_path.with_suffix(".joblib").exists():
            return dict(meta)
    return None


def load() -> CommentModel | None:
    """The newest saved model (cached in process, re-checked every minute), or None if none was trained."""
    directory = models_dir()
    with _lock:
        cached = _cache.get(directory)
        if cached and time.monotonic() - cached[1] < RELOAD_SECONDS:
            return cached[0]
        meta = latest_metadata()
        if meta is None:
            return None
        if cached and cached[0].version == meta["version"]:
            _cache[directory] = (cached[0], time.monotonic())
            return cached[0]
        model = joblib.load(directory / f"comments-{meta['version']}.joblib")
        if not isinstance(model, CommentModel):
            return None
        _cache[directory] = (model, time.monotonic())
        return model


def get_model() -> CommentModel:
    """The current model; trains one from the shipped corpus on first use (a few seconds) and saves it."""
    with _lock:
        model = load()
        if model is None:
            logger.info("comment classifier: no trained model in %s, training one now", models_dir())
            model = train()
        return model


def forget_cached_models() -> None:
    with _lock:
        _cache.clear()


def classify(text: str | bytes | None, selected_reason: str | None = None) -> CommentAnalysis:
    """Reason, confidence, flags and language of one buyer comment; `selected_reason` is the reason type
    the buyer picked in Allegro, used to flag `reason_mismatch`."""
    return get_model().analyse(text, selected_reason)
