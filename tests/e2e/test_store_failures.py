"""A conversation store that cannot write, end to end on the real servers: the patient is
answered (an escalation with its emergency number), the turns are retried, reported by
Rasa's /health and in the log under the conversation's pseudonym, kept in the spool, and
written once the database takes them again; and Rasa refuses to start on a database it
cannot write. The failures are real: a full size-limited tmpfs, a PostgreSQL server turned
read-only, a SQLite file made immutable (chattr +i, which stops root too)."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from conversation_store.database import URL_ENV
from conversation_store.spool import SPOOL_ENV
from conversation_store.tracker_store import INTERVAL_ENV, RedactingTrackerStore
from tests.e2e.test_conversation import Patient, answer, stored_id
from tests.postgres import postgres_server  # noqa: F401 (fixture)
from tools.servers import running_servers

pytestmark = pytest.mark.e2e

NO_API = {"RASA_AUTH_TOKEN": "", "RASA_JWT_SECRET": ""}
EMERGENCY = "my legs are getting weaker since yesterday"
PRIVATE = "my name is Annabel Schmidtke"


def start(tmp_path: Path, url: str):
    env = {**NO_API, URL_ENV: url, SPOOL_ENV: str(tmp_path / "spool"), INTERVAL_ENV: "1"}
    return running_servers(log_dir=tmp_path / "servers", env=env)


def health(rasa_url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(f"{rasa_url}/health", timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def until_healthy(rasa_url: str, seconds: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        status, body = health(rasa_url)
        if status == 200 or time.monotonic() > deadline:
            assert status == 200, body
            return body
        time.sleep(0.5)


def user_texts(url: str, sender: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT data FROM events WHERE sender_id = :s AND type_name = 'user' "
                    "ORDER BY id"
                ),
                {"s": stored_id(sender)},
            )
            return [json.loads(data)["text"] for (data,) in rows]
    finally:
        engine.dispose()


def the_store_fails_and_recovers(tmp_path: Path, url: str, fail: Any, recover: Any) -> None:
    """The scenario both failures share: one turn stored, two during the failure (one of
    them an emergency), the failure reported, the store recovering, all turns written."""
    with start(tmp_path, url) as servers:
        patient = Patient(servers.rasa_url)
        answer(patient.says("my lower back hurts"))
        assert health(servers.rasa_url)[0] == 200
        fail()
        text, _ = answer(patient.says(f"{PRIVATE}, which exercises help?"))
        assert text
        text, meta = answer(patient.says(EMERGENCY))
        assert meta["urgency"] == "emergency" and "112" in text, "the patient is answered"

        status, report = health(servers.rasa_url)
        assert status == 503 and report["store"] == "failing", report
        assert report["unsaved_turns"] == 2 and report["unsaved_escalations"] == 1, report
        assert report["last_error_at"] and report["last_error"], report
        assert len(user_texts(url, patient.sender)) == 1, "nothing written during the failure"
        log = (servers.log_dir / "rasa.log").read_text(errors="replace")
        kept = [line for line in log.splitlines() if "NOT stored" in line]
        assert kept and all(stored_id(patient.sender) in line for line in kept), kept
        assert "ESCALATION" in kept[-1] and "CRITICAL" in kept[-1], kept
        for secret in ("Annabel", "Schmidtke", "legs are getting weaker", patient.sender):
            assert secret not in log, secret
        spooled = (tmp_path / "spool" / f"{stored_id(patient.sender)}.json").read_text()
        assert "Schmidtke" not in spooled and "[name]" in spooled

        recover()
        report = until_healthy(servers.rasa_url)  # the retry timer writes them
        assert report["unsaved_turns"] == 0, report
        assert list((tmp_path / "spool").iterdir()) == []
        first, private, emergency = user_texts(url, patient.sender)  # each once, in order
        assert (first, emergency) == ("my lower back hurts", EMERGENCY)
        assert private.endswith("which exercises help?") and "Schmidtke" not in private


# --- a full disk -----------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs mounted for the test, unmounted after it."""
    mount = tmp_path / "disk"
    mount.mkdir()
    options = "size=4m,mode=0700"
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder: Path) -> Path:
    filler = folder / "filler"
    with filler.open("wb") as file:
        try:
            while True:
                file.write(b"\0" * 65536)
                file.flush()
        except OSError:
            pass
    return filler


def test_a_full_disk_loses_no_turn_they_are_reported_and_written_once_there_is_room(
    tmp_path, small_disk
):
    fillers: list[Path] = []
    the_store_fails_and_recovers(
        tmp_path,
        f"sqlite:///{small_disk / 'c.db'}",
        fail=lambda: fillers.append(fill(small_disk)),
        recover=lambda: fillers.pop().unlink(),
    )


# --- a database turned read-only while Rasa runs ---------------------------------------------
# Not SQLite: chattr +i (or chmod) on its file stops new connections only, and Rasa's store
# keeps writing through the connection it has open (checked: nothing fails). A PostgreSQL
# server made read-only (as a primary demoted to a standby is) refuses at once.


def test_a_database_turned_read_only_loses_no_turn(tmp_path, postgres_server):  # noqa: F811
    url = postgres_server.create_database("read_only_later")

    def read_only(on: bool) -> None:
        value = "on" if on else "off"
        postgres_server.sql(f"ALTER SYSTEM SET default_transaction_read_only = {value}")
        postgres_server.sql("SELECT pg_reload_conf()")  # existing sessions too

    try:
        the_store_fails_and_recovers(
            tmp_path, url, fail=lambda: read_only(True), recover=lambda: read_only(False)
        )
    finally:
        read_only(False)


# --- a database Rasa cannot write to at start ------------------------------------------------


def test_rasa_refuses_to_start_on_a_database_it_cannot_write(tmp_path):
    path = tmp_path / "c.db"
    RedactingTrackerStore(host=f"sqlite:///{path}").engine.dispose()  # a real, complete store
    subprocess.run(["chattr", "+i", str(path)], check=True)
    try:
        with pytest.raises(RuntimeError) as refused, start(tmp_path, f"sqlite:///{path}"):
            pass
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)
    message = str(refused.value)
    assert "exited with status" in message and "status 0" not in message, message
    assert "cannot be written" in message and str(path) in message, message
    assert URL_ENV in message and "readonly database" in message, message
