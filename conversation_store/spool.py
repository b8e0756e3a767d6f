"""Turns the database would not take: kept in memory and in a local spool folder until it does.

When a save fails after its retries (database read-only, disk full, server gone), the
conversation's unsaved state — its latest session's events, redacted exactly as the database
would hold them, under the conversation's pseudonym — goes to `<spool>/<pseudonym>.json`
(owner-only). The store retries it after each later successful save, on a timer and at
start-up, and deletes the file once the events are in the database. The review tool reads the
folder to show admins what is waiting (`spool_summary`); Rasa's /health reports the in-memory
state (`StoreHealth`), which also covers a spool that could not be written (same full disk).
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .pseudonyms import is_pseudonym

logger = logging.getLogger(__name__)

SPOOL_ENV = "BOT_STORE_SPOOL_DIR"
DEFAULT_SPOOL = Path(__file__).resolve().parent.parent / "var" / "unsaved"


def spool_dir(environ: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    return Path((environ.get(SPOOL_ENV) or "").strip() or DEFAULT_SPOOL).expanduser()


@dataclass
class Unsaved:
    """One conversation's state that is not (all) in the database yet."""

    stored_id: str
    database: str  # its URL, password masked: replayed only into the database it missed
    events: list[dict[str, Any]]  # the latest session, redacted, as the tracker held it
    unsaved_turns: int  # patient messages among the events the database lacks
    escalated: bool  # an emergency escalation among them: staff must see this first
    first_failed_at: float
    last_error_at: float
    spooled: bool = False  # False: held in memory only (the spool could not be written)

    @classmethod
    def from_file(cls, path: Path) -> Unsaved:
        data = json.loads(path.read_text(encoding="utf-8"))
        data.pop("spooled", None)
        unsaved = cls(**data, spooled=True)
        if not is_pseudonym(unsaved.stored_id) or path.stem != unsaved.stored_id:
            raise ValueError(f"{path.name} does not hold the conversation it is named after")
        return unsaved


@dataclass
class StoreHealth:
    """What /health reports: conversations waiting to be written, and the last error."""

    unsaved: dict[str, Unsaved] = field(default_factory=dict)
    last_error_at: float | None = None
    last_error: str | None = None  # the database's reason, without data or SQL

    def report(self) -> dict[str, Any]:
        return {
            "store": "failing" if self.unsaved else "ok",
            "unsaved_turns": sum(u.unsaved_turns for u in self.unsaved.values()),
            "unsaved_conversations": len(self.unsaved),
            "unsaved_escalations": sum(u.escalated for u in self.unsaved.values()),
            "not_spooled": sum(not u.spooled for u in self.unsaved.values()),
            "last_error_at": _iso(self.last_error_at),
            "last_error": self.last_error,
        }


class Spool:
    """The folder of unsaved conversations, one JSON file each."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def write(self, unsaved: Unsaved) -> bool:
        """Keep `unsaved` on disk (atomically); False, logged, if the disk will not take it."""
        path = self.folder / f"{unsaved.stored_id}.json"
        partial = path.with_suffix(".part")
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            record = {k: v for k, v in asdict(unsaved).items() if k != "spooled"}
            descriptor = os.open(partial, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                json.dump(record, file)
                file.flush()
                os.fsync(file.fileno())
            partial.replace(path)
            return True
        except OSError as err:
            partial.unlink(missing_ok=True)
            logger.critical(
                "Conversation %s: its unsaved turns could not be spooled to %s either (%s): "
                "they are held in memory only until the database takes them",
                unsaved.stored_id,
                self.folder,
                err.strerror or err,
            )
            return False

    def remove(self, stored_id: str, *, strict: bool = False) -> bool:
        """Delete the conversation's file; whether there was one. A file that cannot be
        deleted is logged (it is replayed at start-up: written once, by the count), or with
        `strict` (an erasure) raises the OSError."""
        path = self.folder / f"{stored_id}.json"
        try:
            path.unlink()
            return True
        except FileNotFoundError:
            return False
        except OSError as err:
            if strict:
                raise
            logger.warning("Conversation %s: its spool file stays: %s", stored_id, err)
            return False

    def load(self, database: str | None = None) -> list[Unsaved]:
        """The spooled conversations (of `database`, if given); an unreadable file is named,
        not dropped."""
        if not self.folder.is_dir():
            return []
        found = []
        for path in sorted(self.folder.glob("*.json")):
            try:
                unsaved = Unsaved.from_file(path)
                if database is None or unsaved.database == database:
                    found.append(unsaved)
                else:
                    logger.warning("Spool file %s belongs to %s", path.name, unsaved.database)
            except (OSError, ValueError, TypeError) as err:
                logger.error("Spool file %s cannot be read and is left in place: %s", path, err)
        return found


def spool_summary(folder: Path | None = None) -> dict[str, Any]:
    """For the review tool's admins: how many conversations and turns wait in the spool."""
    entries = Spool(folder or spool_dir()).load()
    return {
        "conversations": len(entries),
        "turns": sum(e.unsaved_turns for e in entries),
        "escalations": sum(e.escalated for e in entries),
        "since": min((e.first_failed_at for e in entries), default=None),
    }


def _iso(stamp: float | None) -> str | None:
    if stamp is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stamp))
