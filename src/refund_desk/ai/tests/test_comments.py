"""Comment classifier behaviour: reasons, flags, languages, bad inputs, held-out quality, persistence."""

from __future__ import annotations

import json
from typing import Any

import pytest

from refund_desk.ai import comments
from refund_desk.ai.choices import REASONS
from refund_desk.ai.text import MAX_CHARS


@pytest.mark.parametrize(
    ("text", "reason", "language"),
    [
        ("Po rozpakowaniu ekran pęknięty, telefon nadaje się do kosza.", "DAMAGED", "pl"),
        ("Zamowilem przez pomylke, moj blad", "MISTAKE", "pl"),
        ("Přišel úplně jiný výrobek, než jsem objednal.", "DIFFERENT", "cs"),
        ("Topánky sú príliš tesné, potrebujem väčšiu veľkosť.", "TOO_SMALL", "sk"),
        ("Hiányzik a töltő a csomagból, hiányos készlet.", "INCOMPLETE", "hu"),
        ("This is a fake, not the original. No hologram!!", "COUNTERFEIT", "en"),
        ("Посилка йшла три тижні, вже неактуально.", "OVERDUE_DELIVERY", "uk"),
    ],
)
def test_clear_comments_get_their_reason_and_language(
    classify: Any, text: str, reason: str, language: str
) -> None:
    result = classify(text)

    assert (result.reason, result.language) == (reason, language)
    assert result.confidence > 0.5


@pytest.mark.parametrize(
    "text",
    [
        "Towar uszkodzony, zgłoszę to do UOKiK.",
        "Pokud to nevyřešíte, obrátím se na ČOI.",
        "A termék hibás, ügyvédhez fordulok.",
        "Item never worked, I will file a chargeback with my bank.",
    ],
)
def test_legal_threats_are_flagged(classify: Any, text: str) -> None:
    assert "legal_threat" in classify(text).flags


def test_polite_comment_has_no_legal_or_abuse_flag(classify: Any) -> None:
    flags = classify("Dzień dobry, rozmiar za duży, proszę o zwrot. Pozdrawiam.").flags

    assert "legal_threat" not in flags
    assert "abusive_language" not in flags
    assert "size" in flags


def test_abusive_language_is_flagged(classify: Any) -> None:
    assert "abusive_language" in classify("Złodzieje jebani, towar uszkodzony!").flags


def test_damage_described_under_dont_like_it_is_a_reason_mismatch(classify: Any) -> None:
    text = "Ekran jest pęknięty, telefon przyszedł rozbity."

    mismatched = classify(text, selected_reason="DONT_LIKE_IT")
    consistent = classify(text, selected_reason="DAMAGED")

    assert "reason_mismatch" in mismatched.flags
    assert "damage" in mismatched.flags
    assert "reason_mismatch" not in consistent.flags


def test_change_of_mind_under_a_defect_reason_is_a_reason_mismatch(classify: Any) -> None:
    assert "reason_mismatch" in classify("Nie podoba mi się kolor, rozmyśliłam się.", "DAMAGED").flags


def test_unknown_selected_reason_is_tolerated(classify: Any) -> None:
    result = classify("Ekran pęknięty.", selected_reason="SOMETHING_NEW")

    assert "reason_mismatch" not in result.flags
    assert "unknown_selected_reason" in result.warnings


@pytest.mark.parametrize("raw", ["", "   \n\t ", None, "!!! ??? 123"])
def test_empty_input_gives_a_clear_low_confidence_result(classify: Any, raw: Any) -> None:
    result = classify(raw)

    assert result.to_json() | {"model_version": None} == {
        "reason": "NONE",
        "confidence": 0.0,
        "flags": [],
        "flag_evidence": {},
        "language": "unknown",
        "truncated": False,
        "warnings": result.warnings,
        "model_version": None,
    }
    assert result.warnings


def test_binary_input_is_refused_without_crashing(classify: Any) -> None:
    result = classify(bytes(range(256)) * 40)

    assert (result.reason, result.confidence, result.language) == ("NONE", 0.0, "unknown")
    assert "binary" in result.warnings


def test_very_long_input_is_truncated_and_says_so(classify: Any) -> None:
    text = "Ekran jest pęknięty. " * 5_000  # ~100 kB

    result = classify(text)

    assert result.truncated is True
    assert result.to_json()["truncated"] is True
    assert f"truncated_to_{MAX_CHARS}_chars" in result.warnings
    assert result.reason == "DAMAGED"


def test_html_is_stripped_before_classification(classify: Any) -> None:
    html = "<div><p>Przyszedł <b>zupełnie inny produkt</b> niż zamówiłem</p><script>alert(1)</script></div>"

    result = classify(html)

    assert result.reason == "DIFFERENT"
    assert "html_stripped" in result.warnings


@pytest.mark.parametrize(
    "text",
    ["Das Produkt ist kaputt angekommen, ich möchte mein Geld zurück.", "Le colis est arrivé en retard."],
)
def test_unsupported_language_is_reported_as_unknown(classify: Any, text: str) -> None:
    result = classify(text)

    assert (result.language, result.reason, result.confidence) == ("unknown", "NONE", 0.0)
    assert "unsupported_language" in result.warnings


def test_held_out_macro_f1_meets_target(comment_model: comments.CommentModel) -> None:
    metrics = comments.evaluate(comment_model)

    assert metrics["test_size"] >= 800
    assert metrics["reason_macro_f1"] >= 0.85
    assert metrics["language_accuracy"] >= 0.95
    assert set(metrics["reason_f1_per_reason"]) == set(REASONS)


def test_saved_model_has_versioned_file_and_metadata(comment_model: comments.CommentModel) -> None:
    meta = comments.latest_metadata()

    assert meta is not None and meta["version"] == comment_model.version
    assert (comments.models_dir() / f"comments-{meta['version']}.joblib").exists()
    assert {"trained_at", "data_hash", "metrics", "temperature"} <= set(meta)
    json.dumps(meta)  # plain JSON


def test_confidence_is_calibrated_on_held_out_comments(comment_model: comments.CommentModel) -> None:
    assert comments.evaluate(comment_model)["calibration_ece"] < 0.08
