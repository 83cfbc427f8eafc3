"""One trained comment model per test session, in a temporary DATA_DIR (trained by the first-use fallback)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from refund_desk.ai import comments
from refund_desk.ai.risk import model as risk_model
from refund_desk.ai.risk.dataset import dataset_from_history
from refund_desk.ai.risk.features import CommentReading
from refund_desk.ai.synthetic.history import generate_history


@pytest.fixture(scope="session")
def _trained_data_dir(
    tmp_path_factory: pytest.TempPathFactory, django_db_setup: Any, django_db_blocker: Any
) -> Path:
    data_dir = tmp_path_factory.mktemp("ai-data")
    with override_settings(DATA_DIR=data_dir), django_db_blocker.unblock():
        comments.forget_cached_models()
        assert comments.load() is None
        comments.classify("Ekran jest pęknięty.")  # no model yet: trains from the shipped corpus and saves
    return data_dir


@pytest.fixture
def comment_model(_trained_data_dir: Path, settings: Any) -> comments.CommentModel:
    settings.DATA_DIR = _trained_data_dir  # restored after each test, so other apps never see it
    model = comments.load()
    assert model is not None
    return model


@pytest.fixture
def classify(comment_model: comments.CommentModel) -> Any:
    return comment_model.analyse


def _no_comment(text: str, reason: str) -> CommentReading:
    return CommentReading()


@pytest.fixture(scope="session")
def small_model() -> risk_model.RiskModel:
    ds = dataset_from_history(generate_history(seed=11, buyers=1500), read=_no_comment)
    return risk_model.fit(ds.x, ds.y, ds.eligible, seed=0)


@pytest.fixture
def saved_model(small_model: risk_model.RiskModel, comment_model: Any) -> Iterator[risk_model.RiskModel]:
    # comment_model points DATA_DIR at the session's model directory; the risk model is saved next to it.
    small_model.metadata.pop("version", None)
    risk_model.save(small_model)
    risk_model.set_current(small_model.version, reason="test")
    yield small_model
    risk_model.forget_cached()
