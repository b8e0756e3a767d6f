"""Rasa's socket.io channel, delivering the reply contract as a `custom` message.

Rasa's own socket.io output emits a custom payload as keyword arguments of `emit()`, which
fails for the contract's keys ("topic", "facts", …). Here it is sent like every other
message: one `bot_uttered` event whose body is {"custom": {...}}.

Rasa also opens its socket.io server to every origin. Here only the pages of the clinic's
website may connect: the origins in BOT_WIDGET_ORIGINS (comma-separated). Without it, only
pages served by the Rasa server itself may (none are).
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import Any

import rasa.core.channels.socketio as rasa_socketio
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint
from socketio import AsyncServer


def widget_origins() -> list[str]:
    raw = os.environ.get("BOT_WIDGET_ORIGINS", "")
    return [origin.strip().rstrip("/") for origin in raw.split(",") if origin.strip()]


class WidgetOriginServer(AsyncServer):
    """python-socketio's server, accepting connections from the widget's origins only."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # engineio answers a request from any other origin with 400, for polling and websocket
        # alike (browsers apply no CORS to websockets, so the server has to); None = same origin.
        kwargs["cors_allowed_origins"] = widget_origins() or None
        super().__init__(*args, **kwargs)


class ContractSocketIOOutput(SocketIOOutput):
    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        await self._send_message(recipient_id, {"custom": json_message})


class WebsiteSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> str:
        return "socketio"

    def get_output_channel(self) -> ContractSocketIOOutput | None:
        output = super().get_output_channel()
        return ContractSocketIOOutput(self.sio, self.bot_message_evt) if output else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # Rasa's message handler builds its output channel from the module-level name, so
        # that name must refer to the contract-aware output for this channel's handlers.
        rasa_socketio.SocketIOOutput = ContractSocketIOOutput  # type: ignore[misc]
        # ... and its blueprint builds the server from the module-level name, too.
        rasa_socketio.AsyncServer = WidgetOriginServer  # type: ignore[misc]
        return super().blueprint(on_new_message)
