"""Deleting conversations: all older than the retention period (run by a scheduler), or one
on request (right to erasure). Each deletion is one transaction and one audit_log row.

    python -m conversation_store.retention --older-than-days 365
    python -m conversation_store.retention                      # days from BOT_RETENTION_DAYS
    python -m conversation_store.retention --delete SENDER_ID [--channel twilio]

SENDER_ID is the stored id (as the review tool shows it) or a channel's own id, such as the
phone number a patient gives when asking for erasure: the stored ids name their channel
(`pseudonyms.conversation_id`), so that id is looked for on every channel (SMS and WhatsApp
alike, and as stored before ids named their channel), or on `--channel` only.

Exit status 0 when done, 1 when the conversation does not exist or the database fails.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import time
from collections.abc import Sequence
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from .database import DatabaseError, connect, safe_url
from .pseudonyms import CHANNELS, is_pseudonym, stored_ids_for_erasure
from .schema import audit_log, conversation_summaries
from .spool import Spool, spool_dir

DAYS_ENV = "BOT_RETENTION_DAYS"
DEFAULT_DAYS = 365  # a placeholder: each clinic sets its own period
RETENTION_ACTOR = "system:retention"
_CHUNK = 500  # sender ids per DELETE … IN (…), well under SQLite's bound-parameter limit

# Rasa's table, declared here rather than imported so that this module (and the review tool
# built on it) does not have to load Rasa.
events = sa.table("events", sa.column("sender_id", sa.String), sa.column("timestamp", sa.Float))


def delete_conversation(engine: Engine, sender_id: str, actor: str) -> int:
    """Delete one conversation's events and summary; returns the number of events deleted
    (0: there was no such conversation). The audit row is written either way."""
    with engine.begin() as connection:
        deleted, summaries = _delete(connection, [sender_id])
        detail = _detail(deleted, summaries, _remove_spooled(sender_id))
        if not deleted and not summaries and "spool_file" not in detail:
            detail["result"] = "not found"
        _audit(connection, actor, "delete", sender_id, detail)
    return deleted


def erase_conversations(engine: Engine, stored_ids: Sequence[str], actor: str) -> dict[str, int]:
    """Delete each of these conversations that exists, in one transaction, with an audit row
    for each; returns stored id -> events deleted. One "not found" audit row if none exists."""
    erased: dict[str, int] = {}
    with engine.begin() as connection:
        for stored_id in dict.fromkeys(stored_ids):
            deleted, summaries = _delete(connection, [stored_id])
            spooled = _remove_spooled(stored_id)
            if deleted or summaries or spooled:
                erased[stored_id] = deleted
                detail = _detail(deleted, summaries, spooled)
                _audit(connection, actor, "delete", stored_id, detail)
        if not erased:
            target = f"erasure request ({len(stored_ids)} stored ids tried)"
            _audit(connection, actor, "delete", target, {"result": "not found"})
    return erased


def _remove_spooled(stored_id: str) -> bool:
    """Erasure covers turns the database would not take yet (conversation_store.spool): the
    file goes, and the audit row tells the store in Rasa's process to drop what it holds. A
    file that stays fails the erasure (its transaction is rolled back), naming the file."""
    if not is_pseudonym(stored_id):
        return False
    spool = Spool(spool_dir())
    try:
        return spool.remove(stored_id, strict=True)
    except OSError as err:
        message = f"the spool file of {stored_id} in {spool.folder} stays: {err.strerror}"
        raise DatabaseError(message) from err


def _detail(events: int, summaries: int, spooled: bool) -> dict[str, int]:
    detail = {"events": events, "summary_rows": summaries}
    return {**detail, "spool_file": 1} if spooled else detail


def delete_older_than(
    engine: Engine, days: float, actor: str = RETENTION_ACTOR, now: float | None = None
) -> int:
    """Delete every conversation whose latest event is more than `days` days old; returns
    the number of conversations deleted. One audit row with the counts."""
    if days <= 0:
        raise ValueError(f"the retention period must be positive, got {days} days")
    now = time.time() if now is None else now
    cutoff = now - days * 86400
    with engine.begin() as connection:
        senders = _expired(connection, cutoff)
        deleted_events, _ = _delete(connection, senders)
        target = f"last activity before {_iso(cutoff)} ({days:g} days)"
        detail = {"conversations": len(senders), "events": deleted_events}
        _audit(connection, actor, "retention", target, detail)
    return len(senders)


def _expired(connection: Connection, cutoff: float) -> list[str]:
    summaries = conversation_summaries
    expired = connection.execute(
        sa.select(summaries.c.sender_id).where(summaries.c.last_at < cutoff)
    ).scalars()
    if not _has_events_table(connection):
        return sorted(expired)
    # Events with no summary row (stored before this store was in use, or by plain Rasa):
    # their own latest timestamp decides.
    orphans = connection.execute(
        sa.select(events.c.sender_id)
        .where(~sa.exists().where(summaries.c.sender_id == events.c.sender_id))
        .group_by(events.c.sender_id)
        .having(sa.func.max(events.c.timestamp) < cutoff)
    ).scalars()
    return sorted({*expired, *orphans})


def _has_events_table(connection: Connection) -> bool:
    # Rasa creates it on its first start; a database only our tools have used lacks it.
    return sa.inspect(connection).has_table("events")


def _delete(connection: Connection, senders: Sequence[str]) -> tuple[int, int]:
    events_deleted = summaries_deleted = 0
    with_events = _has_events_table(connection)
    for start in range(0, len(senders), _CHUNK):
        chunk = senders[start : start + _CHUNK]
        if with_events:
            events_deleted += connection.execute(
                sa.delete(events).where(events.c.sender_id.in_(chunk))
            ).rowcount
        summaries_deleted += connection.execute(
            sa.delete(conversation_summaries).where(conversation_summaries.c.sender_id.in_(chunk))
        ).rowcount
    return events_deleted, summaries_deleted


def _audit(connection: Connection, actor: str, action: str, target: str, detail: dict) -> None:
    connection.execute(
        sa.insert(audit_log).values(
            at=time.time(), actor=actor, action=action, target=target, detail=json.dumps(detail)
        )
    )


def _iso(stamp: float) -> str:
    return datetime.fromtimestamp(stamp, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def retention_days(environ: dict[str, str] | None = None) -> float:
    """BOT_RETENTION_DAYS, or DEFAULT_DAYS when unset."""
    raw = (os.environ if environ is None else environ).get(DAYS_ENV, "").strip()
    if not raw:
        return DEFAULT_DAYS
    try:
        days = float(raw)
    except ValueError:
        days = 0
    if days <= 0:
        raise ValueError(f"{DAYS_ENV} must be a positive number of days, got {raw!r}")
    return days


def cli_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name for this uid (e.g. some containers)
        return f"cli:uid{os.getuid()}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m conversation_store.retention",
        description="Delete stored conversations (database: BOT_DATABASE_URL).",
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--older-than-days",
        type=float,
        metavar="DAYS",
        help=f"delete conversations idle for longer (default: {DAYS_ENV} or {DEFAULT_DAYS})",
    )
    group.add_argument(
        "--delete",
        metavar="SENDER_ID",
        help="delete the conversation(s) of this stored id or channel id (e.g. phone number)",
    )
    parser.add_argument(
        "--channel",
        choices=CHANNELS,
        help="with --delete: look for a channel id on this channel only (default: on all)",
    )
    args = parser.parse_args(argv)
    if args.channel and args.delete is None:
        parser.error("--channel needs --delete")
    try:
        engine = connect()
        if args.delete is not None:
            if is_pseudonym(args.delete):
                candidates = [args.delete]
            else:
                channels = (args.channel,) if args.channel else CHANNELS
                candidates = stored_ids_for_erasure(args.delete, channels)
            erased = erase_conversations(engine, candidates, cli_actor())
            if not erased:
                print(f"No conversation {args.delete!r} in {safe_url(engine.url)}", file=sys.stderr)
                return 1
            for stored, deleted in erased.items():
                print(f"Deleted conversation {stored} ({deleted} events).")
            return 0
        days = args.older_than_days if args.older_than_days is not None else retention_days()
        count = delete_older_than(engine, days)
        print(f"Deleted {count} conversation(s) idle for more than {days:g} days.")
        return 0
    except (DatabaseError, ValueError, sa.exc.SQLAlchemyError) as err:  # incl. key errors
        print(f"error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
