"""All data the actions answer from, loaded and validated once when the action server starts."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .data_files import PROJECT_DIR, DataFileError
from .doctor_check_questions import DoctorCheck
from .fact_base import FactBase
from .language import ForeignWords
from .messages import Messages
from .red_flag_detector import RedFlagDetector
from .triage import Triage
from .vocabulary import Vocabulary


@dataclass(frozen=True)
class Knowledge:
    facts: FactBase
    vocabulary: Vocabulary
    messages: Messages
    triage: Triage
    doctor_check: DoctorCheck
    foreign_words: ForeignWords

    @classmethod
    def load(cls, data_dir: Path) -> Knowledge:
        vocabulary = Vocabulary.load(data_dir / "vocabulary.yml")
        triage = Triage.load(data_dir / "red_flags.yml")
        triage.detector = RedFlagDetector.load(
            data_dir / "red_flag_examples.yml", {rule.id for rule in triage.rules}, data_dir / "nlu"
        )
        return cls(
            facts=FactBase.load(data_dir / "facts", data_dir / "sources.yml", vocabulary.contexts),
            vocabulary=vocabulary,
            messages=Messages.load(data_dir / "messages.yml"),
            triage=triage,
            doctor_check=DoctorCheck.load(data_dir / "doctor_check.yml", triage.symptom_ids),
            foreign_words=ForeignWords.load(data_dir / "foreign_words.yml", vocabulary),
        )


def data_dir() -> Path:
    return Path(os.environ.get("BOT_DATA_DIR", PROJECT_DIR / "data"))


# Loaded at import so that a broken data file stops the action server at start-up. rasa-sdk
# exits with status 1 (instead of serving half an assistant) only on an ImportError.
try:
    KNOWLEDGE = Knowledge.load(data_dir())
except DataFileError as err:
    raise ImportError(f"The assistant's data is invalid: {err}") from err
