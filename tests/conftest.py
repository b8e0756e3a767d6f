"""Shared helpers: real rasa-sdk Trackers and a way to run an action on one."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

PROJECT_DIR = Path(__file__).resolve().parent.parent
TEST_ID_KEY = "tests-only-pseudonym-key-" + "0" * 32
DATA_DIR = PROJECT_DIR / "data"
# The five source articles, copied into the project so the evidence check runs anywhere;
# SHARED_SEEDS_DIR is where they are published, compared with the copy when present.
SEEDS_DIR = PROJECT_DIR / "seeds"
SHARED_SEEDS_DIR = PROJECT_DIR.parent / "shared" / "seeds"


def make_tracker(
    text: str,
    intent: str = "ask_location",
    slots: dict[str, Any] | None = None,
    entities: list[dict[str, Any]] | None = None,
    sender: str = "patient-1",
) -> Tracker:
    """A Tracker as the action server receives it after the patient wrote `text`."""
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.95},
        "entities": entities or [],
    }
    return Tracker(
        sender_id=sender,
        slots={
            "language": None,
            "region": None,
            "contexts": None,
            "topic": None,
            "exercise": None,
            **(slots or {}),
        },
        latest_message=latest,
        events=[{"event": "user", "text": text, "parse_data": latest}],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


@dataclass
class ActionResult:
    messages: list[dict[str, Any]]
    events: list[dict[str, Any]]

    @property
    def text(self) -> str:
        return "\n\n".join(m["text"] for m in self.messages if m.get("text"))

    @property
    def custom(self) -> dict[str, Any]:
        return self.messages[-1]["custom"]

    @property
    def buttons(self) -> list[dict[str, str]]:
        return [b for m in self.messages for b in m.get("buttons", [])]

    def slot(self, name: str) -> Any:
        values = [e["value"] for e in self.events if e.get("event") == "slot" and e["name"] == name]
        return values[-1] if values else None


def run_action(action: Action, tracker: Tracker) -> ActionResult:
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker, {})
    return ActionResult(dispatcher.messages, list(events))


def converse(
    action: Action, text: str, previous: ActionResult | None = None, **kwargs
) -> ActionResult:
    """Run the action on a tracker whose slots are what the previous turn left behind."""
    slots = {}
    if previous is not None:
        slots = {e["name"]: e["value"] for e in previous.events if e.get("event") == "slot"}
    slots.update(kwargs.pop("slots", {}))
    return run_action(action, make_tracker(text, slots=slots, **kwargs))


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A private copy of data/ that a test may break."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


@pytest.fixture(scope="session", autouse=True)
def private_test_storage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Servers the tests start store conversations in a temporary database, with a test
    pseudonym key: never in the project's var/ (tests that need another database say so)."""
    from conversation_store.database import URL_ENV
    from conversation_store.pseudonyms import KEY_ENV

    patch = pytest.MonkeyPatch()
    patch.setenv(URL_ENV, f"sqlite:///{tmp_path_factory.mktemp('store') / 'conversations.db'}")
    patch.setenv(KEY_ENV, TEST_ID_KEY)
    yield
    patch.undo()


@pytest.fixture(autouse=True)
def pseudonym_key_of_this_test() -> Iterator[None]:
    """The pseudonym key is read once per process (conversation_store.pseudonyms); a test
    that sets another key must not meet the one an earlier test cached, nor leave its own."""
    from conversation_store.pseudonyms import _default_key

    _default_key.cache_clear()
    yield
    _default_key.cache_clear()


# --- figures: measured on every run, printed at the end (also under pytest-xdist) ----------


@pytest.fixture
def report_figure(request: pytest.FixtureRequest):
    """`report_figure(text)` keeps a measured figure with the test's report; the terminal
    summary prints every figure, so they appear on every run, with or without workers."""

    def report(text: str) -> None:
        request.node.user_properties.append(("figure", text))

    return report


def pytest_terminal_summary(terminalreporter: Any) -> None:
    figures: list[str] = []
    for reports in terminalreporter.stats.values():
        for report in reports:
            for key, value in getattr(report, "user_properties", ()):
                if key == "figure" and value not in figures:
                    figures.append(value)
    if figures:
        terminalreporter.section("measured figures")
        for figure in figures:
            terminalreporter.write_line(figure)
