"""Names found without a cue word, by looking them up in lists of first names and surnames.

The lists (data/names/*.txt) are built by tools/build_name_lists.py from Faker's person-name
data. A capitalised first name of the list ("Jürgen", "Ayşe") is a name anywhere, and so are
the capitalised words right after it ("Ayşe Kaya", "Kerstin Wolf"). Words that are also
ordinary words ("Rose", "Mark", "Will": the data file's `also_words`) are names only after a
cue, or before "here"/"hier" ("Mark here."). A capitalised word that is not on the list is
never taken for a name without a cue: German capitalises every noun ("Rücken", "Ischias").
A few places make a listed word a name in lowercase too, or an `also_words` one without a cue:
before a verb ("lol becky made me"), set off by commas ("the nurse, fatima, was lovely"),
signing off the message ("any advice?? tom"), two names joined by "and" ("Rose and Frank from
my group"), opening the message before "again". A German genitive of a capitalised first
name before a noun is the name with its "s" kept ("Mehmets Rücken": "[name]s Rücken").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

# a word of a name, joined by an apostrophe or hyphen ("O'Neill", "Jan-Niklas")
_APOSTROPHES = "'\u2019"  # the typographic one, as phones type it
_TOKEN = re.compile(rf"[^\W\d_]+(?:[{_APOSTROPHES}-][^\W\d_]+)*")
_HERE = re.compile(r"(?<!\w)(?:here|hier)(?!\w)", re.IGNORECASE)
_POSSESSIVES = ("'s", "\u2019s")
_SIMPLE_TOKEN = re.compile(r"[^\W\d_]+")
_PREVIOUS = re.compile(r"(?<!\S)(\S{1,12})[ \t]{1,2}\Z")  # the word right before a name
_NEXT = re.compile(r"[ \t]{1,2}(" + _TOKEN.pattern + ")")  # the next word of the same name
_INITIAL = re.compile(r"[ \t]{1,2}[A-ZÄÖÜ]\.")  # a middle initial: "Ifeoma N. Okonkwo"
_LINE_END = re.compile(r"[ \t]*(?:[\n,;]|\Z)")
# one or two words signing off the message after a punctuation mark, an emoji or a line break,
# perhaps with kisses: "any advice?? tom", "... :) sarah x" (looked for in the last characters)
_SIGNOFF = re.compile(
    rf"(?:[^\w\s]|\n)[ \t]{{0,3}}(?:[-\u2013\u2014~][ \t]{{0,2}})?({_TOKEN.pattern})"
    rf"(?:[ \t]{{1,2}}({_TOKEN.pattern}))?[ \t]{{0,3}}[.!]?[ \t]{{0,3}}"
    rf"(?:[xX]{{1,4}}[ \t]{{0,3}})?\s*\Z"
)
# two capitalised words joined by "and": "Rose and Frank from my walking group"
_PAIR = re.compile(
    rf"[^\W\d_](?<![^\W\d_{_APOSTROPHES}-][^\W\d_])[^\W\d_]{{0,30}}[ \t]{{1,2}}(?:and|&|und)"
    rf"[ \t]{{1,2}}([^\W\d_]{{1,31}})(?![^\W\d_{_APOSTROPHES}-])"
)
_PAIR_NEXT = re.compile(r"[ \t]{0,2}([^\W\d_]?)")  # the letter that starts the next word
# a name opening the message before "again" and a dash or comma: "Rose again - it's worse"
_AGAIN = re.compile(
    r"\A\s{0,3}([^\W\d_]{2,31})[ \t]{1,2}(?i:again|nochmal|wieder)[ \t]{0,2}[-\u2013\u2014,:]"
)
# a word set off by commas: "the nurse on tuesday, fatima, was lovely"
_IN_COMMAS = re.compile(rf",[ \t]{{1,2}}({_TOKEN.pattern})(?=[ \t]{{0,2}},)")
_SIGNOFF_TAIL = 100  # characters at the end of a text in which a sign-off is looked for


@lru_cache(maxsize=16384)  # a text repeating words ("Aa Aa Aa ...") must not cost a fold each
def fold(word: str) -> str:
    """Lowercase without accents, as the lists are looked up: "Ayşe" is listed as "Ayse"."""
    decomposed = unicodedata.normalize("NFKD", word.lower().replace("ß", "ss"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace(
        "\u0131", "i"
    )  # Turkish dotless i


def read_list(path: Path) -> frozenset[str]:
    """The names of a list file (one a line, # comments), folded (see `fold`)."""
    lines = path.read_text("utf-8").splitlines()
    return frozenset(fold(line.strip()) for line in lines if line.strip() and line[0] != "#")


def _parts(word: str) -> list[str]:
    return re.split(rf"[-{_APOSTROPHES}]", fold(word))


@dataclass(frozen=True)
class ListedNames:
    first: frozenset[str]  # first names that are names without a cue
    last: frozenset[str]
    also_words: frozenset[str]  # first names that are also ordinary words
    max_words: int
    not_a_name: Callable[[str], bool]  # the cue rules' own check ("Ich", "Montag")
    # words after which a listed name is an eponym, not a person: "the Patrick test"
    eponym_next: frozenset[str] = frozenset()
    # words before which a listed name is a place (a hospital, a church): "St Thomas'"
    place_before: frozenset[str] = frozenset()
    # verbs before which a lowercase first name is who said or did it: "lol becky made me"
    verb_next: frozenset[str] = frozenset()
    # endings that make a word a surname though it is not on the lists: "wiśniewski",
    # "kowalczyk", "petrović" (folded, as the lists are)
    surname_endings: tuple[str, ...] = ()
    # first names that are words for things (food, weather, months): never names by a pair
    # or "again" alone ("Ginger and Honey tea", "Sunny again, ...")
    thing_words: frozenset[str] = frozenset()
    # lowercase particles that join a surname with a hyphen and still belong to the name:
    # "Aisha al-Hashimi", "Omar el-Sayed"
    joined_particles: frozenset[str] = frozenset()
    # beginnings that make a listed surname one in lowercase too, as no word starts so:
    # "dr. o'connor", "its o\u2019brien" (folded, with a straight apostrophe)
    surname_beginnings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # looked up once per distinct word (see `fold`)
        for method in ("is_listed", "is_first_name", "not_a_name", "has_surname_ending"):
            cached = lru_cache(maxsize=16384)(getattr(self, method))
            object.__setattr__(self, method, cached)
        # a word and the verb after it; a word starts only after a non-word character, so
        # that a long run of letters is scanned once
        verbs = "|".join(sorted(map(re.escape, self.verb_next))) or "(?!)"
        before_verb = re.compile(
            rf"[^\W\d_](?<![^\W\d_{_APOSTROPHES}-][^\W\d_])[^\W\d_]*[ \t]{{1,2}}"
            rf"(?:{verbs})(?![^\W\d_{_APOSTROPHES}-])"
        )
        object.__setattr__(self, "_before_verb_regex", before_verb)

    def may_hold_names(self, text: str, lowered: str) -> bool:
        """False if a text in lowercase has neither "here", a comma nor one of the verbs: no
        names."""
        if lowered != text or "here" in lowered or "hier" in lowered or "," in lowered:
            return True
        if any(verb in lowered for verb in self.verb_next):
            return True
        return next(self._lowercase_signoff(text), None) is not None

    def is_listed(self, word: str) -> bool:
        """A first name or surname of the lists (a hyphenated one by its first part)."""
        folded = fold(word)
        first_part = _parts(word)[0]
        return any(w in self.first or w in self.last for w in (folded, first_part))

    def is_surname_like(self, word: str) -> bool:
        """A listed name, or a word with a surname's ending (see `has_surname_ending`)."""
        return self.is_listed(word) or self.has_surname_ending(word)

    def has_surname_ending(self, word: str) -> bool:
        """A word ending like a surname, after at least three letters: "wiśniewski"; or a
        listed surname beginning like one: "o'connor" (not "o'clock")."""
        folded = _parts(word)[-1]
        if any(folded.endswith(e) and len(folded) - len(e) >= 3 for e in self.surname_endings):
            return True
        whole = fold(word).replace("\u2019", "'")
        return whole in self.last and any(
            whole.startswith(b) and len(whole) - len(b) >= 2 for b in self.surname_beginnings
        )

    def is_first_name(self, word: str) -> bool:
        return fold(word) in self.first or _parts(word)[0] in self.first

    def is_surname(self, word: str) -> bool:
        return fold(word) in self.last

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        yield from self._capitalised_first_names(text)
        if "here" in text.lower() or "hier" in text.lower():
            yield from self._before_here(text)
        if self.verb_next:
            yield from self._before_verb(text)
        yield from self._lowercase_signoff(text)
        if "," in text:
            yield from self._between_commas(text)
        if " and " in text or "&" in text or " und " in text:
            yield from self._pairs(text)
        again = _AGAIN.match(text)
        if again and self._word_name(again.group(1)):
            yield again.span(1)

    def _word_name(self, word: str) -> bool:
        """A capitalised first name, one that is also a word too, but not a thing's name."""
        folded = fold(word)
        return (
            _titlecase(word)
            and (self.is_first_name(word) or folded in self.also_words)
            and folded not in self.thing_words
            and not self.not_a_name(word)
        )

    def _pairs(self, text: str) -> Iterator[tuple[int, int]]:
        """ "Rose and Frank from my walking group", "Pat and Mo had to help me": two names
        joined by "and", not followed by a capitalised noun ("Rose und Lavendel Öl")."""
        for match in _PAIR.finditer(text):
            first, second = match.group().split()[0], match.group(1)
            if not (self._word_name(first) and self._word_name(second)):
                continue
            following = _PAIR_NEXT.match(text, match.end())
            if following and following.group(1).isupper():
                continue
            yield match.start(), match.start() + len(first)
            yield match.span(1)

    def _lowercase_signoff(self, text: str) -> Iterator[tuple[int, int]]:
        """ "any advice?? tom": a lowercase first name (and a listed surname) ending the text."""
        offset = max(0, len(text) - _SIGNOFF_TAIL)
        match = _SIGNOFF.search(text, offset)
        if match is None:
            return
        first, last = match.group(1), match.group(2)
        if not self._lowercase_first_name(first):
            return
        end = match.end(1)
        if last and last[0].islower() and self.is_surname_like(last) and not self.not_a_name(last):
            end = match.end(2)
        yield match.start(1), end

    def _lowercase_first_name(self, word: str) -> bool:
        return (
            word[0].islower()
            and self.is_first_name(word)
            and not self.not_a_name(word)
            and fold(word) not in self.also_words
        )

    def _between_commas(self, text: str) -> Iterator[tuple[int, int]]:
        """ "the physio on monday, fatima, said": a lowercase first name set off by commas."""
        for match in _IN_COMMAS.finditer(text):
            if self._lowercase_first_name(match.group(1)):
                yield match.span(1)

    def _before_verb(self, text: str) -> Iterator[tuple[int, int]]:
        """ "lol becky made me", "my wife anna said": a lowercase first name before a verb."""
        for match in self._before_verb_regex.finditer(text):  # type: ignore[attr-defined]
            word = match.group().split()[0]
            if not self._lowercase_first_name(word):
                continue
            yield match.start(), match.start() + len(word)

    def _capitalised_first_names(self, text: str) -> Iterator[tuple[int, int]]:
        # The distinct words are looked up first, so that a text of many words costs one
        # regex pass unless it holds a first name.
        chunks = {
            chunk for chunk in set(text.split()) if chunk[0].isupper() or not chunk[0].isalpha()
        }
        words = {word for chunk in chunks for word in _SIMPLE_TOKEN.findall(chunk)}
        yield from self._genitives(text, words)
        names = {
            word
            for word in words
            if _titlecase(word)
            and self.is_first_name(word)
            and not self.not_a_name(word)
            and fold(word) not in self.also_words  # "German": "Germán" is folded
        }
        if not names:
            return
        alternatives = "|".join(map(re.escape, sorted(names)))
        found = re.compile(
            rf"(?<![^\W\d_@.#/\\{_APOSTROPHES}-])(?:{alternatives})"
            rf"(?:[{_APOSTROPHES}-][^\W\d_]+)*(?![^\W\d_])"
        )
        covered = 0
        for match in found.finditer(text):
            if match.start() >= covered:
                covered = self._extend(text, _without_possessive(match))
                if self.not_a_name(match.group()):  # "Martin-Luther-Krankenhaus"
                    continue
                # "the Patrick test", "Patrick's test", and a capitalised word right after the
                # first name, which the name took: "Thomas Zeichen", "eine Emma Matratze"
                if self._eponym(text, covered) or self._eponym(text, match.end()):
                    continue
                if self._after_place_word(text, match.start()):
                    continue
                yield match.start(), covered

    def _genitives(self, text: str, words: set[str]) -> Iterator[tuple[int, int]]:
        """ "Mehmets Rücken": a German genitive, a capitalised first name (of four letters or
        more) with an "s", before a capitalised noun; the name is replaced, the "s" kept
        ("[name]s Rücken", as "[name]'s back"). Not a listed word itself ("Thomas")."""
        stems = {
            word[:-1]
            for word in words
            if len(word) >= 5
            and word[-1] == "s"
            and _titlecase(word)
            and not self.is_listed(word)
            and self.is_first_name(word[:-1])
            and fold(word[:-1]) not in self.also_words
            and not self.not_a_name(word[:-1])
            and not self.not_a_name(word)
        }
        if not stems:
            return
        alternatives = "|".join(map(re.escape, sorted(stems)))
        before_noun = re.compile(
            rf"(?<![^\W\d_{_APOSTROPHES}-])(?:{alternatives})(?=s[ \t]{{1,2}}[A-ZÄÖÜ][^\W\d_])"
        )
        for match in before_noun.finditer(text):
            if not self._after_place_word(text, match.start()):
                yield match.span()

    def _eponym(self, text: str, end: int) -> bool:
        """Whether the word after a name ending at `end` makes it a test's, a disease's or a
        product's name (the `eponym_next` words)."""
        after = end + 2 if text[end : end + 2] in _POSSESSIVES else end
        following = _NEXT.match(text, after)
        return following is not None and following.group(1).lower() in self.eponym_next

    def _after_place_word(self, text: str, start: int) -> bool:
        """Whether the word before `start` makes the name a place: "St Thomas'", "Sankt Anna"."""
        before = _PREVIOUS.search(text, max(0, start - 20), start)
        return before is not None and before.group(1).lower() in self.place_before

    def _extend(self, text: str, end: int) -> int:
        """The end of the name that starts with a first name ending at `end`: the capitalised
        words that follow it ("Hans Peter Müller"), up to max_words in all."""
        for _ in range(self.max_words - 1):
            initial = _INITIAL.match(text, end)  # a middle initial: "Ifeoma N. Okonkwo"
            if initial:
                end = self.surname_after(text, initial.end()) or end
                break
            match = _NEXT.match(text, end)
            if not match:
                break
            word = match.group(1)
            if not (word[0].isupper() or self._joined_particle(word)):
                break
            if word.isupper() or self.not_a_name(word):
                break
            end = _without_possessive(match)
        return end

    def surname_after(self, text: str, start: int) -> int:
        """The end of the surname after a middle initial ending at `start`, or 0: a surname
        of the lists or by its ending, or a word ending the line ("Ifeoma N. Okonkwo"), not
        a sentence after it ("Anna B. Then it got worse")."""
        match = _NEXT.match(text, start)
        if not match or not _titlecase(word := match.group(1)) or self.not_a_name(word):
            return 0
        if self.is_surname_like(word) or _LINE_END.match(text, match.end()):
            return _without_possessive(match)
        return 0

    def _joined_particle(self, word: str) -> bool:
        particle, _, rest = word.partition("-")
        return bool(rest) and rest[0].isupper() and particle.lower() in self.joined_particles

    def _before_here(self, text: str) -> Iterator[tuple[int, int]]:
        """ "Mark here", "olga petrova here", "Ayşe Kaya hier": one or two words before it."""
        for here in _HERE.finditer(text):
            offset = max(0, here.start() - 80)
            words = list(_TOKEN.finditer(text, offset, here.start()))[-2:]
            if not words or text[words[-1].end() : here.start()].strip(" \t"):
                continue
            last = words[-1]
            if len(words) == 2 and not text[words[0].end() : last.start()].strip(" \t"):
                first = words[0]
                # "Jamal's mum here": the name is the one whose relative writes
                if first.group()[-2:] in _POSSESSIVES and self._here_name(first.group()):
                    yield first.start(), first.end() - 2
                    continue
                if self._here_name(first.group()) and not self.not_a_name(last.group()):
                    yield first.start(), last.end()
                    continue
            if self._here_name(last.group()):
                yield last.start(), _without_possessive(last)

    def _here_name(self, word: str) -> bool:
        lowered = _parts(word)[0]
        if self.not_a_name(word):
            return False
        if word[0].isupper():
            return lowered in self.first or lowered in self.also_words
        return lowered in self.first


def _without_possessive(match: re.Match[str]) -> int:
    """The end of the matched name without an English "'s": "[name]'s back"."""
    end = match.end()
    return end - 2 if match.string[end - 2 : end] in _POSSESSIVES else end


def _titlecase(word: str) -> bool:
    return word[0].isupper() and not word.isupper()
