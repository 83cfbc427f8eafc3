"""Wording helpers: countdowns, money, payload summaries, and the Polish catalogue's completeness."""

from __future__ import annotations

import gettext
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.utils import translation

from refund_desk.desk import presenters

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
LOCALE_DIR = Path(__file__).resolve().parents[2] / "locale" / "pl" / "LC_MESSAGES"


@pytest.mark.parametrize(
    ("offset", "english", "polish"),
    [
        (timedelta(days=3, hours=5), "in 3 days", "za 3 dni"),
        (timedelta(days=1, minutes=1), "in 1 day", "za 1 dzień"),
        (timedelta(days=5), "in 5 days", "za 5 dni"),
        (timedelta(hours=2, minutes=59), "in 2 hours", "za 2 godziny"),
        (timedelta(minutes=5, seconds=30), "in 5 minutes", "za 5 minut"),
        (timedelta(seconds=20), "due now", "termin mija teraz"),
        (-timedelta(days=2, hours=1), "2 days overdue", "2 dni po terminie"),
        (-timedelta(days=22), "22 days overdue", "22 dni po terminie"),
        (-timedelta(hours=1), "1 hour overdue", "1 godzinę po terminie"),
    ],
)
def test_countdown_words(offset: timedelta, english: str, polish: str) -> None:
    with translation.override("en"):
        assert presenters.countdown(NOW + offset, NOW).text == english
    with translation.override("pl"):
        assert presenters.countdown(NOW + offset, NOW).text == polish


def test_countdown_marks_overdue() -> None:
    assert presenters.countdown(NOW - timedelta(minutes=3), NOW).overdue
    assert not presenters.countdown(NOW + timedelta(minutes=3), NOW).overdue


def test_countdown_strings_for_the_page_script_cover_every_plural_category() -> None:
    with translation.override("pl"):
        strings = presenters.countdown_strings()
    assert strings["day"]["one"] == "za {n} dzień"
    assert strings["day"]["few"] == "za {n} dni"
    assert strings["hour_overdue"]["many"] == "{n} godzin po terminie"
    assert strings["now"] == "termin mija teraz"


def test_money_is_localised_with_its_currency() -> None:
    with translation.override("en"):
        assert presenters.money_display(Decimal("1234.5"), "PLN") == "1,234.50\N{NO-BREAK SPACE}PLN"
    with translation.override("pl"):
        assert presenters.money_display(Decimal("1234.5"), "EUR") == (
            "1\N{NO-BREAK SPACE}234,50\N{NO-BREAK SPACE}EUR"
        )
    assert presenters.money_display(None, "PLN") == ""


def test_payload_summary() -> None:
    payload = {
        "changes": {
            "externalStatus": {"from": "CREATED", "to": "DELIVERED"},
            "order": ["status", "revision"],
        },
        "parcels": [{"waybill": "1"}, {"waybill": "2"}],
        "smart": True,
    }
    assert presenters.payload_summary(payload) == (
        "changes.externalStatus: CREATED → DELIVERED; changes.order: status, revision; parcels: 2; smart: yes"
    )
    assert presenters.payload_summary({}) == ""
    assert len(presenters.payload_summary({"x": "y" * 1000})) == presenters.PAYLOAD_SUMMARY_LIMIT


def test_unknown_reason_codes_are_shown_as_they_come() -> None:
    assert presenters.reason_label("DAMAGED") == "Damaged"
    assert presenters.reason_label("BRAND_NEW_CODE") == "BRAND_NEW_CODE"


def test_polish_catalogue_is_complete_and_compiled() -> None:
    po = (LOCALE_DIR / "django.po").read_text(encoding="utf-8")
    entries = [block for block in po.split("\n\n") if "msgid" in block]
    header, messages = entries[0], entries[1:]
    untranslated = [
        block
        for block in messages
        if block.rstrip().endswith('msgstr ""')
        or re.search(r'msgstr\[0\] ""\n(?!")', block + "\n")  # empty, not a wrapped long one
        or "#, fuzzy" in block
    ]
    assert "Language: pl" in header
    assert messages and not untranslated
    # The compiled catalogue carries every translation of the source catalogue (not an older build).
    with (LOCALE_DIR / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]
    singular = re.compile(r'^(?:msgctxt "(.+)"\n)?msgid "(.+)"\nmsgstr "(.+)"$', re.MULTILINE)
    entries_found = singular.findall(po)
    assert entries_found

    def unescape(text: str) -> str:
        return text.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")

    for context, msgid, msgstr in entries_found:
        key = f"{unescape(context)}\x04{unescape(msgid)}" if context else unescape(msgid)
        assert compiled.get(key) == unescape(msgstr), msgid


@pytest.mark.django_db
def test_role_groups_exist_after_migrations() -> None:
    assert set(Group.objects.values_list("name", flat=True)) >= {"agent", "supervisor", "auditor", "admin"}
