"""No message stalls the server and every patient gets an answer, on the real servers: huge
messages, a flood from one conversation, an action server that is killed or hangs (and is
started again by `make run`'s supervisor), the action server's address, and `make run` when
Rasa cannot start."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import aiohttp
import pytest

from conversation_store.pseudonyms import conversation_id
from tools.process_stats import peak_rss_mib
from tools.servers import PROJECT_DIR, action_health_url, free_port, running_servers

if TYPE_CHECKING:
    from tools.serve import ActionServerSupervisor

pytestmark = pytest.mark.e2e
TOKEN = "resilience-token-0123456789abcdef-0123"  # 32 bytes at least
ACTION_TIMEOUT = 3  # seconds, BOT_ACTION_TIMEOUT_SECONDS of these servers
ENV = {"RASA_AUTH_TOKEN": TOKEN, "BOT_ACTION_TIMEOUT_SECONDS": str(ACTION_TIMEOUT)}
MAX_RSS_MIB = 1536
TOO_LONG = ("too long", "zu lang", "112")
UNAVAILABLE_EN, UNAVAILABLE_DE = "not available right now", "gerade nicht erreichbar"


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    with running_servers(log_dir=tmp_path_factory.mktemp("servers"), env=ENV) as running:
        yield running


def supervisor_of(servers) -> ActionServerSupervisor:
    from tools.serve import ActionServerSupervisor

    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **ENV}
    port = action_port(servers)
    return ActionServerSupervisor(servers, port, env, servers.log_dir, say=lambda _: None)


def action_port(servers) -> int:
    return int(servers.action_url.rsplit(":", 1)[1])


def say(servers, sender: str, message: str, timeout: float = 60) -> list[dict]:
    body = json.dumps({"sender": sender, "message": message}).encode()
    request = urllib.request.Request(
        f"{servers.rasa_url}/webhooks/rest/webhook", body, {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        assert response.status == 200
        return json.loads(response.read())


def timed_say(servers, sender: str, message: str) -> tuple[list[dict], float]:
    started = time.monotonic()
    replies = say(servers, sender, message)
    return replies, time.monotonic() - started


def text_of(replies: list[dict]) -> str:
    assert replies, "the bot said nothing"
    return "\n\n".join(r.get("text", "") for r in replies)


def answered(replies: list[dict]) -> bool:
    """The assistant processed the message: its reply contract, not one of the guard's."""
    return bool(replies) and "service" not in replies[-1].get("custom", {"service": None})


def notice(replies: list[dict]) -> str | None:
    """Which of the guard's notices the turn was (its reply contract says), if any."""
    return replies[-1].get("custom", {}).get("service") if replies else None


def stored_events(servers, sender: str) -> list[dict]:
    """The events of a REST sender's conversation, whose id names the channel."""
    conversation = conversation_id("rest", sender)
    url = f"{servers.rasa_url}/conversations/{conversation}/tracker?token={TOKEN}"
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())["events"]


def new_sender() -> str:
    return f"resilience-{uuid.uuid4().hex[:8]}"


def listening_addresses(port: int) -> set[str]:
    """The IPv4 addresses something listens on at `port` (from /proc/net/tcp)."""
    addresses = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hex_port = local.split(":")
        if int(hex_port, 16) == port and state == "0A":  # LISTEN
            addresses.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
    return addresses


def test_the_action_server_listens_on_loopback_only(servers):
    assert listening_addresses(action_port(servers)) == {"127.0.0.1"}


def test_huge_messages_get_the_clear_answer_without_stalling_another_patient(servers):
    other, paster = new_sender(), new_sender()
    results: dict[int, list[dict]] = {}

    def paste(size: int) -> None:  # a pasted text that names no symptom
        results[size] = say(servers, paster, ("We moved house in May. " * size)[:size])

    threads = [threading.Thread(target=paste, args=(size,)) for size in (100_000, 200_000)]
    for thread in threads:
        thread.start()
    replies, seconds = timed_say(servers, other, "my lower back hurts")
    for thread in threads:
        thread.join(timeout=60)
    assert seconds < 2 and answered(replies)
    for size in (100_000, 200_000):
        assert all(word in text_of(results[size]) for word in TOO_LONG), size
        assert notice(results[size]) == "message_too_long"
    # A body beyond Rasa's HTTP limit is refused before it is read.
    with pytest.raises(urllib.error.HTTPError) as refused:
        say(servers, paster, "x" * 300_000)
    assert refused.value.code == 413
    # A message at the limit is still read and answered.
    at_limit = ("My lower back hurts when I bend. " * 70)[:2000]
    assert answered(say(servers, other, at_limit))
    assert peak_rss_mib(servers.processes[1].pid) < MAX_RSS_MIB
    log = (servers.log_dir / "rasa.log").read_text()
    assert "We moved house in May. We moved" not in log and paster not in log


def test_a_red_flag_at_the_end_of_a_too_long_message_is_still_escalated_and_kept(servers):
    patient = new_sender()
    history = "Last spring we moved house and I carried all the boxes myself. " * 300
    emergency = "Since this morning I cannot control my bladder and my legs are numb."
    replies = say(servers, patient, history + emergency)
    assert "only the sentences about your symptoms" in text_of(replies)
    assert answered(replies) and replies[-1]["custom"]["urgency"] == "emergency"
    later = say(servers, patient, "which exercises help?")
    assert later[-1]["custom"]["urgency"] == "emergency"  # the escalation is not forgotten
    stored = [e for e in stored_events(servers, patient) if e["event"] == "user"]
    assert stored[0]["text"] == emergency  # what was read, not the whole paste, and it says so
    assert stored[0]["metadata"]["shortened"] is True


async def _flood(servers, sender: str, count: int) -> tuple[list[tuple[int, list]], float]:
    url = f"{servers.rasa_url}/webhooks/rest/webhook"
    timeout = aiohttp.ClientTimeout(total=120)
    unlimited = aiohttp.TCPConnector(limit=0)  # all of the flood at once
    async with (
        aiohttp.ClientSession(timeout=timeout, connector=unlimited) as flooder,
        aiohttp.ClientSession(timeout=timeout) as patient,
    ):

        async def send(session, who: str, text: str) -> tuple[int, list]:
            async with session.post(url, json={"sender": who, "message": text}) as response:
                return response.status, await response.json()

        flood = [asyncio.create_task(send(flooder, sender, f"hello {n}")) for n in range(count)]
        await asyncio.sleep(0.3)  # the flood is under way
        started = time.monotonic()
        status, replies = await send(patient, new_sender(), "my lower back hurts")
        other_seconds = time.monotonic() - started
        assert status == 200 and answered(replies)
        return await asyncio.gather(*flood), other_seconds


def test_a_flood_is_answered_message_by_message_and_does_not_delay_another_patient(servers):
    sender = new_sender()
    results, other_seconds = asyncio.run(_flood(servers, sender, 250))
    assert other_seconds < 2
    processed = 0
    for status, replies in results:
        assert status == 200 and replies, "a message got no answer"
        if answered(replies):
            processed += 1
        else:
            assert "faster than I can answer" in text_of(replies) and "112" in text_of(replies)
            assert notice(replies) == "sending_too_fast"
    assert 1 <= processed < 250
    stored = [e for e in stored_events(servers, sender) if e["event"] == "user"]
    assert len(stored) == processed  # every processed message is in the conversation


def kill_action_server(servers) -> None:
    servers.processes[0].send_signal(signal.SIGKILL)
    servers.processes[0].wait(timeout=10)


def restarted(servers, supervisor: ActionServerSupervisor, timeout: float = 240) -> bool:
    # The action server fits its red-flag classifier at start: up to 100 s on a busy machine.
    killed = servers.processes[0]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        supervisor.check()
        if servers.processes[0] is not killed:
            try:
                with urllib.request.urlopen(action_health_url(supervisor.port), timeout=2):
                    return True
            except OSError:
                pass
        time.sleep(0.5)
    return False


def test_a_killed_action_server_is_reported_to_the_patient_and_started_again(servers):
    german = new_sender()
    assert answered(say(servers, german, "Hallo, mein unterer Rücken tut weh"))
    kill_action_server(servers)
    replies, seconds = timed_say(servers, german, "welche Übungen helfen?")
    assert seconds < 3
    text = text_of(replies)
    assert UNAVAILABLE_DE in text and "112" in text and UNAVAILABLE_EN not in text
    assert notice(replies) == "assistant_unavailable"
    events = stored_events(servers, german)
    # the message is stored, then the notice and its reply contract
    assert [e["event"] for e in events if e["event"] in ("user", "bot")][-3:] == [
        "user",
        "bot",
        "bot",
    ]
    assert restarted(servers, supervisor_of(servers))
    assert answered(say(servers, german, "welche Übungen helfen?"))


def test_a_hung_action_server_gets_the_patient_the_unavailable_message(servers):
    # Last of the module: it leaves the action server stopped (the restart is shown above).
    patient = new_sender()
    kill_action_server(servers)
    with socket.socket() as hung:  # accepts connections and never answers
        hung.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        hung.bind(("127.0.0.1", action_port(servers)))
        hung.listen(16)
        replies, seconds = timed_say(servers, patient, "hello")
    assert seconds < ACTION_TIMEOUT + 2
    text = text_of(replies)
    assert UNAVAILABLE_EN in text and UNAVAILABLE_DE in text and "112" in text  # not known yet


def test_make_run_shows_why_rasa_did_not_start_and_exits_non_zero(tmp_path):
    ports = {name: str(free_port()) for name in ("RASA_PORT", "ACTION_PORT", "WIDGET_PORT")}
    env = {**os.environ, **ports, "REVIEW_PORT": "0", "BOT_LOG_DIR": str(tmp_path)}
    env["RASA_AUTH_TOKEN"] = "short"  # Rasa refuses to start with it
    finished = subprocess.run(
        [sys.executable, "-m", "tools.serve"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    output = finished.stdout + finished.stderr
    assert finished.returncode != 0
    assert "RASA_AUTH_TOKEN is too short" in finished.stderr
    assert "FileNotFoundError" not in output
