"""The models `refund-desk ai train|evaluate` knows about; other models (e.g. risk) register here too."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from refund_desk.ai import comments
from refund_desk.ai.risk import training


@dataclass(frozen=True)
class TrainableModel:
    name: str
    description: str
    train: Callable[[], dict[str, Any]]  # trains, saves a new version, returns its metadata (with metrics)
    evaluate: Callable[[], dict[str, Any]]  # metrics of the current version on its held-out data


_MODELS: dict[str, TrainableModel] = {}


def register(model: TrainableModel) -> None:
    _MODELS[model.name] = model


def registered() -> dict[str, TrainableModel]:
    _register_builtin()
    return dict(_MODELS)


def _register_builtin() -> None:
    if "comments" in _MODELS:
        return

    def train() -> dict[str, Any]:
        return comments.train().metadata

    def evaluate() -> dict[str, Any]:
        model = comments.get_model()
        return {"version": model.version, **comments.evaluate(model)}

    register(
        TrainableModel("comments", "buyer-comment classifier (reason, flags, language)", train, evaluate)
    )

    register(
        TrainableModel(
            "risk",
            "refund-request risk model (gradient boosting, calibrated)",
            lambda: training.train(promote=True),
            lambda: training.evaluate(),
        )
    )
