"""Write the synthetic, labelled buyer-comment corpus the comment classifier trains on.

Run: .venv/bin/python -m refund_desk.ai.corpus.build_corpus [--check]

Deterministic (seeded): re-running produces the same file byte for byte, and `--check` fails if the
shipped file differs. Each (language, reason) has five template *families* (distinct sentence frames);
one family per cell, picked by a seeded hash, goes to the "test" split only, together with held-out
legal-threat and abusive phrasings, so the held-out score measures unseen phrasings rather than
memorised ones. See docs/ai-corpus.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from refund_desk.ai.choices import LANGUAGES, REASON_FLAGS, REASONS
from refund_desk.ai.corpus.templates import LanguageTemplates, cs, en, hu, pl, sk, uk
from refund_desk.ai.corpus.templates.other import OTHER_LANGUAGE_SENTENCES

SEED = 20250611
PER_FAMILY = 12
HELD_OUT_EXTRAS = 2  # the last two legal-threat and abusive phrasings appear only in the test split
DATA_DIR = Path(__file__).resolve().parent.parent / "data"
CORPUS_PATH = DATA_DIR / "comments.jsonl"
OTHER_PATH = DATA_DIR / "other_languages.jsonl"

TEMPLATES: dict[str, LanguageTemplates] = {
    "pl": pl.TEMPLATES,
    "cs": cs.TEMPLATES,
    "sk": sk.TEMPLATES,
    "hu": hu.TEMPLATES,
    "en": en.TEMPLATES,
    "uk": uk.TEMPLATES,
}
EMOJIS = ["😡", "😞", "🙁", "👎", "😤", "🤬", "😕", "🙏", "😢", "🤦", "💔", "😠"]
_CHOICE = re.compile(r"\[([^\[\]]*)\]")
_DANGLING_COMMA = re.compile(r",\s*([.!?]|$)")  # an empty optional alternative at the end of a clause
_LATIN_EXTRA = str.maketrans({"ł": "l", "Ł": "L", "ő": "o", "ű": "u", "Ő": "O", "Ű": "U"})


def strip_latin_diacritics(text: str) -> str:
    """'Zażółć' -> 'Zazolc' (Cyrillic untouched): how buyers type without a Polish/Czech keyboard."""
    out: list[str] = []
    for ch in text.translate(_LATIN_EXTRA):
        if "LATIN" in unicodedata.name(ch, ""):
            base = unicodedata.normalize("NFD", ch)
            out.append("".join(c for c in base if not unicodedata.combining(c)))
        else:
            out.append(ch)
    return "".join(out)


def typo(rng: random.Random, text: str) -> str:
    """One keyboard slip: a swapped, dropped or doubled letter inside a word."""
    positions = [i for i in range(1, len(text) - 1) if text[i].isalpha() and text[i + 1].isalpha()]
    if not positions:
        return text
    i = rng.choice(positions)
    kind = rng.randrange(3)
    if kind == 0:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if kind == 1:
        return text[:i] + text[i + 1 :]
    return text[:i] + text[i] + text[i:]


def add_noise(rng: random.Random, text: str, language: str) -> str:
    if language != "uk" and rng.random() < 0.25:
        text = strip_latin_diacritics(text)
    for _ in range(rng.choice([0, 0, 1, 1, 2])):
        text = typo(rng, text)
    roll = rng.random()
    if roll < 0.25:
        text = text.lower()
    elif roll < 0.28:
        text = text.upper()
    if rng.random() < 0.1:
        text = re.sub(r"[.,:;]", "", text)
    if rng.random() < 0.06:
        text = text.rstrip(".") + "!!!"
    if rng.random() < 0.12:
        text = text + " " + "".join(rng.choice(EMOJIS) for _ in range(rng.randint(1, 3)))
    return text


def expand(rng: random.Random, template: str, templates: LanguageTemplates) -> str:
    text = _CHOICE.sub(lambda m: rng.choice(m.group(1).split("|")), template)
    product, product_acc = rng.choice(templates["products"])
    clothing, clothing_acc = rng.choice(templates["clothes"])
    text = (
        text.replace("{pa}", product_acc)
        .replace("{p}", product)
        .replace("{ca}", clothing_acc)
        .replace("{c}", clothing)
    )
    return _DANGLING_COMMA.sub(r"\1", text)


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def held_out_family(language: str, reason: str, families: int) -> int:
    digest = hashlib.sha256(f"{SEED}:{language}:{reason}".encode()).digest()
    return digest[0] % families


def compose(
    rng: random.Random, templates: LanguageTemplates, language: str, reason: str, template: str, split: str
) -> tuple[str, set[str]]:
    flags = set(REASON_FLAGS.get(reason, ()))
    core = expand(rng, template, templates)
    bare = rng.random() < 0.15
    opener = "" if bare else rng.choice(templates["openers"])
    # After "Dzień dobry, " people carry on in lower case; after "Witam. " or nothing they capitalise.
    text = opener + (core if opener.endswith(", ") else _capitalise(core))
    if reason != "OVERDUE_DELIVERY" and rng.random() < 0.05:
        text += rng.choice(templates["late"])
        flags.add("late_delivery")
    if not bare:
        text += rng.choice(templates["closers"])
    cut = len(templates["legal"]) - HELD_OUT_EXTRAS
    if rng.random() < 0.12:
        pool = templates["legal"][:cut] if split == "train" else templates["legal"][cut:]
        text += " " + rng.choice(pool)
        flags.add("legal_threat")
    cut = len(templates["abusive"]) - HELD_OUT_EXTRAS
    if rng.random() < 0.09:
        pool = templates["abusive"][:cut] if split == "train" else templates["abusive"][cut:]
        insult = rng.choice(pool)
        text = f"{insult} {text}" if rng.random() < 0.5 else f"{text} {insult}"
        flags.add("abusive_language")
    return add_noise(rng, text.strip(), language), flags


def build_comments(seed: int = SEED) -> Iterator[dict[str, Any]]:
    for language in LANGUAGES:
        templates = TEMPLATES[language]
        for reason in REASONS:
            families = templates["reasons"][reason]
            held = held_out_family(language, reason, len(families))
            for index, template in enumerate(families):
                split = "test" if index == held else "train"
                rng = random.Random(f"{seed}:{language}:{reason}:{index}")  # noqa: S311 -- seeded corpus, not security
                seen: set[str] = set()
                attempts = 0
                while len(seen) < PER_FAMILY and attempts < PER_FAMILY * 30:
                    attempts += 1
                    text, flags = compose(rng, templates, language, reason, template, split)
                    if text in seen:
                        continue
                    seen.add(text)
                    yield {
                        "text": text,
                        "language": language,
                        "reason": reason,
                        "flags": sorted(flags),
                        "split": split,
                        "family": f"{language}/{reason}/{index}",
                    }


def build_other_languages(seed: int = SEED) -> Iterator[dict[str, Any]]:
    rng = random.Random(f"{seed}:other")  # noqa: S311 -- seeded corpus, not security
    for code, sentences in OTHER_LANGUAGE_SENTENCES.items():
        for index, sentence in enumerate(sentences):
            split = "test" if index == len(sentences) - 1 else "train"
            variants = {sentence, sentence.lower(), strip_latin_diacritics(sentence), typo(rng, sentence)}
            for text in sorted(variants):
                yield {"text": text, "language": "other", "source_language": code, "split": split}


def render(rows: Iterator[dict[str, Any]]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="fail if the shipped files differ")
    args = parser.parse_args(argv)
    outputs = {CORPUS_PATH: render(build_comments()), OTHER_PATH: render(build_other_languages())}
    for path, content in outputs.items():
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != content:
                sys.stderr.write(f"{path} is out of date: run build_corpus\n")
                return 1
            continue
        path.write_text(content, encoding="utf-8")
        sys.stdout.write(f"wrote {content.count(chr(10))} rows to {path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
