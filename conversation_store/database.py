"""Which database holds the conversations: one environment variable, BOT_DATABASE_URL.

The same URL gives our tools (retention, review tool) an SQLAlchemy engine and gives Rasa its
`tracker_store:` endpoint. The endpoint names only the variable, not the URL, so that a
PostgreSQL password never ends up in an endpoints file on disk; the store reads the variable
itself when Rasa constructs it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine

URL_ENV = "BOT_DATABASE_URL"
DEFAULT_URL = "sqlite:///var/conversations.db"  # relative to the project folder
PROJECT_DIR = Path(__file__).resolve().parent.parent
STORE_CLASS = "conversation_store.tracker_store.RedactingTrackerStore"
DIALECTS = ("sqlite", "postgresql")
# A second writer (retention, review tool) waits this long for Rasa's write lock on SQLite.
SQLITE_BUSY_SECONDS = 30


class DatabaseError(RuntimeError):
    """BOT_DATABASE_URL is malformed, names an unsupported database, or cannot be reached.

    A RuntimeError on purpose: Rasa swallows ImportError and AttributeError from a custom
    tracker store and silently keeps conversations in memory instead.
    """


def database_url(environ: Mapping[str, str] | None = None, name: str = URL_ENV) -> URL:
    """The URL in the variable `name` (or the default SQLite file), checked and with a
    relative SQLite path made absolute against the project folder."""
    environ = os.environ if environ is None else environ
    return parse_url((environ.get(name) or "").strip() or DEFAULT_URL, name)


def parse_url(raw: str, name: str = URL_ENV) -> URL:
    """`raw` checked; `name` says where it came from, for the error message."""
    try:
        url = sa.engine.make_url(raw)
    except (sa.exc.ArgumentError, ValueError) as err:
        raise DatabaseError(
            f"{name} is not a database URL ({err}); expected e.g. {DEFAULT_URL} or "
            "postgresql://user:password@host:5432/dbname"
        ) from err
    dialect = url.get_backend_name()
    if dialect not in DIALECTS:
        raise DatabaseError(f"{name} names '{dialect}'; supported are {', '.join(DIALECTS)}")
    if dialect == "sqlite":
        if not url.database or url.database == ":memory:":
            raise DatabaseError(f"{name} names an in-memory SQLite database: nothing would persist")
        path = Path(url.database).expanduser()
        if not path.is_absolute():
            path = PROJECT_DIR / path
        url = url.set(database=str(path))
    elif not url.database:
        raise DatabaseError(f"{name} names no database: {safe_url(url)}")
    return url


def safe_url(url: URL | str) -> str:
    """The URL for messages and logs, password masked."""
    url = sa.engine.make_url(url) if isinstance(url, str) else url
    return url.render_as_string(hide_password=True)


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    # WAL lets the review tool read while Rasa writes; the busy timeout makes a second
    # writer wait instead of failing with "database is locked".
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
    cursor.close()


def make_engine(url: URL) -> Engine:
    """An engine for `url`, without connecting (see `check_reachable`)."""
    if url.get_backend_name() == "sqlite":
        _private_file(Path(url.database))
        # Pooled: SQLAlchemy 1.4 would open and close the file for every session, and closing
        # the last connection of a WAL database checkpoints it, about 6 ms of every turn.
        # A pooled connection serves one thread at a time, so it may move between threads.
        engine = sa.create_engine(
            url,
            poolclass=sa.pool.QueuePool,
            connect_args={"timeout": SQLITE_BUSY_SECONDS, "check_same_thread": False},
        )
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    connect_args: dict[str, Any] = {"connect_timeout": 10}
    schema = os.environ.get("POSTGRESQL_SCHEMA")  # Rasa's variable; its store honours it too
    if schema:
        connect_args["options"] = f"-csearch_path={schema}"
    # pre_ping: after a PostgreSQL restart, pooled connections are dead; test before use.
    return sa.create_engine(
        url,
        pool_pre_ping=True,
        # Rasa's variable names; smaller defaults than Rasa's 50 + 100, which alone would
        # exceed PostgreSQL's default max_connections (100) with two processes.
        pool_size=int(os.environ.get("SQL_POOL_SIZE", "5")),
        max_overflow=int(os.environ.get("SQL_MAX_OVERFLOW", "20")),
        connect_args=connect_args,
    )


def _private_file(path: Path) -> None:
    """Create the SQLite file readable by its owner only (SQLite gives its -wal and -shm
    files the same mode): it holds health conversations, even if redacted."""
    if path.exists():
        return
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))  # an empty file is an empty db


def check_reachable(engine: Engine, name: str = URL_ENV, wait_seconds: float = 0) -> None:
    """Connect once (retrying for up to `wait_seconds`, for a database still starting);
    DatabaseError naming the variable if that fails."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            with engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
            return
        except sa.exc.DBAPIError as err:
            if time.monotonic() >= deadline:
                raise DatabaseError(
                    f"cannot connect to the database in {name} ({safe_url(engine.url)}): "
                    f"{reason(err)}"
                ) from err
            time.sleep(1)


def check_writable(
    engine: Engine, table: sa.Table, row: dict[str, Any], name: str = URL_ENV
) -> None:
    """Write `row` into `table` and delete it in one committed transaction: a database that
    is read-only (file, mount, replica, role) fails here, at start-up, and not silently on
    patients' turns. DatabaseError naming the variable, the database and the reason."""
    first = next(iter(row))
    try:
        with engine.begin() as connection:
            connection.execute(table.insert(), row)
            connection.execute(table.delete().where(table.c[first] == row[first]))
    except sa.exc.DBAPIError as err:
        raise DatabaseError(
            f"the database in {name} ({safe_url(engine.url)}) cannot be written: {reason(err)}"
        ) from err


def reason(err: BaseException) -> str:
    """A database error's own message, first line only: SQLAlchemy's text adds the statement
    and its parameters, which may hold conversation data."""
    original = getattr(err, "orig", None) or err
    lines = str(original).strip().splitlines()
    return f"{type(original).__name__}: {lines[0] if lines else ''}".rstrip(": ")


def number_setting(
    name: str, default: float, low: float, high: float, environ: Mapping[str, str] | None = None
) -> float:
    """A numeric setting from the environment, checked: DatabaseError naming it if it is not
    a number between `low` and `high`."""
    raw = ((os.environ if environ is None else environ).get(name) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:
        raise DatabaseError(f"{name} must be a number from {low:g} to {high:g}, not {raw!r}")
    return value


def connect(environ: Mapping[str, str] | None = None, create_tables: bool = True) -> Engine:
    """The engine our tools use: URL from BOT_DATABASE_URL, reachable, tables created."""
    from .schema import metadata

    engine = make_engine(database_url(environ))
    check_reachable(engine)
    if create_tables:
        create_all(engine, metadata)
    return engine


def create_all(engine: Engine, metadata: sa.MetaData) -> None:
    """Create missing tables; a race with another process creating them at once is fine."""
    try:
        metadata.create_all(engine)
    except (sa.exc.OperationalError, sa.exc.ProgrammingError, sa.exc.IntegrityError):
        metadata.create_all(engine)  # the other process won; now everything exists


def tracker_store_endpoint(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The `tracker_store:` section of Rasa's endpoints.yml. Validates the URL now, so a
    typo fails before Rasa starts, but writes only the variable's name into the file."""
    database_url(environ)
    return {"type": STORE_CLASS, "url_env": URL_ENV}


def tracker_store_yaml(environ: Mapping[str, str] | None = None) -> str:
    """The same section as endpoints.yml text."""
    endpoint = tracker_store_endpoint(environ)
    lines = "".join(f'  {key}: "{value}"\n' for key, value in endpoint.items())
    return f"tracker_store:\n{lines}"
