"""Telegram: answers in messages of at most 4096 characters, choices as an inline keyboard.

Unlike Rasa's connector this one does not ask Telegram who it is (getMe) on every message,
checks the webhook's secret token, and talks to the Bot API with aiohttp (aiogram 2.15 cannot
set a secret token). The webhook is registered after the server has started, in the
background: a Telegram that cannot be reached then is logged, not fatal, and
`/webhooks/telegram/set_webhook` registers it again later.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.delivery import delivery_metadata
from channels.messaging import (
    SEND_TIMEOUT,
    DeliveryError,
    Outgoing,
    TurnOutput,
    api_base,
    post,
    resolve_choice,
    run_turn,
)
from channels.platform_text import numbered_choices, split_text
from conversation_store.pseudonyms import conversation_id

logger = logging.getLogger(__name__)

TELEGRAM_API = "https://api.telegram.org"
MESSAGE_LIMIT = 4096
CALLBACK_DATA_LIMIT = 64  # bytes, Telegram's limit for a button's data
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
UPDATES = ["message", "edited_message", "callback_query"]


class TelegramOutput(TurnOutput):
    @classmethod
    def name(cls) -> str:
        return "telegram"

    def __init__(self, access_token: str, api_base_url: str) -> None:
        super().__init__()
        self.api = f"{api_base_url}/bot{access_token}"

    async def deliver(self, session: aiohttp.ClientSession, message: Outgoing) -> None:
        parts = split_text(message.text, MESSAGE_LIMIT)
        if message.buttons and not parts:
            parts = [numbered_choices(message.buttons, self.language)]
        for number, part in enumerate(parts, start=1):
            body: dict[str, Any] = {"chat_id": message.recipient_id, "text": part}
            if message.buttons and number == len(parts):
                body["reply_markup"] = {"inline_keyboard": keyboard(message.buttons)}
            await post(session, f"{self.api}/sendMessage", json=body)


def keyboard(buttons: list[dict[str, str]]) -> list[list[dict[str, str]]]:
    """One button per row: the titles are phrases, too long to sit side by side."""
    rows = []
    for number, button in enumerate(buttons, start=1):
        payload = button.get("payload") or button.get("title", "")
        # A payload too long for Telegram is sent as its number, which the input channel
        # resolves like a typed "2" against the choices in the tracker.
        data = payload if len(payload.encode()) <= CALLBACK_DATA_LIMIT else str(number)
        rows.append([{"text": button.get("title", payload), "callback_data": data}])
    return rows


class TelegramInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(
            access_token=credentials["access_token"],
            verify=credentials.get("verify"),
            webhook_url=credentials.get("webhook_url"),
            secret_token=credentials.get("secret_token"),
            api_base_url=credentials.get("api_base_url")
            or api_base("TELEGRAM_API_BASE_URL", TELEGRAM_API),
        )

    def __init__(
        self,
        access_token: str,
        verify: str | None,
        webhook_url: str | None,
        secret_token: str | None,
        api_base_url: str = TELEGRAM_API,
    ) -> None:
        self.access_token = access_token
        self.verify = verify  # the bot's username, to strip "@name" from group commands
        self.webhook_url = webhook_url
        self.secret_token = secret_token
        self.api_base_url = api_base_url.rstrip("/")
        if not secret_token:
            logger.warning("Telegram: no secret_token, anyone may post updates to the webhook")

    def get_output_channel(self) -> TelegramOutput:
        return TelegramOutput(self.access_token, self.api_base_url)

    async def register_webhook(self) -> bool:
        if not self.webhook_url:
            return False
        body: dict[str, Any] = {"url": self.webhook_url, "allowed_updates": UPDATES}
        if self.secret_token:
            body["secret_token"] = self.secret_token
        api = f"{self.api_base_url}/bot{self.access_token}"
        try:
            async with aiohttp.ClientSession(timeout=SEND_TIMEOUT) as session:
                await post(session, f"{api}/setWebhook", json=body)
        except (DeliveryError, aiohttp.ClientError, TimeoutError) as error:
            logger.warning(
                "Telegram webhook not registered (%s); POST /webhooks/telegram/set_webhook "
                "to retry",
                error,
            )
            return False
        logger.info("Telegram webhook registered: %s", self.webhook_url)
        return True

    def _authentic(self, request: Request) -> bool:
        if not self.secret_token:
            return True
        given = request.headers.get(SECRET_HEADER, "")
        return hmac.compare_digest(given.encode(), self.secret_token.encode())

    def _read_update(self, update: dict[str, Any]) -> tuple[str, str, str | None] | None:
        """(chat id, text, callback query id) of an update the bot answers, else None."""
        if callback := update.get("callback_query"):
            chat = (callback.get("message") or {}).get("chat") or {}
            text, query_id = callback.get("data"), callback.get("id")
        else:
            message = update.get("message") or update.get("edited_message") or {}
            chat, text, query_id = message.get("chat") or {}, message.get("text"), None
            if text and text.split("@")[0].strip() == "/start":
                # Telegram's "Start" button: greet in the language the app is set to.
                language = (message.get("from") or {}).get("language_code", "")
                text = "Hallo" if language.startswith("de") else "Hello"
            elif text and self.verify:
                text = text.replace(f"@{self.verify}", "").strip()
        if chat.get("id") is None or not text:
            return None
        return str(chat["id"]), text, query_id

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        telegram_webhook = Blueprint("custom_telegram_webhook", __name__)

        @telegram_webhook.listener("after_server_start")
        async def register(app: Sanic, _: Any) -> None:
            app.add_task(self.register_webhook())

        @telegram_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @telegram_webhook.route("/set_webhook", methods=["POST"])
        async def set_webhook(_: Request) -> HTTPResponse:
            registered = await self.register_webhook()
            return response.json({"registered": registered}, status=200 if registered else 502)

        @telegram_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self._authentic(request):
                logger.warning("Telegram: update with a wrong secret token rejected")
                return response.text("forbidden", status=403)
            update = request.json if isinstance(request.json, dict) else {}
            read = self._read_update(update)
            if read is None:
                return response.text("ignored")  # stickers, joins, …: nothing to answer
            chat_id, text, query_id = read
            sender_id = conversation_id(self.name(), chat_id)
            output = self.get_output_channel()
            if query_id:
                await self._stop_button_spinner(query_id)
            text = await resolve_choice(request, sender_id, text)
            # Telegram resends an update it got no answer to: the same update_id.
            delivery = delivery_metadata(self.name(), update.get("update_id"))
            message = UserMessage(
                text, output, sender_id, input_channel=self.name(), metadata=delivery
            )
            try:
                await run_turn(on_new_message, message)
            except Exception:
                # Telegram resends an update answered with an error, so the patient would
                # get the answer twice; log it and acknowledge.
                logger.exception("Telegram: could not handle an update")
            return response.text("success")

        return telegram_webhook

    async def _stop_button_spinner(self, query_id: str) -> None:
        url = f"{self.api_base_url}/bot{self.access_token}/answerCallbackQuery"
        try:
            async with aiohttp.ClientSession(timeout=SEND_TIMEOUT) as session:
                await post(session, url, json={"callback_query_id": query_id})
        except (DeliveryError, aiohttp.ClientError, TimeoutError) as error:
            logger.debug("Telegram: answerCallbackQuery failed: %s", error)
