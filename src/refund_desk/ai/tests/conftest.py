"""One trained comment model per test session, in a temporary DATA_DIR (trained by the first-use fallback)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from refund_desk.ai import comments


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
