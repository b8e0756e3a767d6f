"""Whose conversation a request reaches, end to end: the real servers with SMS (against the
platform stand-in) and the widget's socket.io, the stored rows read from the database.

A client chooses the id it sends; it must never be able to choose its way into someone
else's conversation, and a malformed request gets a clear error, never a crash."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import socketio
import sqlalchemy as sa

from conversation_store.database import URL_ENV
from conversation_store.pseudonyms import conversation_id, pseudonym
from tests.e2e.platform_standins import PlatformStandIn, platform_standin
from tests.e2e.test_messaging import (
    TWILIO_NUMBER,
    TWILIO_PUBLIC_URL,
    TWILIO_SID,
    TWILIO_TOKEN,
    SmsPatient,
)
from tools.servers import MODEL, RunningServers, running_servers

pytestmark = pytest.mark.e2e
ANSWER_TIMEOUT = 60
QUIET_WAIT = 3  # seconds a socket must stay silent while another one is answered
LOG_FAILURES = ("Traceback", "Task exception was never retrieved", "Exception occurred")


@pytest.fixture(scope="module")
def standin() -> Iterator[PlatformStandIn]:
    with platform_standin() as running:
        yield running


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('ids') / 'conversations.db'}"


@pytest.fixture(scope="module")
def servers(
    tmp_path_factory: pytest.TempPathFactory, standin: PlatformStandIn, database_url: str
) -> Iterator[RunningServers]:
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make model` first")
    env = {
        URL_ENV: database_url,
        "RASA_AUTH_TOKEN": "",
        "RASA_JWT_SECRET": "",
        "TWILIO_ACCOUNT_SID": TWILIO_SID,
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "TWILIO_NUMBER": TWILIO_NUMBER,
        "TWILIO_WEBHOOK_URL": TWILIO_PUBLIC_URL,
        "TWILIO_API_BASE_URL": standin.base_url("twilio"),
    }
    with running_servers(log_dir=tmp_path_factory.mktemp("ids-logs"), env=env) as running:
        yield running


def rasa_log(servers: RunningServers) -> str:
    return (servers.log_dir / "rasa.log").read_text(errors="replace")


def stored_events(database_url: str, sender: str) -> int:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            query = sa.text("SELECT count(*) FROM events WHERE sender_id = :s")
            return connection.execute(query, {"s": pseudonym(sender)}).scalar_one()
    finally:
        engine.dispose()


def post_rest(servers: RunningServers, body: bytes) -> tuple[int, Any]:
    request = urllib.request.Request(
        f"{servers.rasa_url}/webhooks/rest/webhook", body, {"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=ANSWER_TIMEOUT) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


class WidgetSocket:
    """A socket.io client doing what the widget does: session_request on connect, then
    user_uttered with the session id it was confirmed."""

    def __init__(self, servers: RunningServers) -> None:
        self.url = servers.rasa_url
        self.client = socketio.AsyncClient()
        self.session: str | None = None
        self.replies: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = []
        self.contract = asyncio.Event()
        self.confirmed = asyncio.Event()
        self.client.on("bot_uttered", self._on_reply)
        self.client.on("session_confirm", self._on_confirm)
        self.client.on("request_error", self.errors.append)

    async def _on_reply(self, data: dict[str, Any]) -> None:
        self.replies.append(data)
        if isinstance(data, dict) and "custom" in data:
            self.contract.set()

    async def _on_confirm(self, session: str) -> None:
        self.session = session
        self.confirmed.set()

    async def open(self, session_id: object = None) -> str:
        await self.client.connect(self.url, socketio_path="/socket.io", transports=["websocket"])
        await self.client.emit("session_request", {"session_id": session_id})
        await asyncio.wait_for(self.confirmed.wait(), timeout=10)
        assert self.session
        return self.session

    async def says(self, text: str, session_id: str | None = None) -> dict[str, Any]:
        """The turn's reply contract."""
        self.contract.clear()
        await self.client.emit(
            "user_uttered", {"message": text, "session_id": session_id or self.session}
        )
        await asyncio.wait_for(self.contract.wait(), timeout=ANSWER_TIMEOUT)
        return self.replies[-1]["custom"]

    async def close(self) -> None:
        await self.client.disconnect()


def test_a_widget_session_id_naming_an_sms_patients_number_starts_a_new_conversation(
    servers, standin, database_url
):
    number = "+4915790001234"
    sms = SmsPatient(servers, standin, number)
    assert sms.says("I had cancer and my lower back hurts")[0] == 200
    sms_conversation = conversation_id("twilio", number)
    before = stored_events(database_url, sms_conversation)

    async def takeover() -> tuple[str, dict[str, Any]]:
        widget = WidgetSocket(servers)
        session = await widget.open(number)
        meta = await widget.says("what could be causing it?", session_id=number)
        await widget.close()
        return session, meta

    session, meta = asyncio.run(takeover())
    assert meta.get("region") != "lower_back", "the widget did not get the SMS patient's context"
    assert session != number, "the server issues its own session id"
    assert before > 0, "the SMS patient's conversation is stored under its channel's id"
    assert stored_events(database_url, sms_conversation) == before, "and is untouched"
    assert stored_events(database_url, number) == 0


def test_a_second_socket_with_a_live_session_id_does_not_receive_its_replies(servers):
    async def talk() -> tuple[WidgetSocket, WidgetSocket, str]:
        first, second = WidgetSocket(servers), WidgetSocket(servers)
        session = await first.open()
        copied = await second.open(session)  # replayed while the first socket is connected
        await first.says("my lower back hurts")
        await asyncio.sleep(QUIET_WAIT)
        await first.close()
        await second.close()
        return first, second, copied

    first, second, copied = asyncio.run(talk())
    assert copied != first.session
    assert first.replies and not second.replies


def test_a_widget_message_naming_another_session_stays_in_its_own(servers):
    async def talk() -> tuple[WidgetSocket, WidgetSocket, dict[str, Any]]:
        victim, other = WidgetSocket(servers), WidgetSocket(servers)
        session = await victim.open()
        await other.open()
        meta = await other.says("my lower back hurts", session_id=session)
        await asyncio.sleep(QUIET_WAIT)
        await victim.close()
        await other.close()
        return victim, other, meta

    victim, other, meta = asyncio.run(talk())
    assert meta["region"] == "lower_back" and other.replies
    assert not victim.replies


def test_an_issued_session_id_continues_its_conversation_after_a_reload(servers):
    async def reload() -> tuple[str, str, dict[str, Any]]:
        page = WidgetSocket(servers)
        session = await page.open("chosen-by-the-widget")
        await page.says("my lower back hurts")
        await page.close()
        reloaded = WidgetSocket(servers)
        again = await reloaded.open(session)
        meta = await reloaded.says("what could be causing it?")
        await reloaded.close()
        return session, again, meta

    session, again, meta = asyncio.run(reload())
    assert again == session
    assert (meta["topic"], meta["region"]) == ("causes", "lower_back")


def test_rest_requests_without_a_sender_are_refused_not_pooled(servers):
    for body in ({"message": "hello"}, {"sender": "", "message": "hi"}, {"sender": "x" * 129}):
        status, answer = post_rest(servers, json.dumps({"message": "hi", **body}).encode())
        assert status == 400 and "'sender'" in answer["error"], body


def test_a_rest_sender_naming_an_sms_patients_number_does_not_reach_their_conversation(
    servers, standin, database_url
):
    number = "+4915790005678"
    assert SmsPatient(servers, standin, number).says("my lower back hurts")[0] == 200
    before = stored_events(database_url, conversation_id("twilio", number))
    status, replies = post_rest(servers, json.dumps({"sender": number, "message": "why?"}).encode())
    assert status == 200 and replies[-1]["recipient_id"] == number
    assert stored_events(database_url, conversation_id("twilio", number)) == before
    assert stored_events(database_url, conversation_id("rest", number)) > 0


MALFORMED_REST = {
    "message a number": (b'{"sender": "s", "message": 5}', "'message'"),
    "message a list": (b'{"sender": "s", "message": ["hi"]}', "'message'"),
    "message null": (b'{"sender": "s", "message": null}', "'message'"),
    "message an object": (b'{"sender": "s", "message": {"text": "hi"}}', "'message'"),
    "message missing": (b'{"sender": "s"}', "'message'"),
    "metadata a string": (b'{"sender": "s", "message": "hi", "metadata": "x"}', "'metadata'"),
    "metadata a list": (b'{"sender": "s", "message": "hi", "metadata": [1]}', "'metadata'"),
    "sender a number": (b'{"sender": 7, "message": "hi"}', "'sender'"),
    "body a list": (b"[]", "JSON object"),
    "body a string": (b'"hello"', "JSON object"),
    "body empty": (b"", "JSON object"),
    "body not JSON": (b"{sender", "not valid JSON"),
}


@pytest.mark.parametrize("body, named", MALFORMED_REST.values(), ids=MALFORMED_REST.keys())
def test_a_malformed_rest_request_gets_400_naming_the_problem(servers, body, named):
    status, answer = post_rest(servers, body)
    assert status == 400 and named in answer["error"]


def deeply_nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth):
        value = {"a": value}
    return value


MALFORMED_SOCKET = [
    ("user_uttered", None),
    ("user_uttered", "my back hurts"),
    ("user_uttered", 42),
    ("user_uttered", ["my back hurts"]),
    ("user_uttered", {}),
    ("user_uttered", {"message": 5}),
    ("user_uttered", {"message": None}),
    # wide, yet under the body limit (BOT_MAX_REQUEST_BYTES), past which engineio drops the socket
    ("user_uttered", {"message": {"wide": [{"deep": list(range(1000))}] * 20}}),
    ("user_uttered", {"message": deeply_nested(400)}),
    ("user_uttered", {"message": "hi", "session_id": 7}),
    ("user_uttered", {"message": "hi", "metadata": "{not json"}),
    ("user_uttered", {"message": "hi", "metadata": [1, 2]}),
    ("user_uttered", ("two", "arguments")),
    ("session_request", "a string"),
    ("session_request", 5),
    ("session_request", [1]),
]


def test_malformed_socket_payloads_get_an_error_event_and_no_task_exception(servers):
    async def send_all() -> tuple[WidgetSocket, dict[str, Any]]:
        widget = WidgetSocket(servers)
        await widget.open()
        for event, data in MALFORMED_SOCKET:
            if data is None:
                await widget.client.emit(event)
            else:
                await widget.client.emit(event, data)
        # socket.io keeps the order: once this is answered, all of the above were handled
        meta = await widget.says("my lower back hurts")
        await widget.close()
        return widget, meta

    log_before = len(rasa_log(servers))
    widget, meta = asyncio.run(send_all())
    assert meta["region"] == "lower_back", "the socket still works"
    assert len(widget.errors) == len(MALFORMED_SOCKET), widget.errors
    assert all(error["error"] for error in widget.errors)
    new_log = rasa_log(servers)[log_before:]
    assert not [failure for failure in LOG_FAILURES if failure in new_log], new_log[-3000:]
    assert "my back hurts" not in new_log, "a refused message's text is not logged"


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_an_ordinary_disconnect_logs_no_traceback(servers, transport):
    async def connect_and_leave() -> None:
        client = socketio.AsyncClient()
        await client.connect(servers.rasa_url, socketio_path="/socket.io", transports=[transport])
        await client.emit("session_request", {"session_id": None})
        await asyncio.sleep(0.5)
        await client.disconnect()
        await asyncio.sleep(1)

    log_before = len(rasa_log(servers))
    asyncio.run(connect_and_leave())
    new_log = rasa_log(servers)[log_before:]
    assert not [failure for failure in LOG_FAILURES if failure in new_log], new_log[-3000:]
