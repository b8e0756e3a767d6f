"""The doctor check's questions, answer words and texts (data/doctor_check.yml)."""

from __future__ import annotations

from dataclasses import dataclass
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
from .phrase_matching import PhraseMatcher
from .taxonomy import Language

ANSWERS = ("yes", "no", "stop")


@dataclass(frozen=True)
class Question:
    slot: str
    symptoms: frozenset[str]
    text: dict[str, str]


@dataclass(frozen=True)
class DoctorCheck:
    questions: tuple[Question, ...]
    answers: PhraseMatcher
    messages: dict[str, dict[str, str]]

    @classmethod
    def load(cls, path: Path, symptom_ids: frozenset[str]) -> DoctorCheck:
        data = require_mapping(load_yaml(path), path)
        answers = require_mapping(data.get("answers"), path, field="answers")
        phrases = []
        for kind in ANSWERS:
            phrases += [
                (kind, w) for w in require_phrases(answers.get(kind), path, "answers", kind)
            ]
        questions = []
        for index, raw in enumerate(data.get("questions") or []):
            raw = require_mapping(raw, path, f"question #{index + 1}")
            slot = require_text(raw.get("slot"), path, f"question #{index + 1}", "slot")
            symptoms = frozenset(require_text_list(raw.get("symptoms"), path, slot, "symptoms"))
            if not symptoms or symptoms - symptom_ids:
                raise DataFileError(
                    path, f"unknown symptom(s) {sorted(symptoms - symptom_ids)}", slot, "symptoms"
                )
            questions.append(
                Question(slot, symptoms, require_bilingual(raw.get("text"), path, slot, "text"))
            )
        messages = require_mapping(data.get("messages"), path, field="messages")
        return cls(
            questions=tuple(questions),
            answers=PhraseMatcher(phrases, typos=False),
            messages={
                key: require_bilingual(entry, path, key, "") for key, entry in messages.items()
            },
        )

    def question(self, slot: str) -> Question | None:
        return next((q for q in self.questions if q.slot == slot), None)

    def answer(self, text: str) -> str | None:
        """ "yes", "no" or "stop" when the text says one of them (and not two), else None."""
        kinds = set(self.answers.keys(text))
        if "stop" in kinds:
            return "stop"
        return kinds.pop() if len(kinds) == 1 else None

    def text(self, key: str, language: Language) -> str:
        return self.messages[key][language.value]
