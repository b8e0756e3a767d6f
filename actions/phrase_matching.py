"""Finding known phrases in patient messages despite typos, umlaut spelling and inflection.

A phrase is a sequence of folded words; a word ending in `*` matches any word that starts
with it, and words of five letters or more also match at one edit (two from eleven letters),
so "schulterblaetern", "shouldr blades" and "Rückenschmerzen" all find their phrase.
A `~` stands for up to four words of any kind ("blase ~ kontroll*" finds "Blase nicht
mehr kontrollieren").
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from .text_normalization import tokens

GAP = "~"
MAX_GAP = 4
# Only the start of a very long message is searched: a patient's question fits in it, and
# matching stays fast even when someone pastes a whole document.
MAX_WORDS = 400


def within_edits(a: str, b: str, limit: int) -> bool:
    """Damerau-Levenshtein distance of a and b is at most `limit` (early exit)."""
    if abs(len(a) - len(b)) > limit:
        return False
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return False
        prev2, prev = prev, cur
    return prev[-1] <= limit


def typo_allowance(word: str) -> int:
    if len(word) >= 11:  # two slips only in long words: "abgenommen" is not "abbekommen"
        return 2
    return 1 if len(word) >= 5 else 0


def near(word: str, stem: str, allowance: int, whole_word: bool = True) -> bool:
    """A typo of `stem`. Typing slips rarely hit the first letter, nor the last of a whole
    word, which keeps real words apart ("plan" is no typo of "plank", "lowr" is of "lower")."""
    if allowance == 0 or len(word) < 4 or word[0] != stem[0]:
        return False
    if whole_word and word[-1] != stem[-1]:
        return False
    return within_edits(word, stem, allowance)


@dataclass(frozen=True)
class PatternWord:
    stem: str
    is_prefix: bool
    typos: bool = True
    is_gap: bool = False

    def matches(self, word: str) -> bool:
        if word == self.stem:
            return True
        allowance = typo_allowance(self.stem) if self.typos else 0
        if self.is_prefix:
            # a five-letter stem with a typo is too often another word ("nacht*" vs "nicht")
            allowance = allowance if len(self.stem) >= 6 else 0
            if word.startswith(self.stem):
                return True
            # a typo inside the stem of a longer word: compare the word's head only
            head = word[: len(self.stem)]
            return len(word) >= len(self.stem) and near(head, self.stem, allowance, False)
        return near(word, self.stem, allowance)


@dataclass(frozen=True)
class Phrase:
    text: str
    words: tuple[PatternWord, ...]

    @classmethod
    def parse(cls, text: str, typos: bool = True) -> Phrase:
        parts = text.strip().split()
        words = []
        for part in parts:
            if part == GAP:
                words.append(PatternWord("", False, typos, is_gap=True))
                continue
            is_prefix = part.endswith("*")
            folded = tokens(part.rstrip("*"))
            for k, stem in enumerate(folded):
                words.append(PatternWord(stem, is_prefix and k == len(folded) - 1, typos))
        return cls(text, tuple(words))

    def spans(self, message_words: list[str]) -> list[tuple[int, int]]:
        """(start, end) of each occurrence of this phrase in `message_words`."""
        if not self.words:
            return []
        found = []
        for start in range(len(message_words)):
            end = self._end(message_words, start, 0)
            if end is not None:
                found.append((start, end))
        return found

    def _end(self, words: list[str], i: int, k: int) -> int | None:
        if k == len(self.words):
            return i
        pattern = self.words[k]
        if pattern.is_gap:
            for skip in range(MAX_GAP + 1):
                end = self._end(words, i + skip, k + 1)
                if end is not None:
                    return end
            return None
        if i < len(words) and pattern.matches(words[i]):
            return self._end(words, i + 1, k + 1)
        return None


@dataclass(frozen=True)
class Match:
    key: Hashable
    phrase: str
    start: int
    end: int


class PhraseMatcher:
    """Maps phrases to keys (a region, a context, an exercise id) and finds them in text."""

    def __init__(self, phrases: Iterable[tuple[Hashable, str]], typos: bool = True) -> None:
        self._phrases = [(key, Phrase.parse(text, typos)) for key, text in phrases]
        self._phrases = [(key, p) for key, p in self._phrases if p.words]

    def matches(self, text: str) -> list[Match]:
        """Every phrase occurrence, in the order they appear in the text."""
        return self.matches_in_words(tokens(text)[:MAX_WORDS])

    def matches_in_words(self, words: list[str]) -> list[Match]:
        found = [
            Match(key, phrase.text, start, end)
            for key, phrase in self._phrases
            for start, end in phrase.spans(words)
        ]
        return sorted(found, key=lambda m: m.start)

    def keys(self, text: str) -> list[Hashable]:
        """Distinct keys found, in order of first appearance."""
        seen: dict[Hashable, None] = {}
        for match in self.matches(text):
            seen.setdefault(match.key, None)
        return list(seen)

    def count(self, text: str) -> int:
        return len(self.matches(text))
