"""A throw-away PostgreSQL server for tests: initdb in a temp folder, pg_ctl start on a free
loopback port, and everything stopped and removed afterwards.

Use the fixtures in a test module (the import is what registers them; ruff needs the noqa
on the import and on the test's parameter):

    from tests.postgres import postgres_server, postgres_url  # noqa: F401

    def test_something(postgres_url):  # noqa: F811

`postgres_url` is a fresh database with a password-protected owner; `postgres_server` can
create more (`create_database`). Skipped when no PostgreSQL binaries are installed. As root,
the server runs as the `postgres` (or `nobody`) user, since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tools.servers import free_port

SUPERUSER = "postgres"
RUN_AS_CANDIDATES = ("postgres", "nobody")  # when the tests run as root


def find_bin_dir() -> Path | None:
    """The folder with initdb and pg_ctl: $PG_BIN, pg_config's, the newest Debian-style
    /usr/lib/postgresql/<version>/bin, or wherever initdb is on PATH."""
    candidates: list[str] = []
    if os.environ.get("PG_BIN"):
        candidates.append(os.environ["PG_BIN"])
    if shutil.which("pg_config"):
        result = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        candidates.append(result.stdout.strip())
    versions = glob.glob("/usr/lib/postgresql/*/bin")
    candidates += sorted(versions, key=lambda p: int(Path(p).parent.name or 0), reverse=True)
    if shutil.which("initdb"):
        candidates.append(str(Path(os.path.realpath(shutil.which("initdb"))).parent))
    for folder in candidates:
        if folder and all((Path(folder) / tool).is_file() for tool in ("initdb", "pg_ctl")):
            return Path(folder)
    return None


def _run_as() -> str | None:
    """The user to run PostgreSQL as, or None to run as ourselves (not root)."""
    if os.geteuid() != 0:
        return None
    for name in RUN_AS_CANDIDATES:
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise RuntimeError(f"running as root and none of the users {RUN_AS_CANDIDATES} exists")


@dataclass
class PostgresServer:
    bin_dir: Path
    root: Path  # holds data/, the socket and the log
    port: int
    user: str | None  # the OS user the server runs as; None: the current one

    @property
    def socket_dir(self) -> Path:
        return self.root / "socket"

    def run(self, tool: str, *args: str) -> subprocess.CompletedProcess:
        command = [str(self.bin_dir / tool), *args]
        if self.user and shutil.which("runuser"):
            command = ["runuser", "-u", self.user, "--", *command]
        elif self.user:
            command = ["su", self.user, "-s", "/bin/sh", "-c", subprocess.list2cmdline(command)]
        result = subprocess.run(command, capture_output=True, text=True, cwd=self.root)
        if result.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{tool} failed ({result.returncode}):\n{result.stderr}\n{tail}")
        return result

    def sql(self, statement: str, database: str = "postgres") -> None:
        self.run(
            "psql", "-h", str(self.socket_dir), "-p", str(self.port), "-U", SUPERUSER,
            "-d", database, "-v", "ON_ERROR_STOP=1", "-q", "-c", statement,
        )  # fmt: skip

    def create_database(self, name: str) -> str:
        """A new database owned by a new role with a random password; its URL."""
        password = secrets.token_urlsafe(16)
        self.sql(f"CREATE ROLE {name}_owner LOGIN PASSWORD '{password}'")
        self.sql(f"CREATE DATABASE {name} OWNER {name}_owner")
        return f"postgresql://{name}_owner:{password}@127.0.0.1:{self.port}/{name}"


@contextmanager
def temporary_postgres(bin_dir: Path | None = None) -> Iterator[PostgresServer]:
    bin_dir = bin_dir or find_bin_dir()
    if bin_dir is None:
        raise RuntimeError("no PostgreSQL binaries (initdb, pg_ctl) found; set PG_BIN")
    user = _run_as()
    # Not under pytest's tmp_path: its parents are private to root, unreadable for `postgres`.
    root = Path(tempfile.mkdtemp(prefix="backpain-pg-"))
    server = PostgresServer(bin_dir, root, free_port(), user)
    server.socket_dir.mkdir()
    if user:
        entry = pwd.getpwnam(user)
        for path in (root, server.socket_dir):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    started = False
    try:
        # trust over the socket for our psql; passwords over TCP, as the bot connects.
        server.run(
            "initdb", "-D", str(root / "data"), "-U", SUPERUSER, "-E", "UTF8", "--locale=C",
            "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync",
        )  # fmt: skip
        options = (
            f"-p {server.port} -k {server.socket_dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        server.run(
            "pg_ctl", "-D", str(root / "data"), "-o", options,
            "-l", str(root / "server.log"), "-w", "-t", "60", "start",
        )  # fmt: skip
        started = True
        yield server
    finally:
        if started:
            server.run("pg_ctl", "-D", str(root / "data"), "-m", "fast", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def postgres_server() -> Iterator[PostgresServer]:
    bin_dir = find_bin_dir()
    if bin_dir is None:
        # Not a skip: the PostgreSQL half of the storage tests must not vanish unnoticed.
        pytest.fail("PostgreSQL is not installed (no initdb/pg_ctl): run `make system-deps`")
    with temporary_postgres(bin_dir) as server:
        yield server


@pytest.fixture(scope="module")
def postgres_url(postgres_server: PostgresServer) -> str:
    """The URL of a fresh database on the module's PostgreSQL server."""
    return postgres_server.create_database(f"backpain_{secrets.token_hex(4)}")
