"""Make sure a comment classifier and a risk model exist before a worker starts reviewing cases.

Used by the live demo: the first start trains both (the classifier from the shipped corpus, the risk model
from the seeded synthetic history, ≈ 40 s on two cores) and saves them under DATA_DIR/models; later
starts find them there and return at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from refund_desk.ai import comments
from refund_desk.ai.risk import model as risk_model
from refund_desk.ai.risk import training


@dataclass(frozen=True, slots=True)
class ModelsReady:
    comments_version: str
    risk_version: str
    trained: tuple[str, ...]  # which models had to be trained now
    seconds: float


def models_ensure(*, say: Callable[[str], None]) -> ModelsReady:
    """Load the saved models; train (with progress lines) whichever is missing."""

    started = time.monotonic()
    trained: list[str] = []
    comment_model = comments.load()
    if comment_model is None:
        say(
            f"Training the buyer-comment classifier (first start only, ≈ 20 s) into {comments.models_dir()} ..."
        )
        step = time.monotonic()
        comment_model = comments.train()
        metrics = comment_model.metadata.get("metrics", {})
        say(
            f"comment classifier {comment_model.version}: reason macro-F1 {metrics.get('reason_macro_f1')} "
            f"on held-out comments ({time.monotonic() - step:.0f} s)"
        )
        trained.append("comments")
    risk = risk_model.load()
    if risk is None:
        say("Training the risk model from a synthetic history (first start only, ≈ 20 s) ...")
        step = time.monotonic()
        training.train(promote=True, synthetic_only=True, progress=say)
        risk = risk_model.load()
        if risk is None:
            raise RuntimeError("the risk model was trained but could not be loaded")
        say(f"risk model ready ({time.monotonic() - step:.0f} s)")
        trained.append("risk")
    return ModelsReady(
        comments_version=comment_model.version,
        risk_version=risk.version,
        trained=tuple(trained),
        seconds=round(time.monotonic() - started, 1),
    )
