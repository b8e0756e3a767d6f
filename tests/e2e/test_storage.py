"""Conversations in the database, end to end: the real servers talk to a patient who gives
personal data, the rows are read straight from the database (none of it may be there), the
servers restart on the same database and the conversation carries on where it stopped.
Once on SQLite and once on a throw-away PostgreSQL server."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from conversation_store.database import URL_ENV
from conversation_store.pseudonyms import conversation_id, pseudonym
from tests.e2e.test_conversation import Patient, answer
from tests.postgres import postgres_server, postgres_url  # noqa: F401 (fixtures)
from tools.servers import MODEL, running_servers

pytestmark = pytest.mark.e2e

# Each message, and what of it must not be stored anywhere.
PERSONAL = [
    ("Hello, my name is Annabel Schmidtke", ["Annabel", "Schmidtke"]),
    ("my email is annabel.schmidtke@example.org", ["annabel.schmidtke", "example.org"]),
    ("please call me back on +49 170 9876543", ["170 9876543", "+49 170"]),
    ("ich heiße Jürgen Müllerschön", ["Jürgen", "Müllerschön"]),
    ("I was born on 12.03.1961", ["12.03.1961"]),
    ("I live at 12 Baker Street, London NW1 6XE", ["Baker Street", "NW1 6XE"]),
    ("my insurance number is A123456789", ["A123456789"]),
]
# The conversation comes from a phone number, as over SMS/WhatsApp: the id is personal too.
PHONE_SENDER = "whatsapp:+4915112398765"
NEEDLES = [needle for _, needles in PERSONAL for needle in needles] + ["15112398765"]


def start(log_dir: Path, url: str):
    no_api = {"RASA_AUTH_TOKEN": "", "RASA_JWT_SECRET": ""}  # whatever the shell has set
    return running_servers(log_dir=log_dir, env={**no_api, URL_ENV: url})


def dump(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, read directly from the database."""
    engine = sa.create_engine(url)
    try:
        tables = sa.inspect(engine).get_table_names()
        with engine.connect() as connection:
            return {
                table: [
                    row._asdict() for row in connection.execute(sa.text(f"SELECT * FROM {table}"))
                ]
                for table in tables
            }
    finally:
        engine.dispose()


def leaks(rows: dict[str, list[dict[str, Any]]]) -> list[str]:
    """The personal data found in any column of any row; JSON columns are also searched
    decoded, since JSON spells "Jürgen" as "J\\u00fcrgen"."""
    pieces = []
    for table in rows.values():
        for row in table:
            for value in row.values():
                pieces.append(str(value))
                if isinstance(value, str) and value[:1] in ("{", "["):
                    with contextlib.suppress(ValueError):
                        pieces.append(json.dumps(json.loads(value), ensure_ascii=False))
    text = "\n".join(pieces).lower()
    return [needle for needle in NEEDLES if needle.lower() in text]


def events_of(rows: dict[str, list[dict[str, Any]]], sender: str) -> list[dict[str, Any]]:
    return sorted((row for row in rows["events"] if row["sender_id"] == sender), key=_id)


def _id(row: dict[str, Any]) -> int:
    return row["id"]


def summary_of(rows: dict[str, list[dict[str, Any]]], sender: str) -> dict[str, Any]:
    (summary,) = [row for row in rows["conversation_summaries"] if row["sender_id"] == sender]
    return summary


def user_texts(events: list[dict[str, Any]]) -> list[str]:
    return [json.loads(row["data"])["text"] for row in events if row["type_name"] == "user"]


def conversation_survives_a_restart(tmp_path: Path, url: str) -> None:
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make model` first")
    with start(tmp_path / "first", url) as servers:
        endpoints = (servers.log_dir / "endpoints.yml").read_text()
        assert URL_ENV in endpoints and "://" not in endpoints.split("tracker_store:")[1]
        patient = Patient(servers.rasa_url)
        patient.sender = PHONE_SENDER
        for message, _ in PERSONAL:
            text, meta = answer(patient.says(message))  # answered, with the reply contract
            assert text and meta["language"] in ("en", "de"), message
        text, meta = answer(patient.says("my lower back hurts"))
        assert (meta["topic"], meta["region"]) == ("location", "lower_back")

    before = dump(url)
    assert leaks({"t": [{"data": json.dumps({"text": "ich heiße Jürgen"})}]}) == ["Jürgen"]
    assert not leaks(before), leaks(before)
    # the REST channel's conversation, under the key the test session's servers use
    stored_id = pseudonym(conversation_id("rest", PHONE_SENDER))
    stored = events_of(before, stored_id)
    texts = user_texts(stored)
    assert texts[0] == "Hello, my name is [name]" and "[email]" in texts[1], texts
    assert len(texts) == len(PERSONAL) + 1
    summary = summary_of(before, stored_id)
    assert (summary["channel"], summary["turns"]) == ("rest", len(PERSONAL) + 1)

    with start(tmp_path / "second", url) as servers:
        patient.url = f"{servers.rasa_url}/webhooks/rest/webhook"
        delivered = {"delivery_id": "client-msg-0171-2345678"}
        first = patient.says("which exercises help?", metadata=delivered)
        text, meta = answer(first)
        assert (meta["topic"], meta["region"]) == ("exercises", "lower_back")
        # The client resends the same delivery (say its connection broke before the answer
        # arrived): it gets the answer again, and the message is not processed twice.
        again = patient.says("which exercises help?", metadata=delivered)
        assert [r.get("text") for r in again] == [r.get("text") for r in first]
        assert again[-1]["custom"] == meta

    after = dump(url)
    assert not leaks(after), leaks(after)
    continued = events_of(after, stored_id)
    assert continued[: len(stored)] == stored  # nothing rewritten, nothing lost
    new = continued[len(stored) :]
    assert user_texts(new) == ["which exercises help?"], "a resent delivery is stored once"
    delivery = json.loads(new[0]["data"])["metadata"]["delivery_id"]
    assert delivery == pseudonym("client-msg-0171-2345678")  # kept, as a pseudonym
    contents = [(row["type_name"], row["timestamp"], row["data"]) for row in continued]
    assert len(set(contents)) == len(contents), "an event was stored twice"
    summary = summary_of(after, stored_id)
    assert summary["turns"] == len(PERSONAL) + 2
    assert summary["topics"].startswith(",") and ",exercises," in summary["topics"]
    assert summary["last_at"] == max(row["timestamp"] for row in continued)


def test_sqlite_keeps_conversations_redacted_across_a_restart(tmp_path):
    conversation_survives_a_restart(tmp_path, f"sqlite:///{tmp_path / 'c.db'}")


def test_postgresql_keeps_conversations_redacted_across_a_restart(
    tmp_path,
    postgres_url,  # noqa: F811 (the imported fixture)
):
    conversation_survives_a_restart(tmp_path, postgres_url)
    password = postgres_url.split(":")[2].split("@")[0]
    for path in tmp_path.rglob("*"):  # the servers' endpoints, credentials and logs
        if path.is_file():
            assert password not in path.read_text(errors="replace"), path
