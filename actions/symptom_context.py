"""Whose symptom, and is it happening now: the context of a red-flag finding.

Modelled on the ConText algorithm (Harkema et al. 2009) as medspaCy implements it: trigger
phrases, as data in both languages (data/red_flags.yml, `context`), mark the findings in their
scope as historical, hypothetical, a question in general, or someone else's. medspaCy itself
is not used: its rules are written for clinical notes in English ("h/o", "ruled out"), its
dependencies do not fit Rasa's pins, and patients' chat needs its own triggers (see README).

Scopes: a clause for "historical" (both directions), and for "resolved" also the clauses
before it ("had a fever last month, gone now"); from the trigger to the end of the
sentence for "hypothetical"; the whole sentence for a general question; for "someone else",
from the trigger on, clause by clause and across sentences, until the patient speaks of
themselves again ("my wife can't pee. her back hurts" is all the wife's).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum
from pathlib import Path

from .data_files import require_mapping, require_phrases
from .phrase_matching import PhraseMatcher

# "the feeling in my legs is gone": what stands this many words before "gone" was lost
LOST_WINDOW = 4
# a four-digit number from this on, before this year, is a year gone by ("Ich hatte 2019 ...")
FIRST_YEAR = 1920
YEAR_CONTINUES_WINDOW = 4  # "since the end of 2019", "seit Ende 2019": something ongoing


class Status(str, Enum):
    PRESENT = "present"
    HISTORICAL = "historical"
    HYPOTHETICAL = "hypothetical"
    GENERAL = "general"  # a question about the sign in general, not about oneself


@dataclass(frozen=True)
class ClauseContext:
    status: Status
    someone_else: bool
    of_self: bool = False  # the patient names themselves in it ("I", "mein")
    names_other: bool = False  # it names someone else too ("I found him on the floor")


@dataclass(frozen=True)
class SymptomContext:
    historical: PhraseMatcher
    year_continues: PhraseMatcher
    resolved: PhraseMatcher
    hypothetical: PhraseMatcher
    general: PhraseMatcher
    general_strong: PhraseMatcher
    other_person: PhraseMatcher
    first_person: PhraseMatcher
    question_start: PhraseMatcher
    statement_start: PhraseMatcher  # "I think I wet myself??": the patient's own, in doubt
    lost: PhraseMatcher  # "the feeling is gone": a loss, not a resolution
    lost_unless: PhraseMatcher  # "the numb feeling is gone": over after all
    this_year: int = 0  # read once at start-up: a year before it is a year gone by

    @classmethod
    def load(cls, raw: object, path: Path) -> SymptomContext:
        data = require_mapping(raw, path, field="context")

        def matcher(name: str) -> PhraseMatcher:
            phrases = require_phrases(data.get(name), path, "context", name)
            # trigger words must be exact: "seit" is no typo of "sein", nor "here" of "her"
            return PhraseMatcher(((name, p) for p in phrases), typos=False)

        return cls(
            historical=matcher("historical"),
            year_continues=matcher("year_continues"),
            resolved=matcher("resolved"),
            hypothetical=matcher("hypothetical"),
            general=matcher("general_question"),
            general_strong=matcher("general_question_strong"),
            other_person=matcher("someone_else"),
            first_person=matcher("first_person"),
            question_start=matcher("question_start"),
            statement_start=matcher("statement_start"),
            lost=matcher("lost"),
            lost_unless=matcher("lost_unless"),
            this_year=date.today().year,
        )

    def clauses(
        self, clauses: list[list[str]], question: bool, carried: tuple[bool, bool]
    ) -> tuple[list[ClauseContext], tuple[bool, bool]]:
        """The context of each clause of a sentence; and, carried into the next sentence,
        whether it ends speaking of someone else and whether it was a question in general
        (so "Fever or so?" after "How do I know if it is serious?" stays general)."""
        someone_else, after_general = carried
        words = [w for clause in clauses for w in clause]
        question = question or bool(self.question_start.matches_in_words(words[:1]))
        general = question and (
            bool(self.general_strong.matches_in_words(words))
            or (
                not self.speaks_of_self(words)
                and (after_general or bool(self.general.matches_in_words(words)))
            )
        )
        # a "what if" reaches from its clause to the end of the sentence, across commas
        clause_ends = [sum(len(c) for c in clauses[: i + 1]) for i in range(len(clauses))]
        first_hypothetical = min(
            (m.start for m in self.hypothetical.matches_in_words(words)), default=len(words)
        )
        # "resolved" reaches back over the sentence up to where it stands, across "but"
        resolved_to = max(
            (
                m.end
                for m in self.resolved.matches_in_words(words)
                if not self._lost(words[: m.start], m.start)
            ),
            default=0,
        )
        result = []
        for index, clause in enumerate(clauses):
            me = self.speaks_of_self(clause)
            names_other = bool(self.other_person.matches_in_words(clause))
            if names_other and not me:
                someone_else = True
            elif me:
                someone_else = False
            if general:
                status = Status.GENERAL
            elif clause_ends[index] > first_hypothetical:
                status = Status.HYPOTHETICAL
            elif (
                self.historical.matches_in_words(clause)
                or self._past_year(clause)
                or clause_ends[index] - len(clause) < resolved_to
            ):
                status = Status.HISTORICAL
            else:
                status = Status.PRESENT
            result.append(ClauseContext(status, someone_else, me, names_other))
        return result, (someone_else, general)

    def _past_year(self, clause: list[str]) -> bool:
        return any(
            len(word) == 4
            and word.isdigit()
            and FIRST_YEAR <= int(word) < self.this_year
            and not self.year_continues.matches_in_words(
                clause[max(0, i - YEAR_CONTINUES_WINDOW) : i]
            )
            for i, word in enumerate(clause)
        )

    def _lost(self, words: list[str], end: int) -> bool:
        """What is said to be gone (at `end`) was lost: "the feeling in my legs is gone"; but
        "the numb feeling in my legs is gone" is over (a symptom's word twice as far back)."""
        near, far = (
            words[max(0, end - LOST_WINDOW) : end],
            words[max(0, end - 2 * LOST_WINDOW) : end],
        )
        return bool(self.lost.matches_in_words(near)) and not self.lost_unless.matches_in_words(far)

    def speaks_of_self(self, words: list[str]) -> bool:
        """The patient speaks of themselves: "my" in "my wife" does not count."""
        theirs = {
            i
            for match in self.other_person.matches_in_words(words)
            for i in range(match.start, match.end)
        }
        return any(
            not theirs & set(range(m.start, m.end))
            for m in self.first_person.matches_in_words(words)
        )
