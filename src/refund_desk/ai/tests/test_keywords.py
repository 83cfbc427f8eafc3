"""Keyword layer for legal threats and insults: named authorities and insult stems in every language,
diacritic-free spellings, no false alarms on everyday words, combined with the model by OR."""

from __future__ import annotations

from typing import Any

import pytest

from refund_desk.ai import comments
from refund_desk.ai.keywords import keyword_evidence


@pytest.mark.parametrize(
    "text",
    [
        "Zgłoszę sprawę do Rzecznika Praw Konsumenta.",
        "Zglosze to do uokik, mam dosc.",
        "Sprawa trafi do sądu.",
        "Pójdę z tym do prawnika.",
        "Podám podnět na ČOI.",
        "Podam podnet na COI",
        "Obrátim sa na SOI a na súd.",
        "Kontaktujem advokáta.",
        "Az NFH-hoz fordulok.",
        "Panaszt teszek a Fogyasztóvédelemnél.",
        "Ugyvedhez fordulok es birosagra megyek.",
        "I'll take you to small claims court.",
        "Reporting this to the police.",
        "Подам до суду і звернуся до юриста.",
    ],
)
def test_authorities_courts_lawyers_and_police_are_legal_threats(text: str) -> None:
    assert "legal_threat" in keyword_evidence(text)


@pytest.mark.parametrize(
    "text",
    [
        "Banda złodziei i oszustów, kurwa.",
        "zlodzieje jebani",
        "Jste banda podvodníků, hajzlové.",
        "Ste kokoti.",
        "Hülye csalók!",
        "hulye csalok",
        "You bloody morons and crooks.",
        "Шахраї й ідіоти.",
    ],
)
def test_insults_in_every_language_are_abusive(text: str) -> None:
    assert "abusive_language" in keyword_evidence(text)


@pytest.mark.parametrize(
    "text",
    [
        "I'm sad it broke, please refund.",  # 'sąd' folded is 'sad'
        "According to your return policy I can send it back.",  # 'policy' is not 'police'
        "Csalódott vagyok, a termék száraz és repedt.",  # 'csalódott', 'száraz' are no insults
        "Rozmiar za duży, proszę o zwrot.",
        "Posílám zpět, nesedí mi velikost.",
    ],
)
def test_everyday_words_raise_nothing(text: str) -> None:
    assert keyword_evidence(text) == {}


def test_keyword_match_raises_the_flag_and_says_why(classify: Any) -> None:
    result = classify("Rozmiar za duży. Jak nie oddacie, to zgłaszam do Federacji Konsumentów.")

    assert "legal_threat" in result.flags
    assert result.flag_evidence["legal_threat"] == ["federacji konsumentow"]
    assert "flag_evidence" in result.to_json()
    assert result.reason in ("TOO_LARGE", "TOO_SMALL")


def test_keyword_layer_lifts_held_out_flag_f1_and_leaves_reasons_alone(
    comment_model: comments.CommentModel,
) -> None:
    metrics = comments.evaluate(comment_model)

    assert metrics["flag_f1"]["legal_threat"] >= 0.85 > metrics["flag_f1_model_only"]["legal_threat"]
    assert metrics["flag_f1"]["abusive_language"] >= 0.6 > metrics["flag_f1_model_only"]["abusive_language"]
    for flag in ("damage", "wrong_item", "missing_parts", "used_or_not_new", "late_delivery", "size"):
        assert metrics["flag_f1"][flag] == metrics["flag_f1_model_only"][flag]
    rows = comments.load_corpus("test")
    with_keywords, _ = comment_model.reason_probabilities([r["text"] for r in rows])
    without, _ = comment_model.reason_probabilities([r["text"] for r in rows], keywords=False)
    assert (with_keywords == without).all()
