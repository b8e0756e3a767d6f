"""The assistant's own wording (greetings, headings, buttons, the disclaimer) in both languages."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .data_files import DataFileError, load_yaml, require_bilingual, require_mapping
from .taxonomy import Language


@dataclass(frozen=True)
class Messages:
    texts: dict[str, dict[str, str]]
    path: str

    @classmethod
    def load(cls, path: Path) -> Messages:
        data = require_mapping(load_yaml(path), path)
        texts: dict[str, dict[str, str]] = {}
        for key, entry in data.items():
            texts[key] = require_bilingual(entry, path, f"message '{key}'", "")
        return cls(texts, str(path))

    def text(self, key: str, language: Language, **values: str) -> str:
        try:
            template = self.texts[key][language.value]
        except KeyError as err:
            raise DataFileError(self.path, "message is missing", f"message '{key}'") from err
        return template.format(**values) if values else template
