"""The conversation store on a temporary SQLite file: the real RedactingTrackerStore with real
Rasa trackers and events, and retention / erasure with their audit rows."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig, read_endpoint_config

from conversation_store import database, retention
from conversation_store.database import DatabaseError
from conversation_store.pseudonyms import KEY_ENV, pseudonym
from conversation_store.schema import LOW_CONFIDENCE, audit_log, conversation_summaries
from conversation_store.spool import SPOOL_ENV
from conversation_store.tracker_store import RedactingTrackerStore
from tests.conftest import PROJECT_DIR
from tests.postgres import postgres_server  # noqa: F401 (fixture)

from .test_review_support import engine_fixture, logged_in, tool_fixture  # noqa: F401 (fixtures)

DAY = 86400.0
TEST_KEY = "test-key-" + "0" * 40


@pytest.fixture(autouse=True)
def pseudonym_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, TEST_KEY)


def sid(sender: str) -> str:
    """The id a conversation is stored under (rows written directly keep theirs)."""
    return sender if sender == "legacy" else pseudonym(sender, TEST_KEY.encode())


PERSONAL = ["anna.schmidt@example.org", "170 1234567", "Schmidt", "12.03.1961", "A123456789"]


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(PROJECT_DIR / "domain.yml")


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test on a fresh SQLite file and on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'c.db'}"
    server = request.getfixturevalue("postgres_server")
    return server.create_database(f"unit_{uuid.uuid4().hex[:12]}")


@pytest.fixture
def store(domain: Domain, url: str) -> RedactingTrackerStore:
    return RedactingTrackerStore(domain=domain, host=url)


def user(text: str, intent: str = "ask_location", confidence: float = 0.95, **kw) -> UserUttered:
    return UserUttered(
        text,
        intent={"name": intent, "confidence": confidence},
        entities=kw.pop("entities", []),
        input_channel=kw.pop("channel", "rest"),
        **kw,
    )


def bot(text: str, topic: str, urgency: str = "none", language: str = "en") -> BotUttered:
    custom = {"topic": topic, "region": None, "urgency": urgency, "language": language}
    return BotUttered(text, data={"custom": {**custom, "facts": []}})


def tracker(domain: Domain, sender: str, events: list[Event]) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(sender, events, domain.slots)


def save(store: TrackerStore, value: DialogueStateTracker) -> None:
    asyncio.run(store.save(value))


def stored(engine: sa.engine.Engine, sender: str) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sid(sender)}
        )
        return [json.loads(data) for (data,) in rows]


def summary(engine: sa.engine.Engine, sender: str) -> dict[str, Any]:
    table = conversation_summaries
    with engine.connect() as connection:
        row = connection.execute(sa.select(table).where(table.c.sender_id == sid(sender))).first()
    assert row is not None, f"no summary for {sender}"
    return dict(row._mapping)


def audits(engine: sa.engine.Engine) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(sa.select(audit_log).order_by(audit_log.c.id))
        return [dict(row._mapping) for row in rows]


def first_turn(domain: Domain, sender: str = "p1") -> DialogueStateTracker:
    # As Rasa starts a conversation: action_session_start is logged after it ran, so its
    # timestamp is later than that of the SessionStarted it produced.
    started = SessionStarted()
    return tracker(
        domain,
        sender,
        [
            ActionExecuted("action_session_start"),
            started,
            ActionExecuted("action_listen"),
            user(
                "My name is Anna Schmidt, mail anna.schmidt@example.org or +49 170 1234567",
                entities=[{"entity": "email", "value": "anna.schmidt@example.org"}],
            ),
            SlotSet("check_bladder", "born 12.03.1961, insurance number A123456789"),
            SlotSet("region", "lower_back"),
            bot("Lower back pain is common. Write to anna.schmidt@example.org?", "location"),
            ActionExecuted("action_listen"),
        ],
    )


def test_personal_data_is_redacted_in_every_stored_event(store, domain):
    save(store, first_turn(domain))
    raw = json.dumps(stored(store.engine, "p1"))
    for datum in PERSONAL:
        assert datum not in raw
    assert "[email]" in raw and "[phone]" in raw and "[name]" in raw
    # …and nowhere else in the database either (intent/action columns, summary).
    with store.engine.connect() as connection:
        for table in ("events", "conversation_summaries"):
            dump = repr(connection.execute(sa.text(f"SELECT * FROM {table}")).all())
            assert not [d for d in PERSONAL if d in dump], table


def test_a_redacted_conversation_loads_back_and_keeps_what_is_not_personal(store, domain):
    save(store, first_turn(domain))
    back = asyncio.run(store.retrieve("p1"))
    assert back is not None
    assert back.latest_message.intent["name"] == "ask_location"
    assert back.latest_message.text.startswith("My name is [name]")
    assert back.get_slot("region") == "lower_back"
    assert "[date_of_birth]" in back.get_slot("check_bladder")
    assert len(back.events) == len(first_turn(domain).events)


def test_the_summary_row_follows_the_conversation(store, domain):
    first = first_turn(domain)
    save(store, first)
    row = summary(store.engine, "p1")
    assert row["channel"] == "rest" and row["language"] == "en" and row["turns"] == 1
    assert row["topics"] == ",location," and row["urgency"] == "none"
    assert row["started_at"] == min(event.timestamp for event in first.events)
    assert row["last_at"] == first.events[-1].timestamp
    assert not (row["escalated"] or row["fallback"] or row["low_confidence"])

    # Next turns: urgency from the contract and the slot, highest wins; German reply; an
    # escalation; an unsure message that led to the topic offer.
    more = [
        *first.events,
        user("Ich kann das Bein nicht bewegen", intent="describe_symptom"),
        SlotSet("urgency", "urgent"),
        SlotSet("escalation", {"level": "urgent", "rules": ["weak_leg"]}),
        bot("Bitte heute zum Arzt.", "red_flag", urgency="urgent", language="de"),
        ActionExecuted("action_listen"),
        user("hmm banana", intent="nlu_fallback", confidence=LOW_CONFIDENCE - 0.01),
        ActionExecuted("action_offer_topics"),
        bot("Worüber möchten Sie sprechen?", "offer_topics", urgency="routine", language="de"),
        ActionExecuted("action_listen"),
    ]
    save(store, tracker(domain, "p1", more))
    row = summary(store.engine, "p1")
    assert row["turns"] == 3 and row["language"] == "de"
    assert row["topics"] == ",location,red_flag,offer_topics,"
    assert (row["urgency"], row["urgency_rank"]) == ("urgent", 2)
    assert row["escalated"] and row["fallback"] and row["low_confidence"]
    assert row["last_at"] == more[-1].timestamp
    assert row["started_at"] == min(event.timestamp for event in first.events)


def test_saving_the_same_tracker_again_stores_nothing_twice(store, domain):
    first = first_turn(domain)
    save(store, first)
    save(store, first)
    assert len(stored(store.engine, "p1")) == len(first.events)
    assert summary(store.engine, "p1")["turns"] == 1

    later = tracker(domain, "p1", [*first.events, user("which exercises help?")])
    save(store, later)
    save(store, later)
    events = stored(store.engine, "p1")
    assert len(events) == len(first.events) + 1 and events[-1]["text"] == "which exercises help?"
    assert summary(store.engine, "p1")["turns"] == 2


def test_a_new_session_loads_alone_and_the_earlier_one_stays_stored(store, domain):
    first = first_turn(domain)
    save(store, first)
    # As Rasa starts a new session after an idle hour: on the tracker it loaded, which it
    # then saves with the new session's events added.
    loaded = asyncio.run(store.retrieve("p1"))
    later = first.events[-1].timestamp
    new_session = [
        ActionExecuted("action_session_start", timestamp=later + 3600),
        SessionStarted(timestamp=later + 3601),
        ActionExecuted("action_listen", timestamp=later + 3602),
        user("is swimming good for my back?", timestamp=later + 3603),
    ]
    for event in new_session:
        loaded.update(event)
    save(store, loaded)

    latest = asyncio.run(store.retrieve("p1"))
    assert [e.as_dict()["event"] for e in latest.events] == ["session_started", "action", "user"]
    assert latest.latest_message.text == "is swimming good for my back?"
    everything = asyncio.run(store.retrieve_full_tracker("p1"))
    assert len(everything.events) == len(first.events) + len(new_session)
    assert len(stored(store.engine, "p1")) == len(first.events) + len(new_session)
    assert summary(store.engine, "p1")["turns"] == 2


def test_an_unknown_conversation_loads_as_none(store):
    assert asyncio.run(store.retrieve("nobody")) is None
    assert asyncio.run(store.retrieve_full_tracker("nobody")) is None


def test_a_new_store_on_the_same_file_continues_the_conversation(store, domain, url):
    save(store, first_turn(domain))
    store.engine.dispose()  # the server stops
    again = RedactingTrackerStore(domain=domain, host=url)
    back = asyncio.run(again.get_or_create_tracker("p1"))
    back.update(user("which exercises help?"))
    asyncio.run(again.save(back))
    events = stored(again.engine, "p1")
    assert len(events) == len(first_turn(domain).events) + 1
    assert summary(again.engine, "p1")["turns"] == 2


def test_an_event_broker_gets_redacted_events_too(domain, url):
    class Broker:
        def __init__(self) -> None:
            self.published: list[dict] = []

        def publish(self, body: dict) -> None:
            self.published.append(body)

    broker = Broker()
    store = RedactingTrackerStore(domain=domain, host=url, event_broker=broker)  # type: ignore[arg-type]
    save(store, first_turn(domain))
    assert broker.published and "anna.schmidt" not in json.dumps(broker.published)


# --- configuration ---------------------------------------------------------------------------


def test_rasa_loads_the_store_from_the_endpoint_we_write(domain, url, tmp_path, monkeypatch):
    monkeypatch.setenv(database.URL_ENV, url)
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(database.tracker_store_yaml())
    config = read_endpoint_config(str(endpoints), "tracker_store")
    assert isinstance(config, EndpointConfig)
    store = TrackerStore.create(config, domain=domain)
    # Rasa falls back to an in-memory store when it cannot load a custom one.
    assert isinstance(store, RedactingTrackerStore)
    assert str(store.engine.url) == url


def test_the_endpoint_names_the_variable_not_the_password():
    secret = {database.URL_ENV: "postgresql://bot:s3cret-pw@db.example:5432/backpain"}
    endpoint = database.tracker_store_endpoint(secret)
    assert "s3cret-pw" not in json.dumps(endpoint) + database.tracker_store_yaml(secret)
    assert endpoint["url_env"] == database.URL_ENV


def test_a_new_sqlite_file_is_private_to_its_owner(domain, tmp_path):
    RedactingTrackerStore(domain=domain, host=f"sqlite:///{tmp_path / 'new' / 'c.db'}")
    assert os.stat(tmp_path / "new" / "c.db").st_mode & 0o777 == 0o600
    assert os.stat(tmp_path / "new").st_mode & 0o777 == 0o700


def test_the_default_is_a_sqlite_file_in_the_project_folder():
    url = database.database_url({})
    assert url.get_backend_name() == "sqlite"
    assert Path(url.database) == PROJECT_DIR / "var" / "conversations.db"
    relative = database.database_url({database.URL_ENV: "sqlite:///data.db"})
    assert Path(relative.database) == PROJECT_DIR / "data.db"


@pytest.mark.parametrize(
    "value, problem",
    [
        ("not a url", "is not a database URL"),
        ("mysql://u:p@h/db", "supported are sqlite, postgresql"),
        ("sqlite://", "in-memory"),
        ("postgresql://u:p@host:5432", "names no database"),
    ],
)
def test_a_bad_url_is_an_error_naming_the_variable(value, problem):
    with pytest.raises(DatabaseError, match=problem) as error:
        database.database_url({database.URL_ENV: value})
    assert database.URL_ENV in str(error.value)


def test_an_unreachable_database_is_an_error_naming_the_variable(domain, monkeypatch):
    monkeypatch.setenv(database.URL_ENV, "postgresql://bot:s3cret-pw@127.0.0.1:1/backpain")
    with pytest.raises(DatabaseError) as error:
        RedactingTrackerStore(domain=domain, connect_wait_seconds=0)
    message = str(error.value)
    assert database.URL_ENV in message and "cannot connect" in message
    assert "s3cret-pw" not in message
    with pytest.raises(DatabaseError, match=database.URL_ENV):
        database.connect()


# --- erasure and retention -------------------------------------------------------------------


def test_deleting_one_conversation_removes_it_all_and_is_audited(store, domain):
    save(store, first_turn(domain, "p1"))
    save(store, first_turn(domain, "p2"))
    count = retention.delete_conversation(store.engine, sid("p1"), actor="cli:alice")
    assert count == len(first_turn(domain).events)
    assert stored(store.engine, "p1") == [] and stored(store.engine, "p2")
    with store.engine.connect() as connection:
        senders = connection.execute(sa.select(conversation_summaries.c.sender_id)).scalars()
        assert list(senders) == [sid("p2")]
    (row,) = audits(store.engine)
    assert (row["actor"], row["action"], row["target"]) == ("cli:alice", "delete", sid("p1"))
    assert json.loads(row["detail"]) == {"events": count, "summary_rows": 1}

    assert retention.delete_conversation(store.engine, sid("p1"), actor="cli:alice") == 0
    assert json.loads(audits(store.engine)[-1]["detail"])["result"] == "not found"


def test_a_failed_deletion_leaves_everything_in_place(store, domain):
    save(store, first_turn(domain))
    with pytest.raises(sa.exc.IntegrityError):
        retention.delete_conversation(store.engine, sid("p1"), actor=None)  # type: ignore[arg-type]
    assert len(stored(store.engine, "p1")) == len(first_turn(domain).events)
    assert summary(store.engine, "p1") and audits(store.engine) == []


def test_retention_deletes_only_conversations_idle_for_longer(store, domain):
    save(store, first_turn(domain, "old"))
    save(store, first_turn(domain, "recent"))
    last_old = summary(store.engine, "old")["last_at"]
    # Events of a conversation stored before there were summaries: no summary row.
    with store.engine.begin() as connection:
        connection.execute(
            sa.text("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES "
                    "('legacy', 'user', :t, '{}'), ('legacy', 'bot', :t, '{}')"),
            {"t": last_old - 400 * DAY},
        )  # fmt: skip
        connection.execute(
            sa.update(conversation_summaries)
            .where(conversation_summaries.c.sender_id == sid("old"))
            .values(last_at=last_old - 200 * DAY)
        )
    deleted = retention.delete_older_than(store.engine, days=180, now=last_old + 1)
    assert deleted == 2
    assert stored(store.engine, "old") == stored(store.engine, "legacy") == []
    assert stored(store.engine, "recent")
    (row,) = audits(store.engine)
    assert (row["actor"], row["action"]) == ("system:retention", "retention")
    assert "180 days" in row["target"]
    events = len(first_turn(domain).events) + 2
    assert json.loads(row["detail"]) == {"conversations": 2, "events": events}

    assert retention.delete_older_than(store.engine, days=180, now=last_old + 1) == 0
    with pytest.raises(ValueError):
        retention.delete_older_than(store.engine, days=0)


def test_the_command_line(store, domain, url, monkeypatch, capsys):
    monkeypatch.setenv(database.URL_ENV, url)
    save(store, first_turn(domain, "p1"))
    # by the channel's id (what a patient asking for erasure knows) or by the stored id
    assert retention.main(["--delete", "p1"]) == 0
    assert f"Deleted conversation {sid('p1')}" in capsys.readouterr().out
    assert retention.main(["--delete", "p1"]) == 1
    assert "No conversation 'p1'" in capsys.readouterr().err
    save(store, first_turn(domain, "p2"))
    assert retention.main(["--delete", sid("p2")]) == 0
    assert audits(store.engine)[0]["actor"].startswith("cli:")

    monkeypatch.setenv(retention.DAYS_ENV, "30")
    assert retention.main([]) == 0
    assert "idle for more than 30 days" in capsys.readouterr().out
    assert retention.main(["--older-than-days", "7"]) == 0
    monkeypatch.setenv(retention.DAYS_ENV, "soon")
    assert retention.main([]) == 1
    assert retention.DAYS_ENV in capsys.readouterr().err
    monkeypatch.setenv(database.URL_ENV, "nonsense")
    assert retention.main(["--delete", "p1"]) == 1
    assert database.URL_ENV in capsys.readouterr().err


def test_erasure_by_a_phone_number_finds_its_sms_and_whatsapp_conversations(
    store, domain, url, monkeypatch, capsys
):
    monkeypatch.setenv(database.URL_ENV, url)
    number = "+4917612345678"
    for sender in (f"twilio:{number}", f"twilio:whatsapp:{number}", "twilio:+4930111222"):
        save(store, first_turn(domain, sender))
    assert retention.main(["--delete", number, "--channel", "rest"]) == 1
    assert stored(store.engine, f"twilio:{number}"), "not looked for on another channel"
    assert retention.main(["--delete", number]) == 0
    out = capsys.readouterr().out
    for sender in (f"twilio:{number}", f"twilio:whatsapp:{number}"):
        assert stored(store.engine, sender) == [] and f"Deleted conversation {sid(sender)}" in out
    assert stored(store.engine, "twilio:+4930111222"), "another number's conversation stays"
    rows = audits(store.engine)
    assert [json.loads(row["detail"]).get("result") for row in rows] == ["not found", None, None]
    assert {row["target"] for row in rows[1:]} == {
        sid(f"twilio:{number}"),
        sid(f"twilio:whatsapp:{number}"),
    }
    assert retention.main(["--delete", number]) == 1


def test_a_channel_id_such_as_a_phone_number_is_stored_only_as_a_pseudonym(store, domain):
    phone = "whatsapp:+4917612345678"
    save(store, first_turn(domain, phone))
    with store.engine.connect() as connection:
        for table in ("events", "conversation_summaries"):
            dump = repr(connection.execute(sa.text(f"SELECT * FROM {table}")).all())
            assert "17612345678" not in dump and sid(phone) in dump, table
    back = asyncio.run(store.retrieve(phone))
    assert back is not None and back.sender_id == phone and back.get_slot("region")


def test_a_pseudonym_key_that_is_too_short_stops_the_store(domain, url, monkeypatch):
    monkeypatch.setenv(KEY_ENV, "short")
    with pytest.raises(DatabaseError, match=KEY_ENV):
        RedactingTrackerStore(domain=domain, host=url)


def test_retention_days_default():
    assert retention.retention_days({}) == retention.DEFAULT_DAYS == 365
    assert retention.retention_days({retention.DAYS_ENV: "90"}) == 90


def test_a_delivery_id_is_stored_as_a_pseudonym_that_redaction_leaves_alone(store, domain):
    delivery = "twilio:SM0171234567890123456789"  # digits that look like a phone number
    events = [*first_turn(domain).events, user("again", metadata={"delivery_id": delivery})]
    save(store, tracker(domain, "p1", events))
    metadata = stored(store.engine, "p1")[-1]["metadata"]
    assert metadata["delivery_id"] == store.stored_id(delivery) != delivery


# --- a database that will not write ----------------------------------------------------------
# Real failures: the SQLite files made immutable (chattr +i, which stops root too). An open
# SQLite connection keeps writing through its file handle, so the test drops the pool's
# connections, as a reconnect would; the store's next connection is then refused.


@pytest.fixture(autouse=True)
def spool_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    folder = tmp_path / "spool"
    monkeypatch.setenv(SPOOL_ENV, str(folder))
    return folder


class Immutable:
    """chattr +i / -i on a SQLite database file. Only the file itself: with its -wal and -shm
    frozen too, SQLite maps the -shm it cannot write and the process dies of SIGBUS."""

    def __init__(self, database: Path) -> None:
        self.path = database

    def on(self) -> None:
        subprocess.run(["chattr", "+i", str(self.path)], check=True)

    def off(self) -> None:
        if self.path.exists():
            subprocess.run(["chattr", "-i", str(self.path)], check=True)


@pytest.fixture
def frozen(tmp_path: Path) -> Iterator[Immutable]:
    files = Immutable(tmp_path / "c.db")
    yield files
    files.off()  # or pytest cannot remove tmp_path


@pytest.fixture
def sqlite_store(domain: Domain, tmp_path: Path) -> RedactingTrackerStore:
    return RedactingTrackerStore(domain=domain, host=f"sqlite:///{tmp_path / 'c.db'}")


def refuse_writes(store: RedactingTrackerStore, frozen: Immutable) -> None:
    frozen.on()
    store.engine.dispose()


def second_turn(domain: Domain, sender: str = "p1", escalate: bool = False) -> DialogueStateTracker:
    value = first_turn(domain, sender)
    value.update(user("and it hurts at night, my name is Anna Schmidt", intent="ask_pain"))
    if escalate:
        value.update(SlotSet("urgency", "emergency"))
        value.update(SlotSet("escalation", "cauda_equina"))
    if escalate:
        value.update(bot("Please call 112 now.", "red_flag", urgency="emergency"))
    else:
        value.update(bot("Night pain in the lower back is common.", "pain"))
    value.update(ActionExecuted("action_listen"))
    return value


def test_start_refuses_a_database_it_cannot_write(domain, tmp_path, frozen):
    RedactingTrackerStore(domain=domain, host=f"sqlite:///{tmp_path / 'c.db'}").engine.dispose()
    frozen.on()
    with pytest.raises(DatabaseError) as error:
        RedactingTrackerStore(domain=domain, host=f"sqlite:///{tmp_path / 'c.db'}")
    message = str(error.value)
    assert "cannot be written" in message and "readonly" in message, message
    assert str(tmp_path / "c.db") in message and database.URL_ENV in message


def test_a_refused_save_is_retried_kept_and_reported_then_written_once_it_can(
    sqlite_store, domain, frozen, spool_folder, caplog
):
    store = sqlite_store
    save(store, first_turn(domain))
    refuse_writes(store, frozen)
    caplog.set_level("WARNING")
    save(store, second_turn(domain))  # no exception: Rasa would keep it in memory and forget

    attempts = [r for r in caplog.records if "saving failed (attempt" in r.getMessage()]
    assert len(attempts) == store.attempts == 3
    (kept,) = [r for r in caplog.records if "NOT stored" in r.getMessage()]
    assert kept.levelname == "ERROR" and sid("p1") in kept.getMessage()
    log = caplog.text
    assert "p1" not in log.replace(sid("p1"), "") and "Anna" not in log and "night" not in log
    report = store.health.report()
    assert report["store"] == "failing" and report["unsaved_turns"] == 1
    assert report["not_spooled"] == 0 and "readonly" in report["last_error"]
    spooled = (spool_folder / f"{sid('p1')}.json").read_text()
    assert "at night" in spooled and not [p for p in PERSONAL if p in spooled]
    assert oct(os.stat(spool_folder / f"{sid('p1')}.json").st_mode & 0o777) == "0o600"
    # The next turn goes on from the unsaved one.
    reloaded = asyncio.run(store.retrieve("p1"))
    assert reloaded is not None and reloaded.latest_message.text.startswith("and it hurts")

    frozen.off()
    later = reloaded.copy()
    later.update(user("thanks", intent="thank"))
    save(store, later)
    texts = [e.get("text") for e in stored(store.engine, "p1") if e["event"] == "user"]
    assert texts == [texts[0], "and it hurts at night, my name is [name]", "thanks"]
    assert summary(store.engine, "p1")["turns"] == 3
    assert store.health.report()["store"] == "ok" and not list(spool_folder.iterdir())


def test_a_save_that_fails_once_is_retried_within_the_turn(
    sqlite_store, domain, frozen, monkeypatch
):
    store = sqlite_store
    store.retry_delay = 0.3
    save(store, first_turn(domain))
    refuse_writes(store, frozen)

    async def turn_while_the_database_recovers() -> None:
        asyncio.get_running_loop().call_later(0.1, frozen.off)  # before the second attempt
        await store.save(second_turn(domain))

    asyncio.run(turn_while_the_database_recovers())
    assert [e["event"] for e in stored(store.engine, "p1")].count("user") == 2
    assert store.health.report()["store"] == "ok"


def test_an_unsaved_escalation_is_critical_and_counted(sqlite_store, domain, frozen, caplog):
    store = sqlite_store
    save(store, first_turn(domain))
    refuse_writes(store, frozen)
    save(store, second_turn(domain, escalate=True))
    (kept,) = [r for r in caplog.records if "NOT stored" in r.getMessage()]
    assert kept.levelname == "CRITICAL" and "ESCALATION" in kept.getMessage()
    assert store.health.report()["unsaved_escalations"] == 1


def test_a_spool_that_cannot_be_written_either_keeps_the_turn_in_memory(
    sqlite_store, domain, frozen, spool_folder
):
    store = sqlite_store
    save(store, first_turn(domain))
    spool_folder.mkdir()
    subprocess.run(["chattr", "+i", str(spool_folder)], check=True)
    try:
        refuse_writes(store, frozen)
        save(store, second_turn(domain))
        assert store.health.report()["not_spooled"] == 1
    finally:
        subprocess.run(["chattr", "-i", str(spool_folder)], check=True)
    frozen.off()
    assert store.flush_unsaved() == 0  # the timer's retry, with no patient writing again
    assert [e["event"] for e in stored(store.engine, "p1")].count("user") == 2


def test_turns_spooled_by_a_run_that_stopped_are_written_at_the_next_start(
    sqlite_store, domain, frozen, tmp_path, spool_folder
):
    store = sqlite_store
    save(store, first_turn(domain))
    refuse_writes(store, frozen)
    save(store, second_turn(domain))
    store.engine.dispose()  # the process stops with the turn unsaved
    frozen.off()

    restarted = RedactingTrackerStore(domain=domain, host=f"sqlite:///{tmp_path / 'c.db'}")
    events = stored(restarted.engine, "p1")
    assert [e["event"] for e in events].count("user") == 2
    contents = [json.dumps(e, sort_keys=True) for e in events]
    assert len(set(contents)) == len(contents), "an event was written twice"
    assert restarted.health.report()["store"] == "ok" and not list(spool_folder.iterdir())


def test_a_spool_file_of_another_database_is_left_alone(domain, tmp_path, frozen, spool_folder):
    first = RedactingTrackerStore(domain=domain, host=f"sqlite:///{tmp_path / 'c.db'}")
    save(first, first_turn(domain))
    refuse_writes(first, frozen)
    save(first, second_turn(domain))
    other = RedactingTrackerStore(domain=domain, host=f"sqlite:///{tmp_path / 'other.db'}")
    assert stored(other.engine, "p1") == [] and other.health.report()["store"] == "ok"
    assert (spool_folder / f"{sid('p1')}.json").exists()


@pytest.mark.parametrize(
    ("name", "value"),
    [("BOT_STORE_SAVE_ATTEMPTS", "many"), ("BOT_STORE_SAVE_ATTEMPTS", "0"),
     ("BOT_STORE_RETRY_DELAY_SECONDS", "-1"), ("BOT_STORE_RETRY_INTERVAL_SECONDS", "nan")],
)  # fmt: skip
def test_a_bad_retry_setting_stops_the_store_naming_it(domain, tmp_path, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(DatabaseError, match=name):
        RedactingTrackerStore(domain=domain, host=f"sqlite:///{tmp_path / 'c.db'}")


def test_an_admin_sees_the_unsaved_turns_on_the_audit_page(
    sqlite_store, domain, frozen, engine, tool
):
    store = sqlite_store
    admin = logged_in(tool, "boss")
    assert "Not saved" not in admin.get("/audit").text
    save(store, first_turn(domain))
    refuse_writes(store, frozen)
    save(store, second_turn(domain, escalate=True))
    html = admin.get("/audit").text
    assert "Not saved:" in html and "1 turn(s) of 1 conversation(s)" in html, html
    assert "1 with an emergency escalation" in html


def spool_the_second_turn(store: RedactingTrackerStore, domain: Domain, frozen: Immutable) -> None:
    """p1's first turn stored, its second spooled, and the database writable again."""
    save(store, first_turn(domain))
    refuse_writes(store, frozen)
    save(store, second_turn(domain))
    frozen.off()
    store.engine.dispose()


def test_a_conversation_erased_while_its_turns_wait_is_not_written_back(
    sqlite_store, domain, frozen, spool_folder
):
    store = sqlite_store
    spool_the_second_turn(store, domain, frozen)
    assert (spool_folder / f"{sid('p1')}.json").exists()
    retention.delete_conversation(store.engine, sid("p1"), "cli:nurse")  # another process
    assert not (spool_folder / f"{sid('p1')}.json").exists()
    (erasure,) = [a for a in audits(store.engine) if a["action"] == "delete"]
    assert json.loads(erasure["detail"])["spool_file"] == 1
    assert store.flush_unsaved() == 0  # the timer's retry writes nothing back
    assert stored(store.engine, "p1") == [] and asyncio.run(store.retrieve("p1")) is None
    assert store.health.report()["store"] == "ok"


def test_erasure_finds_a_conversation_that_only_the_spool_holds(
    sqlite_store, domain, frozen, spool_folder
):
    store = sqlite_store
    refuse_writes(store, frozen)
    save(store, first_turn(domain, "p2"))  # never reached the database
    frozen.off()
    store.engine.dispose()
    assert retention.erase_conversations(store.engine, [sid("p2")], "cli:nurse") == {sid("p2"): 0}
    assert not list(spool_folder.iterdir())
    later = first_turn(domain, "p2")  # the patient writes again: only that is kept
    save(store, later)
    assert [e["event"] for e in stored(store.engine, "p2")].count("user") == 1


def test_an_erasure_whose_spool_file_cannot_be_deleted_fails_and_deletes_nothing(
    sqlite_store, domain, frozen, spool_folder
):
    store = sqlite_store
    spool_the_second_turn(store, domain, frozen)
    subprocess.run(["chattr", "+i", str(spool_folder)], check=True)
    try:
        with pytest.raises(DatabaseError, match=f"spool file of {sid('p1')}.*stays"):
            retention.delete_conversation(store.engine, sid("p1"), "cli:nurse")
    finally:
        subprocess.run(["chattr", "-i", str(spool_folder)], check=True)
    assert stored(store.engine, "p1"), "the database part of the erasure is rolled back"
    assert not [a for a in audits(store.engine) if a["action"] == "delete"]
