"""CSV and JSON exports of the conversation list and of one conversation.

Patient text is untrusted: a cell starting with = + - @ (or a tab or carriage return) would be
run as a formula by a spreadsheet, so such cells get a leading apostrophe (OWASP's advice).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from typing import Any

from .queries import Conversation

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

LIST_COLUMNS = [
    "sender_id",
    "channel",
    "started_at",
    "last_at",
    "language",
    "turns",
    "urgency",
    "topics",
    "escalated",
    "fallback",
    "low_confidence",
]
TURN_COLUMNS = [
    "turn",
    "time",
    "speaker",
    "text",
    "buttons",
    "intent",
    "confidence",
    "topic",
    "urgency",
    "facts",
    "red_flag_rules",
]


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def iso(at: float | None) -> str:
    """UTC with offset, so that exports read the same wherever they are opened."""
    if not at:
        return ""
    return datetime.fromtimestamp(at, tz=timezone.utc).isoformat(timespec="seconds")


def _csv_line(values: Iterable[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([safe_cell(v) for v in values])
    return buffer.getvalue()


def summary_record(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "sender_id": row["sender_id"],
        "channel": row.get("channel"),
        "started_at": iso(row["started_at"]),
        "last_at": iso(row["last_at"]),
        "language": row.get("language"),
        "turns": row["turns"],
        "urgency": row["urgency"],
        "topics": row["topic_list"],
        "escalated": bool(row["escalated"]),
        "fallback": bool(row["fallback"]),
        "low_confidence": bool(row["low_confidence"]),
    }


def list_csv(rows: Iterable[dict[str, Any]], batch: int = 1000) -> Iterator[str]:
    """The list as CSV, `batch` lines at a time (streamed: a list may hold 100,000
    conversations)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(LIST_COLUMNS)
    for index, row in enumerate(rows, 1):
        record = summary_record(row)
        record["topics"] = " ".join(record["topics"])
        writer.writerow([safe_cell(record[c]) for c in LIST_COLUMNS])
        if index % batch == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def list_json(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """A JSON array, one conversation per line, streamed."""
    yield "[\n"
    for index, row in enumerate(rows):
        yield ("" if index == 0 else ",\n") + json.dumps(summary_record(row), ensure_ascii=False)
    yield "\n]\n"


def conversation_record(conversation: Conversation) -> dict[str, Any]:
    summary = conversation.summary
    return {
        "sender_id": conversation.sender_id,
        "summary": summary_record(summary) if summary else None,
        "turns": [
            {
                "turn": t.number,
                "time": iso(t.at),
                "new_session": t.session_start,
                "patient": t.patient_text,
                "via_button": t.via_button,
                "intent": t.intent,
                "confidence": t.confidence,
                "actions": t.actions,
                "bot": [{"text": m.text, "buttons": m.buttons} for m in t.bot],
                "topic": t.topic,
                "urgency": t.urgency,
                "facts": t.facts,
                "escalation": {"level": t.escalation_level, "rules": t.rules}
                if t.escalation_level
                else None,
            }
            for t in conversation.turns
        ],
    }


def conversation_json(conversation: Conversation) -> str:
    return json.dumps(conversation_record(conversation), ensure_ascii=False, indent=2) + "\n"


def conversation_csv(conversation: Conversation) -> str:
    """One line per message: the patient's, then the assistant's, with the turn's metadata."""
    lines = [_csv_line(TURN_COLUMNS)]
    for t in conversation.turns:
        facts = "; ".join(f"{f['id']} ({f['title']})" for f in t.facts)
        rules = "; ".join(r["id"] for r in t.rules)
        if t.patient_text is not None:
            confidence = f"{t.confidence:.3f}" if t.confidence is not None else ""
            patient = [t.number, iso(t.at), "patient", t.patient_text, "", t.intent, confidence]
            lines.append(_csv_line([*patient, "", "", "", ""]))
        for m in t.bot:
            bot = [t.number, iso(m.at), "assistant", m.text, " | ".join(m.buttons), "", ""]
            lines.append(_csv_line([*bot, t.topic or "", t.urgency or "", facts, rules]))
    return "".join(lines)
