"""Text folding shared by the NLU pipeline and the action server.

Patients type German with or without umlauts ("Rücken", "Ruecken"), so every
comparison happens on folded text: lower case, umlauts spelled out, ß as ss.
"""

from __future__ import annotations

import re
import unicodedata

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "\u2019": "'"})
_TOKEN = re.compile(r"[a-z0-9]+")
# English negations glued to their verb are spelled out, so "can't" and "cannot" (and
# "didnt", typed without the apostrophe) are one phrase; numbers are cut from units ("6kg").
_CONTRACTIONS = (
    (re.compile(r"\bcan'?t\b"), "cannot"),
    (re.compile(r"\bwon'?t\b"), "will not"),
    (
        re.compile(r"\b(did|do|does|is|are|was|were|has|have|had|could|would|should)n'?t\b"),
        r"\1 not",
    ),
    (re.compile(r"n't\b"), " not"),
    (re.compile(r"(\d)([a-z])"), r"\1 \2"),
)


def fold(text: str) -> str:
    """Lower-case, spell out umlauts and drop any other accents."""
    lowered = unicodedata.normalize("NFC", text).lower().translate(_UMLAUTS)
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokens(text: str) -> list[str]:
    """Folded word tokens; punctuation and symbols are separators."""
    folded = fold(text)
    for pattern, replacement in _CONTRACTIONS:
        folded = pattern.sub(replacement, folded)
    return _TOKEN.findall(folded)
