"""The website widget's socket.io channel: Rasa's SocketIOInput with its handlers replaced.

Rasa's (rasa.core.channels.socketio: `SocketIOInput.blueprint`, whose handlers are replaced
here; `SocketBlueprint` and `SocketIOOutput._send_message` are used as they are) trusts the
client with the conversation: `session_request` accepted any id, so a client sending an SMS
patient's phone number continued that patient's conversation, and a second socket giving a
known session id joined its room and received its replies. A payload of the wrong shape ended
in an unhandled task exception. Here:

- a session id is issued by the server and signed (conversation_store.pseudonyms); a
  `session_request` with any other id, or with an id a live socket holds, gets a new one in
  `session_confirm` (the widget adopts it and keeps it in sessionStorage, so a reload of the
  tab continues the conversation);
- the conversation is "socketio:<session id>", and its replies go to that room, which only
  the socket holding the session is in; a message is always taken as from the socket's own
  session, whatever `session_id` it names;
- a malformed payload is answered with a `request_error` event naming the problem (logged
  as a warning without the message's text), never an exception;
- the reply contract arrives as one `bot_uttered` {"custom": {...}} (Rasa's output passes a
  custom payload as keyword arguments of `emit()`, which fails for the contract's keys);
- only the clinic's pages may connect: the origins in BOT_WIDGET_ORIGINS (comma-separated);
  without it, only pages served by the Rasa server itself (none are);
- a websocket that closes is logged at debug level (Sanic took engine.io's None, returned
  when a websocket session ends, for a failed request and logged a traceback).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Awaitable, Callable
from importlib.metadata import version
from typing import Any

import engineio
import rasa
from rasa.core.channels.channel import UserMessage, decode_bearer_token
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from conversation_store.pseudonyms import (
    conversation_id,
    is_issued_session_id,
    issue_session_id,
    load_key,
)

logger = logging.getLogger(__name__)

RASA_VERSION = "3.6.21"  # the version whose SocketIOInput handlers these replace
ERROR_EVENT = "request_error"


def widget_origins() -> list[str]:
    raw = os.environ.get("BOT_WIDGET_ORIGINS", "")
    return [origin.strip().rstrip("/") for origin in raw.split(",") if origin.strip()]


class ReadableRefusalEngineIOServer(engineio.AsyncServer):
    """engineio's server, whose refusal of an origin the refused page can read, and which
    logs an ordinary websocket close at debug level instead of as a failed request.

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

    async def handle_request(self, *args: Any, **kwargs: Any) -> Any:
        answer = await super().handle_request(*args, **kwargs)
        if answer is None:
            # an ordinary websocket close (Sanic took engine.io's None for a failed request
            # and logged a traceback)
            logger.debug("A websocket connection ended")
        return answer

    # Sanic accepts no response (None) from a handler marked as a websocket's.
    handle_request.is_websocket = True  # type: ignore[attr-defined]


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


class LiveSessions:
    """Which socket holds which widget session: one socket per session at a time."""

    def __init__(self, key: bytes) -> None:
        self.key = key
        self.session_of: dict[str, str] = {}  # socket id -> session id
        self.holder_of: dict[str, str] = {}  # session id -> socket id

    def claim(self, sid: str, requested: object) -> str:
        """The session `sid` continues: the one requested if the server issued it and no
        other live socket holds it, else a new one."""
        self.release(sid)
        if is_issued_session_id(requested, self.key) and requested not in self.holder_of:
            session = str(requested)
        else:
            session = issue_session_id(self.key)
        self.session_of[sid] = session
        self.holder_of[session] = sid
        return session

    def release(self, sid: str) -> str | None:
        session = self.session_of.pop(sid, None)
        if session is not None:
            self.holder_of.pop(session, None)
        return session


def message_problem(data: object, metadata_key: str) -> str | None:
    """What is wrong with a `user_uttered` payload, or None."""
    if not isinstance(data, dict):
        return "the payload must be an object with 'message'"
    if not isinstance(data.get("message"), str):
        return "'message' is required and must be a string"
    if "session_id" in data and not isinstance(data["session_id"], (str, type(None))):
        return "'session_id' must be a string"
    if metadata_of(data, metadata_key) is None:
        return f"'{metadata_key}' must be an object"
    return None


def metadata_of(data: dict[str, Any], metadata_key: str) -> dict[str, Any] | None:
    """The payload's metadata (an object, or a string holding one); None if malformed."""
    metadata = data.get(metadata_key)
    if metadata is None:
        return {}
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except ValueError:
            return None
    return metadata if isinstance(metadata, dict) else None


class WebsiteSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> str:
        return "socketio"

    def get_output_channel(self) -> ContractSocketIOOutput | None:
        output = super().get_output_channel()
        return ContractSocketIOOutput(self.sio, self.bot_message_evt) if output else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        if rasa.__version__ != RASA_VERSION:
            raise RuntimeError(
                f"channels.website_socketio replaces the handlers of Rasa {RASA_VERSION}'s"
                f" SocketIOInput; this is Rasa {rasa.__version__}: check it against the new one"
            )
        sio = WidgetOriginServer(async_mode="sanic")
        self.sio = sio
        webhook = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        sessions = LiveSessions(load_key())  # a key problem stops the start, naming it
        namespace = self.namespace

        async def refuse(sid: str, event: str, problem: str) -> None:
            logger.warning("socket.io: %s from %s refused: %s", event, sid, problem)
            await sio.emit(ERROR_EVENT, {"event": event, "error": problem}, room=sid)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=namespace)
        async def connect(sid: str, environ: dict, auth: Any = None) -> bool:
            if not self.jwt_key:
                return True
            token = auth.get("token") if isinstance(auth, dict) else None
            return bool(
                isinstance(token, str)
                and decode_bearer_token(token, self.jwt_key, self.jwt_algorithm)
            )

        @sio.on("disconnect", namespace=namespace)
        async def disconnect(sid: str) -> None:
            sessions.release(sid)
            logger.debug("socket.io: %s disconnected", sid)

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: str, *args: Any) -> None:
            data = args[0] if args else None
            if data is not None and not isinstance(data, dict):
                await refuse(sid, "session_request", "the payload must be an object")
                return
            # Claimed and joined before the first await: a message the client sent right
            # after this request is handled after it, and finds the session.
            session = sessions.claim(sid, (data or {}).get("session_id"))
            for room in sio.rooms(sid, namespace):
                if room != sid:
                    sio.leave_room(sid, room, namespace)
            sio.enter_room(sid, conversation_id(self.name(), session), namespace)
            await sio.emit("session_confirm", session, room=sid, namespace=namespace)

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: str, *args: Any) -> None:
            data = args[0] if args else None
            session = sessions.session_of.get(sid)
            problem = message_problem(data, self.metadata_key)
            if problem or not isinstance(data, dict):
                await refuse(sid, self.user_message_evt, problem or "not an object")
                return
            if session is None:
                await refuse(sid, self.user_message_evt, "no session: send session_request first")
                return
            output = ContractSocketIOOutput(sio, self.bot_message_evt)
            sender = conversation_id(self.name(), session)
            metadata = metadata_of(data, self.metadata_key)
            message = UserMessage(
                data["message"], output, sender, input_channel=self.name(), metadata=metadata
            )
            try:
                await on_new_message(message)
            except Exception:
                # the message text stays out of the log: it may be health data
                logger.exception("socket.io: a message could not be answered")
                await sio.emit(
                    ERROR_EVENT,
                    {"event": self.user_message_evt, "error": "the message could not be answered"},
                    room=sid,
                )

        return webhook
