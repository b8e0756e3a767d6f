"""How long, and how old: durations and ages in patients' words, for the red flags that
depend on them ("since about two months", "seit 8 Wochen", "I'm 58").

Number words, units and age patterns are data (data/red_flags.yml, `time`); a symptom such as
`duration_weeks` is derived when a duration or an age falls in its range, so "about two
months" given as the answer to "since when?" counts like "for 6 weeks" said at the start.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .data_files import DataFileError, require_mapping, require_text_list
from .text_normalization import fold, tokens

NUMBER = "#"
MAX_FILLERS = 2
ACTIVITY_WINDOW = 5  # "lauf seit 3 Monaten": the activity within this many words before the unit
NOW_WINDOW = 3  # "and it's now April", "jetzt haben wir Dezember": "now" this near the month
MAX_AGE = 110
# what follows a number that is not an age ("mit 60 kilo", "at 38 degrees")
NOT_AGE = frozenset(
    {
        "kg",
        "kilo",
        "kilos",
        "grad",
        "degrees",
        "cm",
        "km",
        "euro",
        "prozent",
        "mg",
        "percent",
        "x",
        "mal",
        "sachen",  # "mit 100 Sachen drauf": a speed
        "kmh",
        "mph",
    }
)
WORD_LISTS = (
    "not_duration_before",
    "not_age_before",
    "not_age_after",
    "not_plural_after",
    "rate_before_number",
    "month_start_after",
    "now_words",
    "height_units",
    "height_feet",
    "height_words",
    "fall_before_height",
    "not_fall_height",
)
FOOT = 0.3048
FALL_WINDOW = 3  # "fell about 6 m", "von einem 0,5 m hohen Podest": the fall word this near
# a number of metres up to this is a height, not an age, even without a height word ("58 m" is
# a 58-year-old man, "5 m" a fall)
MAX_BARE_HEIGHT = 10
UNIT_DAYS = {
    "minutes": 1 / 1440,
    "hours": 1 / 24,
    "days": 1,
    "weeks": 7,
    "fortnights": 14,
    "months": 30,
    "years": 365,
}


@dataclass(frozen=True)
class Derived:
    """A symptom that holds when a duration (in days) or an age falls in a range."""

    symptom: str
    measure: str  # "duration", "age" or "height" (metres)
    at_least: float
    below: float


@dataclass(frozen=True)
class TimeExpressions:
    numbers: dict[str, float]
    units: dict[str, float]  # unit word -> days
    fillers: frozenset[str]
    age_patterns: tuple[tuple[str, ...], ...]
    derived: tuple[Derived, ...]
    # words after a unit or an age that make it something else's ("30 weeks pregnant",
    # "my 15 year old son")
    not_duration_before: frozenset[str] = frozenset()
    not_age_before: frozenset[str] = frozenset()
    not_age_after: frozenset[str] = frozenset()  # "my 3 year old": a child's age
    not_plural_after: frozenset[str] = frozenset()  # a rate: "zweimal die Woche"
    rate_before_number: frozenset[str] = frozenset()  # a rate: "alle paar Monate"
    activity_before: tuple[tuple[str, ...], ...] = ()  # "ich lauf seit 3 Monaten": not the pain
    # "since September ... now it's December": months told by name, the later one as now
    months: dict[tuple[str, ...], float] = field(default_factory=dict)
    month_start_after: frozenset[str] = frozenset()  # "since", "end of": a month as the start
    now_words: frozenset[str] = frozenset()
    height_units: frozenset[str] = frozenset()  # "m", "Meter": a height, when `_is_height`
    height_feet: frozenset[str] = frozenset()  # "ft", "feet"
    height_words: frozenset[str] = frozenset()  # "tief", "groß", "down": a height, not an age
    # a fall's height needs one of these before the number ("fell", "aus", "off") or a height
    # word after the unit ("5 m tief gestürzt"), and none of `not_fall_height` after it
    # ("2 m groß", "3 m from my door")
    fall_before_height: frozenset[str] = frozenset()
    not_fall_height: frozenset[str] = frozenset()

    @classmethod
    def load(cls, raw: object, path: Path, symptoms: set[str]) -> TimeExpressions:
        data = require_mapping(raw, path, field="time")
        numbers: dict[str, float] = {}
        for word, value in require_mapping(data.get("numbers"), path, "time", "numbers").items():
            if not isinstance(value, (int, float)):
                raise DataFileError(path, "must be a number", "time", f"numbers.{word}")
            numbers[fold(str(word))] = float(value)
        units: dict[str, float] = {}
        for unit, words in require_mapping(data.get("units"), path, "time", "units").items():
            if unit not in UNIT_DAYS:
                raise DataFileError(
                    path, f"unknown unit, not one of {sorted(UNIT_DAYS)}", "time", f"units.{unit}"
                )
            for word in require_text_list(words, path, "time", f"units.{unit}"):
                units[fold(word)] = UNIT_DAYS[unit]
        patterns = tuple(
            tuple(tokens(p.replace(NUMBER, " _n_ ")))
            for p in require_text_list(data.get("age"), path, "time", "age")
        )
        if not all("n" in p for p in patterns):
            raise DataFileError(path, f"each pattern needs a {NUMBER}", "time", "age")
        derived = []
        for name, spec in require_mapping(data.get("derived"), path, "time", "derived").items():
            spec = require_mapping(spec, path, "time", f"derived.{name}")
            if name not in symptoms:
                raise DataFileError(path, "is not a symptom", "time", f"derived.{name}")
            measure = (
                "age"
                if "age_at_least" in spec
                else "height"
                if "metres_above" in spec
                else "duration"
            )
            try:
                if measure == "age":
                    low, high = float(spec["age_at_least"]), float(spec.get("age_below", MAX_AGE))
                elif measure == "height":
                    # "more than a metre" (NICE NG41): above, not at
                    low = math.nextafter(float(spec["metres_above"]), math.inf)
                    high = math.inf
                else:
                    low = float(spec["days_at_least"])
                    high = float(spec.get("days_below", float("inf")))
            except (KeyError, TypeError, ValueError) as err:
                raise DataFileError(
                    path,
                    "needs days_at_least (and days_below), age_at_least or metres_above",
                    "time",
                    f"derived.{name}",
                ) from err
            derived.append(Derived(name, measure, low, high))
        fillers = frozenset(
            fold(w) for w in require_text_list(data.get("fillers"), path, "time", "fillers")
        )
        not_before = {
            key: frozenset(fold(w) for w in require_text_list(data[key], path, "time", key))
            for key in WORD_LISTS
            if key in data
        }
        activities = tuple(
            tuple(tokens(a))
            for a in require_text_list(data.get("activity_before"), path, "time", "activity_before")
        )
        months: dict[tuple[str, ...], float] = {}
        for name, number in require_mapping(data.get("months", {}), path, "time", "months").items():
            if not isinstance(number, int | float) or not 1 <= number < 13:
                raise DataFileError(
                    path, "must be a month number from 1 to below 13", "time", f"months.{name}"
                )
            months[tuple(tokens(str(name)))] = number
        return cls(
            numbers,
            units,
            fillers,
            patterns,
            tuple(derived),
            **not_before,
            activity_before=activities,
            months=months,
        )

    def _someone_elses(self, owner: str, after: str) -> bool:
        """ "my 3 year old", "15 year old son": a child's age, not the patient's."""
        return owner in self.not_age_after or after in self.not_age_before

    @property
    def derived_symptoms(self) -> frozenset[str]:
        return frozenset(d.symptom for d in self.derived)

    def _number(self, word: str) -> float | None:
        if word.isdigit():
            return float(word)
        return self.numbers.get(word)

    def durations(self, words: list[str]) -> list[float]:
        """Durations in days: a number (or number word) then a unit, a filler or two between
        ("6 or 7 weeks", "a couple of months"); a plural unit alone counts two ("for months")."""
        found = []
        for i, word in enumerate(words):
            if word not in self.units or (
                words[i + 1 : i + 2] and words[i + 1] in self.not_duration_before
            ):
                continue
            value = None
            for back in range(1, MAX_FILLERS + 2):
                if i - back < 0:
                    break
                candidate = self._number(words[i - back])
                if candidate is not None:  # "6 or 7 weeks", "3-4 Wochen": the nearer, larger one
                    value = candidate
                    break
                if words[i - back] not in self.fillers:
                    break
            # "zweimal die Woche"; "alle paar Monate", "every few months": how often, not how long
            rate = i > 0 and words[i - 1] in self.not_plural_after
            if (
                value is not None
                and i - back > 0
                and words[i - back - 1] in self.rate_before_number
            ):
                continue
            if value is None and not rate and word.endswith(("s", "n", "e")) and len(word) > 3:
                value = 2.0
            before = words[max(0, i - ACTIVITY_WINDOW) : i]
            if value is not None and not self._of_an_activity(before):
                found.append(value * self.units[word])
        return found

    def _of_an_activity(self, before: list[str]) -> bool:
        return any(
            before[k : k + len(a)] == list(a)
            for a in self.activity_before
            for k in range(len(before) - len(a) + 1)
        )

    def _months_at(self, words: list[str]) -> list[tuple[int, float]]:
        """(position, month number) of each month name ("september", "new year")."""
        return [
            (i, number)
            for i, word in enumerate(words)
            for name, number in self._months_by_first.get(word, ())
            if tuple(words[i : i + len(name)]) == name
        ]

    @cached_property
    def _months_by_first(self) -> dict[str, list[tuple[tuple[str, ...], float]]]:
        index: dict[str, list[tuple[tuple[str, ...], float]]] = {}
        for name, number in self.months.items():
            index.setdefault(name[0], []).append((name, number))
        return index

    def month_span(self, words: list[str]) -> tuple[int, float] | None:
        """A start month and a later month told as now ("since September, now it's December"):
        the position of the start and the days between, counted in whole months."""
        if self.now_words.isdisjoint(words):  # most messages: no "now", no span
            return None
        named = self._months_at(words)
        for k, (now_at, now_month) in enumerate(named):
            around = words[max(0, now_at - NOW_WINDOW) : now_at] + words[now_at + 1 : now_at + 2]
            if not self.now_words & set(around):
                continue
            for start_at, start_month in named[:k]:
                if start_at > 0 and words[start_at - 1] in self.month_start_after:
                    months = (now_month - start_month) % 12
                    if months:
                        return start_at, months * UNIT_DAYS["months"]
        return None

    def ages(self, words: list[str], theirs: bool = False) -> list[int]:
        """Ages told; with `theirs`, also one followed by who it is ("my 15 year old son")."""
        found = []
        for pattern in self.age_patterns:
            n = len(pattern)
            for i in range(len(words) - n + 1):
                window = words[i : i + n]
                if not all(p == "n" or p == w for p, w in zip(pattern, window, strict=True)):
                    continue
                number = window[pattern.index("n")]
                after = words[i + n] if i + n < len(words) else ""
                owner = words[i - 1] if i > 0 else ""
                if (
                    number.isdigit()
                    and 0 < int(number) <= MAX_AGE
                    and self.units.get(after, 365) == 365
                    and after not in NOT_AGE
                    # "1,80 m" is read "1 80 m": neither number is an age
                    and not (after.isdigit() and self._is_height(words, i + n))
                    and not self._is_height(words, i + pattern.index("n"))
                    and (theirs or not self._someone_elses(owner, after))
                ):
                    found.append(int(number))
        return found

    @cached_property
    def length_units(self) -> frozenset[str]:
        return self.height_units | self.height_feet

    def _is_height(self, words: list[str], at: int) -> bool:
        """The number at `at` is a length, not an age: a unit follows, and the number is small,
        part of a decimal ("1 5 m"), or told with a height word ("5 m tief", "2 m groß")."""
        if (
            at + 1 >= len(words)
            or words[at + 1] not in self.length_units
            or not words[at].isdigit()
        ):
            return False
        around = set(words[max(0, at - 2) : at]) | set(words[at + 2 : at + 4])
        return (
            float(words[at]) <= MAX_BARE_HEIGHT
            or (at > 0 and words[at - 1].isdigit())
            or bool(around & (self.height_words | self.fall_before_height))
        )

    def heights(self, words: list[str]) -> list[float]:
        """Heights of a fall in metres ("fell about 10 ft", "aus 1,5 m", "5 m tief gestürzt");
        not a body height or a distance ("2 m groß", "3 m from my door"). A decimal mark was
        read as a space: "1,5 m" is "1 5 m"."""
        found = []
        for i, word in enumerate(words):
            unit = words[i + 1] if i + 1 < len(words) else ""
            value = self._number(word)
            if value is None or unit not in self.length_units:
                continue
            before = words[max(0, i - FALL_WINDOW) : i]
            after = set(words[i + 2 : i + 4])
            if after & self.not_fall_height or not (
                set(before) & self.fall_before_height or after & self.height_words
            ):
                continue
            if word.isdigit() and i > 0 and words[i - 1].isdigit():
                value = float(f"{words[i - 1]}.{word}")
            found.append(value * (FOOT if unit in self.height_feet else 1))
        return found

    def symptoms(
        self,
        words: list[str],
        durations: bool = True,
        theirs: bool = False,
        also_days: tuple[float, ...] = (),
    ) -> set[str]:
        """Derived symptoms; durations only where they are present ones. `also_days`: a
        duration found across the clauses of the sentence (`month_span`)."""
        values = {
            "age": self.ages(words, theirs),
            "duration": [*self.durations(words), *also_days] if durations else [],
            "height": self.heights(words),
        }
        return {
            d.symptom
            for d in self.derived
            for value in values[d.measure]
            if d.at_least <= value < d.below
        }
