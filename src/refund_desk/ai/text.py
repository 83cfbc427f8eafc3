"""Input hygiene for buyer comments: bytes, HTML, control characters, length cap, feature normalisation."""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field

MAX_CHARS = 5_000  # longer comments are cut; a comment's gist is in its first lines
RAW_CAP = 200_000  # bound the work spent on HTML stripping of absurd inputs
BINARY_RATIO = 0.1

_HTML_HINT = re.compile(r"<\s*[a-zA-Z/!]")
_SCRIPT = re.compile(r"<(script|style)\b.*?(</\1\s*>|$)", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^<>]{0,2000}>")
_SPACES = re.compile(r"\s+")
_FOLD = str.maketrans({"ł": "l", "ő": "o", "ű": "u", "ß": "ss"})


@dataclass
class CleanText:
    text: str
    truncated: bool = False
    warnings: list[str] = field(default_factory=list)


def _unusable_ratio(text: str) -> float:
    if not text:
        return 0.0
    bad = sum(
        1
        for ch in text
        if ch == "\ufffd" or (unicodedata.category(ch) in {"Cc", "Cs", "Co"} and ch not in "\n\r\t")
    )
    return bad / len(text)


def clean(raw: str | bytes | None) -> CleanText:
    """Turn whatever arrived (Allegro userComment, chat message, CLI stdin) into plain text to classify."""
    if raw is None:
        return CleanText("", warnings=["empty"])
    warnings: list[str] = []
    truncated = len(raw) > RAW_CAP
    raw = raw[:RAW_CAP]
    if isinstance(raw, bytes):
        if b"\x00" in raw:
            return CleanText("", truncated, ["binary"])
        raw = raw.decode("utf-8", errors="replace")
    if _unusable_ratio(raw) > BINARY_RATIO:
        return CleanText("", truncated, ["binary"])
    text = raw
    if _HTML_HINT.search(text):
        stripped = _TAG.sub(" ", _SCRIPT.sub(" ", text))
        if stripped != text:
            warnings.append("html_stripped")
        text = stripped
    text = html.unescape(text)
    text = "".join(ch if unicodedata.category(ch) not in {"Cc", "Cs", "Co"} else " " for ch in text)
    text = _SPACES.sub(" ", text.replace("\ufffd", " ")).strip()
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS]
        truncated = True
    if truncated:
        warnings.append(f"truncated_to_{MAX_CHARS}_chars")
    if not text:
        warnings.append("empty")
    return CleanText(text, truncated, warnings)


def normalise(text: str) -> str:
    """Feature view of a comment: lower case, Latin diacritics folded ('źle' == 'zle'), Cyrillic kept."""
    folded = text.lower().translate(_FOLD)
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", folded):
        if unicodedata.combining(ch):
            # keep the breve/diaeresis of Ukrainian й and ї: they carry meaning there
            if out and "CYRILLIC" in unicodedata.name(out[-1], ""):
                out.append(ch)
            continue
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def letter_count(text: str) -> int:
    return sum(1 for ch in text if ch.isalpha())
