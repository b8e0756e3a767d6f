"""Text folding shared by the NLU pipeline and the action server.

Patients type German with or without umlauts ("Rücken", "Ruecken"), so every
comparison happens on folded text: lower case, umlauts spelled out, ß as ss.
"""

from __future__ import annotations

import re
import unicodedata

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_TOKEN = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """Lower-case, spell out umlauts and drop any other accents."""
    lowered = unicodedata.normalize("NFC", text).lower().translate(_UMLAUTS)
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokens(text: str) -> list[str]:
    """Folded word tokens; punctuation and symbols are separators."""
    return _TOKEN.findall(fold(text))
