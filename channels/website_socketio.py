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
from importlib.metadata import version
from typing import Any

import engineio
import rasa
import rasa.core.channels.socketio as rasa_socketio
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint
from socketio import AsyncServer


def widget_origins() -> list[str]:
    raw = os.environ.get("BOT_WIDGET_ORIGINS", "")
    return [origin.strip().rstrip("/") for origin in raw.split(",") if origin.strip()]


class ReadableRefusalEngineIOServer(engineio.AsyncServer):
    """engineio's server, whose refusal of an origin the refused page can read.

    engineio answers a request from an origin it does not accept with 400 "<origin> is not an
    accepted origin." but without Access-Control-Allow-Origin, so the browser hides even the
    status from the page: to the widget a refused page looked like a server that is down
    ("Reconnecting…" forever). Here that one answer names the origin, so the widget can say
    "This page is not allowed to use the assistant". Nothing else is granted: engineio sends
    the refusal before reading anything else of the request, no session is opened, and
    credentials are not allowed.

    Overrides engineio's private `AsyncServer._cors_headers(environ)` and uses its private
    `_cors_allowed_origins(environ)` (python-engineio 4.8.0, as installed with Rasa 3.6.21);
    the socket.io server picks this class through python-socketio's private
    `AsyncServer._engineio_server_class()`.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        found = (rasa.__version__, version("python-engineio"))
        if found != ("3.6.21", "4.8.0"):
            raise RuntimeError(
                "channels.website_socketio.ReadableRefusalEngineIOServer was written for "
                f"Rasa 3.6.21 with python-engineio 4.8.0, found Rasa {found[0]} with "
                f"python-engineio {found[1]}: check engineio's origin refusal and update it"
            )
        super().__init__(*args, **kwargs)

    def _cors_headers(self, environ: dict[str, Any]) -> list[tuple[str, str]]:
        origin = environ.get("HTTP_ORIGIN")
        if not origin or self.cors_allowed_origins == []:  # [] = engineio checks no origin
            return super()._cors_headers(environ)
        allowed = self._cors_allowed_origins(environ)
        if allowed is not None and origin not in allowed:
            return [("Access-Control-Allow-Origin", origin)]  # the refusal only
        return super()._cors_headers(environ)


class WidgetOriginServer(AsyncServer):
    """python-socketio's server, accepting connections from the widget's origins only."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # engineio answers a request from any other origin with 400, for polling and websocket
        # alike (browsers apply no CORS to websockets, so the server has to); None = same origin.
        kwargs["cors_allowed_origins"] = widget_origins() or None
        super().__init__(*args, **kwargs)

    def _engineio_server_class(self) -> type[engineio.AsyncServer]:
        return ReadableRefusalEngineIOServer


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
