"""No message stalls the server, and every message gets an answer: the per-turn guard inside
Rasa's process (`install()`, called by tools.rasa_server).

Before a message takes its conversation's lock (and long before NLU), `Agent.handle_message`
answers it with a clear message that names the emergency number, without processing it, if
- it is longer than BOT_MAX_MESSAGE_CHARS (a 100 kB message took 25-40 s of the single event
  loop and 6.8 GiB in NLU; the text is not logged) and names no symptom; one that does is
  processed as its symptom sentences (tools.long_messages), after a notice that says so; or
- its conversation sends faster than BOT_RATE_LIMIT_MESSAGES per BOT_RATE_LIMIT_SECONDS (a
  token bucket per sender id) or already has BOT_MAX_PENDING_TURNS messages waiting for the
  lock: queued messages otherwise outlived Rasa's 60 s lock ticket and got `200 []`, unstored.
Any other failure of a turn is answered with the "unavailable" message instead of nothing.

`RemoteAction.run` gets at most BOT_ACTION_TIMEOUT_SECONDS; when the action server is down,
hung or answers nonsense, the patient is told (in the conversation's language, or English and
German if not known yet) that the assistant is unavailable, with the emergency number, and the
turn ends there (the user message is stored as usual). Sanic's REQUEST_MAX_SIZE and
WEBSOCKET_MAX_SIZE are set to BOT_MAX_REQUEST_BYTES through its SANIC_ environment variables.

Private Rasa 3.6.21 symbols relied on: `rasa.core.agent.Agent.handle_message` (the channels'
entry, which takes the lock), `rasa.core.actions.action.RemoteAction.run`,
`rasa.core.actions.action.ActionExecutionRejection` (passed through: forms rely on it), and
that `MessageProcessor._run_action` sends and stores the `BotUttered` events an action returns.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import OrderedDict
from typing import Any

from .guard_settings import GuardSettings, ServiceMessages, data_dir
from .long_messages import SymptomReader

logger = logging.getLogger(__name__)

RASA_VERSION = "3.6.21"
# Conversations whose turn already told the patient the action server failed (one notice per
# turn, and the turn's next actions are not tried): bounded, only recent turns matter.
_RECENT_FAILED_TURNS = 1000
# Full buckets carry no information; they are dropped once this many conversations are known.
_MAX_BUCKETS = 10_000


class SenderRateLimit:
    """A token bucket per sender id: `messages` per `seconds`, refilled continuously."""

    def __init__(self, messages: int, seconds: float, clock: Any = time.monotonic) -> None:
        self.capacity = float(messages)
        self.rate = messages / seconds
        self.clock = clock
        self.buckets: dict[str, tuple[float, float]] = {}  # sender -> (tokens, as of)

    def allow(self, sender: str) -> bool:
        now = self.clock()
        tokens, since = self.buckets.get(sender, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - since) * self.rate)
        allowed = tokens >= 1
        self.buckets[sender] = (tokens - 1 if allowed else tokens, now)
        if len(self.buckets) > _MAX_BUCKETS:
            self._forget_full(now)
        return allowed

    def _forget_full(self, now: float) -> None:
        for sender, (tokens, since) in list(self.buckets.items()):
            if tokens + (now - since) * self.rate >= self.capacity:
                del self.buckets[sender]


class TurnGuard:
    """The checks and answers of one Rasa process."""

    def __init__(self, settings: GuardSettings, messages: ServiceMessages) -> None:
        self.settings = settings
        self.messages = messages
        self.rate_limit = SenderRateLimit(settings.rate_messages, settings.rate_seconds)
        self.pending: dict[str, int] = {}
        self.failed_turns: OrderedDict[tuple[str, str], None] = OrderedDict()
        self.symptom_reader = SymptomReader(settings.max_message_chars)

    def refusal(self, sender: str, text: object) -> str | None:
        """The message key to answer with instead of processing, or None to process."""
        # REST passes on whatever JSON the client sent as the message.
        if self.pending.get(sender, 0) >= self.settings.max_pending_turns:
            return "sending_too_fast"
        if not self.rate_limit.allow(sender):
            return "sending_too_fast"
        length = 0 if text is None else len(text if isinstance(text, str) else str(text))
        if length > self.settings.max_message_chars:
            return "message_too_long"
        return None

    def answer(self, key: str, language: str | None) -> list[dict[str, Any]]:
        """The text, then the reply contract (actions/reply.py) every turn ends with: no health
        topic, no disclaimer, the emergency number; `service` says which notice it is."""
        from actions.language import default_language

        text = self.messages.text(key, language, limit=str(self.settings.max_message_chars))
        custom = {
            "topic": "smalltalk", "region": None, "urgency": "none",
            "language": language if language in ("en", "de") else default_language().value,
            "facts": [], "source_line": None, "disclaimer": None,
            "emergency_number": self.messages.emergency_number,
            "reminder": None, "question": None, "service": key,
        }  # fmt: skip
        return [{"text": text}, {"custom": custom}]

    def mark_failed(self, turn: tuple[str, str]) -> bool:
        """Record that this turn's action failed; False if it had already (no second notice)."""
        if turn in self.failed_turns:
            return False
        self.failed_turns[turn] = None
        while len(self.failed_turns) > _RECENT_FAILED_TURNS:
            self.failed_turns.popitem(last=False)
        return True


def _id(sender: str) -> str:
    from conversation_store.pseudonyms import pseudonym

    return pseudonym(sender)


async def _send(message: Any, replies: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    from rasa.core.channels.channel import CollectingOutputChannel

    for reply in replies:
        await message.output_channel.send_response(message.sender_id, reply)
    if isinstance(message.output_channel, CollectingOutputChannel):
        return message.output_channel.messages
    return None


async def _refuse(guard: TurnGuard, message: Any, key: str) -> list[dict[str, Any]] | None:
    # Neither the text nor its length: a pasted report can hold anything; the sender id (a
    # phone number on SMS) only as the pseudonym the conversation is stored under.
    logger.warning("Message of conversation %s not processed: %s", _id(message.sender_id), key)
    return await _send(message, guard.answer(key, None))


async def _shorten(guard: TurnGuard, message: Any) -> bool:
    """A red flag in a pasted history is still triaged: the message becomes its symptom
    sentences, marked `shortened` in its (stored) metadata, after a notice to the patient."""
    if not isinstance(message.text, str):
        return False
    shortened = await guard.symptom_reader.read(message.text)
    if not shortened:
        return False
    message.text = shortened
    message.metadata = {**(message.metadata or {}), "shortened": True}
    notice = guard.answer("message_shortened", None)[0]
    await message.output_channel.send_response(message.sender_id, notice)
    return True


def _guard_messages(guard: TurnGuard) -> None:
    from rasa.core.agent import Agent

    handle = Agent.handle_message

    async def handle_message(self: Agent, message: Any) -> list[dict[str, Any]] | None:
        sender = message.sender_id
        refusal = guard.refusal(sender, message.text)
        if refusal == "sending_too_fast":
            return await _refuse(guard, message, refusal)
        # Counted from here: a long message being read waits like one waiting for the lock.
        guard.pending[sender] = guard.pending.get(sender, 0) + 1
        try:
            if refusal == "message_too_long" and not await _shorten(guard, message):
                return await _refuse(guard, message, refusal)
            return await handle(self, message)
        except Exception:
            logger.exception("The turn of conversation %s failed", _id(sender))
            return await _send(message, guard.answer("assistant_unavailable", None))
        finally:
            guard.pending[sender] -= 1
            if not guard.pending[sender]:
                del guard.pending[sender]

    Agent.handle_message = handle_message  # type: ignore[method-assign]


def _guard_actions(guard: TurnGuard) -> None:
    from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import BotUttered, FollowupAction

    run = RemoteAction.run
    timeout = guard.settings.action_timeout_seconds

    async def run_or_say_unavailable(
        self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any
    ) -> list[Any]:
        message_id = getattr(tracker.latest_message, "message_id", None)
        turn = (tracker.sender_id, message_id) if message_id else None  # None: not told apart
        if turn in guard.failed_turns:
            return []
        try:
            return await asyncio.wait_for(run(self, output_channel, nlg, tracker, domain), timeout)
        except ActionExecutionRejection:
            raise
        except Exception as error:
            reason = "no answer in time" if isinstance(error, asyncio.TimeoutError) else error
            logger.error("Action %s failed (%s): the patient is told", self.name(), reason)
            if turn is not None and not guard.mark_failed(turn):
                return []
            language = tracker.get_slot("language")
            text, contract = guard.answer("assistant_unavailable", language)
            return [
                BotUttered(text["text"]),
                BotUttered(data=contract),
                FollowupAction(ACTION_LISTEN_NAME),
            ]

    RemoteAction.run = run_or_say_unavailable  # type: ignore[method-assign]


def install() -> TurnGuard:
    """Check the settings and messages (a clear error if wrong) and patch Rasa."""
    import rasa

    if rasa.__version__ != RASA_VERSION:
        raise RuntimeError(
            f"tools.turn_guard patches Rasa {RASA_VERSION} internals, found Rasa "
            f"{rasa.__version__}: check Agent.handle_message and RemoteAction.run, then update"
        )
    try:
        settings = GuardSettings.from_environment(os.environ)
        messages = ServiceMessages.load(data_dir(os.environ), os.environ)
    except ValueError as error:  # SettingError, DataFileError
        raise SystemExit(f"Turn guard: {error}") from None
    for name in ("SANIC_REQUEST_MAX_SIZE", "SANIC_WEBSOCKET_MAX_SIZE"):
        os.environ[name] = str(settings.max_request_bytes)
    guard = TurnGuard(settings, messages)
    _guard_messages(guard)
    _guard_actions(guard)
    return guard
