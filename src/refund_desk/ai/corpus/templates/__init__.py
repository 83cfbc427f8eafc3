"""Per-language template tables for the synthetic buyer-comment corpus (see docs/ai-corpus.md).

Syntax inside a template: `[a|b|c]` picks one alternative; `{p}`/`{pa}` is a product noun in the
nominative/accusative, `{c}`/`{ca}` a clothing noun. Each entry of a reason's list is one *family*:
the train/test split holds whole families out, so the test set never shows a memorised phrasing.
"""

from __future__ import annotations

from typing import TypedDict


class LanguageTemplates(TypedDict):
    openers: list[str]
    closers: list[str]
    products: list[tuple[str, str]]
    clothes: list[tuple[str, str]]
    legal: list[str]
    abusive: list[str]
    late: list[str]
    reasons: dict[str, list[str]]
