"""Saved comment models: where they live, the newest one (cached in process) and its metadata."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import joblib
from django.conf import settings

from refund_desk.ai.comments.model import (
    MODEL_FORMAT,
    CommentModel,
)

RELOAD_SECONDS = 60.0


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


def forget_cached_models() -> None:
    with _lock:
        _cache.clear()
