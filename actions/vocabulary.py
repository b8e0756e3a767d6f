"""What patients call regions and circumstances, and which words mark each language.

Loaded from data/vocabulary.yml and validated at start-up like the fact base.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .data_files import (
    DataFileError,
    load_yaml,
    require_mapping,
    require_phrases,
    require_text_list,
)
from .phrase_matching import PhraseMatcher
from .taxonomy import Language, Region


def _phrases_by_language(section: dict, path: Path, kind: str, key: str) -> list[str]:
    item = f"{kind} '{key}'"
    phrases = require_phrases(section, path, item)
    unknown = set(section) - {lang.value for lang in Language}
    if unknown:
        raise DataFileError(path, f"unknown language(s) {sorted(unknown)}", item)
    return phrases


@dataclass(frozen=True)
class Vocabulary:
    contexts: frozenset[str]
    region_matcher: PhraseMatcher
    context_matcher: PhraseMatcher
    language_matchers: dict[Language, PhraseMatcher]

    @classmethod
    def load(cls, path: Path) -> Vocabulary:
        data = require_mapping(load_yaml(path), path)
        regions = require_mapping(data.get("regions"), path, field="regions")
        unknown = set(regions) - {r.value for r in Region}
        if unknown:
            raise DataFileError(path, f"unknown region(s) {sorted(unknown)}", field="regions")
        region_phrases = [
            (Region(key), phrase)
            for key, section in regions.items()
            for phrase in _phrases_by_language(section, path, "region", key)
        ]
        contexts = require_mapping(data.get("contexts"), path, field="contexts")
        context_phrases = [
            (key, phrase)
            for key, section in contexts.items()
            for phrase in _phrases_by_language(section, path, "context", key)
        ]
        markers = require_mapping(data.get("language_markers"), path, field="language_markers")
        language_matchers = {}
        for lang in Language:
            words = require_text_list(markers.get(lang.value), path, "language_markers", lang.value)
            if not words:
                raise DataFileError(path, "needs marker words", "language_markers", lang.value)
            # exact words only: with typos allowed, "hello" would also count as German "hallo"
            language_matchers[lang] = PhraseMatcher(((lang, w) for w in words), typos=False)
        return cls(
            contexts=frozenset(contexts),
            region_matcher=PhraseMatcher(region_phrases),
            context_matcher=PhraseMatcher(context_phrases),
            language_matchers=language_matchers,
        )

    def regions_in(self, text: str) -> list[Region]:
        return self.region_matcher.keys(text)  # type: ignore[return-value]

    def contexts_in(self, text: str) -> list[str]:
        return self.context_matcher.keys(text)  # type: ignore[return-value]
