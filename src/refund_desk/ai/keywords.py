"""Transparent word lists for the two flags the n-gram model generalises poorly to: legal threats and insults.

The corpus teaches the classifier a handful of phrasings per language; real buyers name any consumer
authority, court or lawyer, and insult in words it never saw. These patterns name them directly. They are
combined with the model by OR: a flag is raised when the model's probability reaches the threshold *or*
a pattern matches (`flag_evidence` then says which words did it). Reasons are never touched.

Patterns are matched against the diacritic-folded, lower-case text (`text.normalise`: 'sąd' -> 'sad',
'ügyvéd' -> 'ugyved', Cyrillic kept), so buyers who type without diacritics are caught as well. A few
short words that collide with other languages after folding ('sąd' vs English 'sad') are matched only
with their diacritics, against the lower-case original.

To extend: add a stem to the right language below; keep it specific enough not to match everyday words
(e.g. 'polic(e|ja|ie)' but never 'polic', which is also 'policy').
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from refund_desk.ai.text import normalise

KEYWORD_RULES_VERSION = "2026-11-26"

# Folded (diacritic-free) patterns; \b is Unicode-aware, so they work for Cyrillic too.
_LEGAL_FOLDED: dict[str, tuple[str, ...]] = {
    "any": (
        r"charge ?backs?\w*",
        r"ombudsm[ae]n\w*",
        r"\bpolic(e|ja|ji|je|jant\w*|ie|ii|ia|iu)\b",
    ),
    "pl": (
        r"\buokik\w*",
        r"\brzeczni\w*",  # rzecznik praw konsumentów / miejski rzecznik konsumentów
        r"inspekc\w* handlow\w*",
        r"federacj\w* konsument\w*",
        r"\bsad(u|zie|em|owi|ow\w*|ownie)\b",
        r"\bpozw\w*|\bpozew\b|\bpozwe\w*",
        r"\bprawni(k|ka|kiem|kowi|cy|kow)\b",
        r"\badwokat\w*",
        r"\bradc\w* prawn\w*",
        r"\bprokurat\w*",
        r"zawiadomieni\w* o przestepstw\w*",
        r"obciazeni\w* zwrotn\w*",
        r"\bkancelari\w*",
    ),
    "cs_sk": (
        r"\bcoi\b",
        r"\bsoi\b",
        r"obchodn\w* inspekc\w*",
        r"\binspekci\w*",
        r"\bsoud\w*",
        r"\bsud(u|e|om|ny|neho|nou|ne|nej)\b",
        r"\b(na|do|k) sud\b",  # Slovak 'pôjdem na súd' typed without diacritics
        r"\bzalob\w*",  # žaloba (lawsuit)
        r"\bzaluj\w*",
        r"\bpravni(k|ka|kem|kovi|ci|kovi)\b",
        r"\badvokat\w*",
        r"trestn\w* oznameni\w*|trestn\w* oznamen\w*",
        r"\bdtest\b",
    ),
    "hu": (
        r"\bnfh\b",
        r"fogyasztovedel\w*",
        r"fogyasztovedo\w*",
        r"\bbekelteto\w*",
        r"\bhatosag\w*",
        r"\bbirosag\w*",
        r"\bbeperel\w*|\bperel\w*|\bpert (indit|kezdemenyez)\w*",
        r"\bugyved\w*",
        r"\bjogasz\w*",
        r"\bfeljelent\w*",
        r"\brendorseg\w*",
    ),
    "en": (
        r"\bcourts?\b",
        r"\bsu(e|ing)\b",
        r"\blawsuits?\b",
        r"\blegal (action|steps|proceedings)\b",
        r"\bsmall claims\b",
        r"\blawyers?\b|\battorneys?\b|\bsolicitors?\b",
        r"trading standards",
        r"consumer (protection|rights (body|authority|organi[sz]ation))",
        r"citizens advice",
        r"\bdispute (the|this) (charge|payment|transaction)",
        r"\baction fraud\b",
    ),
    "uk": (
        r"\bсуд(у|і|ом|ом|ами|ів|и)?\b",
        r"\bсудов\w*",
        r"\bпозов\w*",
        r"\bюрист\w*",
        r"\bадвокат\w*",
        r"\bполіці\w*",
        r"\bпрокуратур\w*",
        r"споживслужб\w*",
        r"захист\w* прав споживач\w*",
        r"\bчарджбек\w*",
        r"\bомбудсман\w*",
    ),
}
# Matched with diacritics only, on the lower-case original (folded they would collide with other words).
_LEGAL_EXACT: tuple[str, ...] = (r"\bsąd\b", r"\bsúd\b", r"\bčoi\b")

_ABUSIVE_FOLDED: dict[str, tuple[str, ...]] = {
    "pl": (
        r"\bkurw\w*",
        r"\bskurw\w*",
        r"\w*jeb(an|ac|any|ani|ie|cie|ane)\w*",
        r"\w*pierdol\w*",
        r"\bspierdal\w*",
        r"\bchuj\w*|\bhuj(e|u|owy|owa|owe|owo)\b",
        r"\bdup(a|e|y|ie|ek|ka)\b",
        r"\bdebil\w*",
        r"\bidio(ta|ci|tami|tow|tka|tyzm)\b|\bidiot\b",
        r"\bkretyn\w*",
        r"\bmatol\w*",
        r"\bpalant\w*",
        r"\bfrajer\w*",
        r"\bcwel\w*",
        r"\bgnoj(e|ki|ek|ku)\b",
        r"\bbydl(o|aki|ak)\b",
        r"\boszus(t|ci|tow|tami|ty)\b",
        r"\bzlodzie(j|je|jstwo|jami|jow)\b",
        r"\bdziadostw\w*",
        r"\bgown\w*",
        r"\bszajs\w*",
        r"\bbaran(y|ie)\b",
    ),
    "cs_sk": (
        r"\bkurv\w*",
        r"\bpic(a|o|e|u|ovin\w*)\b",
        r"\bhovn\w*",
        r"\bhovad\w*",
        r"\bzmrd\w*",
        r"\bkokot\w*",
        r"\bcurac?k\w*",
        r"\bhajzl\w*",
        r"\bsvin(e|a|o|stvo)\b",
        r"\bkreten\w*",
        r"\bblb(ec|ci|cum|ce|ecek)\b",
        r"\bpitom(ec|ci|ce|cum)\b",
        r"\bdement\w*",
        r"\bdebil\w*",
        r"\bidiot\w*",
        r"\bpodvodni(k|ci|ku|ky|kov|kum)\b",
        r"\bzlode(j|ji|jum|jov|jina)\b",
        r"\bsrac\w*|\bposran\w*|\bzasran\w*|\bvyser\w*",
        r"\bsmejd\w*",
        r"\bsomar\w*",
        r"\bjeb(at|ni|nuty|nut\w*|ak\w*)\b",
    ),
    "hu": (
        r"\bkurva\w*",
        r"\bbasz\w*|\bbazd\w*",
        r"\bfasz\w*",
        r"\bgeci\w*",
        r"\bpics\w*",
        r"\bhulye\w*",
        r"\bidiota\w*",
        r"\bbarom\w*",
        r"\bszar(t|ul|ra|ok|os|sag|hazi)?\b",
        r"\bcsalo(k|kat|knak|k)?\b",
        r"\btolvaj\w*",
        r"\bgyoker(ek)?\b",
        r"\banyad\w*",
        r"\brohadt\w*",
        r"\bnyomorek\w*",
        r"\bmarhak\b",
        r"\bszemetek\b",
    ),
    "en": (
        r"\w*fuck\w*",
        r"\bshit\w*|\bbullshit\b",
        r"\bidiots?\b|\bidiotic\b",
        r"\bmorons?\b|\bmoronic\b",
        r"\bstupid\b|\bdumb(ass)?\b",
        r"\bscam+ers?\b|\bscum\w*",
        r"\bcrooks?\b|\bthie(f|ves)\b|\bfrauds(ters)?\b|\bfraudsters?\b",
        r"\bbastards?\b",
        r"\bass ?holes?\b|\barse ?holes?\b",
        r"\bdick(head)?s?\b|\bwank(er|ers)\b|\btwats?\b|\bcunts?\b|\bpricks?\b",
        r"\bbitch\w*",
        r"\bclowns?\b|\bjerks?\b",
        r"\bcrap(py)?\b",
        r"\bpathetic\b",
    ),
    "uk": (
        r"\bбля\w*",
        r"\w*ху[йяєї]\w*",
        r"\w*пизд\w*",
        r"\w*[йє]об\w*|\w*їба\w*|\w*єба\w*",
        r"\bсук(а|и|о|ам)\b",
        r"\bідіот\w*",
        r"\bдебіл\w*",
        r"\bкретин\w*",
        r"\bпридур\w*",
        r"\bшахра\w*",
        r"\bзлоді\w*",
        r"\bлайн\w*",
        r"\bгівн\w*",
        r"\bмудак\w*|\bмудил\w*",
        r"\bвиродк\w*|\bвиродок\b",
        r"\bпокидьк\w*|\bпокидьок\b",
        r"\bдурн(і|ів)\b|\bдурень\b",
        r"\bкозл(и|ів|ами)\b",
        r"\bсрак\w*|\bсран\w*",
    ),
}


def _compile(patterns: Sequence[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


@dataclass(frozen=True)
class _Rule:
    flag: str
    folded: re.Pattern[str]
    exact: re.Pattern[str] | None


RULES: tuple[_Rule, ...] = (
    _Rule(
        "legal_threat",
        _compile([p for group in _LEGAL_FOLDED.values() for p in group]),
        _compile(_LEGAL_EXACT),
    ),
    _Rule("abusive_language", _compile([p for group in _ABUSIVE_FOLDED.values() for p in group]), None),
)
KEYWORD_FLAGS: tuple[str, ...] = tuple(rule.flag for rule in RULES)


def keyword_evidence(text: str) -> dict[str, list[str]]:
    """The words that raise each flag, e.g. {"legal_threat": ["uokik"]}; flags without a match are absent."""
    folded = normalise(text)
    lowered = text.lower()
    found: dict[str, list[str]] = {}
    for rule in RULES:
        words = [m.group(0) for m in rule.folded.finditer(folded)]
        if rule.exact is not None:
            words += [m.group(0) for m in rule.exact.finditer(lowered)]
        if words:
            found[rule.flag] = sorted(set(words))
    return found


def keyword_flag_matrix(texts: Sequence[str], flags: Sequence[str]) -> list[list[bool]]:
    """For each text, whether each of `flags` is raised by a pattern (always False for other flags)."""
    rows = []
    for text in texts:
        evidence = keyword_evidence(text)
        rows.append([flag in evidence for flag in flags])
    return rows
