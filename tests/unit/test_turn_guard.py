"""The per-turn guard's logic: settings, messages, rate limit, and the patched action call
against real loopback sockets (a closed port, a server that never answers)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from pathlib import Path

import pytest
import rasa
from rasa.core.actions.action import RemoteAction
from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, FollowupAction, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from actions.data_files import DataFileError
from tools import turn_guard
from tools.guard_settings import (
    GuardSettings,
    ServiceMessages,
    SettingError,
    data_dir,
    request_body_limit,
)
from tools.turn_guard import SenderRateLimit, TurnGuard

DATA = data_dir({})


def messages() -> ServiceMessages:
    return ServiceMessages.load(DATA, {"BOT_EMERGENCY_NUMBER": "144"})


def test_defaults_limit_messages_to_2000_characters_and_bodies_to_256_kib():
    settings = GuardSettings.from_environment({})
    assert settings.max_message_chars == 2000
    assert settings.max_request_bytes == request_body_limit({}) == 262_144
    assert settings.action_timeout_seconds == 10


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("BOT_MAX_MESSAGE_CHARS", "lots", "is not a number"),
        ("BOT_MAX_MESSAGE_CHARS", "0", "must be at least 1"),
        ("BOT_MAX_MESSAGE_CHARS", "12.5", "must be a whole number"),
        ("BOT_RATE_LIMIT_SECONDS", "nan", "must be at least"),
        ("BOT_ACTION_TIMEOUT_SECONDS", "-1", "must be at least"),
        ("BOT_MAX_REQUEST_BYTES", "1000", "must be at least 32000"),
    ],
)
def test_a_bad_setting_is_refused_naming_the_variable(name, value, problem):
    with pytest.raises(SettingError) as error:
        GuardSettings.from_environment({name: value})
    assert name in str(error.value) and problem in str(error.value)


def test_the_messages_give_the_emergency_number_in_english_and_german():
    texts = messages()
    both = texts.text("assistant_unavailable", None)
    assert "not available" in both and "nicht erreichbar" in both and both.count("144") == 2
    german = texts.text("assistant_unavailable", "de")
    assert "nicht erreichbar" in german and "not available" not in german and "144" in german


def test_the_emergency_number_defaults_to_the_red_flag_data():
    assert ServiceMessages.load(DATA, {}).emergency_number == "112"


def test_a_message_without_the_emergency_number_is_a_data_error(tmp_path: Path):
    text = (DATA / "service_messages.yml").read_text(encoding="utf-8")
    broken = text.replace("call {number} now.", "call a doctor.", 1)
    (tmp_path / "service_messages.yml").write_text(broken, encoding="utf-8")
    with pytest.raises(DataFileError) as error:
        ServiceMessages.load(tmp_path, {"BOT_EMERGENCY_NUMBER": "112"})
    assert "message 'message_too_long': field 'en'" in str(error.value)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_rate_limit_lets_a_burst_through_then_refills_per_sender():
    clock = Clock()
    limit = SenderRateLimit(3, 30, clock)
    assert [limit.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limit.allow("b")  # another conversation has its own bucket
    clock.now = 10  # one message per 10 s comes back
    assert limit.allow("a") and not limit.allow("a")


def test_a_too_long_message_and_too_many_waiting_messages_are_refused():
    guard = TurnGuard(GuardSettings.from_environment({"BOT_MAX_MESSAGE_CHARS": "10"}), messages())
    assert guard.refusal("a", "x" * 11) == "message_too_long"
    assert guard.refusal("a", "x" * 10) is None
    assert guard.refusal("a", ["x"] * 10) == "message_too_long"  # not text: as REST passes it on
    assert guard.refusal("a", 12345) is None
    guard.pending["a"] = guard.settings.max_pending_turns
    assert guard.refusal("a", "hi") == "sending_too_fast"
    assert guard.refusal("b", "hi") is None
    text, contract = guard.answer("message_too_long", None)
    assert "at most 10 characters" in text["text"] and "höchstens 10 Zeichen" in text["text"]
    # the turn ends with the reply contract, as every turn does
    assert contract["custom"]["emergency_number"] == "144"
    assert contract["custom"]["service"] == "message_too_long"
    assert contract["custom"]["language"] == "en" and contract["custom"]["disclaimer"] is None


def test_install_refuses_another_rasa_version(monkeypatch):
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    with pytest.raises(RuntimeError, match=r"3\.6\.21"):
        turn_guard.install()


def test_install_stops_with_a_clear_error_on_a_bad_setting(monkeypatch):
    monkeypatch.setenv("BOT_RATE_LIMIT_MESSAGES", "many")
    with pytest.raises(SystemExit, match="Turn guard: BOT_RATE_LIMIT_MESSAGES='many'"):
        turn_guard.install()


@pytest.fixture
def guarded(monkeypatch):
    """Rasa patched by the guard for this test only (monkeypatch restores the originals)."""
    monkeypatch.setattr(RemoteAction, "run", RemoteAction.run)
    monkeypatch.setattr(Agent, "handle_message", Agent.handle_message)
    for name in ("SANIC_REQUEST_MAX_SIZE", "SANIC_WEBSOCKET_MAX_SIZE"):
        monkeypatch.setenv(name, "")  # recorded, so that install()'s values are undone
        monkeypatch.delenv(name)
    monkeypatch.setenv("BOT_ACTION_TIMEOUT_SECONDS", "1")
    guard = turn_guard.install()
    yield guard
    guard.symptom_reader.close()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_action(port: int, language: str | None) -> tuple[list, float]:
    domain = Domain.from_yaml("slots:\n  language:\n    type: any\n    mappings: []\n")
    events = [UserUttered("hello", message_id="m1")]
    if language:
        events.append(SlotSet("language", language))
    tracker = DialogueStateTracker.from_events("patient", events, domain.slots)
    action = RemoteAction("action_greet", EndpointConfig(f"http://127.0.0.1:{port}/webhook"))
    started = time.monotonic()
    result = asyncio.run(action.run(CollectingOutputChannel(), None, tracker, domain))
    return result, time.monotonic() - started


def test_a_dead_action_server_gets_the_patient_the_unavailable_message(guarded):
    result, seconds = run_action(closed_port(), "de")
    assert seconds < 1
    assert isinstance(result[0], BotUttered) and "nicht erreichbar" in result[0].text
    assert "112" in result[0].text and "not available" not in result[0].text
    assert result[1].data["custom"]["emergency_number"] == "112"
    assert result[1].data["custom"]["language"] == "de"
    assert result[2] == FollowupAction("action_listen")  # the turn ends with the notice
    again, _ = run_action(closed_port(), "de")  # another action of the same turn (a form's)
    assert again == []  # one notice per turn


def test_a_hung_action_server_is_given_up_on_after_the_timeout(guarded):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        accepted: list[socket.socket] = []
        threading.Thread(target=lambda: accepted.append(listener.accept()[0])).start()
        result, seconds = run_action(listener.getsockname()[1], None)
        for connection in accepted:
            connection.close()
    assert 0.9 < seconds < 2
    assert "not available" in result[0].text and "nicht erreichbar" in result[0].text


def test_install_sets_sanics_body_limits(guarded):
    import os

    assert os.environ["SANIC_REQUEST_MAX_SIZE"] == os.environ["SANIC_WEBSOCKET_MAX_SIZE"]
    assert int(os.environ["SANIC_REQUEST_MAX_SIZE"]) == guarded.settings.max_request_bytes


def test_nginx_takes_on_its_public_port_the_body_limit_rasa_takes(monkeypatch, tmp_path):
    from tools.cluster_config import nginx_conf

    monkeypatch.setenv("BOT_MAX_REQUEST_BYTES", "100000")
    config = nginx_conf(tmp_path, 8000, [5005, 5006], 9000, [5055, 5056])
    public = config.split("listen 127.0.0.1:8000;")[1].split("server {")[0]
    assert "client_max_body_size 100000;" in public
