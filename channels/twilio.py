"""Twilio SMS and WhatsApp: plain text of at most 1600 characters, choices as a numbered list.

Unlike Rasa's connector this one checks that each webhook request is signed by Twilio
(X-Twilio-Signature, computed over the public webhook URL, which behind a proxy differs from
the URL the server sees) and sends with aiohttp instead of the twilio Client, whose HTTP calls
block the event loop. A WhatsApp patient writes from `whatsapp:+49…` and is answered from
the `whatsapp:` form of our number.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator

from channels.delivery import delivery_metadata
from channels.messaging import Outgoing, TurnOutput, api_base, post, resolve_choice, run_turn
from channels.platform_text import split_text, with_numbered_choices
from conversation_store.pseudonyms import conversation_id

logger = logging.getLogger(__name__)

TWILIO_API = "https://api.twilio.com"
MESSAGE_LIMIT = 1600
WHATSAPP = "whatsapp:"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def bare_number(number: str) -> str:
    return number.removeprefix(WHATSAPP)


class TwilioOutput(TurnOutput):
    @classmethod
    def name(cls) -> str:
        return "twilio"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        twilio_number: str,
        whatsapp_number: str | None = None,
        api_base_url: str = TWILIO_API,
        limit: int = MESSAGE_LIMIT,
    ) -> None:
        super().__init__()
        self.url = f"{api_base_url}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self.auth = aiohttp.BasicAuth(account_sid, auth_token)
        self.twilio_number = bare_number(twilio_number)
        self.whatsapp_number = bare_number(whatsapp_number or twilio_number)
        self.limit = limit

    def sender_for(self, recipient_id: str) -> str:
        if recipient_id.startswith(WHATSAPP):
            return f"{WHATSAPP}{self.whatsapp_number}"
        return self.twilio_number

    async def deliver(self, session: aiohttp.ClientSession, message: Outgoing) -> None:
        text = with_numbered_choices(message.text, message.buttons, self.language, self.ending)
        sender = self.sender_for(message.recipient_id)
        for part in split_text(text, self.limit):
            form = {"To": message.recipient_id, "From": sender, "Body": part}
            await post(session, self.url, data=form, auth=self.auth)


class TwilioInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "twilio"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(
            account_sid=credentials["account_sid"],
            auth_token=credentials["auth_token"],
            twilio_number=credentials["twilio_number"],
            webhook_url=credentials.get("webhook_url"),
            whatsapp_number=credentials.get("whatsapp_number")
            or os.environ.get("TWILIO_WHATSAPP_NUMBER"),
            api_base_url=credentials.get("api_base_url")
            or api_base("TWILIO_API_BASE_URL", TWILIO_API),
            limit=int(credentials.get("message_limit") or MESSAGE_LIMIT),
        )

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        twilio_number: str,
        webhook_url: str | None = None,
        whatsapp_number: str | None = None,
        api_base_url: str = TWILIO_API,
        limit: int = MESSAGE_LIMIT,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.twilio_number = twilio_number
        self.webhook_url = webhook_url
        self.whatsapp_number = whatsapp_number
        self.api_base_url = api_base_url.rstrip("/")
        self.limit = limit
        self.validator = RequestValidator(auth_token)
        if not webhook_url:
            logger.warning(
                "Twilio: no webhook_url; signatures are checked against the URL the server "
                "sees, which fails behind a proxy"
            )

    def get_output_channel(self) -> TwilioOutput:
        return TwilioOutput(
            self.account_sid,
            self.auth_token,
            self.twilio_number,
            self.whatsapp_number,
            self.api_base_url,
            self.limit,
        )

    def _authentic(self, request: Request) -> bool:
        signature = request.headers.get("X-Twilio-Signature", "")
        url = self.webhook_url or request.url
        # Sanic's form has getlist(), which the validator uses for repeated fields.
        return bool(signature) and self.validator.validate(url, request.form, signature)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        twilio_webhook = Blueprint("custom_twilio_webhook", __name__)

        @twilio_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @twilio_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self._authentic(request):
                logger.warning("Twilio: request without a valid X-Twilio-Signature rejected")
                return response.text("forbidden", status=403)
            number = request.form.get("From")
            text = request.form.get("Body")
            if number and text:
                sender = conversation_id(self.name(), number)
                text = await resolve_choice(request, sender, text)
                output = self.get_output_channel()
                # Twilio resends a webhook it got no answer to: the same MessageSid.
                delivery = delivery_metadata(self.name(), request.form.get("MessageSid"))
                message = UserMessage(
                    text, output, sender, input_channel=self.name(), metadata=delivery
                )
                await run_turn(on_new_message, message)
            # The reply went out through the REST API; an empty TwiML tells Twilio that
            # nothing more is to be sent.
            return response.text(EMPTY_TWIML, content_type="text/xml")

        return twilio_webhook
