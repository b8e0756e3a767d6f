"""Rasa's SQL tracker store, with personal data redacted before anything is written and the
staff list's summary row kept up to date in the same transaction.

Rasa loads it from endpoints.yml (see `database.tracker_store_endpoint`):

    tracker_store:
      type: "conversation_store.tracker_store.RedactingTrackerStore"
      url_env: "BOT_DATABASE_URL"

Only stored events are redacted: the bot has already answered the message it was given. From
the next turn on, Rasa reloads the tracker from here, so earlier messages come back redacted.
Conversation ids are stored as pseudonyms (see `pseudonyms`): a channel's id may be a phone
number.

No turn is lost silently when the database will not write (read-only, disk full, gone):
start-up refuses a database it cannot write to; a failed save is retried a few times with a
short back-off (the patient is waiting for the answer); then the conversation's unsaved state
is kept in memory and in the spool folder (`spool`), the store reads the conversation from
there on the next turn, and writes it with the next save that succeeds, its own or any
other's (and on a timer, and at start-up). /health reports it (`health`). The patient gets
the answer, an escalation's emergency number included, as if nothing had happened: the
answer was already given when Rasa saves, and the turn is kept; only staff can act on it.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from actions.urgency import Urgency
from channels.delivery import DELIVERY_KEY

from .database import (
    URL_ENV,
    DatabaseError,
    check_reachable,
    check_writable,
    create_all,
    database_url,
    make_engine,
    number_setting,
    parse_url,
    reason,
    safe_url,
)
from .pseudonyms import PseudonymKeyError, load_key, pseudonym
from .redaction import redact_value
from .schema import FALLBACK_ACTION, LOW_CONFIDENCE, audit_log, conversation_summaries, metadata
from .spool import Spool, StoreHealth, Unsaved, spool_dir

logger = logging.getLogger(__name__)

CONNECT_WAIT_SECONDS = 30  # a database container may still be starting when Rasa does
_RANKS = {level.value: level.rank for level in Urgency}
EVENTS = SQLTrackerStore.SQLEvent.__table__  # Rasa's `events` table
# A failed save is tried this often in all, waiting DELAY, 2 x DELAY, … in between: with the
# defaults at most 0.3 s more before the patient's answer leaves (the REST channel waits).
ATTEMPTS_ENV, DEFAULT_ATTEMPTS = "BOT_STORE_SAVE_ATTEMPTS", 3
DELAY_ENV, DEFAULT_DELAY = "BOT_STORE_RETRY_DELAY_SECONDS", 0.1
# How often unsaved conversations are retried when no save succeeds to carry them along.
INTERVAL_ENV, DEFAULT_INTERVAL = "BOT_STORE_RETRY_INTERVAL_SECONDS", 30.0

_active: RedactingTrackerStore | None = None


def active_store() -> RedactingTrackerStore | None:
    """The store of this process (for /health), once Rasa has built it."""
    return _active


class RedactingTrackerStore(SQLTrackerStore):
    """SQLTrackerStore whose `save` redacts events and upserts `conversation_summaries`."""

    def __init__(
        self,
        domain: Domain | None = None,
        host: str | None = None,
        url_env: str = URL_ENV,
        event_broker: EventBroker | None = None,
        connect_wait_seconds: float = CONNECT_WAIT_SECONDS,
        **kwargs: Any,
    ) -> None:
        """`host` may be a full database URL (Rasa passes an endpoint's `url:` as `host`);
        otherwise the URL is read from the environment variable `url_env`.

        SQLTrackerStore.__init__ is not called: it retries an unreachable database forever
        and builds its own engine; ours gives up with an error naming the variable.
        """
        try:
            if host and "://" in host:
                url = parse_url(host, "the tracker store's url")
            else:
                url = database_url(name=url_env)
            TrackerStore.__init__(self, domain, event_broker, **kwargs)
            self.engine = make_engine(url)
            check_reachable(self.engine, url_env, connect_wait_seconds)
            create_all(self.engine, SQLTrackerStore.Base.metadata)  # Rasa's `events`
            create_all(self.engine, metadata)
            check_writable(self.engine, EVENTS, _PROBE_ROW, url_env)
            self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)  # Rasa's keys() uses it
            self.id_key = load_key()
            self.attempts = int(number_setting(ATTEMPTS_ENV, DEFAULT_ATTEMPTS, 1, 10))
            self.retry_delay = number_setting(DELAY_ENV, DEFAULT_DELAY, 0, 5)
            self.retry_interval = number_setting(INTERVAL_ENV, DEFAULT_INTERVAL, 1, 3600)
            self.spool = Spool(spool_dir())
            self.health = StoreHealth()
        except PseudonymKeyError as err:
            raise DatabaseError(str(err)) from err
        except (AttributeError, ImportError) as err:
            # Rasa would catch these and quietly fall back to an in-memory store.
            raise DatabaseError(f"the conversation store could not start: {err!r}") from err
        logger.info("Conversations are stored in %s", safe_url(self.engine.url))
        # left by an earlier run that could not write them
        for unsaved in self.spool.load(safe_url(self.engine.url)):
            self.health.unsaved[unsaved.stored_id] = unsaved
        self.flush_unsaved()
        global _active
        _active = self

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Write the tracker's new events, redacted, and its summary, in one transaction;
        retried, then kept as unsaved (never raised: Rasa would fall back to a store in
        memory that is forgotten on the next turn)."""
        await self.stream_events(tracker)
        stored_id = self.stored_id(tracker.sender_id)
        self._forget_if_erased(stored_id)
        # The tracker begins with the unsaved events it was rebuilt from (`_retrieve`): those
        # are written as kept, redacted already (redacting twice would re-key delivery ids).
        unsaved = self.health.unsaved.get(stored_id)
        known: list[Any] = unsaved.events if unsaved else []
        events = known + list(tracker.events)[len(known) :]
        for attempt in range(1, self.attempts + 1):
            try:
                written = self._write(stored_id, events)
                break
            except sa.exc.SQLAlchemyError as err:
                self._note_error(err)
                logger.warning(
                    "Conversation %s: saving failed (attempt %d of %d): %s",
                    stored_id, attempt, self.attempts, reason(err),
                )  # fmt: skip
                self.engine.dispose()  # the next attempt on a fresh connection
                if attempt < self.attempts:
                    await asyncio.sleep(self.retry_delay * 2 ** (attempt - 1))
        else:
            self._keep_unsaved(stored_id, events)
            return
        logger.debug("Tracker %s: %d new events stored", stored_id, written)
        if self.health.unsaved.pop(stored_id, None) is not None:
            self.spool.remove(stored_id)
            logger.warning("Conversation %s: its unsaved turns are stored now", stored_id)
        self.flush_unsaved()

    def _write(self, stored_id: str, events: list[Event | dict[str, Any]]) -> int:
        """Insert the events the table lacks, redacted, and update the summary; how many."""
        with self.engine.begin() as connection:
            # Rasa's rule: the tracker holds the latest session's events, of which the first
            # `stored` are in the table already.
            stored = connection.execute(_COUNT_LATEST, {"stored_id": stored_id}).scalar_one()
            new_events = [self._redacted(e) for e in itertools.islice(events, stored, None)]
            if new_events:
                connection.execute(EVENTS.insert(), [_row(stored_id, e) for e in new_events])
                upsert_summary(connection, stored_id, new_events)
        return len(new_events)

    def _note_error(self, err: BaseException) -> None:
        self.health.last_error_at = time.time()
        self.health.last_error = reason(err)

    def _redacted(self, event: Event | dict[str, Any]) -> dict[str, Any]:
        return event if isinstance(event, dict) else self._stored_event(event.as_dict())

    def _keep_unsaved(self, stored_id: str, events: list[Event | dict[str, Any]]) -> None:
        """The save failed for good: keep the redacted state, report it, and carry on."""
        redacted = [self._redacted(event) for event in events]
        earlier = self.health.unsaved.get(stored_id)
        missing = Summary()  # what the table lacks: its turns, and whether one escalated
        for event in redacted[_stored_count(self.engine, stored_id) :]:
            missing.add(event)
        turns = missing.turns
        unsaved = Unsaved(
            stored_id=stored_id,
            database=safe_url(self.engine.url),
            events=redacted,
            unsaved_turns=turns,
            escalated=missing.escalated or missing.urgency_rank == _RANKS[Urgency.EMERGENCY.value],
            first_failed_at=earlier.first_failed_at if earlier else time.time(),
            last_error_at=self.health.last_error_at or time.time(),
        )
        unsaved.spooled = self.spool.write(unsaved)
        self.health.unsaved[stored_id] = unsaved
        log = logger.critical if unsaved.escalated else logger.error
        log(
            "Conversation %s: %d turn(s)%s NOT stored after %d attempts (%s); kept %s and "
            "retried; the patient was answered",
            stored_id, turns, " with an ESCALATION" if unsaved.escalated else "", self.attempts,
            self.health.last_error,
            f"in {self.spool.folder}" if unsaved.spooled else "in memory only",
        )  # fmt: skip

    def flush_unsaved(self) -> int:
        """Write the conversations kept as unsaved, as far as the database takes them; how
        many are still waiting."""
        for stored_id, unsaved in list(self.health.unsaved.items()):
            if self._forget_if_erased(stored_id):
                continue
            try:
                try:
                    self._write(stored_id, unsaved.events)
                except sa.exc.SQLAlchemyError:
                    # A pooled connection may predate the recovery (SQLite opened the file
                    # read-only; PostgreSQL's old primary): once more on a fresh one.
                    self.engine.dispose()
                    self._write(stored_id, unsaved.events)
            except sa.exc.SQLAlchemyError as err:
                self._note_error(err)
                self.engine.dispose()
                break  # the database still fails: the rest would too
            if self.health.unsaved.get(stored_id) is unsaved:  # not replaced meanwhile
                self._forget_unsaved(stored_id, "%d unsaved turn(s) are stored now")
        return len(self.health.unsaved)

    def _forget_unsaved(self, stored_id: str, why: str) -> None:
        """No longer hold the conversation's unsaved turns; `why` has a %d for their count."""
        unsaved = self.health.unsaved.pop(stored_id)
        self.spool.remove(stored_id)
        logger.warning(f"Conversation %s: {why}", stored_id, unsaved.unsaved_turns)

    def _forget_if_erased(self, stored_id: str) -> bool:
        """Drop the conversation's unsaved turns if it was erased since they failed (the
        erasure's audit row says so, conversation_store.retention): written later, they
        would bring back what the patient asked to have deleted."""
        unsaved = self.health.unsaved.get(stored_id)
        if unsaved is None:
            return False
        try:
            with self.engine.connect() as connection:
                erased = connection.execute(
                    _ERASED_SINCE, {"stored_id": stored_id, "since": unsaved.first_failed_at}
                ).scalar_one()
        except sa.exc.SQLAlchemyError:
            return False  # not readable now: asked again on the next turn or retry
        if erased:
            self._forget_unsaved(stored_id, "erased while %d turn(s) waited to be stored: dropped")
        return bool(erased)

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        """The tracker of the latest session (or of all sessions), as Rasa's store rebuilds it,
        with the events of a save that failed after the stored ones (the conversation goes
        on where it was). Rasa's queries, in SQLAlchemy Core: its ORM objects cost more."""
        stored_id = self.stored_id(sender_id)
        self._forget_if_erased(stored_id)
        query = _LOAD_ALL if fetch_events_from_all_sessions else _LOAD_LATEST
        with self.engine.connect() as connection:
            result = connection.execute(query, {"stored_id": stored_id})
            rows = result.scalars().all()
            unsaved = self.health.unsaved.get(stored_id)
            if unsaved is not None:
                latest = connection.execute(_COUNT_LATEST, {"stored_id": stored_id})
                stored_latest = latest.scalar_one()
        events = [json.loads(data) for data in rows]
        if unsaved is not None:
            events += unsaved.events[stored_latest:]
        if not self.domain or not events:
            return None
        return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)

    def stored_id(self, sender_id: str) -> str:
        return pseudonym(sender_id, self.id_key)

    def _stored_event(self, data: dict[str, Any]) -> dict[str, Any]:
        """The event as written: redacted; a message's delivery id (channels.delivery) kept
        as a pseudonym, which redaction must not touch (it is matched on a resend)."""
        metadata = data.get("metadata")
        delivery = metadata.get(DELIVERY_KEY) if isinstance(metadata, dict) else None
        stored = redact_value(data)
        if isinstance(delivery, str) and isinstance(stored.get("metadata"), dict):
            stored["metadata"][DELIVERY_KEY] = self.stored_id(delivery)
        return stored

    async def _stream_new_events(
        self, event_broker: EventBroker, new_events: list[Event], sender_id: str
    ) -> None:
        # An event broker is a store too: it gets the redacted events, like the database.
        for event in new_events:
            data = {"sender_id": self.stored_id(sender_id), **event.as_dict()}
            event_broker.publish(redact_value(data))


# Rasa's queries, in SQLAlchemy Core and built once: building them per turn cost as much as
# running them. `stored_id` is bound at execution.
_STORED_ID = sa.bindparam("stored_id")
_SESSION_START = (
    sa.select(sa.func.max(EVENTS.c.timestamp))
    .where(EVENTS.c.sender_id == _STORED_ID, EVENTS.c.type_name == SessionStarted.type_name)
    .scalar_subquery()
)
# A conversation's latest session: its events from the last `session_started` on, or all.
_LATEST_SESSION = (
    EVENTS.c.sender_id == _STORED_ID,
    sa.or_(EVENTS.c.timestamp >= _SESSION_START, _SESSION_START.is_(None)),
)
_COUNT_LATEST = sa.select(sa.func.count()).where(*_LATEST_SESSION)
_ERASED_SINCE = sa.select(sa.func.count()).where(
    audit_log.c.action == "delete",
    audit_log.c.target == sa.bindparam("stored_id"),
    audit_log.c.at >= sa.bindparam("since"),
)
_LOAD_LATEST = sa.select(EVENTS.c.data).where(*_LATEST_SESSION).order_by(EVENTS.c.id)
_LOAD_ALL = sa.select(EVENTS.c.data).where(EVENTS.c.sender_id == _STORED_ID).order_by(EVENTS.c.id)


# Written and deleted at start-up, in one transaction (`check_writable`).
_PROBE_ROW = {"sender_id": "store-write-probe", "type_name": "probe", "data": "{}"}


def _stored_count(engine: sa.engine.Engine, stored_id: str) -> int:
    """How many of the latest session's events the table holds (0 if it cannot be read)."""
    try:
        with engine.connect() as connection:
            return connection.execute(_COUNT_LATEST, {"stored_id": stored_id}).scalar_one()
    except sa.exc.SQLAlchemyError:
        return 0


def _row(stored_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """The columns Rasa's save writes, taken from the redacted data."""
    return {
        "sender_id": stored_id,
        "type_name": data.get("event"),
        "timestamp": data.get("timestamp"),
        "intent_name": ((data.get("parse_data") or {}).get("intent") or {}).get("name"),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


# --- the summary row -------------------------------------------------------------------------


@dataclass
class Summary:
    """One conversation's row of `conversation_summaries`, updated event by event."""

    channel: str | None = None
    started_at: float | None = None
    last_at: float | None = None
    language: str | None = None
    turns: int = 0
    urgency_rank: int = 0
    topics: list[str] = field(default_factory=list)
    escalated: bool = False
    fallback: bool = False
    low_confidence: bool = False

    @classmethod
    def from_row(cls, row: Any) -> Summary:
        return cls(
            channel=row.channel,
            started_at=row.started_at,
            last_at=row.last_at,
            language=row.language,
            turns=row.turns,
            urgency_rank=row.urgency_rank,
            topics=[t for t in row.topics.split(",") if t],
            escalated=bool(row.escalated),
            fallback=bool(row.fallback),
            low_confidence=bool(row.low_confidence),
        )

    def add(self, event: dict[str, Any]) -> None:
        stamp = event.get("timestamp")
        if isinstance(stamp, (int, float)):
            self.started_at = stamp if self.started_at is None else min(self.started_at, stamp)
            self.last_at = stamp if self.last_at is None else max(self.last_at, stamp)
        kind = event.get("event")
        if kind == "user":
            self.turns += 1
            self.channel = event.get("input_channel") or self.channel
            confidence = ((event.get("parse_data") or {}).get("intent") or {}).get("confidence")
            if isinstance(confidence, (int, float)) and confidence < LOW_CONFIDENCE:
                self.low_confidence = True
        elif kind == "bot":
            custom = (event.get("data") or {}).get("custom")
            if isinstance(custom, dict):  # the reply contract
                self._raise_urgency(custom.get("urgency"))
                self.language = custom.get("language") or self.language
                topic = custom.get("topic")
                if isinstance(topic, str) and topic and topic not in self.topics:
                    self.topics.append(topic)
        elif kind == "slot":
            if event.get("name") == "urgency":
                self._raise_urgency(event.get("value"))
            elif event.get("name") == "escalation" and event.get("value"):
                self.escalated = True
        elif kind == "action" and event.get("name") == FALLBACK_ACTION:
            self.fallback = True

    def _raise_urgency(self, level: object) -> None:
        self.urgency_rank = max(self.urgency_rank, _RANKS.get(level, 0))  # type: ignore[arg-type]

    def values(self) -> dict[str, Any]:
        topics = ",".join(self.topics)
        return {
            "channel": (self.channel or None) and self.channel[:64],
            "started_at": self.started_at,
            "last_at": self.last_at,
            "language": (self.language or None) and self.language[:8],
            "turns": self.turns,
            "urgency": list(Urgency)[self.urgency_rank].value,
            "urgency_rank": self.urgency_rank,
            "topics": f",{topics}," if topics else ",",
            "escalated": self.escalated,
            "fallback": self.fallback,
            "low_confidence": self.low_confidence,
        }


def upsert_summary(
    connection: Connection, sender_id: str, new_events: Iterable[dict[str, Any]]
) -> None:
    """Fold the new events into the conversation's summary row, inside `connection`'s
    transaction. FOR UPDATE (PostgreSQL) holds off a concurrent save of the same conversation
    between the read and the write; SQLite serialises writers anyway."""
    row = connection.execute(_READ_SUMMARY, {"stored_id": sender_id}).first()
    summary = Summary.from_row(row) if row is not None else Summary()
    for event in new_events:
        summary.add(event)
    if summary.last_at is None:  # events without timestamps: nothing to order by
        return
    values = {**summary.values(), "sender_id": sender_id}
    connection.execute(_write_summary(connection.dialect.name), values)


_READ_SUMMARY = (
    sa.select(conversation_summaries)
    .where(conversation_summaries.c.sender_id == _STORED_ID)
    .with_for_update()
)


@cache
def _write_summary(dialect: str) -> Any:
    """INSERT … ON CONFLICT UPDATE of a whole summary row, built once per dialect."""
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(conversation_summaries)
    columns = [c.name for c in conversation_summaries.columns if c.name != "sender_id"]
    return insert.on_conflict_do_update(
        index_elements=["sender_id"], set_={name: insert.excluded[name] for name in columns}
    )
