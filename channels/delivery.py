"""A message delivered twice is answered twice but processed once.

Platforms resend a webhook when they get no answer in time (Twilio, Telegram, Slack), and a
patient's browser or a proxy resends after a connection breaks; with several server replicas
a replica can also die after storing a turn but before its answer left. Each such message
carries a delivery id: the platform's own message id, or for REST `metadata.delivery_id` sent
by the client. Under the conversation's lock (so a resend waits for the original), Rasa's
message handling first looks for that id in the conversation; if the message was already
processed, the stored answer is sent again instead of processing it a second time.

The tracker store keeps delivery ids as keyed pseudonyms, like conversation ids.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.shared.core.events import BotUttered, Event, UserUttered

from conversation_store.pseudonyms import pseudonym

logger = logging.getLogger(__name__)

DELIVERY_KEY = "delivery_id"


def delivery_metadata(channel: str, platform_id: object) -> dict[str, str]:
    """The user message's metadata naming its delivery, if the platform gave it an id."""
    return {DELIVERY_KEY: f"{channel}:{platform_id}"} if platform_id not in (None, "") else {}


def delivery_id(message: UserMessage) -> str | None:
    value = (message.metadata or {}).get(DELIVERY_KEY) if message.metadata else None
    return value if isinstance(value, str) and value else None


def answered_replies(events: Iterable[Event], ids: set[str]) -> list[dict[str, Any]] | None:
    """The bot messages that answered the user message with one of `ids`; None if no such
    message is in the conversation (an empty list if it was processed but got no answer)."""
    replies: list[dict[str, Any]] | None = None
    for event in events:
        if isinstance(event, UserUttered):
            if replies is not None:
                break
            if (event.metadata or {}).get(DELIVERY_KEY) in ids:
                replies = []
        elif isinstance(event, BotUttered) and replies is not None:
            reply = event.message()
            reply.pop("timestamp", None)
            replies.append(reply)
    return replies


def install() -> None:
    """Make Rasa's message handling skip messages it has already processed."""
    from rasa.core.processor import MessageProcessor

    process = MessageProcessor.handle_message
    if getattr(process, "checks_delivery", False):
        return

    async def handle_message(
        self: MessageProcessor, message: UserMessage
    ) -> list[dict[str, Any]] | None:
        delivery = delivery_id(message)
        if delivery is not None:
            tracker = await self.tracker_store.retrieve(message.sender_id)
            # as held in memory during this turn, and as the store keeps it
            ids = {delivery, pseudonym(delivery)}
            replies = answered_replies(tracker.events if tracker else [], ids)
            if replies is not None:
                logger.info("Delivery %s was already answered: sending that answer again", delivery)
                for reply in replies:
                    await message.output_channel.send_response(message.sender_id, reply)
                if isinstance(message.output_channel, CollectingOutputChannel):
                    return message.output_channel.messages
                return None
        return await process(self, message)

    handle_message.checks_delivery = True  # type: ignore[attr-defined]
    MessageProcessor.handle_message = handle_message  # type: ignore[method-assign]
