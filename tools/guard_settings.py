"""The turn guard's limits (from the environment) and its patient messages (from
data/service_messages.yml), checked at start-up with errors that name what is wrong.

No Rasa import here: tools.cluster_config reads the same HTTP body limit for nginx.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from actions.data_files import (
    DataFileError,
    load_yaml,
    require_bilingual,
    require_mapping,
    require_text,
)

PROJECT_DIR = Path(__file__).resolve().parent.parent
# Every service message must tell the patient where help is when the assistant cannot give it.
REQUIRED_PLACEHOLDER = "{number}"
MESSAGE_KEYS = (
    "message_too_long", "message_shortened", "sending_too_fast", "assistant_unavailable",
)  # fmt: skip


class SettingError(ValueError):
    """An environment variable of the turn guard is not a valid value."""


def _number(environment: Mapping[str, str], name: str, default: float, low: float) -> float:
    raw = environment.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingError(f"{name}={raw!r} is not a number") from None
    if not value >= low:  # also refuses NaN
        raise SettingError(f"{name}={raw!r} must be at least {low:g}")
    return value


def _whole(environment: Mapping[str, str], name: str, default: int, low: int) -> int:
    value = _number(environment, name, default, low)
    if value != int(value):
        raise SettingError(f"{name}={environment[name]!r} must be a whole number")
    return int(value)


@dataclass(frozen=True)
class GuardSettings:
    max_message_chars: int  # longer messages are answered without NLU
    max_request_bytes: int  # HTTP body limit of Rasa (Sanic) and nginx
    rate_messages: int  # one conversation may send this many messages ...
    rate_seconds: float  # ... per this many seconds
    max_pending_turns: int  # messages of one conversation waiting for or in a turn
    action_timeout_seconds: float  # the action server's time to answer one action

    @classmethod
    def from_environment(cls, environment: Mapping[str, str]) -> GuardSettings:
        chars = _whole(environment, "BOT_MAX_MESSAGE_CHARS", 2000, 1)
        # A character may take 12 bytes in JSON ("\ud83d\ude00"), plus the platform's
        # envelope; 256 KiB also lets the largest message a platform sends through (Slack:
        # 40,000 characters) get the clear answer instead of an HTTP 413 it would resend.
        request_bytes = _whole(
            environment, "BOT_MAX_REQUEST_BYTES", max(262_144, 16 * chars), 16 * chars
        )
        return cls(
            max_message_chars=chars,
            max_request_bytes=request_bytes,
            # Messages sent at once are held back by max_pending_turns; the bucket stops a
            # script answering each answer at once (30 in a row, then one every 2 s).
            rate_messages=_whole(environment, "BOT_RATE_LIMIT_MESSAGES", 30, 1),
            rate_seconds=_number(environment, "BOT_RATE_LIMIT_SECONDS", 60.0, 0.1),
            max_pending_turns=_whole(environment, "BOT_MAX_PENDING_TURNS", 3, 1),
            action_timeout_seconds=_number(environment, "BOT_ACTION_TIMEOUT_SECONDS", 10.0, 0.1),
        )


@dataclass(frozen=True)
class ServiceMessages:
    """What the patient is told when the guard answers instead of the assistant."""

    texts: dict[str, dict[str, str]]
    emergency_number: str

    @classmethod
    def load(cls, data_dir: Path, environment: Mapping[str, str]) -> ServiceMessages:
        path = data_dir / "service_messages.yml"
        data = require_mapping(load_yaml(path), path)
        texts: dict[str, dict[str, str]] = {}
        for key in MESSAGE_KEYS:
            if key not in data:
                raise DataFileError(path, "message is missing", f"message '{key}'")
            texts[key] = require_bilingual(data[key], path, f"message '{key}'", "")
            for language, text in texts[key].items():
                if REQUIRED_PLACEHOLDER not in text:
                    raise DataFileError(
                        path, f"must give the emergency number {REQUIRED_PLACEHOLDER}",
                        f"message '{key}'", language,
                    )  # fmt: skip
        unknown = sorted(set(data) - set(MESSAGE_KEYS))
        if unknown:
            raise DataFileError(path, f"unknown messages: {', '.join(unknown)}")
        number = environment.get("BOT_EMERGENCY_NUMBER", "").strip()
        if not number:
            red_flags = data_dir / "red_flags.yml"
            number = require_text(
                str(require_mapping(load_yaml(red_flags), red_flags).get("emergency_number", "")),
                red_flags, "", "emergency_number",
            )  # fmt: skip
        return cls(texts, number)

    def text(self, key: str, language: str | None, **values: object) -> str:
        """The message in `language`, or English then German if the language is not known."""
        languages = [language] if language in ("en", "de") else ["en", "de"]
        return "\n\n".join(
            self.texts[key][lang].format(number=self.emergency_number, **values)
            for lang in languages
        )


def data_dir(environment: Mapping[str, str]) -> Path:
    return Path(environment.get("BOT_DATA_DIR") or PROJECT_DIR / "data")


def request_body_limit(environment: Mapping[str, str] | None = None) -> int:
    """The HTTP body limit in bytes, for Rasa's Sanic and for nginx."""
    return GuardSettings.from_environment(
        os.environ if environment is None else environment
    ).max_request_bytes
