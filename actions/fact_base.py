"""The curated fact base: loaded from data/facts/*.yml, validated, and queried.

Every medical statement the assistant makes is a fact here, with its text in both
languages and the seed article it comes from. Start-up fails with a message naming the
file, fact and field when a fact breaks the schema, so a bad edit never reaches patients.
"""

from __future__ import annotations

import math
import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .data_files import (
    DataFileError,
    load_yaml,
    require_mapping,
    require_text_list,
)
from .phrase_matching import PhraseMatcher
from .taxonomy import HEALTH_TOPICS, Language, Region, Topic
from .text_normalization import tokens

FACT_FIELDS = {"id", "topic", "regions", "contexts", "source", "evidence", "text", "exercise"}
EXERCISE_FIELDS = {"name", "aliases", "steps", "dose"}
LANGUAGES = tuple(lang.value for lang in Language)
SEEDS_DIR_ENV = "BOT_SEEDS_DIR"
PROJECT_SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
# The assistant gives no drug doses: a fact's text naming an amount of a medicine or how
# often to take it is refused at start-up (exercise sets like "3 x 20 seconds" are fine).
_NUMBER = (
    r"(?:\d+(?:[.,]\d+)?|one|two|three|four|five|six|eight|twelve"
    r"|ein|eine|zwei|drei|vier|fünf|sechs|acht|zwölf)"
)
_TIMES = r"(?:once|twice|thrice|einmal|zweimal|dreimal|viermal|fünfmal|sechsmal)"
DOSE_PATTERNS = (
    re.compile(  # an amount: "400 mg", "5 ml", "2 Tabletten"
        r"\b\d+(?:[.,]\d+)?\s*(?:mg|mcg|µg|g|ml|iu|ie|milligram\w*|microgram\w*|millilit\w*"
        r"|gramm?s?|tablets?|tabletten?|pills?|capsules?|kapseln?|drops|tropfen|puffs?|sachets?"
        r"|beutel|h(?:ub|übe))\b",
        re.IGNORECASE,
    ),
    re.compile(  # how often a day: "2x täglich", "three times a day", "dreimal am Tag"
        rf"(?:\b{_NUMBER}\s*(?:x|times|mal|-mal)\b|\b{_TIMES})\s*"
        r"(?:(?:a|per|pro|am|im|each|jeden|the)\s+)?(?:day|daily|täglich|tags?|tages)\b",
        re.IGNORECASE,
    ),
    re.compile(  # at intervals: "alle 8 Stunden", "every 4-6 hours"
        rf"\b(?:every|alle)\s+{_NUMBER}(?:\s*(?:-|to|bis)\s*{_NUMBER})?\s*"
        r"(?:hours?|h|stunden?|std)\b",
        re.IGNORECASE,
    ),
)


def dose_in(text: str) -> str | None:
    """The first words of `text` that read as a drug dose, if any."""
    for pattern in DOSE_PATTERNS:
        found = pattern.search(text)
        if found:
            return found.group(0)
    return None


def squash(text: str) -> str:
    """Whitespace normalised, so that an excerpt matches across the article's line breaks."""
    return " ".join(text.split())


# A fact that shares rare words with the question ("heat", "Matratze") is relevant even when
# the patient named no region or circumstance; this much shared rarity makes it eligible.
MIN_RELEVANCE = 3.0


def stems(text: str) -> frozenset[str]:
    """Crude, language-neutral stems: folded words of 4+ letters cut to 5 letters."""
    return frozenset(word[:5] for word in tokens(text) if len(word) >= 4)


@dataclass(frozen=True)
class Source:
    file: str
    title: dict[str, str]


@dataclass(frozen=True)
class Exercise:
    name: dict[str, str]
    aliases: tuple[str, ...]
    steps: dict[str, tuple[str, ...]]
    dose: dict[str, str] | None


@dataclass(frozen=True)
class Fact:
    id: str
    topic: Topic
    regions: tuple[Region, ...]
    contexts: frozenset[str]
    source: str
    evidence: tuple[str, ...]
    text: dict[str, str]
    file: str
    exercise: Exercise | None = None

    def text_in(self, language: Language) -> str:
        return self.text[language.value]

    @property
    def words(self) -> frozenset[str]:
        names = [*self.exercise.name.values(), *self.exercise.aliases] if self.exercise else []
        return stems(" ".join([*self.text.values(), *names]))


def _bilingual(value: object, path: Path, item: str, field: str) -> dict[str, str]:
    mapping = require_mapping(value, path, item, field)
    for lang in LANGUAGES:
        if not isinstance(mapping.get(lang), str) or not mapping[lang].strip():
            raise DataFileError(path, f"missing {lang} text", item, f"{field}.{lang}")
    extra = set(mapping) - set(LANGUAGES)
    if extra:
        raise DataFileError(path, f"unknown language(s) {sorted(extra)}", item, field)
    return {lang: mapping[lang].strip() for lang in LANGUAGES}


def _bilingual_lists(value: object, path: Path, item: str, field: str) -> dict[str, tuple]:
    mapping = require_mapping(value if value is not None else {}, path, item, field)
    result = {
        lang: tuple(require_text_list(mapping.get(lang), path, item, f"{field}.{lang}"))
        for lang in LANGUAGES
    }
    return result


def _exercise(value: object, path: Path, item: str) -> Exercise:
    data = require_mapping(value, path, item, "exercise")
    unknown = set(data) - EXERCISE_FIELDS
    if unknown:
        raise DataFileError(path, f"unknown field(s) {sorted(unknown)}", item, "exercise")
    steps = _bilingual_lists(data.get("steps"), path, item, "exercise.steps")
    if len(steps["en"]) != len(steps["de"]):
        raise DataFileError(
            path,
            f"{len(steps['en'])} English but {len(steps['de'])} German steps",
            item,
            "exercise.steps",
        )
    aliases = _bilingual_lists(data.get("aliases"), path, item, "exercise.aliases")
    dose = data.get("dose")
    return Exercise(
        name=_bilingual(data.get("name"), path, item, "exercise.name"),
        aliases=aliases["en"] + aliases["de"],
        steps=steps,
        dose=_bilingual(dose, path, item, "exercise.dose") if dose is not None else None,
    )


def _fact(raw: object, path: Path, index: int, contexts: frozenset[str], sources: dict) -> Fact:
    data = require_mapping(raw, path, f"fact #{index + 1}")
    fact_id = data.get("id")
    if not isinstance(fact_id, str) or not fact_id.strip():
        raise DataFileError(path, "missing id", f"fact #{index + 1}", "id")
    item = f"fact '{fact_id}'"
    unknown = set(data) - FACT_FIELDS
    if unknown:
        raise DataFileError(path, f"unknown field(s) {sorted(unknown)}", item)
    try:
        topic = Topic(data.get("topic"))
    except ValueError:
        topic = None
    if topic not in HEALTH_TOPICS:
        allowed = ", ".join(t.value for t in HEALTH_TOPICS)
        raise DataFileError(
            path, f"unknown topic {data.get('topic')!r} (one of {allowed})", item, "topic"
        )
    region_names = require_text_list(data.get("regions"), path, item, "regions")
    bad_regions = [r for r in region_names if r not in {x.value for x in Region}]
    if bad_regions:
        raise DataFileError(path, f"unknown region(s) {bad_regions}", item, "regions")
    context_names = require_text_list(data.get("contexts"), path, item, "contexts")
    bad_contexts = sorted(set(context_names) - contexts)
    if bad_contexts:
        raise DataFileError(path, f"unknown context(s) {bad_contexts}", item, "contexts")
    source = data.get("source")
    if not isinstance(source, str) or not source.strip():
        raise DataFileError(path, "missing source", item, "source")
    if source not in sources:
        raise DataFileError(path, f"source {source!r} is not listed in sources.yml", item, "source")
    evidence = require_text_list(data.get("evidence"), path, item, "evidence")
    if not evidence:
        raise DataFileError(path, "needs at least one excerpt from the source", item, "evidence")
    exercise = _exercise(data["exercise"], path, item) if "exercise" in data else None
    if exercise and topic is not Topic.EXERCISES:
        raise DataFileError(
            path, "only facts with topic 'exercises' describe an exercise", item, "exercise"
        )
    text = _bilingual(data.get("text"), path, item, "text")
    for lang, words in text.items():
        dose = dose_in(words)
        if dose:
            problem = f"names a drug dose ({dose!r}): the assistant gives none"
            raise DataFileError(path, problem, item, f"text.{lang}")
    return Fact(
        id=fact_id.strip(),
        topic=topic,
        regions=tuple(Region(r) for r in region_names),
        contexts=frozenset(context_names),
        source=source,
        evidence=tuple(evidence),
        text=text,
        file=path.name,
        exercise=exercise,
    )


def load_sources(path: Path) -> dict[str, Source]:
    data = require_mapping(load_yaml(path), path)
    entries = require_mapping(data.get("sources"), path, field="sources")
    return {
        name: Source(
            name, _bilingual(require_mapping(entry, path, name).get("title"), path, name, "title")
        )
        for name, entry in entries.items()
    }


def seeds_dir() -> Path:
    """Where the source articles are: BOT_SEEDS_DIR, or the project's copy in seeds/."""
    value = os.environ.get(SEEDS_DIR_ENV, "").strip()
    folder = Path(value) if value else PROJECT_SEEDS_DIR
    if not folder.is_dir():
        raise DataFileError(folder, f"is not a directory of source articles ({SEEDS_DIR_ENV})")
    return folder


def load_articles(folder: Path, sources: Iterable[str], sources_file: Path) -> dict[str, str]:
    """Each listed source article's text, whitespace normalised."""
    articles = {}
    for name in sources:
        article = folder / name
        try:
            articles[name] = squash(article.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as err:
            problem = f"its article {article} cannot be read ({err})"
            raise DataFileError(sources_file, problem, f"source '{name}'") from err
    return articles


def check_evidence(fact: Fact, article: str, path: Path) -> None:
    """Every excerpt a fact rests on occurs in its source article (whitespace aside)."""
    for quote in fact.evidence:
        if squash(quote) not in article:
            shown = quote if len(quote) <= 80 else quote[:77] + "..."
            raise DataFileError(
                path,
                f"evidence {shown!r} is not in its source article {fact.source}",
                f"fact '{fact.id}'",
                "evidence",
            )


@dataclass
class FactBase:
    facts: list[Fact]
    sources: dict[str, Source]
    _by_id: dict[str, Fact] = field(init=False, repr=False)
    _words: dict[str, frozenset[str]] = field(init=False, repr=False)
    _idf: dict[str, float] = field(init=False, repr=False)
    exercise_matcher: PhraseMatcher = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id = {f.id: f for f in self.facts}
        self._words = {f.id: f.words for f in self.facts}
        counts = Counter(word for words in self._words.values() for word in words)
        self._idf = {word: math.log(len(self.facts) / n) for word, n in counts.items()}
        self.exercise_matcher = PhraseMatcher(
            (f.id, phrase)
            for f in self.facts
            if f.exercise
            for phrase in (*f.exercise.name.values(), *f.exercise.aliases)
        )

    @classmethod
    def load(
        cls,
        facts_dir: Path,
        sources_file: Path,
        contexts: Iterable[str],
        articles_dir: Path | None = None,
    ) -> FactBase:
        sources = load_sources(sources_file)
        articles = load_articles(articles_dir or seeds_dir(), sources, sources_file)
        known_contexts = frozenset(contexts)
        files = sorted(facts_dir.glob("*.yml"))
        if not files:
            raise DataFileError(facts_dir, "contains no fact files (*.yml)")
        facts: list[Fact] = []
        seen: dict[str, str] = {}
        for path in files:
            data = require_mapping(load_yaml(path), path)
            raw_facts = data.get("facts")
            if not isinstance(raw_facts, list) or not raw_facts:
                raise DataFileError(path, "must have a non-empty list 'facts'", field="facts")
            for index, raw in enumerate(raw_facts):
                fact = _fact(raw, path, index, known_contexts, sources)
                check_evidence(fact, articles[fact.source], path)
                if fact.id in seen:
                    raise DataFileError(
                        path,
                        f"duplicate id, already used in {seen[fact.id]}",
                        f"fact '{fact.id}'",
                        "id",
                    )
                seen[fact.id] = path.name
                facts.append(fact)
        return cls(facts, sources)

    def get(self, fact_id: str) -> Fact | None:
        return self._by_id.get(fact_id)

    def exercise_ids_in(self, text: str) -> list[str]:
        return self.exercise_matcher.keys(text)  # type: ignore[return-value]

    def relevance(self, fact: Fact, question: str) -> float:
        """How much rare vocabulary the fact shares with the patient's words."""
        shared = self._words[fact.id] & stems(question)
        return sum(self._idf[word] for word in shared)

    def advice(
        self,
        topic: Topic,
        region: Region | None,
        contexts: Iterable[str],
        limit: int,
        question: str = "",
    ) -> list[Fact]:
        """The most relevant facts (not exercise descriptions) for a question."""
        pool = [f for f in self.facts if f.topic is topic and f.exercise is None]
        return self.rank(pool, region, contexts, question)[:limit]

    def exercises(
        self, region: Region | None, contexts: Iterable[str], question: str = ""
    ) -> list[Fact]:
        pool = [f for f in self.facts if f.exercise is not None]
        return self.rank(pool, region, contexts, question)

    def rank(
        self, facts: list[Fact], region: Region | None, contexts: Iterable[str], question: str
    ) -> list[Fact]:
        """Facts that fit the region, circumstances and words of the question, best first.

        A fact about another region is left out, and so is a fact about a circumstance the
        patient did not mention (night, pregnancy, left side …) unless it shares rare words
        with the question; general facts come after specific ones.
        """
        asked = set(contexts)
        scored: list[tuple[float, int, Fact]] = []
        for order, fact in enumerate(facts):
            relevance = self.relevance(fact, question) if question else 0.0
            if fact.contexts and not fact.contexts & asked and relevance < MIN_RELEVANCE:
                continue
            if region is not None and fact.regions and region not in fact.regions:
                continue
            score = 3 * len(fact.contexts & asked) + relevance
            if region is not None and region in fact.regions:
                score += 4
            elif region is None and fact.regions:
                score -= 1
            scored.append((-score, order, fact))
        return [fact for _, _, fact in sorted(scored, key=lambda s: (s[0], s[1]))]
