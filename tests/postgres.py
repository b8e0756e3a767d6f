"""PostgreSQL for tests: pytest fixtures around tools.postgres_server's throw-away server.

Use the fixtures in a test module (the import is what registers them; ruff needs the noqa
on the import and on the test's parameter):

    from tests.postgres import postgres_server, postgres_url  # noqa: F401

    def test_something(postgres_url):  # noqa: F811

`postgres_url` is a fresh database with a password-protected owner; `postgres_server` can
create more (`create_database`). Fails (not skips) when no PostgreSQL binaries are installed.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from tools.postgres_server import PostgresServer, find_bin_dir, temporary_postgres

# Other test modules import these names from here.
__all__ = [
    "PostgresServer",
    "find_bin_dir",
    "postgres_server",
    "postgres_url",
    "temporary_postgres",
]


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
