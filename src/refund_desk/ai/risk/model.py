"""The risk model: gradient boosting (HistGradientBoostingClassifier) over `features.FEATURES`, isotonic
calibration on held-out rows, an automation threshold chosen on held-out rows, and per-case explanations.

The score is the calibrated probability that a careful agent would NOT approve the request as asked.
Explanations: each factor group is set to its typical training value in one batched prediction; the
change in the score is that group's contribution (positive = raises the risk).
"""

from __future__ import annotations

import contextlib
import json
import math
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn
from django.conf import settings
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import roc_auc_score

from refund_desk.ai.risk.features import CATEGORICAL_MASK, FEATURES, GROUPS, INDEX, describe_group

MODEL_FORMAT = 1
NAME = "risk"
TARGET_WRONG_RATE = 0.006  # chosen below the promised 1 % to leave room for sampling error and drift
MIN_SCORE_GAP = 1e-9
# Facts without which a score is not trusted enough to act on it alone.
KEY_FEATURES = ("amount_pln", "days_since_purchase", "reason")


@dataclass(frozen=True, slots=True)
class Factor:
    group: str
    contribution: float
    words: str

    def to_json(self) -> dict[str, Any]:
        return {"group": self.group, "contribution": round(self.contribution, 4), "words": self.words}


@dataclass(frozen=True, slots=True)
class Score:
    probability: float
    factors: tuple[Factor, ...]
    low_confidence: list[str]

    def to_json(self) -> dict[str, Any]:
        return {
            "probability": round(self.probability, 6),
            "factors": [f.to_json() for f in self.factors],
            "lowConfidence": list(self.low_confidence),
        }


class CompiledForest:
    """The boosted trees as flat arrays, walked for all trees at once with numpy.

    scikit-learn's own predict costs several milliseconds per call on one row (input validation, thread
    pool start-up); this gives the same raw values in well under one. Numeric splits only: the model is
    trained without categorical splits so every tree is a plain `x <= threshold` / missing-side walk.
    """

    def __init__(self, booster: HistGradientBoostingClassifier) -> None:
        trees = [predictors[0].nodes for predictors in booster._predictors]
        offsets = np.cumsum([0] + [len(t) for t in trees[:-1]])
        nodes = np.concatenate(trees)
        shift = np.repeat(offsets, [len(t) for t in trees])
        self.roots = offsets.astype(np.int64)
        self.feature = nodes["feature_idx"].astype(np.int64)
        self.threshold = nodes["num_threshold"].astype(np.float64)
        self.missing_left = nodes["missing_go_to_left"].astype(bool)
        self.left = (nodes["left"].astype(np.int64) + shift).astype(np.int64)
        self.right = (nodes["right"].astype(np.int64) + shift).astype(np.int64)
        self.is_leaf = nodes["is_leaf"].astype(bool)
        self.value = nodes["value"].astype(np.float64)
        self.depth = int(nodes["depth"].max()) + 1
        self.bias = float(np.asarray(booster._baseline_prediction).ravel()[0])
        self.left[self.is_leaf] = np.nonzero(self.is_leaf)[0]  # leaves point to themselves
        self.right[self.is_leaf] = np.nonzero(self.is_leaf)[0]

    def raw(self, x: np.ndarray) -> np.ndarray:
        node = np.broadcast_to(self.roots, (x.shape[0], len(self.roots))).copy()
        rows = np.arange(x.shape[0])[:, None]
        for _ in range(self.depth):
            values = x[rows, self.feature[node]]
            missing = np.isnan(values)
            go_left = np.where(missing, self.missing_left[node], values <= self.threshold[node])
            node = np.where(go_left, self.left[node], self.right[node])
        return np.asarray(self.value[node].sum(axis=1) + self.bias, dtype=np.float64)

    def proba(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(1.0 / (1.0 + np.exp(-self.raw(x))), dtype=np.float64)


class RiskModel:
    """A trained, calibrated risk model with its automation threshold and metadata."""

    def __init__(
        self,
        *,
        booster: HistGradientBoostingClassifier,
        calibration_x: np.ndarray,
        calibration_y: np.ndarray,
        baseline: np.ndarray,
        threshold: float,
        metadata: dict[str, Any],
    ) -> None:
        self.booster = booster
        self.calibration_x = calibration_x
        self.calibration_y = calibration_y
        self.baseline = baseline
        self.threshold = threshold
        self.metadata = metadata
        self._group_index = [(g, [INDEX[n] for n in names]) for g, names in GROUPS.items()]
        self.forest = CompiledForest(booster)

    @property
    def version(self) -> str:
        return str(self.metadata.get("version", "unsaved"))

    def calibrate(self, raw: np.ndarray) -> np.ndarray:
        return np.interp(raw, self.calibration_x, self.calibration_y)

    def raw(self, x: np.ndarray) -> np.ndarray:
        return self.forest.proba(np.asarray(x, dtype=np.float64))

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Calibrated scores of many rows."""
        if len(x) == 0:
            return np.empty(0)
        return self.calibrate(self.raw(x))

    def score(self, row: np.ndarray, top: int = 3) -> Score:
        """Score one request and explain it: one batched prediction of the row and its group-occluded copies."""
        row = np.asarray(row, dtype=np.float64).reshape(-1)
        batch = np.repeat(row[None, :], len(self._group_index) + 1, axis=0)
        for k, (_, idx) in enumerate(self._group_index, start=1):
            batch[k, idx] = self.baseline[idx]
        probs = self.calibrate(self.raw(batch))
        p = float(probs[0])
        contributions = [(g, p - float(probs[k])) for k, (g, _) in enumerate(self._group_index, start=1)]
        contributions.sort(key=lambda item: abs(item[1]), reverse=True)
        factors = tuple(
            Factor(g, c, describe_group(g, row)) for g, c in contributions[:top] if abs(c) > MIN_SCORE_GAP
        )
        missing = [name for name in KEY_FEATURES if math.isnan(row[INDEX[name]])]
        low = [f"missing {name}" for name in missing]
        if not math.isnan(row[INDEX["comment_confidence"]]) and row[INDEX["comment_confidence"]] < 0.35:
            low.append("comment could not be read with confidence")
        return Score(probability=p, factors=factors, low_confidence=low)


def _baseline(x: np.ndarray) -> np.ndarray:
    base = np.nanmedian(np.where(np.isnan(x), np.nan, x), axis=0)
    for j, categorical in enumerate(CATEGORICAL_MASK):
        column = x[:, j][~np.isnan(x[:, j])]
        if categorical and len(column):
            values, counts = np.unique(column, return_counts=True)
            base[j] = values[counts.argmax()]
    return np.where(np.isnan(base), 0.0, base)


def choose_threshold(scores: np.ndarray, labels: np.ndarray, eligible: np.ndarray, target: float) -> float:
    """The highest score below which automatic approvals (eligible rows) stay within `target` wrong."""
    order = np.argsort(scores[eligible], kind="stable")
    s, y = scores[eligible][order], labels[eligible][order]
    if len(s) == 0:
        return 0.0
    wrong_rate = np.cumsum(y) / np.arange(1, len(y) + 1)
    ok = np.nonzero(wrong_rate <= target)[0]
    if len(ok) == 0:
        return 0.0
    k = int(ok[-1])
    # Approve rows strictly below the threshold: take the midpoint to the next distinct score.
    upper = s[k + 1] if k + 1 < len(s) else s[k] + 1e-6
    return float((s[k] + upper) / 2) if upper > s[k] else float(s[k])


def fit(
    x: np.ndarray,
    y: np.ndarray,
    eligible: np.ndarray,
    *,
    seed: int = 0,
    target_wrong_rate: float = TARGET_WRONG_RATE,
) -> RiskModel:
    """Fit on 75 % of the rows, calibrate and pick the threshold on the other 25 %."""
    x = np.array(x, dtype=np.float64, copy=True)
    # A fact never known in the training data (e.g. no delivery dates stored) carries no information;
    # a constant column keeps the binning working and the trees never split on it.
    x[:, np.isnan(x).all(axis=0)] = 0.0
    rng = np.random.default_rng(seed)
    idx = rng.permutation(len(y))
    cut = int(len(y) * 0.75)
    fit_idx, cal_idx = idx[:cut], idx[cut:]
    booster = HistGradientBoostingClassifier(
        max_iter=250,
        learning_rate=0.06,
        max_leaf_nodes=15,
        min_samples_leaf=30,
        l2_regularization=1.0,
        categorical_features=None,  # codes are ordinal here; see CompiledForest
        random_state=seed,
    )
    booster.fit(x[fit_idx], y[fit_idx])
    raw = booster.predict_proba(x[cal_idx])[:, 1]
    iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
    iso.fit(raw, y[cal_idx])
    grid = np.unique(np.concatenate([[0.0, 1.0], iso.X_thresholds_]))
    model = RiskModel(
        booster=booster,
        calibration_x=grid,
        calibration_y=iso.predict(grid),
        baseline=_baseline(x[fit_idx]),
        threshold=0.0,
        metadata={},
    )
    cal_scores = model.calibrate(raw)
    model.threshold = choose_threshold(cal_scores, y[cal_idx], eligible[cal_idx], target_wrong_rate)
    model.metadata = {
        "model": NAME,
        "model_format": MODEL_FORMAT,
        "features": list(FEATURES),
        "train_size": len(fit_idx),
        "calibration_size": len(cal_idx),
        "positive_rate": round(float(y.mean()), 4) if len(y) else 0.0,
        "threshold": round(model.threshold, 6),
        "calibration_roc_auc": round(float(roc_auc_score(y[cal_idx], cal_scores)), 4)
        if len(set(y[cal_idx].tolist())) > 1
        else None,
        "sklearn_version": sklearn.__version__,
        "seed": seed,
    }
    return model


# --- persistence, promotion and rollback --------------------------------------------------------------

_lock = threading.RLock()
_cache: dict[Path, tuple[RiskModel, str, float]] = {}
RELOAD_SECONDS = 60.0


def models_dir() -> Path:
    return Path(settings.DATA_DIR) / "models"


def _current_pointer() -> Path:
    return models_dir() / "risk-current.json"


def new_version() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def save(model: RiskModel) -> Path:
    """Write the model and its metadata (metadata last: a version exists once its .json does)."""
    directory = models_dir()
    directory.mkdir(parents=True, exist_ok=True)
    if "version" not in model.metadata:
        model.metadata["version"] = new_version()
    path = directory / f"risk-{model.version}.joblib"
    tmp = path.with_suffix(".joblib.tmp")
    joblib.dump(model, tmp, compress=3)
    tmp.replace(path)
    (directory / f"risk-{model.version}.json").write_text(
        json.dumps(model.metadata, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
    )
    return path


def versions() -> list[dict[str, Any]]:
    """Metadata of every saved risk model, newest first."""
    found = []
    for meta_path in sorted(models_dir().glob("risk-2*.json"), reverse=True):
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if meta.get("model_format") == MODEL_FORMAT and meta_path.with_suffix(".joblib").exists():
            found.append(meta)
    return found


def current_version() -> str | None:
    try:
        data = json.loads(_current_pointer().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    version = data.get("version")
    return str(version) if version else None


def set_current(version: str, *, reason: str) -> None:
    """Point the desk at a saved version (promotion or rollback); the previous one stays on disk."""
    if not (models_dir() / f"risk-{version}.joblib").exists():
        raise FileNotFoundError(f"no saved risk model {version}")
    pointer = _current_pointer()
    history: list[dict[str, Any]] = []
    with contextlib.suppress(OSError, ValueError):
        history = list(json.loads(pointer.read_text(encoding="utf-8")).get("history", []))
    history.append({"version": version, "at": datetime.now(UTC).isoformat(), "reason": reason})
    tmp = pointer.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({"version": version, "history": history[-50:]}, indent=2), encoding="utf-8")
    tmp.replace(pointer)
    forget_cached()


def load(version: str | None = None) -> RiskModel | None:
    """A saved version (default: the current one), cached in process and re-checked every minute."""
    directory = models_dir()
    with _lock:
        cached = _cache.get(directory)
        if version is None and cached and time.monotonic() - cached[2] < RELOAD_SECONDS:
            return cached[0]
        wanted = version or current_version()
        if wanted is None:
            return None
        if cached and cached[1] == wanted:
            if version is None:
                _cache[directory] = (cached[0], wanted, time.monotonic())
            return cached[0]
        path = directory / f"risk-{wanted}.joblib"
        if not path.exists():
            return None
        model = joblib.load(path)
        if not isinstance(model, RiskModel):
            return None
        if version is None:
            _cache[directory] = (model, wanted, time.monotonic())
        return model


def forget_cached() -> None:
    with _lock:
        _cache.clear()
