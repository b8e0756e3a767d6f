"""Rasa's REST channel, with every request checked before Rasa sees it.

Rasa's own (rasa.core.channels.rest.RestInput, whose `blueprint`, `stream_response` and
`name` are used or replaced here) reads the body with `.get()`, so a body that is a list or a
string ends in a 500 with a traceback, and a `message` or `metadata` of the wrong type reaches
the model (200 [] or a crash). A request without `sender` joined one shared conversation,
"default", where one stranger's history changed another's answers. Here:

- the body must be a JSON object with `sender` (a non-empty string of at most
  MAX_SENDER_LENGTH characters), `message` (a string, may be empty) and, if given, `metadata`
  (an object); anything else gets 400 with {"error": "<what is wrong>"};
- the conversation is "rest:<sender>" (conversation_store.pseudonyms.conversation_id), so a
  REST client cannot name another channel's conversation (an SMS patient's phone number);
- a body's `input_channel` is ignored: the message came in on REST;
- a turn that fails is answered 500 with an error, not 200 with whatever was collected.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import rasa
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.utils.endpoints import bool_arg
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse, ResponseStream

from conversation_store.pseudonyms import conversation_id, platform_id

logger = logging.getLogger(__name__)

RASA_VERSION = "3.6.21"  # the version whose RestInput this replaces the blueprint of
MAX_SENDER_LENGTH = 128


@dataclass(frozen=True)
class RestMessage:
    sender: str
    text: str
    metadata: dict[str, Any] | None


class BadRequest(ValueError):
    """What is wrong with a request, in words its sender can act on."""


def read_message(raw_body: bytes) -> RestMessage:
    """The message a request body holds, or BadRequest naming what is wrong with it."""
    try:
        body = json.loads(raw_body) if raw_body else None
    except (ValueError, UnicodeDecodeError) as error:
        raise BadRequest(f"the body is not valid JSON: {error}") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object with 'sender' and 'message'")
    sender = body.get("sender")
    if not isinstance(sender, str) or not sender.strip():
        raise BadRequest("'sender' is required: a non-empty string naming the conversation")
    if len(sender) > MAX_SENDER_LENGTH:
        raise BadRequest(f"'sender' is longer than {MAX_SENDER_LENGTH} characters")
    text = body.get("message")
    if not isinstance(text, str):
        raise BadRequest("'message' is required and must be a string")
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise BadRequest("'metadata' must be a JSON object")
    return RestMessage(sender, text, metadata)


class RestOutput(CollectingOutputChannel):
    """Answers name the recipient as the client named it, without the channel. (Its name
    stays Rasa's "collector": responses and actions may be chosen by it.)"""

    @staticmethod
    def _message(recipient_id: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return CollectingOutputChannel._message(platform_id("rest", recipient_id), *args, **kwargs)


class CheckedRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"  # the URL stays /webhooks/rest/webhook

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        if rasa.__version__ != RASA_VERSION:
            raise RuntimeError(
                f"channels.rest replaces the blueprint of Rasa {RASA_VERSION}'s RestInput;"
                f" this is Rasa {rasa.__version__}: check it against the new RestInput"
            )
        webhook = Blueprint("custom_webhook_CheckedRestInput", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> ResponseStream | HTTPResponse:
            try:
                message = read_message(request.body)
            except BadRequest as problem:
                return response.json({"error": str(problem)}, status=400)
            sender = conversation_id(self.name(), message.sender)
            if bool_arg(request, "stream", default=False):
                stream = self.stream_response(
                    on_new_message, message.text, sender, self.name(), message.metadata
                )
                return response.stream(stream, content_type="text/event-stream")
            collector = RestOutput()
            metadata = message.metadata
            user_message = UserMessage(
                message.text, collector, sender, input_channel=self.name(), metadata=metadata
            )
            try:
                await on_new_message(user_message)
            except Exception:
                # the message text stays out of the log: it may be health data
                logger.exception("REST: a message could not be answered")
                return response.json({"error": "the message could not be answered"}, status=500)
            return response.json(collector.messages)

        return webhook
