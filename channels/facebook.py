"""Facebook Messenger: parts of at most 2000 characters, choices as quick replies.

Quick replies hold at most 13 choices of at most 20 characters. Our choices are often longer
("When to see a doctor", "Check: should I see a doctor?"), and cutting them would change
their meaning, so then the text lists them numbered and the quick replies show the numbers.

Rasa's connector sends through fbmessenger, whose HTTP calls block the event loop, and
answers a badly signed request with 200; this one sends with aiohttp and refuses it (403).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import aiohttp
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.messaging import Outgoing, TurnOutput, api_base, post, resolve_choice, run_turn
from channels.platform_text import Button, split_text, with_numbered_choices
from conversation_store.pseudonyms import conversation_id

logger = logging.getLogger(__name__)

FACEBOOK_API = "https://graph.facebook.com/v18.0"
MESSAGE_LIMIT = 2000
QUICK_REPLIES_LIMIT = 13
QUICK_REPLY_TITLE_LIMIT = 20


def quick_replies(buttons: list[Button], numbered: bool) -> list[dict[str, str]]:
    return [
        {
            "content_type": "text",
            "title": str(number) if numbered else button["title"],
            "payload": button.get("payload") or button["title"],
        }
        for number, button in enumerate(buttons, start=1)
    ]


class FacebookOutput(TurnOutput):
    @classmethod
    def name(cls) -> str:
        return "facebook"

    def __init__(self, page_access_token: str, api_base_url: str = FACEBOOK_API) -> None:
        super().__init__()
        self.url = f"{api_base_url}/me/messages"
        self.params = {"access_token": page_access_token}

    async def deliver(self, session: aiohttp.ClientSession, message: Outgoing) -> None:
        buttons = message.buttons
        fits = all(len(b["title"]) <= QUICK_REPLY_TITLE_LIMIT for b in buttons)
        text = (
            message.text
            if fits
            else with_numbered_choices(message.text, buttons, self.language, self.ending)
        )
        parts = split_text(text, MESSAGE_LIMIT)
        for number, part in enumerate(parts, start=1):
            content: dict[str, Any] = {"text": part}
            if buttons and number == len(parts) and len(buttons) <= QUICK_REPLIES_LIMIT:
                content["quick_replies"] = quick_replies(buttons, numbered=not fits)
            body = {
                "recipient": {"id": message.recipient_id},
                "messaging_type": "RESPONSE",
                "message": content,
            }
            await post(session, self.url, json=body, params=self.params)


def valid_signature(app_secret: str, body: bytes, headers: Any) -> bool:
    """Meta signs the body with the app secret: SHA-256 now, SHA-1 in older apps."""
    for header, digest in (("X-Hub-Signature-256", hashlib.sha256), ("X-Hub-Signature", None)):
        given = headers.get(header)
        if given:
            expected = hmac.new(app_secret.encode(), body, digest or hashlib.sha1).hexdigest()
            prefix = "sha256=" if digest else "sha1="
            return hmac.compare_digest(given.encode(), f"{prefix}{expected}".encode())
    return False


def patient_messages(payload: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(sender id, text) of each message, quick reply or postback in a webhook call."""
    for entry in payload.get("entry") or []:
        for event in entry.get("messaging") or []:
            sender = (event.get("sender") or {}).get("id")
            message = event.get("message") or {}
            if message.get("is_echo"):
                continue  # our own message, echoed back
            text = (
                (message.get("quick_reply") or {}).get("payload")
                or message.get("text")
                or (event.get("postback") or {}).get("payload")
            )
            if sender and text:
                yield str(sender), text


class FacebookInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "facebook"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(
            verify=credentials["verify"],
            secret=credentials["secret"],
            page_access_token=credentials["page-access-token"],
            api_base_url=credentials.get("api_base_url")
            or api_base("FACEBOOK_API_BASE_URL", FACEBOOK_API),
        )

    def __init__(
        self, verify: str, secret: str, page_access_token: str, api_base_url: str = FACEBOOK_API
    ) -> None:
        self.verify = verify
        self.secret = secret
        self.page_access_token = page_access_token
        self.api_base_url = api_base_url.rstrip("/")

    def get_output_channel(self) -> FacebookOutput:
        return FacebookOutput(self.page_access_token, self.api_base_url)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        fb_webhook = Blueprint("custom_fb_webhook", __name__)

        @fb_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @fb_webhook.route("/webhook", methods=["GET"])
        async def verify_subscription(request: Request) -> HTTPResponse:
            # Meta's one-time check when the webhook is set up in the app dashboard.
            token = request.args.get("hub.verify_token", "")
            if hmac.compare_digest(token.encode(), self.verify.encode()):
                return response.text(request.args.get("hub.challenge", ""))
            logger.warning("Facebook: webhook verification with a wrong verify token")
            return response.text("forbidden", status=403)

        @fb_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not valid_signature(self.secret, request.body, request.headers):
                logger.warning("Facebook: request with a wrong app-secret signature rejected")
                return response.text("forbidden", status=403)
            payload = request.json if isinstance(request.json, dict) else {}
            for psid, text in patient_messages(payload):
                sender_id = conversation_id(self.name(), psid)
                text = await resolve_choice(request, sender_id, text) or text
                output = self.get_output_channel()
                message = UserMessage(text, output, sender_id, input_channel=self.name())
                try:
                    await run_turn(on_new_message, message)
                except Exception:
                    # Meta resends a call answered with an error: the patient would get
                    # the answers twice.
                    logger.exception("Facebook: could not handle a message")
            return response.text("EVENT_RECEIVED")

        return fb_webhook
