"""Rasa's socket.io channel, delivering the reply contract as a `custom` message.

Rasa's own socket.io output emits a custom payload as keyword arguments of `emit()`, which
fails for the contract's keys ("topic", "facts", …). Here it is sent like every other
message: one `bot_uttered` event whose body is {"custom": {...}}.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import rasa.core.channels.socketio as rasa_socketio
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint


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
        return super().blueprint(on_new_message)
