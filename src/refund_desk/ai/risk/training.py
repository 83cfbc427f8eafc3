"""Training, evaluation, the model card, promotion and rollback of the risk model.

Data: the cases in the database that a person decided (label: not approved as asked = REJECTED), once
there are at least `MIN_DB_LABELS` of them; until then the seeded synthetic history of `ai.synthetic.history`
(seed `TRAIN_SEED`). The card says which. Held-out evaluation always uses data the model never saw:
the newest 20 % of decided cases by date, or a synthetic history generated with another seed.
"""

from __future__ import annotations

import itertools
import json
import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

from refund_desk.ai.risk import model as risk_model
from refund_desk.ai.risk.dataset import Dataset, comment_reader, dataset_from_history
from refund_desk.ai.risk.svg import calibration_svg, confusion_svg
from refund_desk.ai.selectors import labelled_dataset
from refund_desk.ai.synthetic.history import generate_history
from refund_desk.policy.engine import Policy, policy_from_document

logger = logging.getLogger(__name__)

TRAIN_SEED = 1
EVAL_SEED = 2
PROMOTION_SEED = 3
TRAIN_BUYERS = 16000
EVAL_BUYERS = 6000
MIN_DB_LABELS = 500
AUC_TOLERANCE = 0.002  # "not worse": held-out ROC AUC may not drop by more than noise
# Limits used for synthetic evaluation (a seller's policy sets its own; without one nothing is automatic).
EVAL_POLICY_DOCUMENT = {
    "name": "Evaluation policy",
    "automaticApproval": {"maxAmountPerCase": {"PLN": "1500", "CZK": "9000", "EUR": "350", "HUF": "140000"}},
}


def evaluation_policy() -> Policy:
    return policy_from_document(EVAL_POLICY_DOCUMENT, version="evaluation/v1")


def synthetic_dataset(seed: int, buyers: int, read: Any = None) -> Dataset:

    requests = generate_history(seed=seed, buyers=buyers)
    return dataset_from_history(
        requests,
        read=read,
        policy=evaluation_policy(),
        source=f"synthetic history seed {seed}, {buyers} buyers",
    )


def training_dataset() -> Dataset:

    stored = labelled_dataset()
    if stored is not None and len(stored.y) >= MIN_DB_LABELS and len(set(stored.y.tolist())) == 2:
        return stored
    return synthetic_dataset(TRAIN_SEED, TRAIN_BUYERS)


def _split_by_time(ds: Dataset, share: float = 0.2) -> tuple[Dataset, Dataset]:
    order = np.argsort(np.array([d.timestamp() for d in ds.opened_at]), kind="stable")
    cut = int(len(order) * (1 - share))

    def take(idx: np.ndarray, suffix: str) -> Dataset:
        return Dataset(
            x=ds.x[idx],
            y=ds.y[idx],
            marketplaces=[ds.marketplaces[i] for i in idx],
            reasons=[ds.reasons[i] for i in idx],
            eligible=ds.eligible[idx],
            opened_at=[ds.opened_at[i] for i in idx],
            source=f"{ds.source} ({suffix})",
        )

    return take(order[:cut], "older 80 %"), take(order[cut:], "newest 20 %")


def _auc(y: np.ndarray, s: np.ndarray) -> float | None:
    return round(float(roc_auc_score(y, s)), 4) if len(set(y.tolist())) == 2 else None


def _slice_metrics(y: np.ndarray, s: np.ndarray, auto: np.ndarray) -> dict[str, Any]:
    return {
        "cases": len(y),
        "roc_auc": _auc(y, s),
        "automation_rate": round(float(auto.mean()), 4) if len(y) else None,
        "wrong_decision_rate": round(float(y[auto].mean()), 4) if auto.any() else 0.0,
    }


def scoring_latency_ms(model: risk_model.RiskModel, x: np.ndarray, rows: int = 400) -> dict[str, float]:
    timings = []
    for row in x[:rows]:
        started = time.perf_counter()
        model.score(row)
        timings.append((time.perf_counter() - started) * 1000)
    if not timings:
        return {"p50": 0.0, "p99": 0.0}
    return {
        "p50": round(float(np.percentile(timings, 50)), 3),
        "p99": round(float(np.percentile(timings, 99)), 3),
    }


def metrics(model: risk_model.RiskModel, ds: Dataset, threshold: float | None = None) -> dict[str, Any]:
    """Held-out figures. Automatic = engine allows it and score below the threshold; wrong = automatic
    but the ground truth says a careful agent would not approve. Rates are over all requests / automatic ones."""
    t = model.threshold if threshold is None else threshold
    s = model.predict(ds.x)
    y = ds.y.astype(bool)
    auto = ds.eligible & (s < t)
    flagged = s >= t
    tp = int((flagged & y).sum())
    bins = []
    edges = np.quantile(s, np.linspace(0, 1, 11)) if len(s) else np.array([0.0, 1.0])
    for lo, hi in itertools.pairwise(edges):
        in_bin = (s >= lo) & ((s <= hi) if hi == edges[-1] else (s < hi))
        if in_bin.any():
            bins.append(
                {
                    "predicted": float(s[in_bin].mean()),
                    "observed": float(y[in_bin].mean()),
                    "count": int(in_bin.sum()),
                }
            )
    confusion = {
        "auto_ok": int((auto & ~y).sum()),
        "auto_wrong": int((auto & y).sum()),
        "person_ok": int((~auto & ~y).sum()),
        "person_caught": int((~auto & y).sum()),
    }
    per_marketplace = {
        m: _slice_metrics(ds.y[idx], s[idx], auto[idx])
        for m in sorted(set(ds.marketplaces))
        if len(idx := np.array([i for i, v in enumerate(ds.marketplaces) if v == m])) > 0
    }
    per_reason = {
        r: _slice_metrics(ds.y[idx], s[idx], auto[idx])
        for r in sorted(set(ds.reasons))
        if len(idx := np.array([i for i, v in enumerate(ds.reasons) if v == r])) > 0
    }
    return {
        "data": ds.source,
        "cases": len(y),
        "positive_rate": round(float(y.mean()), 4) if len(y) else None,
        "roc_auc": _auc(ds.y, s),
        "threshold": round(float(t), 6),
        "precision_at_threshold": round(tp / int(flagged.sum()), 4) if flagged.any() else None,
        "recall_at_threshold": round(tp / int(y.sum()), 4) if y.any() else None,
        "engine_eligible_rate": round(float(ds.eligible.mean()), 4) if len(y) else None,
        "automation_rate": round(float(auto.mean()), 4) if len(y) else None,
        "wrong_decision_rate": round(float(y[auto].mean()), 4) if auto.any() else 0.0,
        "scoring_ms": scoring_latency_ms(model, ds.x),
        "confusion": confusion,
        "calibration": bins,
        "per_marketplace": per_marketplace,
        "per_reason": per_reason,
    }


def _card_path(version: str) -> Any:
    return risk_model.models_dir() / f"risk-{version}.card.json"


def write_card(model: risk_model.RiskModel, held_out: dict[str, Any], train_ds: Dataset) -> dict[str, Any]:
    dates = sorted(train_ds.opened_at)
    card = {
        "version": model.version,
        "trained_at": model.metadata.get("trained_at"),
        "data": {
            "source": train_ds.source,
            "cases": len(train_ds.y),
            "from": dates[0].isoformat() if dates else None,
            "to": dates[-1].isoformat() if dates else None,
            "positive_rate": round(float(train_ds.y.mean()), 4) if len(train_ds.y) else None,
        },
        "label": "a careful agent would not approve the request as asked",
        "features": model.metadata.get("features"),
        "held_out": held_out,
        "svg": {
            "calibration": calibration_svg(held_out["calibration"]),
            "confusion": confusion_svg(held_out["confusion"]),
        },
    }
    _card_path(model.version).write_text(json.dumps(card, indent=2, ensure_ascii=False), encoding="utf-8")
    return card


def load_card(version: str) -> dict[str, Any] | None:
    try:
        return dict(json.loads(_card_path(version).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None


def not_worse(candidate: dict[str, Any], current: dict[str, Any]) -> tuple[bool, str]:
    """Promotion rule on the same held-out data: AUC not lower (beyond noise), wrong rate within 1 % or
    not above the current one, automation not lower when the wrong rate is not better."""
    c_auc, p_auc = candidate.get("roc_auc") or 0.0, current.get("roc_auc") or 0.0
    if c_auc < p_auc - AUC_TOLERANCE:
        return False, f"ROC AUC {c_auc} is below the current model's {p_auc}"
    c_wrong, p_wrong = candidate["wrong_decision_rate"], current["wrong_decision_rate"]
    if c_wrong > max(p_wrong, 0.01):
        return False, f"wrong-decision rate {c_wrong} is above the current {p_wrong} and above 1 %"
    return True, f"ROC AUC {c_auc} vs {p_auc}, wrong-decision rate {c_wrong} vs {p_wrong}"


def promote_if_not_worse(
    candidate: risk_model.RiskModel, held_out: Dataset, current: risk_model.RiskModel | None
) -> tuple[bool, str]:
    """Make `candidate` (saved) current unless it is worse than the current model on `held_out`."""
    if current is not None:
        ok, why = not_worse(metrics(candidate, held_out), metrics(current, held_out))
        if not ok:
            return False, why
    else:
        why = "no current model"
    risk_model.set_current(candidate.version, reason=f"promoted: {why}")
    return True, why


def train(
    *,
    promote: bool = True,
    seed: int = 0,
    synthetic_only: bool = False,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Train a new version, evaluate it on held-out data, write its card and promote it if not worse.

    `synthetic_only` ignores the decisions stored in the database (the demo's hand-walked cases are not
    real decisions); `progress` receives a line per step.
    """
    say = progress or (lambda _line: None)
    started = time.monotonic()
    read = comment_reader()
    if synthetic_only:
        say(f"risk model: generating a synthetic history ({TRAIN_BUYERS} buyers, seed {TRAIN_SEED}) ...")
        data = synthetic_dataset(TRAIN_SEED, TRAIN_BUYERS, read)
    else:
        say("risk model: collecting training data ...")
        data = training_dataset()
    if data.source.startswith("synthetic"):
        say(
            f"risk model: {len(data.y)} requests; generating the held-out history (seed {PROMOTION_SEED}) ..."
        )
        train_ds, held_out_ds = data, synthetic_dataset(PROMOTION_SEED, EVAL_BUYERS // 2, read)
    else:
        train_ds, held_out_ds = _split_by_time(data)
    say(f"risk model: fitting on {len(train_ds.y)} requests ...")
    model = risk_model.fit(train_ds.x, train_ds.y, train_ds.eligible, seed=seed)
    trained_at = datetime.now(UTC)
    model.metadata.update(
        {
            "version": trained_at.strftime("%Y%m%dT%H%M%S%fZ"),
            "trained_at": trained_at.isoformat(),
            "data": train_ds.source,
        }
    )
    held_out = metrics(model, held_out_ds)
    model.metadata["held_out"] = {
        k: held_out[k] for k in ("data", "cases", "roc_auc", "automation_rate", "wrong_decision_rate")
    }
    model.metadata["training_seconds"] = round(time.monotonic() - started, 2)
    risk_model.save(model)
    write_card(model, held_out, train_ds)
    promoted, why = (False, "not asked to promote")
    if promote:
        promoted, why = promote_if_not_worse(model, held_out_ds, risk_model.load())
    logger.info("risk model %s trained; promoted=%s (%s)", model.version, promoted, why)
    say(f"risk model {model.version}: ROC AUC {held_out['roc_auc']} on held-out data; promoted: {promoted}")
    return {**model.metadata, "promoted": promoted, "promotion": why, "metrics": held_out_summary(held_out)}


def held_out_summary(m: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "data",
        "cases",
        "roc_auc",
        "threshold",
        "precision_at_threshold",
        "recall_at_threshold",
        "automation_rate",
        "wrong_decision_rate",
        "scoring_ms",
    )
    return {k: m[k] for k in keys}


def evaluate(*, seed: int | None = None, buyers: int = EVAL_BUYERS) -> dict[str, Any]:
    """Metrics of the current model on a fresh synthetic history generated with `seed` (default EVAL_SEED)."""
    model = risk_model.load()
    if model is None:
        train()
        model = risk_model.load()
    assert model is not None
    ds = synthetic_dataset(EVAL_SEED if seed is None else seed, buyers)
    return {"version": model.version, **metrics(model, ds)}


def rollback(version: str) -> None:
    risk_model.set_current(version, reason="rollback")


def versions_with_cards(limit: int = 20) -> list[dict[str, Any]]:
    current = risk_model.current_version()
    return [{**meta, "current": meta.get("version") == current} for meta in risk_model.versions()[:limit]]


def datasets_concat(parts: Sequence[Dataset]) -> Dataset:
    return Dataset(
        x=np.vstack([p.x for p in parts]),
        y=np.concatenate([p.y for p in parts]),
        marketplaces=[m for p in parts for m in p.marketplaces],
        reasons=[r for p in parts for r in p.reasons],
        eligible=np.concatenate([p.eligible for p in parts]),
        opened_at=[d for p in parts for d in p.opened_at],
        source=" + ".join(p.source for p in parts),
    )
