"""Agent corrections feed retraining; the `refund-desk ai` command prints the promised JSON."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from refund_desk.ai import comments
from refund_desk.ai.corpus import build_corpus
from refund_desk.ai.models import CommentLabel
from refund_desk.ai.services import comment_label_record
from refund_desk.cli import main
from refund_desk.core.errors import ValidationFailed


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    try:
        main(["refund-desk", "ai", *args])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, capsys.readouterr().out


def test_classify_cli_prints_reason_confidence_flags_language(
    comment_model: comments.CommentModel, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run_cli(
        capsys, "classify", "Ekran pęknięty, zgłoszę to do UOKiK", "--selected-reason", "DONT_LIKE_IT"
    )

    data = json.loads(out)
    assert code == 0
    assert {"reason", "confidence", "flags", "language"} <= set(data)
    assert data["reason"] == "DAMAGED" and data["language"] == "pl"
    assert {"damage", "legal_threat", "reason_mismatch"} <= set(data["flags"])
    assert 0.0 <= data["confidence"] <= 1.0


def test_classify_cli_reads_stdin(
    comment_model: comments.CommentModel, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("Za mały rozmiar, uciska.".encode())))

    code, out = run_cli(capsys, "classify", "-")

    assert code == 0
    assert json.loads(out)["reason"] == "TOO_SMALL"


def test_evaluate_cli_prints_held_out_metrics(
    comment_model: comments.CommentModel, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run_cli(capsys, "evaluate", "--comments", "--json")

    metrics = json.loads(out)["comments"]
    assert code == 0
    assert metrics["version"] == comment_model.version
    assert metrics["reason_macro_f1"] >= 0.85
    assert set(metrics["reason_macro_f1_per_language"]) == {"pl", "cs", "sk", "hu", "en", "uk"}
    assert "legal_threat" in metrics["flag_f1"]


@pytest.mark.django_db
def test_invalid_label_is_refused(comment_model: comments.CommentModel) -> None:
    with pytest.raises(ValidationFailed) as err:
        comment_label_record(text=" ", reason="BROKEN", flags=["nonsense"], user=None)

    assert {path for path, _ in err.value.errors} == {"text", "reason", "flags"}
    assert not CommentLabel.objects.exists()


@pytest.mark.django_db
def test_agent_label_is_recorded_and_changes_the_retrained_prediction(
    comment_model: comments.CommentModel, settings: Any, tmp_path: Path
) -> None:
    text = "Sprzęt pachnie spalenizną jak wędzarnia, dym z kratki"
    before = comment_model.analyse(text)
    target = "NOT_NEW" if before.reason != "NOT_NEW" else "COUNTERFEIT"
    agent = get_user_model().objects.create_user(username="agent", password="x")

    label = comment_label_record(text=text, reason=target, flags=["used_or_not_new"], user=agent)

    assert (label.source, label.created_by, label.language) == ("agent", agent, "pl")
    settings.DATA_DIR = tmp_path
    retrained = comments.train()
    assert retrained.metadata["agent_labels"] == 1
    assert retrained.analyse(text).reason == target
    assert comments.classify(text).reason == target  # the saved, cached model is the new one


def test_shipped_corpus_matches_its_generator_and_is_large_enough() -> None:
    assert build_corpus.main(["--check"]) == 0
    rows = comments.load_corpus()
    test_share = sum(r["split"] == "test" for r in rows) / len(rows)
    assert len(rows) >= 4_000
    assert {r["language"] for r in rows} == {"pl", "cs", "sk", "hu", "en", "uk"}
    assert 0.15 <= test_share <= 0.25
    train_families = {r["family"] for r in rows if r["split"] == "train"}
    assert not train_families & {r["family"] for r in rows if r["split"] == "test"}
