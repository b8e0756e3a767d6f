"""Finding known phrases in patient messages despite typos, umlaut spelling and inflection.

A phrase is a sequence of folded words; a word ending in `*` matches any word that starts
with it, and words of five letters or more also match at one edit (two from eleven letters),
so "schulterblaetern", "shouldr blades" and "Rückenschmerzen" all find their phrase.
A `~` stands for up to four words of any kind ("blase ~ kontroll*" finds "Blase nicht
mehr kontrollieren").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .data_files import PROJECT_DIR, load_yaml, require_mapping, require_text_list
from .text_normalization import fold, tokens

GAP = "~"
MAX_GAP = 4
# Only the start of a very long message is searched: a patient's question fits in it, and
# matching stays fast even when someone pastes a whole document.
MAX_WORDS = 400
# Which first words a message word can start: remembered per matcher, since the same words
# ("my", "back", "since") come back in every message and the typo comparison is the costly
# part; cleared when full, so odd input cannot grow it without bound.
FIRST_WORD_CACHE = 20_000


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


def _common_words(path: Path = PROJECT_DIR / "data" / "common_words.yml") -> frozenset[str]:
    data = require_mapping(load_yaml(path), path)
    return frozenset(
        fold(word)
        for lang in ("en", "de")
        for word in require_text_list(data.get(lang), path, "", lang)
    )


# real words one slip from a phrase's word: never read as its typo ("nicht" is no "Nacht")
COMMON_WORDS = _common_words()


def typo_allowance(word: str) -> int:
    if len(word) >= 11:  # two slips only in long words: "abgenommen" is not "abbekommen"
        return 2
    return 1 if len(word) >= 5 else 0


def near(word: str, stem: str, allowance: int, whole_word: bool = True) -> bool:
    """A typo of `stem`. Typing slips rarely hit the first letter, nor the last of a whole
    word, which keeps real words apart ("plan" is no typo of "plank", "lowr" is of "lower")."""
    if allowance == 0 or len(word) < 4 or word[0] != stem[0] or word in COMMON_WORDS:
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
            if word in COMMON_WORDS:
                return False
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
        while parts and parts[0] == GAP:  # a phrase starts and ends with a word
            parts.pop(0)
        while parts and parts[-1] == GAP:
            parts.pop()
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

    def end_of_match(self, words: list[str], i: int, k: int = 0) -> int | None:
        """Where the phrase ends if its words from the k-th on match `words` from i on."""
        if k == len(self.words):
            return i
        pattern = self.words[k]
        if pattern.is_gap:
            for skip in range(MAX_GAP + 1):
                end = self.end_of_match(words, i + skip, k + 1)
                if end is not None:
                    return end
            return None
        if i < len(words) and pattern.matches(words[i]):
            return self.end_of_match(words, i + 1, k + 1)
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
        parsed = [(key, Phrase.parse(text, typos)) for key, text in phrases]
        self._phrases = [(key, p) for key, p in parsed if p.words]
        # An index of the phrases' first words, so that each message word is compared with the
        # few first words it can match (same word, a prefix of it, same initial for typos)
        # instead of with every phrase.
        self._by_first: dict[PatternWord, list[tuple[int, Hashable, Phrase]]] = defaultdict(list)
        for order, (key, phrase) in enumerate(self._phrases):
            self._by_first[phrase.words[0]].append((order, key, phrase))
        self._exact: dict[str, list[PatternWord]] = defaultdict(list)
        self._prefix: dict[str, list[PatternWord]] = defaultdict(list)
        self._fuzzy: dict[str, list[PatternWord]] = defaultdict(list)
        for first in self._by_first:
            self._exact[first.stem].append(first)
            if first.is_prefix:
                self._prefix[first.stem].append(first)
            if first.typos and typo_allowance(first.stem):
                self._fuzzy[first.stem[:1]].append(first)
        self._first_word_cache: dict[str, frozenset[PatternWord]] = {}

    def _first_words_matching(self, word: str) -> frozenset[PatternWord]:
        hits = self._first_word_cache.get(word)
        if hits is None:
            if len(self._first_word_cache) >= FIRST_WORD_CACHE:
                self._first_word_cache.clear()
            hits = self._first_word_cache[word] = frozenset(self._first_words_uncached(word))
        return hits

    def _first_words_uncached(self, word: str) -> set[PatternWord]:
        hits = set(self._exact.get(word, ()))
        for n in range(1, len(word) + 1):
            hits.update(self._prefix.get(word[:n], ()))
        hits.update(f for f in self._fuzzy.get(word[:1], ()) if f not in hits and f.matches(word))
        return hits

    def matches(self, text: str) -> list[Match]:
        """Every phrase occurrence, in the order they appear in the text."""
        return self.matches_in_words(tokens(text)[:MAX_WORDS])

    def matches_in_words(self, words: list[str]) -> list[Match]:
        starts: dict[PatternWord, list[int]] = defaultdict(list)
        for position, word in enumerate(words):
            for first in self._first_words_matching(word):
                starts[first].append(position)
        found: list[tuple[int, int, Match]] = []
        for first, positions in starts.items():
            for order, key, phrase in self._by_first[first]:
                for start in positions:
                    end = phrase.end_of_match(words, start + 1, 1)
                    if end is not None:
                        found.append((start, order, Match(key, phrase.text, start, end)))
        return [match for _, _, match in sorted(found, key=lambda f: (f[0], f[1]))]

    def keys(self, text: str) -> list[Hashable]:
        """Distinct keys found, in order of first appearance."""
        seen: dict[Hashable, None] = {}
        for match in self.matches(text):
            seen.setdefault(match.key, None)
        return list(seen)

    def count(self, text: str) -> int:
        return len(self.matches(text))
