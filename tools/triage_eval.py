"""The red-flag triage measured on a corpus: recall per level and language, false alarms.

Each case is played turn by turn as the assistant does (symptoms and someone else's symptoms
add up). A case counts as escalated at the highest level any turn reached, for the patient or
for the person they are with; as "asked" when the bot asked a confirming question about a
rule at the expected level or above (the detector's suspicion, or "is this happening to you
now?" after a question in general).

    python -m tools.triage_eval tests/red_flags/corpus_3_dev.yml [--misses]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from actions.knowledge import KNOWLEDGE
from actions.triage import Triage
from actions.urgency import Urgency

LEVELS = (Urgency.EMERGENCY, Urgency.URGENT, Urgency.ROUTINE)


@dataclass(frozen=True)
class Outcome:
    escalated: Urgency
    asked: Urgency  # the highest level of a rule the bot asked about

    @property
    def reached(self) -> Urgency:
        return Urgency.highest(self.escalated, self.asked)


def play(case: dict, triage: Triage = KNOWLEDGE.triage) -> Outcome:
    symptoms: frozenset[str] = frozenset()
    others: frozenset[str] = frozenset()
    escalated = asked = Urgency.NONE
    for message in [*(case.get("previous") or []), case["text"]]:
        a = triage.assess(message, symptoms, others)
        symptoms, others = a.symptoms, a.others
        escalated = Urgency.highest(escalated, a.level, a.bystander_level)
        questioned = (*a.asked_rules, *a.suspected_rules)
        asked = Urgency.highest(asked, *(rule.level for rule in questioned))
    return Outcome(escalated, asked)


@dataclass
class Report:
    hits: Counter = field(default_factory=Counter)  # (level, language) escalated at or above
    hits_or_asked: Counter = field(default_factory=Counter)
    totals: Counter = field(default_factory=Counter)
    harmless: Counter = field(default_factory=Counter)  # per language
    false_alarms: Counter = field(default_factory=Counter)  # harmless escalated (any level)
    false_urgent: Counter = field(default_factory=Counter)  # harmless escalated urgent or more
    harmless_asked: Counter = field(default_factory=Counter)
    misses: list = field(default_factory=list)
    alarms: list = field(default_factory=list)

    def add(self, case: dict, outcome: Outcome) -> None:
        expected, lang = Urgency(case["expected"]), case["language"]
        if expected is Urgency.NONE:
            self.harmless[lang] += 1
            if outcome.escalated is not Urgency.NONE:
                self.false_alarms[lang] += 1
                self.alarms.append((outcome.escalated.value, case))
            if outcome.escalated.rank >= Urgency.URGENT.rank:
                self.false_urgent[lang] += 1
            if outcome.asked is not Urgency.NONE and outcome.escalated is Urgency.NONE:
                self.harmless_asked[lang] += 1
            return
        self.totals[(expected, lang)] += 1
        if outcome.escalated.rank >= expected.rank:
            self.hits[(expected, lang)] += 1
        if outcome.reached.rank >= expected.rank:
            self.hits_or_asked[(expected, lang)] += 1
        else:
            self.misses.append((outcome, case))

    def rate(self, counter: Counter, level: Urgency | None = None) -> float:
        if level is None:
            total = sum(self.harmless.values())
            return sum(counter.values()) / total if total else 0.0
        total = sum(self.totals[(level, lang)] for lang in ("en", "de"))
        return sum(counter[(level, lang)] for lang in ("en", "de")) / total if total else 1.0

    def table(self) -> str:
        def cell(counter: Counter, level: Urgency, lang: str | None) -> str:
            langs = (lang,) if lang else ("en", "de")
            got = sum(counter[(level, x)] for x in langs)
            return f"{got}/{sum(self.totals[(level, x)] for x in langs)}"

        lines = ["level      escalated (en, de, all)        escalated or asked (all)"]
        for level in LEVELS:
            lines.append(
                f"{level.value:10} {cell(self.hits, level, 'en'):>7}"
                f" {cell(self.hits, level, 'de'):>7} {cell(self.hits, level, None):>8}"
                f"   {cell(self.hits_or_asked, level, None):>8}"
            )
        n = sum(self.harmless.values())
        lines.append(
            f"harmless   escalated {sum(self.false_alarms.values())}/{n}"
            f" (en {self.false_alarms['en']}/{self.harmless['en']},"
            f" de {self.false_alarms['de']}/{self.harmless['de']}),"
            f" urgent or emergency {sum(self.false_urgent.values())}/{n},"
            f" asked a confirming question {sum(self.harmless_asked.values())}/{n}"
        )
        return "\n".join(lines)


def evaluate(path: Path, triage: Triage = KNOWLEDGE.triage) -> Report:
    report = Report()
    for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
        report.add(case, play(case, triage))
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, nargs="+")
    parser.add_argument("--misses", action="store_true", help="list misses and false alarms")
    args = parser.parse_args()
    for path in args.corpus:
        report = evaluate(path)
        print(f"== {path}\n{report.table()}")
        if args.misses:
            for outcome, case in report.misses:
                earlier = case.get("previous") or ""
                print(f"MISS {case['expected']}->{outcome.reached.value}: {earlier} {case['text']}")
            for level, case in report.alarms:
                print(f"ALARM {level}: {case.get('previous') or ''} {case['text']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
