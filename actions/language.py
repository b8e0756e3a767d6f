"""Which language a patient's message is in, so the answer comes in the same one; and
whether it is in a language the assistant cannot answer in, or carries no text at all."""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from .data_files import DataFileError, load_yaml, require_mapping, require_text, require_text_list
from .taxonomy import Language
from .text_normalization import fold
from .vocabulary import Vocabulary

GERMAN_LETTERS = set("äöüßÄÖÜ")
# Latin letters that Unicode does not decompose into a base letter and an accent
# (Turkish dotless i, Polish l with stroke, Danish o with stroke, ...)
_OTHER_LATIN = str.maketrans(
    {"\u0131": "i", "\u0142": "l", "\u00f8": "o", "\u0111": "d", "\u0127": "h", "\u00e6": "ae"}
)
_LETTER_RUN = re.compile(r"[^\W\d_]+")
_FOLDED_WORD = re.compile(r"[a-z]+")
# A message is foreign when its foreign words outnumber its English and German words more
# than this many times: a mixed message ("hola, my lower back hurts") stays English.
FOREIGN_DOMINANCE = 2


class Readability(str, Enum):
    READABLE = "readable"  # English or German, or nothing that says otherwise
    EMPTY = "empty"  # nothing left once control characters are taken out
    FOREIGN = "foreign"  # another script, or another language's words dominate


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


def visible_text(text: str) -> str:
    """The text without control and format characters (NUL, zero-width space …)."""
    return "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in text)


def _is_latin(letter: str) -> bool:
    return unicodedata.name(letter, "").startswith("LATIN")


@dataclass(frozen=True)
class ForeignWords:
    """Common words of Latin-script languages other than English and German
    (data/foreign_words.yml), and the judgement whether a message is in one of them."""

    words: frozenset[str]
    languages: tuple[str, ...]

    @classmethod
    def load(cls, path: Path, vocabulary: Vocabulary) -> ForeignWords:
        data = require_mapping(load_yaml(path), path)
        entries = require_mapping(data.get("languages"), path, field="languages")
        if not entries:
            raise DataFileError(path, "needs at least one language", field="languages")
        words: set[str] = set()
        for code, entry in entries.items():
            item = f"language '{code}'"
            if code in {lang.value for lang in Language}:
                raise DataFileError(path, "is a language the assistant answers in", item)
            entry = require_mapping(entry, path, item)
            require_text(entry.get("name"), path, item, "name")
            listed = require_text_list(entry.get("words"), path, item, "words")
            if not listed:
                raise DataFileError(path, "needs at least one word", item, "words")
            for word in listed:
                if not _FOLDED_WORD.fullmatch(word) or fold(word) != word:
                    raise DataFileError(
                        path, f"{word!r} is not one folded word (a-z only)", item, "words"
                    )
                marking = [
                    lang.value
                    for lang, matcher in vocabulary.language_matchers.items()
                    if matcher.count(word)
                ]
                if marking:
                    raise DataFileError(
                        path, f"{word!r} is a {'/'.join(marking)} language marker", item, "words"
                    )
            words.update(listed)
        return cls(frozenset(words), tuple(entries))

    def foreign_words(self, text: str) -> int:
        """Words in a script other than Latin, and listed words of other Latin languages."""
        count = 0
        for run in _LETTER_RUN.findall(fold(text).translate(_OTHER_LATIN)):
            if _FOLDED_WORD.fullmatch(run):
                count += run in self.words
            elif any(ch.isalpha() and not _is_latin(ch) for ch in run):
                count += 1
        return count

    def readability(self, text: str, vocabulary: Vocabulary) -> Readability:
        visible = visible_text(text)
        if not visible.strip():
            return Readability.EMPTY
        foreign = self.foreign_words(visible)
        if not foreign:
            return Readability.READABLE
        known = sum(matcher.count(visible) for matcher in vocabulary.language_matchers.values())
        return Readability.FOREIGN if foreign > FOREIGN_DOMINANCE * known else Readability.READABLE
