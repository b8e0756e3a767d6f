"""The benchmark's clients: virtual patients over REST and socket.io, and the load shapes.

- `run_step`: N patients at once (closed loop), each typing its next message a few seconds
  after the previous answer, for a fixed time: the load of a clinic with N patients chatting.
- `run_rate`: messages arriving at a fixed average rate whatever the answers take (open loop),
  which is how a server falls behind when it cannot keep up.
- `measure_floor`: the same messages through NLU parsing alone and the action server alone,
  the two parts of a turn that cannot be avoided, as a machine-independent yardstick.

A turn is complete when its reply contract (the message carrying `custom`) has arrived.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import aiohttp
import socketio
import yaml

TURN_TIMEOUT_S = 30.0
MAX_ERROR_SAMPLES = 5


@dataclass(frozen=True)
class Conversation:
    name: str
    language: str
    messages: tuple[str, ...]


def load_conversations(path: Path) -> list[Conversation]:
    data = yaml.safe_load(path.read_text())
    return [
        Conversation(c["name"], c["language"], tuple(c["messages"])) for c in data["conversations"]
    ]


def percentile(values: Sequence[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default), NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = p / 100 * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency_summary(seconds: Sequence[float]) -> dict[str, float | None]:
    def ms(value: float) -> float | None:
        return None if math.isnan(value) else round(value * 1000, 1)

    return {
        "p50": ms(percentile(seconds, 50)),
        "p95": ms(percentile(seconds, 95)),
        "p99": ms(percentile(seconds, 99)),
        "max": ms(max(seconds)) if seconds else None,
        "mean": ms(sum(seconds) / len(seconds)) if seconds else None,
    }


@dataclass
class Recorder:
    """Latencies of the turns that got their answer, and what went wrong with the others."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)

    def ok(self, seconds: float) -> None:
        self.latencies.append(seconds)

    def fail(self, error: BaseException | str) -> None:
        self.errors += 1
        if len(self.error_samples) < MAX_ERROR_SAMPLES:
            text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
            self.error_samples.append(text[:300])


class BadReply(RuntimeError):
    """The server answered, but not with a turn ending in the reply contract."""


# --- channels --------------------------------------------------------------------------------


class Patient(Protocol):
    sender: str

    async def say(self, message: str) -> None:
        """Send one message and return once the turn's reply contract has arrived."""

    async def close(self) -> None: ...


class Channel(Protocol):
    name: str

    async def patient(self) -> Patient:
        """A new patient, connected and ready to type (a new conversation id)."""


def check_contract(replies: Any) -> None:
    if not isinstance(replies, list) or not replies:
        raise BadReply(f"no messages: {str(replies)[:200]}")
    custom = replies[-1].get("custom") if isinstance(replies[-1], dict) else None
    if not isinstance(custom, dict) or custom.get("language") not in ("en", "de"):
        raise BadReply(f"the last message is no reply contract: {str(replies[-1])[:200]}")


class RestChannel:
    name = "rest"

    def __init__(self, session: aiohttp.ClientSession, rasa_url: str) -> None:
        self.session = session
        self.url = f"{rasa_url}/webhooks/rest/webhook"

    async def patient(self) -> RestPatient:
        return RestPatient(self, f"bench-rest-{uuid.uuid4().hex[:12]}")


class RestPatient:
    def __init__(self, channel: RestChannel, sender: str) -> None:
        self.channel = channel
        self.sender = sender

    async def say(self, message: str) -> None:
        body = {"sender": self.sender, "message": message}
        async with self.channel.session.post(self.channel.url, json=body) as response:
            if response.status != 200:
                raise BadReply(f"HTTP {response.status}: {(await response.text())[:200]}")
            check_contract(await response.json())

    async def close(self) -> None:
        pass


class SocketChannel:
    """The website widget's channel: one socket.io connection per patient, over websocket."""

    name = "socketio"

    def __init__(self, rasa_url: str, origin: str) -> None:
        self.rasa_url = rasa_url
        # The server accepts only the widget's origins (BOT_WIDGET_ORIGINS), as a browser sends.
        self.origin = origin

    async def patient(self) -> SocketPatient:
        patient = SocketPatient(f"bench-sio-{uuid.uuid4().hex[:12]}")
        try:
            await patient.connect(self.rasa_url, self.origin)
        except BaseException:
            await patient.close()
            raise
        return patient


class SocketPatient:
    def __init__(self, sender: str) -> None:
        self.sender = sender
        # No reconnection: a dropped connection must show as an error, not as a slow turn.
        self.client = socketio.AsyncClient(reconnection=False)
        self.contracts: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.confirmed = asyncio.Event()
        self.client.on("bot_uttered", self._on_bot_uttered)
        self.client.on("session_confirm", self._on_session_confirm)

    async def _on_bot_uttered(self, data: Any) -> None:
        # A turn is several bot_uttered events (text with buttons, ...); the contract ends it.
        if isinstance(data, dict) and "custom" in data:
            self.contracts.put_nowait(data)

    async def _on_session_confirm(self, _data: Any) -> None:
        self.confirmed.set()

    async def connect(self, url: str, origin: str) -> None:
        await asyncio.wait_for(
            self.client.connect(
                url,
                headers={"Origin": origin},
                transports=["websocket"],
                socketio_path="/socket.io",
                # The client's default (1 s) for the namespace handshake fails under load where
                # the widget's socket.io-client waits 20 s: count slow answers, not impatience.
                wait_timeout=TURN_TIMEOUT_S,
            ),
            TURN_TIMEOUT_S,
        )
        # session_persistence: messages are only accepted once the session is confirmed.
        await self.client.emit("session_request", {"session_id": self.sender})
        await asyncio.wait_for(self.confirmed.wait(), TURN_TIMEOUT_S)

    async def say(self, message: str) -> None:
        await self.client.emit("user_uttered", {"message": message, "session_id": self.sender})
        data = await self.contracts.get()
        check_contract([data])

    async def close(self) -> None:
        if self.client.connected:
            await self.client.disconnect()


# --- load shapes -----------------------------------------------------------------------------


async def _timed_turn(patient: Patient, message: str, since: float, recorder: Recorder) -> bool:
    """One turn, its latency counted from `since`; False (recorded as an error) if it failed."""
    try:
        await asyncio.wait_for(patient.say(message), TURN_TIMEOUT_S)
    except (asyncio.TimeoutError, aiohttp.ClientError, socketio.exceptions.SocketIOError) as err:
        recorder.fail(err if str(err) else f"{type(err).__name__} after {TURN_TIMEOUT_S:.0f} s")
        return False
    except BadReply as err:
        recorder.fail(err)
        return False
    recorder.ok(time.perf_counter() - since)
    return True


async def _open_patient(channel: Channel, recorder: Recorder) -> Patient | None:
    try:
        return await channel.patient()
    except (asyncio.TimeoutError, aiohttp.ClientError, socketio.exceptions.SocketIOError) as err:
        recorder.fail(f"connect: {type(err).__name__}: {err}")
        return None


@dataclass(frozen=True)
class StepResult:
    recorder: Recorder
    wall_s: float
    conversations: int


async def run_step(
    channel: Channel,
    patients: int,
    duration_s: float,
    conversations: Sequence[Conversation],
    think_s: tuple[float, float],
    seed: int,
) -> StepResult:
    """`patients` patients, each typing a message `think_s` seconds after the previous answer.

    Patients start spread over the first think time, so that they do not all write at once.
    A message is only sent before the deadline; its answer is waited for (and counted).
    """
    recorder = Recorder()
    started = time.perf_counter()
    deadline = started + duration_s
    opened = 0

    async def one_patient(index: int) -> None:
        nonlocal opened
        rng = random.Random(f"{seed}-{index}")
        await asyncio.sleep(rng.uniform(0, think_s[1]))
        while time.perf_counter() < deadline:
            conversation = conversations[rng.randrange(len(conversations))]
            patient = await _open_patient(channel, recorder)
            if patient is None:
                await asyncio.sleep(rng.uniform(*think_s))
                continue
            opened += 1
            try:
                for message in conversation.messages:
                    if time.perf_counter() >= deadline:
                        return
                    if not await _timed_turn(patient, message, time.perf_counter(), recorder):
                        break  # a failed turn ends the conversation: its state is unknown
                    await asyncio.sleep(rng.uniform(*think_s))
            finally:
                await patient.close()

    await asyncio.gather(*(one_patient(i) for i in range(patients)))
    return StepResult(recorder, duration_s, opened)


async def run_rate(
    channel: Channel,
    rate: float,
    duration_s: float,
    conversations: Sequence[Conversation],
    seed: int,
) -> StepResult:
    """Messages arriving `rate` times a second on average (Poisson), however long answers take.

    Each arrival is the next message of a patient who has their previous answer (a new
    patient if none is waiting), so conversations stay realistic as the server falls behind.
    Latency counts from the arrival, so time spent waiting for the server is included.
    """
    recorder = Recorder()
    arrivals = random.Random(seed)
    picks = random.Random(seed + 1)  # apart, so the arrival times do not depend on answers
    idle: list[tuple[Patient, list[str]]] = []
    tasks: set[asyncio.Task[None]] = set()
    opened = 0

    async def arrival(due: float) -> None:
        nonlocal opened
        if idle:
            patient, remaining = idle.pop()
        else:
            new = await _open_patient(channel, recorder)
            if new is None:
                return
            opened += 1
            patient = new
            remaining = list(conversations[picks.randrange(len(conversations))].messages)
            # A widget connects when the page opens, before the patient has typed anything.
            due = max(due, time.perf_counter())
        if await _timed_turn(patient, remaining.pop(0), due, recorder) and remaining:
            idle.append((patient, remaining))
        else:
            await patient.close()

    started = time.perf_counter()
    due = started
    while True:
        due += arrivals.expovariate(rate)
        if due >= started + duration_s:
            break
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        task = asyncio.create_task(arrival(due))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.wait(tasks, timeout=TURN_TIMEOUT_S * 2)
    for patient, _ in idle:
        await patient.close()
    return StepResult(recorder, duration_s, opened)


def passes(result: StepResult, p95_limit_s: float) -> bool:
    """A rate is sustained if every message got its answer and p95 stayed under the limit."""
    p95 = percentile(result.recorder.latencies, 95)
    return not result.recorder.errors and not math.isnan(p95) and p95 < p95_limit_s


# --- the floor: NLU parsing alone and the action server alone --------------------------------


@dataclass
class Floor:
    parse: list[float] = field(default_factory=list)
    action: list[float] = field(default_factory=list)
    errors: Recorder = field(default_factory=Recorder)


def action_request(tracker: dict[str, Any], text: str, domain: dict[str, Any]) -> dict[str, Any]:
    """What Rasa posts to the action server for the patient's latest message, rebuilt from the
    stored tracker after the turn: events up to that message, slots as they were then.

    Rasa sends `tracker.current_state(EventVerbosity.ALL)`, the format /conversations/…/tracker
    returns. The stored text may be redacted (conversation_store), so the original goes back in.
    """
    events = tracker["events"]
    last_user = max(i for i, e in enumerate(events) if e.get("event") == "user")
    chosen = next(
        e["name"]
        for e in events[last_user + 1 :]
        if e.get("event") == "action" and e.get("name") != "action_listen"
    )
    before = events[: last_user + 1]
    slots = {name: None for name in tracker.get("slots", {})}
    for event in before:
        if event.get("event") == "slot":
            slots[event["name"]] = event.get("value")
        elif event.get("event") in ("restart", "session_started"):
            slots = {name: None for name in slots}
    latest = {**events[last_user].get("parse_data", {}), "text": text}
    state = {
        **tracker,
        "events": before,
        "slots": slots,
        "latest_message": latest,
        "latest_action": {"action_name": "action_listen"},
        "latest_action_name": "action_listen",
        "followup_action": None,
        "active_loop": {},
    }
    return {
        "next_action": chosen,
        "sender_id": tracker["sender_id"],
        "tracker": state,
        "domain": domain,
        "version": "3.6.21",
    }


async def measure_floor(
    session: aiohttp.ClientSession,
    rasa_url: str,
    action_url: str,
    token: str,
    conversations: Sequence[Conversation],
    repeats: int,
) -> Floor:
    """Each message of each conversation, once through the REST channel (for its tracker and
    the action Rasa chose), then `repeats` times through /model/parse and the action server.

    One request at a time, like the single patient it is compared with.
    """
    floor = Floor()
    auth = {"token": token}
    async with session.get(
        f"{rasa_url}/domain", params=auth, headers={"Accept": "application/json"}
    ) as response:
        response.raise_for_status()
        domain = await response.json()
    rest = RestChannel(session, rasa_url)
    for conversation in conversations:
        patient = await rest.patient()
        for message in conversation.messages:
            if not await _timed_turn(patient, message, time.perf_counter(), floor.errors):
                break
            async with session.get(
                # the REST channel names its conversations "rest:<sender>"
                f"{rasa_url}/conversations/rest:{patient.sender}/tracker",
                params={**auth, "include_events": "ALL"},
            ) as response:
                response.raise_for_status()
                tracker = await response.json()
            request = action_request(tracker, message, domain)
            for _ in range(repeats):
                started = time.perf_counter()
                async with session.post(
                    f"{rasa_url}/model/parse", params=auth, json={"text": message}
                ) as response:
                    response.raise_for_status()
                    await response.json()
                floor.parse.append(time.perf_counter() - started)
                started = time.perf_counter()
                async with session.post(f"{action_url}/webhook", json=request) as response:
                    if response.status != 200:
                        floor.errors.fail(f"action server HTTP {response.status}")
                        continue
                    await response.json()
                floor.action.append(time.perf_counter() - started)
    return floor
