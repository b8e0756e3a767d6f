"""What the messaging-platform connectors share: holding a turn until its reply contract
arrives, never passing the contract on, and reading a numbered reply against the choices the
conversation's tracker says were offered last.

The tracker store (not the connector's memory) remembers the choices because every replica of
the server shares it; whichever replica receives "2" knows what "2" meant.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.shared.core.events import BotUttered, UserUttered
from sanic.request import Request

from channels.platform_text import Button, chosen_payload, looks_like_choice
from conversation_store.pseudonyms import platform_id

logger = logging.getLogger(__name__)

# A platform that does not answer within this long is treated as down for this message.
SEND_TIMEOUT = aiohttp.ClientTimeout(total=15)


class DeliveryError(Exception):
    """The platform refused a message or could not be reached."""


def api_base(variable: str, default: str) -> str:
    """The platform's API address: the real one unless the environment points elsewhere
    (tests point it at a local stand-in). Optional, so it is not a ${VAR} of credentials.yml."""
    return (os.environ.get(variable) or default).rstrip("/")


@dataclass
class Outgoing:
    recipient_id: str
    text: str
    buttons: list[Button] = field(default_factory=list)


class TurnOutput(OutputChannel):
    """Holds a turn's messages until the reply contract ends the turn, then delivers them.

    Rasa names the recipient by the conversation, "<channel>:<platform id>"
    (conversation_store.pseudonyms.conversation_id); a platform is sent the platform id.

    The contract comes last and tells the turn's language, which the wording of numbered
    choices needs. It and any other custom payload are for the website and staff, never for a
    patient, so they are dropped here (Rasa's own outputs would send them on).
    """

    def __init__(self) -> None:
        super().__init__()
        self._held: list[Outgoing] = []
        self.language: str | None = None
        # the source line and disclaimer that end a health answer (see actions/reply.py)
        self.ending: tuple[str | None, ...] = ()

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        self._held.append(Outgoing(platform_id(self.name(), recipient_id), text))

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[Button], **kwargs: Any
    ) -> None:
        self._held.append(Outgoing(platform_id(self.name(), recipient_id), text, list(buttons)))

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: list[Button], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_custom_json(self, recipient_id: str, json_message: Any, **kwargs: Any) -> None:
        if isinstance(json_message, dict) and isinstance(json_message.get("language"), str):
            self.language = json_message["language"]
            self.ending = (json_message.get("source_line"), json_message.get("disclaimer"))
        await self.flush()

    async def flush(self) -> None:
        """Deliver what is held; a turn without a contract is flushed when it ends."""
        held, self._held = self._held, []
        if not held:
            return
        async with aiohttp.ClientSession(timeout=SEND_TIMEOUT) as session:
            for message in held:
                try:
                    await self.deliver(session, message)
                except (DeliveryError, aiohttp.ClientError, TimeoutError) as error:
                    # The rest of the turn would read out of context (and without the
                    # disclaimer that ends it), so the turn stops here.
                    logger.error("%s: could not deliver a reply: %s", self.name(), error)
                    return

    async def deliver(self, session: aiohttp.ClientSession, message: Outgoing) -> None:
        raise NotImplementedError


async def post(session: aiohttp.ClientSession, url: str, **kwargs: Any) -> dict[str, Any]:
    """POST to a platform API; its JSON answer, or DeliveryError if it refused."""
    async with session.post(url, **kwargs) as response:
        try:
            body = await response.json(content_type=None)
        except ValueError:
            body = {}
        if response.status >= 300 or (isinstance(body, dict) and body.get("ok") is False):
            raise DeliveryError(f"{response.status} from {url.split('?')[0]}: {body}")
        return body if isinstance(body, dict) else {}


async def offered_choices(request: Request, sender_id: str) -> list[Button]:
    """The buttons of the bot's last turn in this conversation, if it offered any."""
    agent = getattr(request.app.ctx, "agent", None)
    store = getattr(agent, "tracker_store", None)
    if store is None:
        return []
    tracker = await store.retrieve(sender_id)
    for event in reversed(tracker.events if tracker else []):
        if isinstance(event, UserUttered):
            break  # choices from an earlier turn are no longer on offer
        if isinstance(event, BotUttered) and event.data.get("buttons"):
            return list(event.data["buttons"])
    return []


async def resolve_choice(request: Request, sender_id: str, text: str | None) -> str | None:
    """A reply naming one of the offered choices by number becomes that choice's payload."""
    if not looks_like_choice(text):
        return text
    payload = chosen_payload(text or "", await offered_choices(request, sender_id))
    return payload or text


async def run_turn(
    on_new_message: Callable[[UserMessage], Awaitable[Any]], message: UserMessage
) -> None:
    """Let Rasa answer, then deliver whatever the turn held back (e.g. a turn with no
    contract, such as Rasa's own fallback)."""
    try:
        await on_new_message(message)
    finally:
        output = message.output_channel
        if isinstance(output, TurnOutput):
            await output.flush()
