"""The comment model: features, the three classifiers and how one comment is analysed."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion

from refund_desk.ai.choices import (
    DEFECT_FLAGS,
    DEFECT_REASONS,
    NON_DEFECT_REASONS,
    REASON_FLAGS,
    REASON_MISMATCH,
    REASONS,
    TEXT_FLAGS,
    UNKNOWN_LANGUAGE,
    reason_family,
)
from refund_desk.ai.keywords import keyword_evidence, keyword_flag_matrix
from refund_desk.ai.text import clean, letter_count, normalise

MODEL_FORMAT = 1


FLAG_THRESHOLD = 0.5


LANGUAGE_MIN_PROBABILITY = 0.5


MIN_LETTERS = 3


MISMATCH_MASS = 0.7  # probability mass of the opposite reason family needed to call a mismatch


MISMATCH_FLAG_PROBABILITY = 0.8


OTHER_LANGUAGE = "other"


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
