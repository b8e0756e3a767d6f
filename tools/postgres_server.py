"""A throw-away PostgreSQL server: initdb in a folder, pg_ctl start on a free loopback port,
and everything stopped and removed afterwards.

The tests use it through the fixtures in tests/postgres.py; `make run-cluster` (tools.cluster)
runs the cluster's shared tracker store on it. As root, the server runs as the `postgres` (or
`nobody`) user, since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import contextlib
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

from tools.servers import free_port

SUPERUSER = "postgres"
RUN_AS_CANDIDATES = ("postgres", "nobody")  # when running as root


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

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    def run(self, tool: str, *args: str) -> subprocess.CompletedProcess:
        command = [str(self.bin_dir / tool), *args]
        if self.user and shutil.which("runuser"):
            command = ["runuser", "-u", self.user, "--", *command]
        elif self.user:
            command = ["su", self.user, "-s", "/bin/sh", "-c", subprocess.list2cmdline(command)]
        # A session of its own: Ctrl-C must not stop the server behind its owner's back (pg_ctl's
        # server inherits it); the owner stops it (`temporary_postgres`).
        result = subprocess.run(
            command, capture_output=True, text=True, cwd=self.root, start_new_session=True
        )
        if result.returncode != 0:
            tail = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
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


def _fresh_root(root: Path | None) -> Path:
    """`root` emptied (a server a killed run left behind on it stopped first), or a new
    temporary folder. Not under pytest's tmp_path: its parents are private to root,
    unreadable for `postgres`; a given `root`'s parents must be traversable."""
    if root is None:
        return Path(tempfile.mkdtemp(prefix="backpain-pg-"))
    if (root / "data" / "postmaster.pid").exists():
        bin_dir = find_bin_dir()
        if bin_dir is not None:
            stale = PostgresServer(bin_dir, root, 0, _run_as())
            # RuntimeError: it is not running any more, only its pid file was left.
            with contextlib.suppress(RuntimeError):
                stale.run("pg_ctl", "-D", str(root / "data"), "-m", "immediate", "-w", "stop")
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(mode=0o700, parents=True)
    return root


@contextmanager
def temporary_postgres(
    bin_dir: Path | None = None, root: Path | None = None
) -> Iterator[PostgresServer]:
    """A running server for the `with` block; its folder (`root`, emptied first, or a new
    temporary one) is removed afterwards: it holds conversations."""
    bin_dir = bin_dir or find_bin_dir()
    if bin_dir is None:
        raise RuntimeError("no PostgreSQL binaries (initdb, pg_ctl) found; set PG_BIN")
    user = _run_as()
    root = _fresh_root(root)
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
            "-l", str(server.log), "-w", "-t", "60", "start",
        )  # fmt: skip
        started = True
        yield server
    finally:
        if started:
            server.run("pg_ctl", "-D", str(root / "data"), "-m", "fast", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)
