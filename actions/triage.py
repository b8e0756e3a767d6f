"""Red-flag triage: which urgency a patient's words call for, on every message.

The rules are data (data/red_flags.yml): symptoms as phrases per language, rules as
combinations of symptoms with an urgency level, a reason and a source. Symptoms add up over
the conversation, and a rule fires in the turn that completes it, so back pain in turn 1 and
fever in turn 3 escalate in turn 3, once.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .data_files import (
    DataFileError,
    load_yaml,
    require_bilingual,
    require_mapping,
    require_phrases,
    require_text,
    require_text_list,
)
from .phrase_matching import MAX_WORDS, PhraseMatcher
from .taxonomy import Language
from .text_normalization import fold, tokens
from .urgency import Urgency

NEGATION_WINDOW = 3
_SENTENCE = re.compile(r"([^.!?;\n]+)([.!?;\n]*)")
_CLAUSE_PUNCTUATION = re.compile(r"[,:()\t\"]+|\s[-\u2013]\s")
LEVEL_MESSAGES = ("emergency", "urgent", "routine", "after")


@dataclass(frozen=True)
class Rule:
    id: str
    level: Urgency
    all_of: frozenset[str]
    any_of: frozenset[str]
    source: str
    reason: dict[str, str]

    def holds(self, symptoms: frozenset[str]) -> bool:
        return self.all_of <= symptoms and (not self.any_of or bool(self.any_of & symptoms))

    @property
    def symptoms(self) -> frozenset[str]:
        return self.all_of | self.any_of


@dataclass(frozen=True)
class Sentence:
    clauses: list[list[str]]
    question: bool

    @property
    def words(self) -> list[str]:
        return [word for clause in self.clauses for word in clause]


@dataclass(frozen=True)
class Assessment:
    """What one message adds to the conversation, and the rules it makes fire."""

    symptoms: frozenset[str]
    new_symptoms: frozenset[str]
    rules: tuple[Rule, ...] = ()

    @property
    def level(self) -> Urgency:
        return Urgency.highest(*(rule.level for rule in self.rules))


@dataclass
class Triage:
    symptom_matcher: PhraseMatcher
    # symptoms also found when every group has a word in one sentence, in any order
    near: dict[str, list[PhraseMatcher]]
    exceptions: dict[str, PhraseMatcher]
    negation_before: PhraseMatcher
    negation_after: PhraseMatcher
    clause_breaks: frozenset[str]
    rules: list[Rule]
    messages: dict[str, dict[str, str]]
    default_number: str
    symptom_ids: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def load(cls, path: Path) -> Triage:
        data = require_mapping(load_yaml(path), path)
        negation = require_mapping(data.get("negation"), path, field="negation")
        symptoms = require_mapping(data.get("symptoms"), path, field="symptoms")
        phrases, exceptions, near = [], {}, {}
        for name, entry in symptoms.items():
            item = f"symptom '{name}'"
            entry = require_mapping(entry, path, item)
            if "en" in entry or "de" in entry:
                phrases += [(name, p) for p in require_phrases(entry, path, item)]
            groups = entry.get("near") or []
            if not isinstance(groups, list) or len(groups) == 1:
                raise DataFileError(path, "must list two or more word groups", item, "near")
            near[name] = [
                PhraseMatcher(
                    (f"{name}#{k}", p) for p in require_phrases(group, path, item, f"near[{k}]")
                )
                for k, group in enumerate(groups)
            ]
            if not near[name]:
                del near[name]
                if not any(key == name for key, _ in phrases):
                    raise DataFileError(path, "needs phrases (en, de) or word groups (near)", item)
            if "except" in entry:
                exceptions[name] = PhraseMatcher(
                    (name, p) for p in require_phrases(entry["except"], path, item, "except")
                )
        rules, seen = [], set()
        for index, raw in enumerate(data.get("red_flags") or []):
            raw = require_mapping(raw, path, f"rule #{index + 1}")
            rule_id = require_text(raw.get("id"), path, f"rule #{index + 1}", "id")
            item = f"rule '{rule_id}'"
            if rule_id in seen:
                raise DataFileError(path, "duplicate id", item, "id")
            seen.add(rule_id)
            try:
                level = Urgency(raw.get("level"))
            except ValueError:
                level = Urgency.NONE
            if level is Urgency.NONE:
                raise DataFileError(path, "must be routine, urgent or emergency", item, "level")
            all_of = frozenset(require_text_list(raw.get("all"), path, item, "all"))
            any_of = frozenset(require_text_list(raw.get("any"), path, item, "any"))
            unknown = sorted((all_of | any_of) - set(symptoms))
            if unknown or not (all_of | any_of):
                problem = f"unknown symptom(s) {unknown}" if unknown else "names no symptom"
                raise DataFileError(path, problem, item, "all/any")
            rules.append(
                Rule(
                    id=rule_id,
                    level=level,
                    all_of=all_of,
                    any_of=any_of,
                    source=require_text(raw.get("source"), path, item, "source"),
                    reason=require_bilingual(raw.get("reason"), path, item, "reason"),
                )
            )
        if not rules:
            raise DataFileError(path, "defines no red flags", field="red_flags")
        messages = require_mapping(data.get("messages"), path, field="messages")
        before = require_phrases(negation.get("before"), path, "negation", "before")
        after = require_phrases(negation.get("after"), path, "negation", "after")
        breaks = require_phrases(negation.get("clause_breaks"), path, "negation", "clause_breaks")
        return cls(
            symptom_matcher=PhraseMatcher(phrases),
            near=near,
            exceptions=exceptions,
            # negation words must be exact: "nacht" is no typo of "nicht", nor "wieder" of "weder"
            negation_before=PhraseMatcher((("neg", p) for p in before), typos=False),
            negation_after=PhraseMatcher((("neg", p) for p in after), typos=False),
            clause_breaks=frozenset(tokens(" ".join(breaks))),
            rules=rules,
            messages={
                k: require_bilingual(messages.get(k), path, "messages", k) for k in LEVEL_MESSAGES
            },
            default_number=require_text(
                str(data.get("emergency_number", "")), path, "", "emergency_number"
            ),
            symptom_ids=frozenset(symptoms),
        )

    @property
    def emergency_number(self) -> str:
        return os.environ.get("BOT_EMERGENCY_NUMBER", "").strip() or self.default_number

    def sentences(self, text: str) -> list[Sentence]:
        """The text's sentences, each cut into clauses at commas and words like "but"/"aber"."""
        sentences: list[Sentence] = []
        words = 0
        for raw, end in _SENTENCE.findall(fold(text)):
            clauses: list[list[str]] = []
            for piece in _CLAUSE_PUNCTUATION.split(raw):
                piece_words = tokens(piece)
                clauses.append([])
                for i, word in enumerate(piece_words):
                    # "again and again", "immer und immer" repeat a word and end no clause
                    repeated = (
                        0 < i < len(piece_words) - 1 and piece_words[i - 1] == piece_words[i + 1]
                    )
                    if word in self.clause_breaks and not repeated:
                        clauses.append([])
                    else:
                        clauses[-1].append(word)
            clauses = [c for c in clauses if c]
            if clauses:
                sentences.append(Sentence(clauses, question="?" in end))
            words += len(raw.split())
            if words > MAX_WORDS:  # a pasted document: its start is enough
                break
        return sentences

    def _negated(self, clause: list[str], start: int, end: int) -> bool:
        before = clause[max(0, start - NEGATION_WINDOW) : start]
        after = clause[end : end + NEGATION_WINDOW]
        return bool(
            self.negation_before.matches_in_words(before)
            or self.negation_after.matches_in_words(after)
        )

    def _affirmed(self, matcher: PhraseMatcher, sentence: Sentence) -> set[str]:
        """Keys the sentence names without negating them in their clause."""
        return {
            str(match.key)
            for clause in sentence.clauses
            for match in matcher.matches_in_words(clause)
            if not self._negated(clause, match.start, match.end)
        }

    def symptoms_in(self, text: str) -> frozenset[str]:
        """Symptoms the text affirms: not negated, not in a harmless context, not answered "no"."""
        found: set[str] = set()
        sentences = self.sentences(text)
        for index, sentence in enumerate(sentences):
            answer = sentences[index + 1].words[:3] if index + 1 < len(sentences) else []
            first = answer[:1]
            denied = self.negation_before.matches_in_words(
                first
            ) or self.negation_after.matches_in_words(first)
            if sentence.question and denied:
                continue  # "Numbness down there? No, ..." denies what the question named
            named = self._affirmed(self.symptom_matcher, sentence)
            for name, groups in self.near.items():
                if all(
                    f"{name}#{k}" in self._affirmed(group, sentence)
                    for k, group in enumerate(groups)
                ):
                    named.add(name)
            found |= {
                name
                for name in named
                # an exception that is itself negated ("not dieting") excuses nothing
                if not (name in self.exceptions and self._affirmed(self.exceptions[name], sentence))
            }
        return frozenset(found)

    def assess(self, text: str, known: Iterable[str] = ()) -> Assessment:
        new = self.symptoms_in(text)
        known_symptoms = frozenset(s for s in known if s in self.symptom_ids)
        everything = known_symptoms | new
        fired = tuple(
            rule
            for rule in self.rules
            if rule.holds(everything) and rule.symptoms & (new - known_symptoms)
        )
        return Assessment(symptoms=everything, new_symptoms=new, rules=fired)

    def message(self, assessment: Assessment, language: Language) -> str:
        """The escalation in plain words: what to do and why (its sources: `cited_sources`)."""
        lang = language.value
        reasons = "; ".join(rule.reason[lang] for rule in assessment.rules)
        action = self.messages[assessment.level.value][lang].format(
            reasons=reasons, number=self.emergency_number
        )
        return "\n\n".join([action, self.messages["after"][lang]])

    @staticmethod
    def cited_sources(assessment: Assessment) -> list[str]:
        """The guidelines and articles the fired rules rest on, as patients may read them:
        without the notes in brackets, which point staff to the section."""
        names = (
            re.sub(r"\s*\([^)]*\)", "", name).strip()
            for rule in assessment.rules
            for name in rule.source.split(";")
        )
        return list(dict.fromkeys(name for name in names if name))
