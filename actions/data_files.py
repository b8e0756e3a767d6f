"""Reading the project's YAML data files with errors that name file, item and field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent


class DataFileError(ValueError):
    """A data file is missing, unreadable or breaks its schema."""

    def __init__(self, path: Path | str, problem: str, item: str = "", field: str = "") -> None:
        where = str(path)
        if item:
            where += f": {item}"
        if field:
            where += f": field '{field}'"
        super().__init__(f"{where}: {problem}")
        self.path, self.item, self.field, self.problem = str(path), item, field, problem


def load_yaml(path: Path) -> Any:
    """Parse one YAML file; binary, non-UTF-8 or malformed content is a DataFileError."""
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise DataFileError(path, f"cannot be read ({err.strerror})") from err
    if b"\x00" in raw:
        raise DataFileError(path, "is binary, not a YAML text file")
    try:
        return yaml.safe_load(raw.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise DataFileError(path, f"is not valid UTF-8 (byte {err.start})") from err
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark else ""
        raise DataFileError(
            path, f"is not valid YAML{line}: {getattr(err, 'problem', err)}"
        ) from err


def require_mapping(value: Any, path: Path, item: str = "", field: str = "") -> dict:
    if not isinstance(value, dict):
        raise DataFileError(path, f"must be a mapping, got {type(value).__name__}", item, field)
    return value


def require_text(value: Any, path: Path, item: str, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise DataFileError(path, "must be a non-empty text", item, field)
    return value.strip()


def require_text_list(value: Any, path: Path, item: str, field: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise DataFileError(path, "must be a list of non-empty texts", item, field)
    return [v.strip() for v in value]


def require_bilingual(value: Any, path: Path, item: str, field: str) -> dict[str, str]:
    """A mapping with a non-empty English and German text."""
    mapping = require_mapping(value, path, item, field)
    return {
        lang: require_text(mapping.get(lang), path, item, f"{field}.{lang}" if field else lang)
        for lang in ("en", "de")
    }


def require_phrases(value: Any, path: Path, item: str, field: str = "") -> list[str]:
    """Non-empty lists of phrases under `en` and `de`, returned as one list."""
    mapping = require_mapping(value, path, item, field)
    phrases: list[str] = []
    for lang in ("en", "de"):
        name = f"{field}.{lang}" if field else lang
        terms = require_text_list(mapping.get(lang), path, item, name)
        if not terms:
            raise DataFileError(path, "needs at least one phrase", item, name)
        phrases += terms
    return phrases
