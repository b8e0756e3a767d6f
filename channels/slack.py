"""Slack: each part of an answer (at most 3000 characters, a section block's limit) as plain
text, the choices as buttons under the last part.

Rasa's input channel is kept for what it does well: the signing-secret check (a request
without a valid X-Slack-Signature is refused with 400), the URL challenge, Slack's retries
and button clicks. Only the output changes, and a typed "2" is read as the second choice.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.slack import SlackInput as RasaSlackInput
from sanic.request import Request

from channels.messaging import Outgoing, TurnOutput, api_base, post, resolve_choice, run_turn
from channels.platform_text import Button, split_text
from conversation_store.pseudonyms import conversation_id

logger = logging.getLogger(__name__)

SLACK_API = "https://slack.com/api"
TEXT_LIMIT = 3000  # characters of a section block's text
BUTTON_TEXT_LIMIT = 75
BUTTONS_PER_BLOCK = 25


class SlackOutput(TurnOutput):
    @classmethod
    def name(cls) -> str:
        return "slack"

    def __init__(
        self,
        token: str,
        slack_channel: str | None = None,
        thread_id: str | None = None,
        api_base_url: str = SLACK_API,
    ) -> None:
        super().__init__()
        self.slack_channel = slack_channel
        self.thread_id = thread_id
        self.url = f"{api_base_url}/chat.postMessage"
        self.headers = {"Authorization": f"Bearer {token}"}

    async def deliver(self, session: aiohttp.ClientSession, message: Outgoing) -> None:
        channel = self.slack_channel or message.recipient_id
        parts = split_text(message.text, TEXT_LIMIT)
        for number, part in enumerate(parts, start=1):
            # plain_text, so that "*" or "_" in an answer is not read as Slack formatting.
            blocks: list[dict[str, Any]] = [
                {"type": "section", "text": {"type": "plain_text", "text": part}}
            ]
            if message.buttons and number == len(parts):
                blocks += button_blocks(message.buttons)
            body: dict[str, Any] = {"channel": channel, "text": part, "blocks": blocks}
            if self.thread_id:
                body["thread_ts"] = self.thread_id
            await post(session, self.url, json=body, headers=self.headers)


def button_blocks(buttons: list[Button]) -> list[dict[str, Any]]:
    elements = [
        {
            "type": "button",
            "text": {"type": "plain_text", "text": button["title"][:BUTTON_TEXT_LIMIT]},
            "value": button.get("payload") or button["title"],
        }
        for button in buttons
    ]
    return [
        {"type": "actions", "elements": elements[i : i + BUTTONS_PER_BLOCK]}
        for i in range(0, len(elements), BUTTONS_PER_BLOCK)
    ]


class SlackInput(RasaSlackInput):
    api_base_url: str = SLACK_API

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        channel = super().from_credentials(credentials)
        assert isinstance(channel, SlackInput)
        channel.api_base_url = (credentials or {}).get("api_base_url") or api_base(
            "SLACK_API_BASE_URL", SLACK_API
        )
        return channel

    def get_output_channel(  # type: ignore[override]
        self, channel: str | None = None, thread_id: str | None = None
    ) -> SlackOutput:
        return SlackOutput(
            self.slack_token, channel or self.slack_channel, thread_id, self.api_base_url
        )

    async def process_message(
        self,
        request: Request,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        text: str,
        sender_id: str | None,
        metadata: dict | None,
    ) -> Any:
        if sender_id:
            sender_id = conversation_id(self.name(), sender_id)
            text = await resolve_choice(request, sender_id, text) or text

        async def answer(message: UserMessage) -> None:
            await run_turn(on_new_message, message)

        return await super().process_message(request, answer, text, sender_id, metadata)
