"""What the review pages read: the filtered, paged list of conversations and one transcript.

The list reads only `conversation_summaries` (one row per conversation, indexed on `last_at`
and on urgency/language before it), pages by keyset (`last_at`, `sender_id`) and never reads
`events`, so it costs the same with 100 or 100,000 conversations. Only one conversation's view
reads its events, through Rasa's index on `events.sender_id`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa

from actions.taxonomy import Language, Topic
from actions.urgency import Urgency
from conversation_store.schema import FALLBACK_ACTION, LOW_CONFIDENCE
from conversation_store.schema import conversation_summaries as summaries

from . import params

PAGE_SIZE = 50
# Counting stops here: "more than 10,000" is as useful to staff as the exact number, and the
# count stays bounded however many conversations match.
COUNT_CAP = 10_000
MARKS = {"escalated": "Escalated", "fallback": "Fallback", "low_confidence": "Low confidence"}
URGENCIES = [u.value for u in Urgency]
TOPICS = [t.value for t in Topic]
LANGUAGES = [lang.value for lang in Language]

# Rasa's table (rasa.core.tracker_store.SQLTrackerStore); only the columns read here.
events = sa.table(
    "events",
    sa.column("id", sa.Integer),
    sa.column("sender_id", sa.String),
    sa.column("type_name", sa.String),
    sa.column("timestamp", sa.Float),
    sa.column("data", sa.Text),
)


@dataclass(frozen=True)
class Filters:
    """The list's filters and page position, read from the query string. An unknown choice
    is dropped (the form then shows it unset); a malformed or out-of-range date or cursor is
    refused with params.BadParameter, since it would fail in the database."""

    date_from: date | None = None  # last activity on or after this day (server's time zone)
    date_to: date | None = None  # ... on or before this day
    urgency: str = ""
    topic: str = ""
    language: str = ""
    mark: str = ""
    before: tuple[float, str] | None = None  # the page after this row (older)
    after: tuple[float, str] | None = None  # the page before this row (newer)

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> Filters:
        def choice(name: str, allowed: Mapping | list) -> str:
            value = query.get(name, "")
            return value if value in allowed else ""

        def cursor(name: str) -> tuple[float, str] | None:
            at = params.finite_number(query, f"{name}_at")
            sender = params.text(query, f"{name}_id") if f"{name}_id" in query else None
            return (at, sender) if at is not None and sender is not None else None

        return cls(
            date_from=params.day(query, "from"),
            date_to=params.day(query, "to"),
            urgency=choice("urgency", URGENCIES),
            topic=choice("topic", TOPICS),
            language=choice("language", LANGUAGES),
            mark=choice("mark", MARKS),
            before=cursor("before"),
            after=cursor("after"),
        )

    def params(self) -> dict[str, str]:
        """The filters (without page position) as query parameters, for links and exports."""
        values = {
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "urgency": self.urgency,
            "topic": self.topic,
            "language": self.language,
            "mark": self.mark,
        }
        return {k: v for k, v in values.items() if v}

    def query_string(self, **extra: Any) -> str:
        return urlencode({**self.params(), **extra})

    def describe(self) -> str:
        """For the audit log: which list was exported."""
        return " ".join(f"{k}={v}" for k, v in self.params().items()) or "all conversations"

    def conditions(self) -> list[sa.sql.ColumnElement]:
        c = summaries.c
        where: list[sa.sql.ColumnElement] = []
        if self.date_from:
            where.append(c.last_at >= datetime.combine(self.date_from, time.min).timestamp())
        if self.date_to:
            where.append(c.last_at <= datetime.combine(self.date_to, time.max).timestamp())
        if self.urgency:
            # equality on urgency_rank, so that (urgency_rank, last_at) serves filter and order
            where.append(c.urgency_rank == Urgency(self.urgency).rank)
        if self.language:
            where.append(c.language == self.language)
        if self.topic:
            where.append(c.topics.like(f"%,{self.topic},%"))
        if self.mark:
            where.append(c[self.mark].is_(True))
        return where


@dataclass
class Page:
    rows: list[dict[str, Any]]
    filters: Filters
    total: int  # capped at COUNT_CAP + 1
    newer: dict[str, str] | None = None  # cursor parameters of the newer page, if any
    older: dict[str, str] | None = None

    @property
    def total_text(self) -> str:
        return f"more than {COUNT_CAP:,}" if self.total > COUNT_CAP else f"{self.total:,}"


def summary_row(row: sa.engine.Row) -> dict[str, Any]:
    data = row._asdict()
    data["topic_list"] = [t for t in (data.get("topics") or "").split(",") if t]
    return data


def _keyset_query(filters: Filters, limit: int) -> tuple[sa.sql.Select, bool]:
    """The page's query, and whether it runs newest-last (a "newer" page, reversed after)."""
    c = summaries.c
    query = sa.select(summaries).where(*filters.conditions())
    if filters.after:
        at, sender = filters.after
        # `last_at >= at` alone is what lets the index seek to the cursor instead of scanning
        query = query.where(c.last_at >= at, sa.or_(c.last_at > at, c.sender_id > sender))
        return query.order_by(c.last_at.asc(), c.sender_id.asc()).limit(limit), True
    if filters.before:
        at, sender = filters.before
        query = query.where(c.last_at <= at, sa.or_(c.last_at < at, c.sender_id < sender))
    return query.order_by(c.last_at.desc(), c.sender_id.desc()).limit(limit), False


def list_query(filters: Filters, limit: int = PAGE_SIZE) -> sa.sql.Select:
    return _keyset_query(filters, limit)[0]


def count_query(filters: Filters) -> sa.sql.Select:
    matching = (
        sa.select(summaries.c.sender_id).where(*filters.conditions()).limit(COUNT_CAP + 1)
    ).subquery()
    return sa.select(sa.func.count()).select_from(matching)


def _cursor(prefix: str, row: dict[str, Any]) -> dict[str, str]:
    return {f"{prefix}_at": repr(row["last_at"]), f"{prefix}_id": row["sender_id"]}


def list_conversations(engine: sa.engine.Engine, filters: Filters, limit: int = PAGE_SIZE) -> Page:
    query, reverse = _keyset_query(filters, limit + 1)
    with engine.connect() as connection:
        rows = [summary_row(r) for r in connection.execute(query)]
        total = connection.execute(count_query(filters)).scalar_one()
    more = len(rows) > limit
    rows = rows[:limit]
    if reverse:
        rows.reverse()
    paged_from = filters.after if reverse else filters.before
    page = Page(rows=rows, filters=replace(filters, before=None, after=None), total=total)
    # `more` tells of rows further in the direction of travel; the page we came from lies
    # the other way.
    has_newer, has_older = (more, True) if reverse else (paged_from is not None, more)
    if rows and has_newer:
        page.newer = _cursor("after", rows[0])
    if rows and has_older:
        page.older = _cursor("before", rows[-1])
    return page


def iter_summaries(
    engine: sa.engine.Engine, filters: Filters, batch: int = 1000
) -> Iterator[dict[str, Any]]:
    """Every matching summary, newest first, fetched in keyset batches (for exports)."""
    position = replace(filters, before=None, after=None)
    while True:
        with engine.connect() as connection:
            rows = [summary_row(r) for r in connection.execute(list_query(position, batch))]
        yield from rows
        if len(rows) < batch:
            return
        position = replace(position, before=(rows[-1]["last_at"], rows[-1]["sender_id"]))


# ---------------------------------------------------------------------------------------------
# One conversation


class Reference:
    """Titles of the fact base's sources and the red-flag rules' reasons, for the view; from
    the action server's own data (actions.knowledge), loaded on first use (about a second)."""

    @cached_property
    def _knowledge(self) -> Any:
        from actions.knowledge import KNOWLEDGE

        return KNOWLEDGE

    def source_title(self, name: str) -> str:
        source = self._knowledge.facts.sources.get(name)
        return source.title.get("en", name) if source else name

    def rule(self, rule_id: str) -> dict[str, str]:
        for rule in self._knowledge.triage.rules:
            if rule.id == rule_id:
                return {"id": rule_id, "reason": rule.reason.get("en", ""), "source": rule.source}
        return {"id": rule_id, "reason": "", "source": ""}


REFERENCE = Reference()


@dataclass
class BotMessage:
    at: float
    text: str
    buttons: list[str] = field(default_factory=list)


@dataclass
class Turn:
    """A patient message and everything the assistant did in reply to it. The first turn of
    a session may have no patient message (a greeting)."""

    number: int
    at: float
    patient_text: str | None = None
    via_button: bool = False  # the patient pressed a button; `patient_text` is its title
    intent: str | None = None
    confidence: float | None = None
    actions: list[str] = field(default_factory=list)
    bot: list[BotMessage] = field(default_factory=list)
    topic: str | None = None
    urgency: str | None = None
    facts: list[dict[str, str]] = field(default_factory=list)  # id, source, title
    escalation_level: str | None = None
    rules: list[dict[str, str]] = field(default_factory=list)  # id, reason, source
    session_start: bool = False  # the first turn after a new session started

    @property
    def low_confidence(self) -> bool:
        return self.confidence is not None and self.confidence < LOW_CONFIDENCE

    @property
    def fallback(self) -> bool:
        return FALLBACK_ACTION in self.actions


@dataclass
class Conversation:
    sender_id: str
    summary: dict[str, Any] | None
    turns: list[Turn]


def build_turns(event_dicts: list[dict[str, Any]]) -> list[Turn]:
    """Rasa's events (each event's `as_dict()`) grouped into turns."""
    turns: list[Turn] = []
    current: Turn | None = None
    new_session = False
    buttons_shown: dict[str, str] = {}  # payload -> title of the latest bot buttons

    def turn() -> Turn:
        nonlocal current, new_session
        if current is None:
            current = Turn(number=len(turns) + 1, at=0.0, session_start=new_session)
            new_session = False
            turns.append(current)
        return current

    for event in event_dicts:
        kind = event.get("event")
        at = float(event.get("timestamp") or 0.0)
        if kind == "session_started":
            new_session, current = bool(turns), None
        elif kind == "user":
            current = None
            this = turn()
            this.at = at
            text = event.get("text") or ""
            this.via_button = text in buttons_shown
            this.patient_text = buttons_shown.get(text, text)
            intent = (event.get("parse_data") or {}).get("intent") or {}
            this.intent, this.confidence = intent.get("name"), intent.get("confidence")
        elif kind == "bot":
            this = turn()
            this.at = this.at or at
            data = event.get("data") or {}
            custom = data.get("custom")
            if isinstance(custom, dict):
                _read_custom(this, custom)
            buttons = [b for b in data.get("buttons") or [] if isinstance(b, dict)]
            if buttons:
                buttons_shown = {str(b.get("payload")): str(b.get("title")) for b in buttons}
            titles = [str(b.get("title", "")) for b in buttons]
            if event.get("text") or titles:
                this.bot.append(BotMessage(at, event.get("text") or "", titles))
        elif kind == "action" and current is not None:
            name = event.get("name")
            if name and name != "action_listen":
                current.actions.append(name)
        elif kind == "slot" and event.get("name") == "escalation" and current is not None:
            value = event.get("value")
            if isinstance(value, dict):
                current.escalation_level = value.get("level")
                current.rules = [REFERENCE.rule(rule_id) for rule_id in value.get("rules") or []]
    return turns


def _read_custom(turn: Turn, custom: Mapping[str, Any]) -> None:
    turn.topic = custom.get("topic") or turn.topic
    turn.urgency = custom.get("urgency") or turn.urgency
    for fact in custom.get("facts") or []:
        if isinstance(fact, dict) and fact.get("id"):
            source = str(fact.get("source") or "")
            turn.facts.append(
                {"id": str(fact["id"]), "source": source, "title": REFERENCE.source_title(source)}
            )


def load_conversation(engine: sa.engine.Engine, sender_id: str) -> Conversation | None:
    with engine.connect() as connection:
        summary = connection.execute(
            sa.select(summaries).where(summaries.c.sender_id == sender_id)
        ).first()
        rows = connection.execute(
            sa.select(events.c.data).where(events.c.sender_id == sender_id).order_by(events.c.id)
        ).all()
    if summary is None and not rows:
        return None
    event_dicts = []
    for (data,) in rows:
        try:
            event_dicts.append(json.loads(data))
        except (TypeError, ValueError):
            continue  # an unreadable row should not hide the rest of the conversation
    return Conversation(
        sender_id=sender_id,
        summary=summary_row(summary) if summary is not None else None,
        turns=build_turns(event_dicts),
    )
