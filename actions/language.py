"""Which language a patient's message is in, so the answer comes in the same one."""

from __future__ import annotations

import os

from .taxonomy import Language
from .vocabulary import Vocabulary

GERMAN_LETTERS = set("äöüßÄÖÜ")


def default_language() -> Language:
    """The language of a conversation before the patient has written a telling word."""
    value = os.environ.get("BOT_DEFAULT_LANGUAGE", "en").strip().lower()
    try:
        return Language(value)
    except ValueError:
        return Language.EN


def detect_language(text: str, vocabulary: Vocabulary, previous: Language | None) -> Language:
    """The language with more marker words; a tie or no marker keeps the previous language."""
    scores = {lang: matcher.count(text) for lang, matcher in vocabulary.language_matchers.items()}
    if any(ch in GERMAN_LETTERS for ch in text):
        scores[Language.DE] += 2
    best = max(scores.values())
    leaders = [lang for lang, score in scores.items() if score == best]
    if best > 0 and len(leaders) == 1:
        return leaders[0]
    return previous or default_language()
