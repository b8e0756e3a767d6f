"""Shared by the review tool's unit tests: a database with Rasa's `events` table and ours,
conversations stored the way Rasa stores them (each event's `as_dict()` as JSON), accounts,
and the tool served on a free port. The tests here check that the sample data is realistic.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)

from conversation_store import database
from conversation_store.schema import conversation_summaries, metadata
from review_tool.accounts import create_account
from review_tool.server import serving
from tests.postgres import postgres_server  # noqa: F401  (fixture, for backend_engine)

PASSWORD = "correct horse battery"
XSS = '<script>alert("x")</script><img src=x onerror="alert(1)">'
EVENTS = SQLTrackerStore.SQLEvent.__table__  # Rasa's own table definition


def make_engine(path: Path | str) -> sa.engine.Engine:
    """Our tables and Rasa's `events` in a SQLite file (a path) or a database at a URL."""
    url = path if isinstance(path, str) else f"sqlite:///{path}"
    engine = database.make_engine(database.parse_url(url))
    EVENTS.create(engine, checkfirst=True)
    metadata.create_all(engine)
    return engine


# Fixtures are named with `name=` so that test modules can import them without their
# parameters shadowing an import (ruff F811).
@pytest.fixture(name="engine")
def engine_fixture(tmp_path: Path) -> sa.engine.Engine:
    return make_engine(tmp_path / "review.db")


@pytest.fixture(name="backend_engine", params=["sqlite", "postgresql"])
def backend_engine_fixture(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A fresh database on each backend the tool runs on: SQLite (the default) and
    PostgreSQL (production), on the module's throw-away PostgreSQL server."""
    if request.param == "sqlite":
        engine = make_engine(tmp_path / "review.db")
    else:
        server = request.getfixturevalue("postgres_server")
        engine = make_engine(server.create_database(f"review_{secrets.token_hex(4)}"))
    yield engine
    engine.dispose()


def custom(topic: str, urgency: str = "none", facts: list[dict] | None = None) -> dict:
    """The json_message every bot turn ends with (actions.reply.ReplyMeta.as_custom)."""
    return {
        "elements": None,
        "quick_replies": None,
        "buttons": None,
        "attachment": None,
        "image": None,
        "custom": {
            "topic": topic,
            "region": None,
            "urgency": urgency,
            "language": "en",
            "facts": facts or [],
            "source_line": None,
            "disclaimer": None,
            "emergency_number": "112" if urgency == "emergency" else None,
        },
    }


def user(text: str, intent: str, confidence: float, at: float) -> UserUttered:
    return UserUttered(text, intent={"name": intent, "confidence": confidence}, timestamp=at)


def session(at: float) -> list[Event]:
    return [
        ActionExecuted("action_session_start", timestamp=at),
        SessionStarted(timestamp=at),
        ActionExecuted("action_listen", timestamp=at),
    ]


def emergency_events(at: float) -> list[Event]:
    return [
        *session(at),
        user("my lower back hurts", "ask_location", 0.99, at + 1),
        ActionExecuted(
            "action_answer_location", policy="RulePolicy", confidence=1.0, timestamp=at + 2
        ),
        BotUttered("About pain in the lower back: …", timestamp=at + 2),
        BotUttered(
            None,
            custom(
                "location",
                facts=[
                    {"id": "train_location_lower_back", "source": "003_b71e68f0bac9b658.txt"},
                    {"id": "unknown_fact", "source": "no_such_file.txt"},
                ],
            ),
            timestamp=at + 2,
        ),
        ActionExecuted("action_listen", timestamp=at + 2),
        user("I suddenly can't control my bladder", "out_of_scope", 0.97, at + 10),
        ActionExecuted(
            "action_out_of_scope", policy="RulePolicy", confidence=1.0, timestamp=at + 11
        ),
        BotUttered(
            "This can be an emergency … Call the emergency number 112 now.", timestamp=at + 11
        ),
        BotUttered(None, custom("see_doctor", urgency="emergency"), timestamp=at + 11),
        SlotSet("urgency", "emergency", timestamp=at + 11),
        SlotSet(
            "escalation",
            {"level": "emergency", "rules": ["bladder_bowel_control"]},
            timestamp=at + 11,
        ),
        ActionExecuted("action_listen", timestamp=at + 11),
    ]


def fallback_events(at: float, text: str = "asdf qwerty") -> list[Event]:
    buttons = [
        {"title": "Where back pain occurs", "payload": "/ask_location"},
        {"title": "Exercises", "payload": "/ask_exercises"},
    ]
    return [
        *session(at),
        user(text, "nlu_fallback", 0.21, at + 1),
        ActionExecuted("action_offer_topics", timestamp=at + 2),
        BotUttered(
            "Sorry, I can only help with questions about back pain.",
            {"buttons": buttons},
            timestamp=at + 2,
        ),
        BotUttered(None, custom("out_of_scope"), timestamp=at + 2),
        ActionExecuted("action_listen", timestamp=at + 2),
        # the patient presses a button: Rasa stores its payload as the message text
        user("/ask_exercises", "ask_exercises", 1.0, at + 5),
        ActionExecuted("action_answer_exercises", timestamp=at + 6),
        BotUttered('=HYPERLINK("http://evil") exercises …', timestamp=at + 6),
        BotUttered(None, custom("exercises"), timestamp=at + 6),
    ]


def store(engine: sa.engine.Engine, sender_id: str, events: list[Event], **summary: Any) -> None:
    """Events as SQLTrackerStore writes them, and a summary row as the tracker store keeps it."""
    rows = []
    for event in events:
        data = event.as_dict()
        rows.append(
            {
                "sender_id": sender_id,
                "type_name": data["event"],
                "timestamp": data["timestamp"],
                "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
                "action_name": data.get("name"),
                "data": json.dumps(data),
            }
        )
    times = [e.timestamp for e in events] or [time.time()]
    values = {
        "sender_id": sender_id,
        "channel": "rest",
        "started_at": min(times),
        "last_at": max(times),
        "language": "en",
        "turns": sum(isinstance(e, UserUttered) for e in events),
        "urgency": "none",
        "urgency_rank": 0,
        "topics": ",",
        "escalated": False,
        "fallback": False,
        "low_confidence": False,
        **summary,
    }
    with engine.begin() as connection:
        if rows:
            connection.execute(EVENTS.insert(), rows)
        connection.execute(conversation_summaries.insert().values(**values))


def store_samples(engine: sa.engine.Engine, at: float) -> None:
    store(
        engine,
        "emergency-1",
        emergency_events(at),
        urgency="emergency",
        urgency_rank=3,
        topics=",location,see_doctor,",
        escalated=True,
    )
    store(
        engine,
        "fallback-1",
        fallback_events(at + 100, XSS),
        topics=",out_of_scope,exercises,",
        fallback=True,
        low_confidence=True,
    )


class Client(requests.Session):
    """A browser-like client of the tool: keeps cookies, does not follow redirects."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs["allow_redirects"] = False  # Session.get() passes True
        kwargs.setdefault("timeout", 30)
        return super().request(method, self.base + url, *args, **kwargs)

    def csrf(self, path: str = "/conversations") -> str:
        html = self.get(path).text
        marker = 'name="csrf_token" value="'
        start = html.index(marker) + len(marker)
        return html[start : html.index('"', start)]

    def login(self, username: str, password: str = PASSWORD) -> requests.Response:
        token = self.csrf("/login")
        return self.post(
            "/login", data={"csrf_token": token, "username": username, "password": password}
        )


@pytest.fixture(name="tool")
def tool_fixture(engine: sa.engine.Engine) -> Iterator[str]:
    """The tool on a free port, with a staff account "nurse" and an admin "boss"."""
    create_account(engine, "nurse", PASSWORD, "staff")
    create_account(engine, "boss", PASSWORD, "admin")
    with serving(engine) as url:
        yield url


def logged_in(url: str, username: str) -> Client:
    client = Client(url)
    response = client.login(username)
    assert response.status_code == 303, response.text
    return client


def test_sample_events_are_what_rasa_reads_back(engine: sa.engine.Engine) -> None:
    store_samples(engine, 1_700_000_000.0)
    with engine.connect() as connection:
        rows = connection.execute(sa.select(EVENTS.c.data).order_by(EVENTS.c.id)).all()
    events = [Event.from_parameters(json.loads(data)) for (data,) in rows]
    assert all(e is not None for e in events)
    assert {type(e).__name__ for e in events} >= {"UserUttered", "BotUttered", "SlotSet"}
