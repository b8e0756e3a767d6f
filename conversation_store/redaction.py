"""Personal data out of patient messages before they are stored.

`redact_text` replaces every e-mail address, phone number, postal address, date of birth,
insurance or ID number, IBAN and name it finds with a typed placeholder ("[phone]") and leaves
the rest of the message as it was, so that clinic staff can still read what was asked.
`redact_value` does the same for every string in JSON-like event data.

The patterns and cue words are data (data/redaction.yml), read and checked once at import;
`load_rules(path)` reads another file the same way. Redaction never raises: if something
unexpected fails inside it, the whole text is replaced by a placeholder, because storing a
message unredacted is the one outcome to avoid.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from actions.data_files import DataFileError, load_yaml
from conversation_store.listed_names import ListedNames, fold, read_list

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "redaction.yml"
FAILED = "[redacted]"  # stands for a whole text (or nested value) whose redaction failed
MAX_DEPTH = 100  # Rasa's event JSON is a few levels deep; deeper data is dropped, not stored

NAME_PLACEHOLDER = "[name]"
_IDENTIFIER = re.compile(r"[a-z][a-z_]*")
_REFERENCE = re.compile(r"\{([a-z][a-z_]*)\}")
# One word of a name: letters, joined by an apostrophe or hyphen ("O'Neill", "Hans-Peter").
_APOSTROPHE = "\u2019"  # the typographic one, as phones type it
_NAME_TOKEN = rf"[^\W\d_]+(?:['{_APOSTROPHE}-][^\W\d_]+)*"
_WORD = re.compile(r"\S+")
_DIGIT = re.compile(r"\d")
_PLACEHOLDER = re.compile(r"\[[a-z_]+\]")
_TRAILING_INITIAL = re.compile(r"(?<=[ \t])[A-ZÄÖÜ]\Z")  # "Grace T" of "Grace T. Mbeki"


class RedactionDataError(DataFileError):
    """data/redaction.yml (or the file given to `load_rules`) is missing or broken."""


# --- checks a match must pass before it is replaced ------------------------------------------


def _nhs_check_digit_ok(text: str) -> bool:
    """The NHS number's modulus-11 check digit, so most 10-digit phone numbers are not IDs."""
    digits = [int(c) for c in text if c.isdigit()]
    if len(digits) != 10:
        return False
    check = (11 - sum(d * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True)) % 11) % 11
    return check != 10 and check == digits[9]


def _real_date(text: str) -> bool:
    """A day and month that exist, in day-month or month-day order."""
    parts = [int(n) for n in re.findall(r"\d+", text)[:3]]
    if len(parts) != 3:
        return False
    if parts[0] > 31:  # ISO: year first
        year, month, day = parts
        return 1 <= month <= 12 and 1 <= day <= 31 and 1900 <= year <= 2100
    first, second = parts[0], parts[1]
    return (1 <= first <= 31 and 1 <= second <= 12) or (1 <= first <= 12 and 1 <= second <= 31)


# A full date of the last years without a label is the date of an onset, a scan or an
# appointment ("MRI on 12.01.2025"), kept for the reader; an older one may be a birth date.
RECENT_YEARS = 10


def _older_date(text: str) -> bool:
    """A date (with its day, or a month name) whose year is more than RECENT_YEARS back."""
    numbers = re.findall(r"\d+", text)
    years = [int(n) for n in numbers if len(n) == 4]
    if not years and len(numbers) == 3 and len(numbers[2]) == 2:  # "3.5.24"
        short, this_year = int(numbers[2]), date.today().year
        years = [2000 + short if 2000 + short <= this_year else 1900 + short]
    if len(numbers) == 3 and not _real_date(text):
        return False
    return bool(years) and years[0] < date.today().year - RECENT_YEARS


CHECKS: dict[str, Callable[[str], bool]] = {
    "nhs": _nhs_check_digit_ok,
    "date": _real_date,
    "older_date": _older_date,
}


# --- the rules --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    """One regex; its `pii` group (or else the whole match) is what gets replaced."""

    regex: re.Pattern[str]
    min_digits: int = 0
    max_digits: int | None = None
    check: Callable[[str], bool] | None = None
    # Lowercase words one of which must be in the text for the regex to be worth running (the
    # first words of its labels): most messages skip most label regexes this way.
    triggers: tuple[str, ...] = ()
    labelled: bool = False  # found after a label, which says what the datum is

    def span(self, match: re.Match[str], group: str | int) -> tuple[int, int] | None:
        """The span to replace, if the matched text passes the digit count and the check."""
        start, end = match.span(group)
        if start >= end:
            return None
        value = match.group(group)
        digits = sum(map(str.isdigit, value))
        if digits < self.min_digits or (self.max_digits is not None and digits > self.max_digits):
            return None
        if self.check is not None and not self.check(value):
            return None
        return start, end

    def spans(self, text: str, lowered: str, has_digit: bool = True) -> Iterator[tuple[int, int]]:
        # Two cheap ways to skip the scan of a text in which no match could be accepted.
        if self.min_digits and not has_digit:
            return
        if self.triggers and not any(word in lowered for word in self.triggers):
            return
        group = "pii" if "pii" in self.regex.groupindex else 0
        pos = 0
        while (match := self.regex.search(text, pos)) is not None:
            span = self.span(match, group)
            if span:
                yield span
            # after a rejected match, look again inside it: "0 1 2 3 0171 1234567"
            pos = max(match.end(), match.start() + 1) if span else match.start() + 1


@dataclass(frozen=True)
class Category:
    name: str
    patterns: tuple[Pattern, ...]

    @property
    def placeholder(self) -> str:
        return f"[{self.name}]"


@dataclass(frozen=True)
class NameRules:
    """Names are found after cue phrases ("my name is", "ich heiße", "Frau")."""

    cues: re.Pattern[str]  # a cue, then in a lookahead group `rest` the words after it
    cue_words: tuple[str, ...]  # first words of the cues: no cue regex scan without one
    strong: frozenset[str]  # normalised cues after which a lowercase word is a name too
    not_names: frozenset[str]
    not_name_ending: re.Pattern[str]  # "Schichtarbeiter", "Linkshänder": not names
    particles: tuple[tuple[str, ...], ...]  # ("von", "der"), longest first
    max_words: int
    patterns: tuple[Pattern, ...]  # names found without a cue before them
    # normalised cues ("thanks", "this is") after which only a listed name is a name:
    # "Thank you Ibuprofen helped", "This is Ibuprofen 400"
    listed_only: frozenset[str] = frozenset()
    listed: ListedNames | None = None  # names found by the lists, without a cue
    # words after a cue's word that make it an occupation: "Ich bin Koch von Beruf"
    occupation_after: re.Pattern[str] | None = None
    # surnames that are common words: they end a name typed in lowercase or in capitals,
    # where a surname cannot be told by its capital ("MY NAME IS ANNA LOWER BACK PAIN")
    word_surnames: frozenset[str] = frozenset()
    # normalised cues (titles: "Frau", "Mr") after which a name may start with one of the
    # `leading_particles`: "Frau van den Bosch", "Herr von Weizsäcker", "Mr de Souza"
    particle_cues: frozenset[str] = frozenset()
    leading_particles: tuple[tuple[str, ...], ...] = ()  # longest first
    # normalised cues (titles of address) after which a listed surname is a name in lowercase
    # too: "hab mit herrn nowak telefoniert"
    surname_titles: frozenset[str] = frozenset()
    # particles that are mostly prepositions: a name goes on after them only with a listed
    # surname ("Herr Frank zur Kontrolle" ends at "Frank"; "Frau Anna vom Stein" does not)
    preposition_particles: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        # A text repeating one phrase many times would otherwise cost a Python-level
        # decision per repetition; real messages rarely repeat one.
        object.__setattr__(self, "_name_end", lru_cache(maxsize=4096)(self._name_end))
        object.__setattr__(self, "_particle_starts", frozenset(p[0] for p in self.particles))
        # one regex pass rather than a substring search per cue word (there are ~70)
        cue_word = re.compile(_alternation(list(self.cue_words)).replace(r"\s+", " "))
        object.__setattr__(self, "_cue_word", cue_word)

    def spans(self, text: str, lowered: str) -> Iterator[tuple[int, int]]:
        for pattern in self.patterns:
            yield from pattern.spans(text, lowered)
        if self._cue_word.search(lowered):  # type: ignore[attr-defined]
            yield from self._after_cues(text)
        # a text without a capital letter can hold a listed name only before "here"
        if self.listed is not None and self.listed.may_hold_names(text, lowered):
            yield from self.listed.spans(text)

    def _after_cues(self, text: str) -> Iterator[tuple[int, int]]:
        # The words after a cue are only looked at (a lookahead), not consumed, so that the
        # cue "Doktor" in "Herr Doktor Lange" is found after "Herr" was rejected.
        covered = 0  # the end of the last name found: a cue inside it is part of it
        shouted: bool | None = None  # worked out when a word in capitals follows a cue
        for match in self.cues.finditer(text):
            if match.start() < covered:
                continue
            first, cue = match.group("first"), _normalise(match.group("cue"))
            strong = cue in self.strong
            # a weak cue takes a capitalised word, or a listed name in lowercase ("vg sabine");
            # not an acronym ("ich bin HIV positiv")
            listed = self.listed is not None and self.listed.is_listed(first)
            # after "thanks", "im": a first name, as the surnames hold words ("im Sommer")
            # a surname by its ending is a name too ("hier ist nochmal kowalski")
            by_ending = self.listed is not None and self.listed.has_surname_ending(first)
            first_name = listed and self.listed.is_first_name(first)  # type: ignore[union-attr]
            if cue in self.listed_only and not (first_name or by_ending):
                continue
            # in a message typed in capitals, a listed first name in capitals is a name
            caps_name = False
            if len(first) > 1 and first.isupper() and first_name:
                shouted = _shouted(text) if shouted is None else shouted
                caps_name = shouted
            if not strong and (len(first) > 1 and first.isupper()) and not caps_name:
                continue
            # after a title a listed surname that is no word: "hab mit herrn nowak gesprochen"
            titled = (
                cue in self.surname_titles
                and listed
                and self.listed.is_surname(first)  # type: ignore[union-attr]
                and first.lower() not in self.word_surnames
            )
            # in lowercase, a first name only: the surnames hold words ("it's long gone")
            lowercase_listed = not first[0].isupper() and (first_name or by_ending or titled)
            # after a title, a name may start with a particle: "Frau van den Bosch"
            leading = 0
            if cue in self.particle_cues and not first[0].isupper():
                leading = self._leading_particle_length(match.group("rest"))
            if not (first[0].isupper() or strong or lowercase_listed or leading):
                continue
            after_first = match.start("rest") + len(first)
            if self.occupation_after and self.occupation_after.match(text, after_first):
                continue
            only_listed = (lowercase_listed and not strong) or caps_name
            length = self._name_end(match.group("rest"), only_listed, leading)
            if length:
                covered = self._past_initial(text, match.start("rest") + length)
                yield match.start("rest"), covered

    def _past_initial(self, text: str, end: int) -> int:
        """The end of a name whose last word is a middle initial, past the surname after it:
        "Regards, Grace T. Mbeki" (the cue took "Grace T")."""
        initial = _TRAILING_INITIAL.search(text, max(0, end - 3), end)
        if self.listed is None or initial is None or text[end : end + 1] != ".":
            return end
        return self.listed.surname_after(text, end + 1) or end

    def _name_end(self, rest: str, only_listed: bool = False, leading: int = 0) -> int:
        """Where the name ends in the words after a cue (0: they do not start with one);
        `only_listed`: a lowercase name, continued only by listed names ("mfg jan-niklas");
        `leading`: the number of words of a particle starting the name ("van den Bosch")."""
        words = rest.split()
        if self._not_a_name(words[leading]):
            return 0
        taken = leading + self._name_length(words[leading:], only_listed)
        end = [m.end() for m in _WORD.finditer(rest)][taken - 1]
        if rest[end - 2 : end].lower() in ("'s", f"{_APOSTROPHE}s"):  # "Dr. [name]'s patient"
            end -= 2
        return end

    def _name_length(self, words: list[str], only_listed: bool = False) -> int:
        """How many of the words after a cue are the name, the first one being a name."""
        lowercase_name = not words[0][0].isupper()  # "my name is anna schmidt"
        taken, names, i = 1, 1, 1
        while i < len(words) and names < self.max_words:
            # "van", "von der": part of a name only before a capitalised word
            skip = self._particle_length(words, i)
            word = words[i + skip] if i + skip < len(words) else ""
            if not word or self._not_a_name(word):
                break
            # after a particle a capitalised word, or in a name typed in lowercase a listed
            # surname: "maría josé de la fuente" (not "anna zu hause")
            if skip and not (word[0].isupper() or (lowercase_name and self._surname_like(word))):
                break
            # "Herr Frank zur Kontrolle": after a preposition only a listed surname
            prepositional = skip and words[i].lower() in self.preposition_particles
            if prepositional and not self._surname_like(word):
                break
            if not (word[0].isupper() or lowercase_name or self._joined_particle(word)):
                break
            if only_listed and not (self.listed and self.listed.is_surname_like(word)):
                break
            if not _titlecase(word) and word.lower() in self.word_surnames:
                break
            i += skip + 1
            taken, names = i, names + 1
        return taken

    def _surname_like(self, word: str) -> bool:
        return self.listed is not None and self.listed.is_surname_like(word)

    def _joined_particle(self, word: str) -> bool:
        """A surname joined to its particle by a hyphen: "al-Hashimi", "el-Sayed"."""
        particle, _, rest = word.partition("-")
        return bool(rest) and rest[0].isupper() and particle.lower() in self._particle_starts  # type: ignore[attr-defined]

    def _leading_particle_length(self, rest: str) -> int:
        """How many words of a leading particle start the words after a title, before a
        capitalised surname: 2 for "van den Bosch"; 0 for "zu Hause" (not a leading
        particle), "von der Arbeit" ("Arbeit" is no name), "die Frau von Dieter" and "die Frau
        von Herrn Kaya" (the wife of someone named by a first name or a title)."""
        words = rest.split()[:4]
        lowered = tuple(w.lower() for w in words)
        for particle in self.leading_particles:
            if lowered[: len(particle)] != particle or len(words) <= len(particle):
                continue
            word = words[len(particle)]
            if not word[0].isupper() or word.isupper() or self._not_a_name(word):
                continue
            if self.listed is not None and self.listed.is_first_name(word):
                continue
            return len(particle)
        return 0

    def _particle_length(self, words: list[str], start: int) -> int:
        if words[start].lower() not in self._particle_starts:  # type: ignore[attr-defined]
            return 0
        lowered = tuple(w.lower() for w in words[start : start + 3])
        for particle in self.particles:
            if lowered[: len(particle)] == particle:
                return len(particle)
        return 0

    def _not_a_name(self, word: str) -> bool:
        word = word.lower()
        bare = word.removesuffix("'s").removesuffix(f"{_APOSTROPHE}s")  # "Monday's"
        if word in self.not_names or bare in self.not_names:
            return True
        ending = self.not_name_ending.search(word)
        return ending is not None and ending.start() >= 3  # "Schichtarbeiter", not "Fahrer"


@dataclass(frozen=True)
class Rules:
    categories: tuple[Category, ...]
    names: NameRules

    def redact(self, text: str) -> str:
        # Every category's patterns look at the same text; where their matches overlap, a
        # match after a label names the merged span ("personal ID is T220001293" is an ID,
        # though it looks like an insurance number), else the earliest listed category.
        lowered, has_digit = text.lower(), _DIGIT.search(text) is not None
        unlabelled = len(self.categories)  # added to the rank of a match without a label
        spans = [
            (start, end, rank + (0 if pattern.labelled else unlabelled))
            for rank, category in enumerate(self.categories)
            for pattern in category.patterns
            for start, end in pattern.spans(text, lowered, has_digit)
        ]
        text = _replace(text, spans, [c.placeholder for c in self.categories] * 2)
        # Names come last, on the text with the rest replaced: "call me [phone]" has no name.
        name_spans = [(start, end, 0) for start, end in self.names.spans(text, text.lower())]
        return _replace(text, name_spans, [NAME_PLACEHOLDER])


def _replace(text: str, spans: list[tuple[int, int, int]], placeholders: list[str]) -> str:
    """The text with each span replaced by the placeholder of its rank. Overlapping spans
    merge into one, named by the highest-ranked (earliest listed) category among them: the
    digits of an IBAN are an [iban], even though a phone pattern matches some of them."""
    if not spans:
        return text
    pieces, pos = [], 0
    spans.sort()
    merged: list[list[int]] = []
    for start, end, rank in spans:
        if merged and start < merged[-1][1]:
            last = merged[-1]
            last[1], last[2] = max(last[1], end), min(last[2], rank)
        else:
            merged.append([start, end, rank])
    for start, end, rank in merged:
        pieces += [text[pos:start], placeholders[rank]]
        pos = end
    pieces.append(text[pos:])
    return "".join(pieces)


def _shouted(text: str) -> bool:
    """A message typed in capitals (its placeholders aside): "HIER IST NOCHMAL JÜRGEN"."""
    letters = [c for c in _PLACEHOLDER.sub("", text) if c.isalpha()]
    return len(letters) >= 10 and sum(c.isupper() for c in letters) >= 0.9 * len(letters)


def _titlecase(word: str) -> bool:
    return word[0].isupper() and not word.isupper()


def _normalise(phrase: str) -> str:
    return " ".join(phrase.lower().replace(_APOSTROPHE, "'").split())


# --- reading and checking the data file ------------------------------------------------------


class _Reader:
    """Turns the parsed YAML into Rules, naming the item and field of the first problem."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.words: dict[str, str] = {}  # regex of each word list and snippet

    def fail(self, problem: str, item: str = "", field: str = "") -> RedactionDataError:
        return RedactionDataError(self.path, problem, item, field)

    def mapping(self, value: Any, allowed: set[str], item: str, field: str = "") -> dict:
        if not isinstance(value, dict):
            raise self.fail(f"must be a mapping, got {type(value).__name__}", item, field)
        unknown = sorted(str(key) for key in value if key not in allowed)
        if unknown:
            raise self.fail(f"unknown key(s) {unknown}, expected {sorted(allowed)}", item, field)
        return value

    def named(self, value: Any, item: str) -> dict[str, Any]:
        """A mapping from new lowercase names (of word lists or snippets) to their values."""
        mapping = self.mapping(value, set(value) if isinstance(value, dict) else set(), item)
        for name in mapping:
            if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name):
                raise self.fail("must be lowercase letters and _", item, str(name))
            if name in self.words:
                raise self.fail("is defined twice", item, name)
        return mapping

    def phrases(self, value: Any, item: str, field: str) -> list[str]:
        """A list of phrases, or `en` and `de` lists of them; at least one phrase in all."""
        if isinstance(value, dict):
            self.mapping(value, {"en", "de"}, item, field)
            lists = [(f"{field}.{lang}", value.get(lang)) for lang in ("en", "de")]
        else:
            lists = [(field, value)]
        phrases: list[str] = []
        for name, terms in lists:
            if terms is None:
                continue
            if isinstance(terms, list) and any(isinstance(t, bool) for t in terms):
                raise self.fail(
                    "has a bare yes/no/on/off, which YAML reads as true/false: quote it",
                    item,
                    name,
                )
            if not isinstance(terms, list) or not all(
                isinstance(t, str) and t.strip() for t in terms
            ):
                raise self.fail("must be a list of non-empty texts", item, name)
            phrases += [t.strip() for t in terms]
        if not phrases:
            raise self.fail("needs at least one phrase", item, field)
        return phrases

    def regex(
        self, value: Any, item: str, field: str, wrap: Callable[[str], str] = str
    ) -> re.Pattern[str]:
        if not isinstance(value, str) or not value.strip():
            raise self.fail("must be a non-empty regex", item, field)
        source = wrap(_REFERENCE.sub(lambda m: self.word(m.group(1), item, field), value))
        try:
            regex = re.compile(source)
        except re.error as err:
            raise self.fail(f"is not a valid regex: {err}", item, field) from err
        return regex

    def word(self, name: str, item: str, field: str) -> str:
        if name not in self.words:
            raise self.fail(
                f"uses {{{name}}}, which is not under 'words' or 'snippets'", item, field
            )
        return self.words[name]

    def count(self, value: Any, item: str, field: str, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.fail(f"must be a whole number from {low} to {high}", item, field)
        return value

    def rules(self, data: Any) -> Rules:
        # One top-level key: Rasa takes `nlu`, `rules`, `stories`... in data/ for training data.
        top = self.mapping(data, {"redaction"}, "top level")
        body = self.mapping(
            top.get("redaction"),
            {"connector", "words", "snippets", "categories", "names"},
            "redaction",
        )
        for name, phrases in self.named(body.get("words"), "words").items():
            self.words[name] = _alternation(self.phrases(phrases, "words", name))
        # snippets may use words and earlier snippets, so they are added one by one
        for name, snippet in self.named(body.get("snippets") or {}, "snippets").items():
            self.words[name] = f"(?:{self.regex(snippet, 'snippets', name).pattern})"
        connector = self.regex(body.get("connector"), "redaction", "connector").pattern
        entries = body.get("categories")
        if not isinstance(entries, list) or not entries:
            raise self.fail("must be a non-empty list", "redaction", "categories")
        categories: list[Category] = []
        for index, entry in enumerate(entries):
            category = self.category(entry, index, connector)
            if category.name in {c.name for c in categories} or category.name == "name":
                raise self.fail("is used twice ('name' is the names')", category.name, "name")
            categories.append(category)
        return Rules(tuple(categories), self.name_rules(body.get("names")))

    def category(self, entry: Any, index: int, connector: str) -> Category:
        keys = {"name", "labels", "value", "min_digits", "max_digits", "patterns"}
        entry = self.mapping(entry, keys, f"categories[{index}]")
        name = entry.get("name")
        if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name):
            raise self.fail("must be lowercase letters and _", f"categories[{index}]", "name")
        item = f"category '{name}'"
        raw_patterns = entry.get("patterns") or []
        if not isinstance(raw_patterns, list):
            raise self.fail("must be a list", item, "patterns")
        patterns = [self.pattern(p, item, f"patterns[{i}]") for i, p in enumerate(raw_patterns)]
        if "labels" in entry or "value" in entry:
            patterns.insert(0, self.labelled(entry, item, connector))
        elif "min_digits" in entry or "max_digits" in entry:
            raise self.fail("only go with labels and value", item, "min_digits/max_digits")
        if not patterns:
            raise self.fail("needs patterns, or labels and a value", item)
        return Category(name, tuple(patterns))

    def labelled(self, entry: dict, item: str, connector: str) -> Pattern:
        """The label (any case, a whole word), connector words, and the value to replace."""
        phrases = self.phrases(entry.get("labels"), item, "labels")
        regex = self.regex(
            entry.get("value"),
            item,
            "value",
            lambda value: rf"{_phrase_regex(phrases)}{connector}(?P<pii>{value})",
        )
        triggers = _first_words(phrases)
        return Pattern(regex, *self.limits(entry, item), triggers=triggers, labelled=True)

    def pattern(self, entry: Any, item: str, field: str) -> Pattern:
        if isinstance(entry, str):
            return Pattern(self.regex(entry, item, field))
        keys = {"regex", "min_digits", "max_digits", "check", "triggers"}
        entry = self.mapping(entry, keys, item, field)
        check = entry.get("check")
        if check is not None and check not in CHECKS:
            raise self.fail(f"must be one of {sorted(CHECKS)}", item, f"{field}.check")
        regex = self.regex(entry.get("regex"), item, f"{field}.regex")
        triggers = ()
        if "triggers" in entry:
            words = self.phrases(entry["triggers"], item, f"{field}.triggers")
            triggers = tuple(sorted({w.lower() for w in words}))
        return Pattern(regex, *self.limits(entry, item, field), CHECKS.get(check), triggers)

    def limits(self, entry: dict, item: str, field: str = "") -> tuple[int, int | None]:
        prefix = f"{field}." if field else ""
        low = self.count(entry.get("min_digits", 0), item, f"{prefix}min_digits", 0, 64)
        high = entry.get("max_digits")
        if high is not None:
            high = self.count(high, item, f"{prefix}max_digits", max(low, 1), 64)
        return low, high

    def name_rules(self, value: Any) -> NameRules:
        keys = {
            "strong",
            "weak",
            "max_words",
            "particles",
            "not_names",
            "not_name_endings",
            "patterns",
            "listed_only",
            "lists",
            "also_words",
            "eponym_next",
            "place_before",
            "verb_next",
            "surname_endings",
            "surname_beginnings",
            "thing_words",
            "word_surnames",
            "occupation_after",
            "particle_cues",
            "leading_particles",
            "surname_titles",
            "preposition_particles",
        }
        names = self.mapping(value, keys, "names")
        strong = self.phrases(names.get("strong"), "names", "strong")
        weak = self.phrases(names.get("weak"), "names", "weak")
        max_words = self.count(names.get("max_words"), "names", "max_words", 1, 5)
        # up to two words per name word, for the particles in between
        rest = rf"(?P<first>{_NAME_TOKEN})(?:[ \t]{{1,3}}{_NAME_TOKEN}){{0,{2 * max_words - 1}}}"
        cue = _phrase_regex(strong + weak)
        cues = re.compile(rf"(?P<cue>{cue})[ \t]{{0,3}}[,:]?\s{{0,3}}(?=(?P<rest>{rest}))")
        endings = self.phrases(names.get("not_name_endings"), "names", "not_name_endings")
        particles = {
            tuple(p.lower().split())
            for p in self.phrases(names.get("particles"), "names", "particles")
        }
        raw_patterns = names.get("patterns") or []
        if not isinstance(raw_patterns, list):
            raise self.fail("must be a list", "names", "patterns")
        not_names = frozenset(
            p.lower() for p in self.phrases(names.get("not_names"), "names", "not_names")
        )
        not_name_ending = re.compile(_alternation([e.lower() for e in endings]) + r"\Z")
        listed_only = (
            frozenset(
                _normalise(p)
                for p in self.phrases(names.get("listed_only"), "names", "listed_only")
            )
            if "listed_only" in names
            else frozenset()
        )
        unknown_cues = sorted(listed_only - {_normalise(p) for p in strong + weak})
        if unknown_cues:
            raise self.fail(f"{unknown_cues} are not cues (strong or weak)", "names", "listed_only")
        occupation_after = None
        if "occupation_after" in names:
            phrases = self.phrases(names["occupation_after"], "names", "occupation_after")
            occupation_after = re.compile(rf"[ \t]{{1,3}}{_phrase_regex(phrases)}")
        word_surnames = (
            frozenset(
                w.lower() for w in self.phrases(names["word_surnames"], "names", "word_surnames")
            )
            if "word_surnames" in names
            else frozenset()
        )
        particle_cues, leading_particles = frozenset(), ()
        if "particle_cues" in names or "leading_particles" in names:
            cues_given = self.phrases(names.get("particle_cues"), "names", "particle_cues")
            particle_cues = frozenset(_normalise(p) for p in cues_given)
            unknown = sorted(particle_cues - {_normalise(p) for p in strong + weak})
            if unknown:
                raise self.fail(
                    f"{unknown} are not cues (strong or weak)", "names", "particle_cues"
                )
            leading = self.phrases(names.get("leading_particles"), "names", "leading_particles")
            leading_particles = tuple(
                sorted({tuple(p.lower().split()) for p in leading}, key=len, reverse=True)
            )
        surname_titles = frozenset()
        if "surname_titles" in names:
            titles = self.phrases(names["surname_titles"], "names", "surname_titles")
            surname_titles = frozenset(_normalise(p) for p in titles)
            unknown = sorted(surname_titles - {_normalise(p) for p in strong + weak})
            if unknown:
                raise self.fail(
                    f"{unknown} are not cues (strong or weak)", "names", "surname_titles"
                )
        preposition_particles = frozenset()
        if "preposition_particles" in names:
            given = self.phrases(names["preposition_particles"], "names", "preposition_particles")
            preposition_particles = frozenset(p.lower() for p in given)
            unknown = sorted(preposition_particles - {p[0] for p in particles})
            if unknown:
                raise self.fail(f"{unknown} are not particles", "names", "preposition_particles")
        return NameRules(
            preposition_particles=preposition_particles,
            surname_titles=surname_titles,
            particle_cues=particle_cues,
            leading_particles=leading_particles,
            word_surnames=word_surnames,
            occupation_after=occupation_after,
            listed_only=listed_only,
            listed=self.listed_names(names, not_names, not_name_ending, max_words, particles),
            cues=cues,
            cue_words=_first_words(strong + weak),
            strong=frozenset(_normalise(p) for p in strong),
            not_names=not_names,
            not_name_ending=not_name_ending,
            particles=tuple(sorted(particles, key=len, reverse=True)),
            max_words=max_words,
            patterns=tuple(
                self.pattern(p, "names", f"patterns[{i}]") for i, p in enumerate(raw_patterns)
            ),
        )

    def listed_names(
        self,
        names: dict,
        not_names: frozenset[str],
        not_name_ending: re.Pattern[str],
        max_words: int,
        particles: set[tuple[str, ...]],
    ) -> ListedNames | None:
        """The first-name and surname lists (`lists`: first, last and optionally extra_first:
        paths beside the data file)."""
        if "lists" not in names:
            return None
        eponym_next = frozenset()
        if "eponym_next" in names:
            words = self.phrases(names["eponym_next"], "names", "eponym_next")
            eponym_next = frozenset(w.lower() for w in words)
        place_before, verb_next = (
            frozenset(w.lower() for w in self.phrases(names[key], "names", key))
            if key in names
            else frozenset()
            for key in ("place_before", "verb_next")
        )
        surname_endings, thing_words, beginnings = (
            tuple(fold(p).replace(_APOSTROPHE, "'") for p in self.phrases(names[key], "names", key))
            if key in names
            else ()
            for key in ("surname_endings", "thing_words", "surname_beginnings")
        )
        lists = self.mapping(names["lists"], {"first", "last", "extra_first"}, "names", "lists")
        read: dict[str, frozenset[str]] = {"extra_first": frozenset()}
        # extra_first: a list kept by hand beside the one tools/build_name_lists.py rebuilds
        for key in ("first", "last", "extra_first"):
            relative = lists.get(key)
            if key == "extra_first" and relative is None:
                continue
            if not isinstance(relative, str) or not relative.strip():
                raise self.fail("must be a path", "names", f"lists.{key}")
            path = self.path.parent / relative
            try:
                read[key] = read_list(path)
            except (OSError, UnicodeDecodeError) as error:
                raise self.fail(f"cannot read {path}: {error}", "names", f"lists.{key}") from error
            if not read[key]:
                raise self.fail(f"{path} lists no names", "names", f"lists.{key}")
        also = frozenset(
            fold(p) for p in self.phrases(names.get("also_words"), "names", "also_words")
        )

        def not_a_name(word: str) -> bool:
            lowered = word.lower()
            ending = not_name_ending.search(lowered)
            return lowered in not_names or (ending is not None and ending.start() >= 3)

        return ListedNames(
            (read["first"] | read["extra_first"]) - also,
            read["last"],
            also,
            max_words,
            not_a_name,
            eponym_next,
            place_before,
            verb_next,
            surname_endings,
            frozenset(thing_words),
            frozenset(p[0] for p in particles if len(p) == 1),
            beginnings,
        )


_SPACE = " "  # in a trie: any run of whitespace


def _phrase_regex(phrases: list[str]) -> str:
    """Any of the phrases in any case, as whole words.

    It starts with the class of the phrases' first letters and only then looks behind: Python's
    `re` skips quickly through the text to where a regex's first character class occurs, but
    tries a regex that starts with a lookbehind at every position.
    """
    lowered = sorted({p.lower() for p in phrases})
    firsts = sorted({c for p in lowered for c in (p[0], p[0].upper())})
    first_class = "[" + "".join(re.escape(c) for c in firsts) + "]"
    return rf"(?={first_class})(?<!\w)(?i:{_alternation(lowered)})(?!\w)"


def _first_words(phrases: list[str]) -> tuple[str, ...]:
    return tuple(sorted({p.split()[0].lower() for p in phrases}))


def _alternation(phrases: list[str]) -> str:
    """A regex matching any of the phrases, a space in them matching any run of whitespace.

    Written as a trie, "my(?:\\s+name(?:\\s+is)?)?" rather than "my name is|my name|my":
    Python's `re` tries the alternatives one by one at every position of the text. The greedy
    optional groups still prefer the longest phrase.
    """
    trie: dict = {}
    for phrase in phrases:
        node = trie
        for char in _SPACE.join(phrase.split()):
            node = node.setdefault(char, {})
        node[""] = {}  # a phrase ends here
    return _trie_regex(trie)


def _trie_regex(node: dict) -> str:
    branches = [
        (r"\s+" if char == _SPACE else re.escape(char)) + _trie_regex(child)
        for char, child in sorted(node.items())
        if char
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


def load_rules(path: Path | str = DEFAULT_PATH) -> Rules:
    """Read and check a redaction data file; RedactionDataError names what is wrong."""
    path = Path(path)
    try:
        data = load_yaml(path)
    except DataFileError as err:
        raise RedactionDataError(path, err.problem) from err
    return _Reader(path).rules(data)


RULES = load_rules()


# --- the public API --------------------------------------------------------------------------


class _CleanTexts:
    """Texts the rules found nothing in, remembered (first in, first out) so that the keys,
    event names and bot answers that every saved turn repeats are not scanned again: that
    was most of the redaction's cost per turn. A text with personal data is never kept here."""

    MAX_TEXTS = 4096
    MAX_LENGTH = 2000

    def __init__(self) -> None:
        self._texts: dict[str, None] = {}

    def __contains__(self, text: str) -> bool:
        return text in self._texts

    def add(self, text: str) -> None:
        if len(text) > self.MAX_LENGTH:
            return
        if len(self._texts) >= self.MAX_TEXTS:
            del self._texts[next(iter(self._texts))]
        self._texts[text] = None


_CLEAN = _CleanTexts()


def redact_text(text: str) -> str:
    """The text with every personal datum replaced by a typed placeholder such as [phone]."""
    if not isinstance(text, str):
        return redact_value(text)  # type: ignore[return-value]
    if text in _CLEAN:
        return text
    try:
        redacted = RULES.redact(text)
    except Exception:  # a bug must neither let the text through unredacted nor stop the save
        return FAILED
    if redacted == text:
        _CLEAN.add(text)
    return redacted


def redact_value(value: object, _depth: int = 0) -> object:
    """A copy of JSON-like data (dicts, lists, tuples, sets) with every string in it redacted,
    keys included; numbers, booleans, None and other objects are returned as they are."""
    try:
        if isinstance(value, str):
            return redact_text(value)
        if isinstance(value, (dict, list, tuple, set, frozenset)) and _depth >= MAX_DEPTH:
            return FAILED
        if isinstance(value, dict):
            return {
                redact_value(key, _depth + 1): redact_value(item, _depth + 1)
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [redact_value(item, _depth + 1) for item in value]
        if isinstance(value, (tuple, set, frozenset)):  # namedtuples become plain tuples
            plain = {tuple: tuple, set: set, frozenset: frozenset}
            kind = next(k for k in plain if isinstance(value, k))
            return kind(redact_value(item, _depth + 1) for item in value)
    except Exception:  # e.g. a set whose redacted items are unhashable; never store it as is
        return FAILED
    return value
