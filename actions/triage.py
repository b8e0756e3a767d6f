"""Red-flag triage: which urgency a patient's words call for, on every message.

The rules are data (data/red_flags.yml): symptoms as a lexicon per language (lay phrases,
and word groups such as body word + what it does that must meet in one sentence), rules as
combinations of symptoms with an urgency level, a reason and a source. Each finding is read
in its context (actions/symptom_context.py): negated, historical, hypothetical, a question in
general, or someone else's. The patient's own present symptoms add up over the conversation,
and a rule fires in the turn that completes it, so back pain in turn 1 and fever in turn 3
escalate in turn 3, once. Someone else's present emergency escalates worded for a bystander;
a question in general about a warning sign is answered and followed by "is this happening to
you now?"; the detector (actions/red_flag_detector.py) raises suspicions the rules missed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
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
from .phrase_matching import MAX_WORDS, Match, PhraseMatcher
from .red_flag_detector import RedFlagDetector
from .symptom_context import Status, SymptomContext
from .taxonomy import Language
from .text_normalization import fold, tokens
from .time_expressions import TimeExpressions
from .urgency import Urgency

NEGATION_WINDOW = 3
# after a join word, a clause-final "hab ich nicht" reaches back over a conjunct this long
# holding at most one sign ("oder Probleme beim Wasserlassen hab ich nicht")
MAX_CONJUNCT = 4
_SENTENCE = re.compile(r"([^.!?;\n]+)([.!?;\n]*)")
_CLAUSE_PUNCTUATION = re.compile(r"[,:()\t\"]+|\s[-\u2013]\s")
# a decimal mark is no clause or sentence end: "38,9" and "38.9" are the reading "38 9"
_DECIMAL = re.compile(r"(\d)[.,](\d)")
# an abbreviation's dot ends no sentence: "Sturz vom Heuboden ca. 3 Meter"
_ABBREVIATION = re.compile(r"\b(ca|approx|bzw|etc|usw|ggf|evtl|inkl|dr|prof)\.", re.IGNORECASE)
# a number in brackets is an age told in passing ("Ich (79) bin ..."): no clause of its own
# (not any aside: "(my wife measured it)" or "(keine Ahnung warum)" would change its clause)
_BRACKETED_NUMBER = re.compile(r"\((\d{1,3})\)")
LEVEL_MESSAGES = (
    "emergency",
    "urgent",
    "routine",
    "after",
    "emergency_bystander",
    "urgent_bystander",
    "routine_bystander",
    "confirm",
    "general_check",
    "confirm_no",
    "reminder_emergency",
    "reminder_urgent",
    "reminder_emergency_bystander",
    "reminder_urgent_bystander",
    "help_received",
    "misunderstanding",
)
# A sign the detector finds at least this share as likely as its top suspicion is asked about
# beside the top one when it is graver (`Triage._suspected`).
CLOSE_SHARE = 0.5
# The levels whose escalation stays in every later answer until the patient has help.
STANDING_LEVELS = (Urgency.EMERGENCY, Urgency.URGENT)


@dataclass(frozen=True)
class Rule:
    id: str
    level: Urgency
    all_of: frozenset[str]
    any_of: frozenset[str]
    none_of: frozenset[str]  # symptoms that make it another rule's ("only a little tumble")
    source: str
    reason: dict[str, str]
    ask: dict[str, str]  # the sign as a yes/no question: "can you no longer control ...?"
    # escalates for someone else too: every emergency, and the urgent signs marked so (a fall);
    # not a risk factor such as cancer, which people tell as someone's history, not as news
    for_bystander: bool = True

    def holds(self, symptoms: frozenset[str]) -> bool:
        return (
            self.all_of <= symptoms
            and (not self.any_of or bool(self.any_of & symptoms))
            and not self.none_of & symptoms
        )

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
class Findings:
    """The symptoms one message names, by whose they are and whether they are happening."""

    patient: frozenset[str] = frozenset()  # the patient's own, now (or history that counts)
    others: frozenset[str] = frozenset()  # someone else's, now
    asked: frozenset[str] = frozenset()  # named in a question in general or a "what if"
    dismissed: frozenset[str] = frozenset()  # negated, past, or someone else's past
    # "all gone now" naming nothing present: what was told before (a fever) is over
    resolved_earlier: bool = False
    # the patient's, named where nobody is ("temp is 39.4, her neck won't bend"): in a
    # conversation about someone else these are theirs
    unowned: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Assessment:
    """What one message adds to the conversation, and the rules it makes fire."""

    symptoms: frozenset[str]
    new_symptoms: frozenset[str]
    rules: tuple[Rule, ...] = ()
    others: frozenset[str] = frozenset()
    bystander_rules: tuple[Rule, ...] = ()  # someone else's present emergency
    asked_rules: tuple[Rule, ...] = ()  # warning signs asked about in general: ask "now?"
    suspected_rules: tuple[Rule, ...] = ()  # what the detector suspects and the rules missed

    @property
    def level(self) -> Urgency:
        return Urgency.highest(*(rule.level for rule in self.rules))

    @property
    def bystander_level(self) -> Urgency:
        return Urgency.highest(*(rule.level for rule in self.bystander_rules))

    @property
    def escalates(self) -> bool:
        return bool(self.rules or self.bystander_rules)


@dataclass
class Triage:
    symptom_matcher: PhraseMatcher
    # symptoms also found when every group has a word in one sentence, in any order: one
    # matcher for all groups (keys "name#k"), and how many groups each symptom has
    near_matcher: PhraseMatcher
    near: dict[str, int]
    exception_matcher: PhraseMatcher  # keys: the symptom each phrase excuses in its sentence
    # keys: the symptom each phrase excuses in its own clause only ("vor Schmerzen" beside one
    # leg barely moved, not beside a foot getting weaker in the next clause)
    clause_exception_matcher: PhraseMatcher
    negation_before: PhraseMatcher
    negation_after: PhraseMatcher
    # what looks like a negation and negates nothing (NegEx's pseudo-negations): "weiß nicht
    # wieso", "not sure why"
    pseudo_negation: PhraseMatcher
    # a clause ending in one of these denies the sign right before it and the signs joined to
    # it by `clause_end_joins`: "Brustschmerzen oder Atemnot hab ich nicht"
    negation_clause_end: PhraseMatcher
    clause_end_joins: frozenset[str]
    clause_breaks: frozenset[str]
    rules: list[Rule]
    messages: dict[str, dict[str, str]]
    default_number: str
    context: SymptomContext
    time: TimeExpressions
    # symptoms whose history counts as much as their presence (cancer, long-term steroids)
    history_counts: frozenset[str]
    help_phrases: PhraseMatcher  # "the ambulance is on its way", "it was a misunderstanding"
    symptom_ids: frozenset[str] = field(default_factory=frozenset)
    detector: RedFlagDetector | None = None
    # clause-break words inside a symptom phrase ("pins and needles", "hot and cold"), with
    # the words on either side: there they end no clause
    joined: frozenset[tuple[str, str, str]] = frozenset()
    # passing symptoms (a fever) that "all gone now" in a later turn takes back
    resolvable: frozenset[str] = frozenset()
    # what a teller checks on someone else ("I pressed a glass on her rash"): theirs
    observed: frozenset[str] = frozenset()

    @classmethod
    def load(cls, path: Path) -> Triage:
        data = require_mapping(load_yaml(path), path)
        negation = require_mapping(data.get("negation"), path, field="negation")
        symptoms = require_mapping(data.get("symptoms"), path, field="symptoms")
        phrases, exceptions, near_phrases, near, history_counts = [], [], [], {}, set()
        clause_exceptions = []
        resolvable, observed = set(), set()
        for name, entry in symptoms.items():
            item = f"symptom '{name}'"
            entry = require_mapping(entry, path, item)
            if entry.get("history_counts") is True:
                history_counts.add(name)
            if entry.get("resolvable") is True:
                resolvable.add(name)
            if entry.get("observed") is True:
                observed.add(name)
            if entry.get("derived") is True and not {"en", "de", "near"} & entry.keys():
                continue  # found by the time expressions alone (`time.derived`)
            if "en" in entry or "de" in entry:
                phrases += [(name, p) for p in require_phrases(entry, path, item)]
            groups = entry.get("near") or []
            if not isinstance(groups, list) or len(groups) == 1:
                raise DataFileError(path, "must list two or more word groups", item, "near")
            for k, group in enumerate(groups):
                near_phrases += [
                    (f"{name}#{k}", p) for p in require_phrases(group, path, item, f"near[{k}]")
                ]
            if groups:
                near[name] = len(groups)
            elif not any(key == name for key, _ in phrases):
                raise DataFileError(path, "needs phrases (en, de) or word groups (near)", item)
            for key, into in (("except", exceptions), ("except_in_clause", clause_exceptions)):
                if key in entry:
                    into += [(name, p) for p in require_phrases(entry[key], path, item, key)]
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
            none_of = frozenset(require_text_list(raw.get("none"), path, item, "none"))
            unknown = sorted((all_of | any_of | none_of) - set(symptoms))
            if unknown or not (all_of | any_of):
                problem = f"unknown symptom(s) {unknown}" if unknown else "names no symptom"
                raise DataFileError(path, problem, item, "all/any/none")
            rules.append(
                Rule(
                    id=rule_id,
                    level=level,
                    all_of=all_of,
                    any_of=any_of,
                    none_of=none_of,
                    source=require_text(raw.get("source"), path, item, "source"),
                    reason=require_bilingual(raw.get("reason"), path, item, "reason"),
                    ask=require_bilingual(raw.get("ask"), path, item, "ask"),
                    for_bystander=level is Urgency.EMERGENCY or raw.get("bystander") is True,
                )
            )
        if not rules:
            raise DataFileError(path, "defines no red flags", field="red_flags")
        messages = require_mapping(data.get("messages"), path, field="messages")
        before = require_phrases(negation.get("before"), path, "negation", "before")
        after = require_phrases(negation.get("after"), path, "negation", "after")
        breaks = require_phrases(negation.get("clause_breaks"), path, "negation", "clause_breaks")
        clause_end = require_phrases(negation.get("clause_end"), path, "negation", "clause_end")
        pseudo = require_phrases(negation.get("pseudo"), path, "negation", "pseudo")
        joins = require_phrases(
            negation.get("clause_end_joins"), path, "negation", "clause_end_joins"
        )
        standing = require_mapping(data.get("standing"), path, field="standing")
        help_phrases = PhraseMatcher(
            [
                (kind, p)
                for kind in ("help_received", "misunderstanding")
                for p in require_phrases(standing.get(kind), path, "standing", kind)
            ]
        )
        return cls(
            symptom_matcher=PhraseMatcher(phrases),
            near_matcher=PhraseMatcher(near_phrases),
            near=near,
            exception_matcher=PhraseMatcher(exceptions),
            # exact, like the negation words: "drink" is no typo of "drunk", "kalter" of "Kater"
            clause_exception_matcher=PhraseMatcher(clause_exceptions, typos=False),
            # negation words must be exact: "nacht" is no typo of "nicht", nor "wieder" of "weder"
            negation_before=PhraseMatcher((("neg", p) for p in before), typos=False),
            negation_after=PhraseMatcher((("neg", p) for p in after), typos=False),
            pseudo_negation=PhraseMatcher((("pseudo", p) for p in pseudo), typos=False),
            negation_clause_end=PhraseMatcher((("neg", p) for p in clause_end), typos=False),
            clause_end_joins=frozenset(tokens(" ".join(joins))),
            clause_breaks=frozenset(tokens(" ".join(breaks))),
            rules=rules,
            messages={
                k: require_bilingual(messages.get(k), path, "messages", k) for k in LEVEL_MESSAGES
            },
            default_number=require_text(
                str(data.get("emergency_number", "")), path, "", "emergency_number"
            ),
            context=SymptomContext.load(data.get("context"), path),
            time=TimeExpressions.load(data.get("time"), path, set(symptoms)),
            history_counts=frozenset(history_counts),
            help_phrases=help_phrases,
            symptom_ids=frozenset(symptoms),
            joined=_joined((p for _, p in phrases + near_phrases), tokens(" ".join(breaks))),
            resolvable=frozenset(resolvable),
            observed=frozenset(observed),
        )

    @property
    def emergency_number(self) -> str:
        return os.environ.get("BOT_EMERGENCY_NUMBER", "").strip() or self.default_number

    def sentences(self, text: str) -> list[Sentence]:
        """The text's sentences, each cut into clauses at commas and words like "but"/"aber"."""
        sentences: list[Sentence] = []
        words = 0
        for raw, end in _SENTENCE.findall(
            _DECIMAL.sub(
                r"\1 \2", _BRACKETED_NUMBER.sub(r" \1 ", _ABBREVIATION.sub(r"\1", fold(text)))
            )
        ):
            clauses: list[list[str]] = []
            for piece in _CLAUSE_PUNCTUATION.split(raw):
                piece_words = tokens(piece)
                clauses.append([])
                for i, word in enumerate(piece_words):
                    # "again and again", "immer und immer" repeat a word and end no clause
                    repeated = (
                        0 < i < len(piece_words) - 1 and piece_words[i - 1] == piece_words[i + 1]
                    )
                    joined = 0 < i < len(piece_words) - 1 and (
                        (piece_words[i - 1], word, piece_words[i + 1]) in self.joined
                    )
                    if word in self.clause_breaks and not repeated and not joined:
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

    def _negated(
        self, clause: list[str], start: int, end: int, spans: Iterable[tuple[int, int]] = ()
    ) -> bool:
        """A negation within the window, unless it is part of another symptom's phrase
        (`spans`): "Rückenschmerzen, die nicht weggehen" does not negate the back pain; nor
        does a negation after a finding that is itself one ("kann nicht pinkeln, hab ich nicht
        gedacht"), while one before it still does ("nope, have not peed myself")."""
        spans = list(spans)
        low = max(0, start - NEGATION_WINDOW)
        found = [
            (low + m.start, low + m.end)
            for m in self.negation_before.matches_in_words(clause[low:start])
        ]
        if found:  # "weiß nicht wieso": a negation inside a pseudo-negation negates nothing
            pseudo = [(m.start, m.end) for m in self.pseudo_negation.matches_in_words(clause)]
            found = [(a, b) for a, b in found if not any(s <= a and b <= e for s, e in pseudo)]
        if not self.negation_before.matches_in_words(clause[start:end]):
            found += [
                (end + m.start, end + m.end)
                for m in self.negation_after.matches_in_words(clause[end : end + NEGATION_WINDOW])
            ] + self._clause_end_negation(clause, end, spans)
        # a longer phrase: "weder" typed for "wieder" is still the negation
        others = [(s, e) for s, e in spans if e <= start or s >= end]
        return any(
            not any(s <= a and b <= e and e - s > b - a for s, e in others) for a, b in found
        )

    def _clause_end_negation(
        self, clause: list[str], end: int, spans: list[tuple[int, int]]
    ) -> list[tuple[int, int]]:
        """A clause-final "hab ich nicht" that reaches the finding ending at `end`: right after
        it, or over join words each followed by a short conjunct with at most one sign
        ("Kribbeln im Schritt oder in den Beinen hab ich nicht"); not across words that join
        nothing ("Taubheit im Schritt Fieber hab ich nicht", "Taubheit am Po mit
        Rückenschmerzen Fieber hab ich nicht": the fever only)."""
        reached = []
        for m in self.negation_clause_end.matches_in_words(clause[end:]):
            a, b = end + m.start, end + m.end
            if b != len(clause):
                continue
            i = end
            while i < a and clause[i] in self.clause_end_joins:
                nxt = next((j for j in range(i + 1, a) if clause[j] in self.clause_end_joins), a)
                # one word read as two signs ("Luftnot") is one sign
                signs = {s for s, e in spans if i < s and e <= nxt}
                if nxt - i - 1 > MAX_CONJUNCT or len(signs) > 1:
                    break
                i = nxt
            if i == a:
                reached.append((a, b))
        return reached

    def _affirmed(
        self, matches: list[Match], clause: list[str], spans: Iterable[tuple[int, int]] = ()
    ) -> set[str]:
        """Keys of the clause's matches that it does not negate (`spans`: its symptom phrases,
        to which a negation inside them belongs)."""
        return {
            str(match.key)
            for match in matches
            if not self._negated(clause, match.start, match.end, spans)
        }

    def _named(self, sentence: Sentence) -> tuple[list[set[str]], list[set[str]]]:
        """The symptoms each clause of the sentence names, not negated, not excused; and, per
        clause, the excused ones ("fell asleep", "my friend had cancer")."""
        named, groups = [], []
        for clause in sentence.clauses:
            symptoms = self.symptom_matcher.matches_in_words(clause)  # once per clause
            spans = [(m.start, m.end) for m in symptoms]
            named.append(self._affirmed(symptoms, clause, spans))
            groups.append(self._affirmed(self.near_matcher.matches_in_words(clause), clause, spans))
        for name, count in self.near.items():
            # every word group somewhere in the sentence; the finding sits in the first group's
            # clause ("legs" ... "giving way" ... "worse every day")
            keys = [f"{name}#{k}" for k in range(count)]
            if all(any(key in found for found in groups) for key in keys):
                first = next(i for i, found in enumerate(groups) if keys[0] in found)
                named[first].add(name)
        # an exception that is itself negated ("not dieting") excuses nothing
        excusing = set().union(
            *(
                self._affirmed(self.exception_matcher.matches_in_words(clause), clause)
                for clause in sentence.clauses
            )
        )
        excused = []
        for clause, clause_names in zip(sentence.clauses, named, strict=True):
            here = excusing | self._affirmed(
                self.clause_exception_matcher.matches_in_words(clause), clause
            )
            excused.append(clause_names & here)
            clause_names -= here
        return named, excused

    def _month_span(self, sentence: Sentence) -> tuple[int, tuple[float, ...]]:
        """The clause where a span of named months starts ("since September, now it's
        December"), which tells whose and whether it is present, and the span in days."""
        span = self.time.month_span(sentence.words)
        if span is None:
            return -1, ()
        start, days = span
        for k, clause in enumerate(sentence.clauses):
            if start < len(clause):
                return k, (days,)
            start -= len(clause)
        return -1, ()

    def findings(self, text: str) -> Findings:
        """The symptoms the text names, sorted by whose and whether they are happening."""
        patient: set[str] = set()
        others: set[str] = set()
        asked: set[str] = set()
        dismissed: set[str] = set()
        unowned: set[str] = set()
        owned_named: set[str] = set()
        sentences = self.sentences(text)
        carried = (False, False)  # someone else's, a question in general
        resolved_earlier = False
        # the patient named before, and nobody else since: "Now about me. Had cancer. Back pain."
        owned = False
        for index, sentence in enumerate(sentences):
            present = len(patient) + len(others)
            answer = sentences[index + 1].words[:3] if index + 1 < len(sentences) else []
            first = answer[:1]
            denied = self.negation_before.matches_in_words(
                first
            ) or self.negation_after.matches_in_words(first)
            contexts, carried = self.context.clauses(sentence.clauses, sentence.question, carried)
            # "Numbness down there? No, ..." denies what the question named; "I think I wet
            # myself?? never happened before" is the patient's own doubtful statement
            own = self.context.statement_start.matches_in_words(sentence.words[:1])
            if sentence.question and denied and not own:
                continue
            named_in_clauses, excused = self._named(sentence)
            dismissed |= set().union(*excused)
            span_clause, span_days = self._month_span(sentence)
            for k, (clause, named, context) in enumerate(
                zip(sentence.clauses, named_in_clauses, contexts, strict=True)
            ):
                # "I found him on the floor": the teller, not the owner of what follows
                owned = (context.of_self and not context.names_other) or (
                    owned and not context.someone_else
                )
                if context.someone_else:
                    # "my dad had prostate cancer": no sign of the patient's, but his history
                    named |= excused[k] & self.history_counts
                # an age holds whenever it is told; someone else's is theirs ("my 15 year old son")
                named |= self.time.symptoms(
                    clause,
                    durations=context.status is Status.PRESENT,
                    theirs=context.someone_else,
                    also_days=span_days if k == span_clause else (),
                )
                if context.someone_else:
                    # their history that counts (a cancer) is theirs, for a new sign with it
                    present = named if context.status is Status.PRESENT else set()
                    others.update(present | (named & self.history_counts))
                    dismissed.update(named - present - self.history_counts)
                elif context.status in (Status.GENERAL, Status.HYPOTHETICAL):
                    asked |= named
                elif context.status is Status.HISTORICAL:
                    patient |= named & self.history_counts
                    dismissed |= named - self.history_counts
                else:
                    patient |= named
                    (owned_named if owned else unowned).update(named)
            if len(patient) + len(others) == present and self.context.resolved.matches_in_words(
                sentence.words
            ):
                resolved_earlier = True
        return Findings(
            frozenset(patient),
            frozenset(others),
            frozenset(asked - patient),
            frozenset(dismissed - patient),
            resolved_earlier,
            frozenset(unowned - owned_named),
        )

    def _completed(
        self, known: frozenset[str], new: frozenset[str], level: Urgency | None = None
    ) -> tuple[Rule, ...]:
        everything = known | new
        return tuple(
            rule
            for rule in self.rules
            if rule.holds(everything)
            and rule.symptoms & (new - known)
            and (level is None or rule.level is level)
        )

    def assess(
        self, text: str, known: Iterable[str] = (), known_others: Iterable[str] = ()
    ) -> Assessment:
        found = self.findings(text)
        known_symptoms = frozenset(s for s in known if s in self.symptom_ids)
        if found.resolved_earlier:
            known_symptoms -= self.resolvable - found.patient
        known_theirs = frozenset(s for s in known_others if s in self.symptom_ids)
        if known_theirs and not known_symptoms and found.unowned:
            # a conversation about someone else: "has been sick four times now" is theirs
            found = replace(
                found, patient=found.patient - found.unowned, others=found.others | found.unowned
            )
        fired = self._completed(known_symptoms, found.patient)
        # someone else's signs: any level they complete; an emergency sign also on its own,
        # since a bystander writing to a back-pain assistant rarely repeats the back pain
        new_theirs = found.others
        if known_theirs and not known_symptoms:
            # a conversation about someone else: "since the 3rd, about 16 days" is theirs
            new_theirs |= found.patient & self.time.derived_symptoms
        theirs = known_theirs | new_theirs
        # what the teller checks on them ("when I press a glass on it") completes their emergency
        seen_for_them = new_theirs | (found.patient & self.observed) if new_theirs else new_theirs
        bystander = {
            rule.id: rule
            for rule in (
                *self._completed(known_theirs, new_theirs),
                *self._completed(known_theirs | {"back_pain"}, seen_for_them, Urgency.EMERGENCY),
            )
            if rule.for_bystander and rule not in fired
        }
        everything = known_symptoms | found.patient
        asked = tuple(
            rule
            for rule in self._completed(everything | {"back_pain"}, found.asked)
            if rule.level in STANDING_LEVELS and rule not in fired
        )
        return Assessment(
            symptoms=everything,
            new_symptoms=found.patient,
            rules=fired,
            others=theirs,
            bystander_rules=tuple(bystander.values()),
            asked_rules=asked,
            # the detector only matters where the rules found nothing to escalate
            # what the detector suspects above the level the rules escalate to: an emergency
            # behind an urgent finding gets its confirming question too
            suspected_rules=self._suspected(
                text,
                found,
                asked,
                Urgency.highest(*(r.level for r in (*fired, *bystander.values()))),
            ),
        )

    def _suspected(
        self, text: str, found: Findings, named: tuple[Rule, ...], escalated: Urgency
    ) -> tuple[Rule, ...]:
        """Urgent or emergency rules the detector suspects that the rules neither found nor
        set aside: a sign the rules read as negated, past or someone else's stays set aside."""
        if self.detector is None or escalated is Urgency.EMERGENCY:
            return ()
        set_aside = found.dismissed | found.others | found.asked
        eligible = {
            rule.id: rule
            for rule in self.rules
            if rule not in named
            and rule.level in STANDING_LEVELS
            and rule.level.rank > escalated.rank
            and not rule.symptoms & set_aside
        }
        suspected = self.detector.suspects(text, eligible.keys())
        if not suspected:
            return ()
        # to be safe, the gravest of the signs about as likely as the top one: "both legs feel
        # weak" shared between one weak leg and legs getting weaker asks about the emergency
        close = [
            eligible[rule_id] for rule_id, p in suspected if p >= CLOSE_SHARE * suspected[0][1]
        ]
        # the likeliest sign stays in the question: "wee a funny colour" asks about the urine
        top, gravest = eligible[suspected[0][0]], max(close, key=lambda rule: rule.level.rank)
        return (top,) if gravest.level is top.level else (gravest, top)

    def confirmed(
        self, rule_ids: Iterable[str], known: Iterable[str], others: Iterable[str] = ()
    ) -> Assessment:
        """The patient said yes to a confirming question: those rules fire now."""
        wanted = set(rule_ids)
        rules = tuple(rule for rule in self.rules if rule.id in wanted)
        added = frozenset(s for rule in rules for s in rule.all_of | set(sorted(rule.any_of)[:1]))
        everything = frozenset(known) | added
        return Assessment(
            symptoms=everything, new_symptoms=added, rules=rules, others=frozenset(others)
        )

    def help_said(self, text: str) -> str | None:
        """ "help_received" or "misunderstanding" when the patient says so, else None."""
        kinds = self.help_phrases.keys(text)
        return str(kinds[0]) if kinds else None

    def message(self, assessment: Assessment, language: Language) -> str:
        """The escalation in plain words: what to do and why (its sources: `cited_sources`);
        for someone else's emergency, worded for the person with them."""
        lang = language.value
        if assessment.rules:
            rules, key = assessment.rules, assessment.level.value
        else:
            rules, key = assessment.bystander_rules, f"{assessment.bystander_level.value}_bystander"
        reasons = "; ".join(rule.reason[lang] for rule in rules)
        action = self.text(key, language, reasons=reasons)
        return "\n\n".join([action, self.messages["after"][lang]])

    def text(self, key: str, language: Language, **values: str) -> str:
        return self.messages[key][language.value].format(number=self.emergency_number, **values)

    def question(self, rules: Iterable[Rule], language: Language, key: str) -> str:
        """The one confirming question naming the sign(s)."""
        asks = " / ".join(rule.ask[language.value] for rule in rules)
        return self.text(key, language, question=asks)

    @staticmethod
    def cited_sources(assessment: Assessment) -> list[str]:
        """The guidelines and articles the fired rules rest on, as patients may read them:
        without the notes in brackets, which point staff to the section."""
        names = (
            re.sub(r"\s*\([^)]*\)", "", name).strip()
            for rule in assessment.rules or assessment.bystander_rules
            for name in rule.source.split(";")
        )
        return list(dict.fromkeys(name for name in names if name))


def _joined(phrases: Iterable[str], breaks: Iterable[str]) -> frozenset[tuple[str, str, str]]:
    """The (word before, clause-break word, word after) triples inside the phrases."""
    breaks = frozenset(breaks)
    triples = set()
    for phrase in phrases:
        words = tokens(phrase)
        for i in range(1, len(words) - 1):
            if words[i] in breaks:
                triples.add((words[i - 1], words[i], words[i + 1]))
    return frozenset(triples)
