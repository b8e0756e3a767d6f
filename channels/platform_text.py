"""How a bot turn reads on a messaging platform, independent of the platform.

Platforms cap the length of a message and not all of them show buttons, so a long answer is
split where a reader would pause (paragraph, line, sentence, word) and buttons become numbered
choices that the patient answers with the number.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

Button = dict[str, str]

# Coarsest first: an answer is split at the widest break that makes its parts fit. Each level
# is rejoined with its own separator, so a part never starts or ends with a dangling break.
_BREAKS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\n[ \t]*\n\s*"), "\n\n"),
    (re.compile(r"[ \t]*\n\s*"), "\n"),
    (re.compile(r"(?<=[.!?…:;])\s+"), " "),
    (re.compile(r"\s+"), " "),
)

_PROMPT = {
    "en": "Reply with a number.",
    "de": "Antworten Sie mit einer Nummer.",
}
# Before the contract says which language a turn is in (or if it never does).
_NEUTRAL_PROMPT = "Antworten Sie mit einer Nummer / Reply with a number."

_CHOICE = re.compile(r"^\s*(\d{1,2})\s*[.)]?\s*$")


def split_text(text: str, limit: int) -> list[str]:
    """`text` as consecutive parts of at most `limit` characters, in order."""
    if limit < 1:
        raise ValueError(f"limit must be positive, not {limit}")
    text = text.strip()
    if not text:
        return []
    return _split(text, limit, 0)


def _split(text: str, limit: int, level: int) -> list[str]:
    if len(text) <= limit:
        return [text]
    if level == len(_BREAKS):
        # A single "word" longer than the limit (a URL, say): nothing to do but cut it.
        return [text[i : i + limit] for i in range(0, len(text), limit)]
    pattern, joiner = _BREAKS[level]
    pieces = [p for p in pattern.split(text) if p]
    if len(pieces) == 1:
        return _split(text, limit, level + 1)
    parts: list[str] = []
    current = ""
    for piece in pieces:
        if len(piece) > limit:
            # Too long for one message on its own: it starts a message and is split finer.
            if current:
                parts.append(current)
            *whole, current = _split(piece, limit, level + 1)
            parts.extend(whole)
        elif not current:
            current = piece
        elif len(current) + len(joiner) + len(piece) <= limit:
            current = f"{current}{joiner}{piece}"
        else:
            parts.append(current)
            current = piece
    if current:
        parts.append(current)
    return parts


def numbered_choices(buttons: Sequence[Button], language: str | None = None) -> str:
    """The buttons as a numbered list the patient can answer in a plain-text channel."""
    lines = [
        f"{i}. {button.get('title') or button.get('payload', '')}"
        for i, button in enumerate(buttons, start=1)
    ]
    lines.append(_PROMPT.get(language or "", _NEUTRAL_PROMPT))
    return "\n".join(lines)


def with_numbered_choices(
    text: str, buttons: Sequence[Button], language: str | None, ending: Sequence[str | None] = ()
) -> str:
    """The text with its choices numbered; before `ending` (the source line and disclaimer
    that end a health answer, from the reply contract), so the disclaimer still ends it."""
    text = text.strip()
    if not buttons:
        return text
    choices = numbered_choices(buttons, language)
    tail = "\n\n".join(part for part in ending if part)
    if tail and text.endswith(tail) and len(text) > len(tail):
        return f"{text[: -len(tail)].rstrip()}\n\n{choices}\n\n{tail}"
    return f"{text}\n\n{choices}" if text else choices


def chosen_payload(reply: str, buttons: Sequence[Button]) -> str | None:
    """The payload of the choice a reply like "2", " 2 " or "2." names, if it names one."""
    match = _CHOICE.match(reply or "")
    if not match:
        return None
    index = int(match.group(1)) - 1
    if 0 <= index < len(buttons):
        return buttons[index].get("payload") or buttons[index].get("title")
    return None


def looks_like_choice(reply: str | None) -> bool:
    """Cheap test before the tracker store is asked which choices were offered."""
    return bool(reply and _CHOICE.match(reply))
