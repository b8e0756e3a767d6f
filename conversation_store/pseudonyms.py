"""Conversation ids as stored: a keyed hash of the channel's name and the id it gives.

A channel's conversation id is often personal data: Twilio's is the patient's phone number,
Telegram's and Messenger's identify their account. The store keeps only HMAC-SHA256(key, id),
so the database (and the staff review) never holds it, while the same patient still finds
their conversation, and an erasure request naming the phone number still finds it to delete.

The key comes from BOT_ID_KEY (every replica of a cluster needs the same one), else from a
key file created on first use beside the default database (var/conversation-id.key, mode 0600).
Losing the key detaches stored conversations from their patients: back it up with the database.

Every input channel names its conversations "<channel>:<id>" (`conversation_id`), so an id
chosen on one channel (a REST sender, a widget session) never reaches a conversation of
another (the phone number of an SMS patient). The widget's session ids are issued by the
server and signed with a key derived from the same key (`issue_session_id`), so a client can
only continue a session it was given.
"""

from __future__ import annotations

import hmac
import os
import re
import secrets
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

KEY_ENV = "BOT_ID_KEY"
KEY_FILE = Path(__file__).resolve().parent.parent / "var" / "conversation-id.key"
MIN_KEY_LENGTH = 32
PREFIX = "c_"
# The input channels' names (their `name()`): erasure by a channel's own id tries each.
CHANNELS = ("socketio", "rest", "twilio", "telegram", "slack", "facebook")
SESSION_TAG_LENGTH = 32  # hex digits of the widget session id's signature (128 bits)
_SESSION_ID = re.compile(rf"^([0-9a-f]{{32}})\.([0-9a-f]{{{SESSION_TAG_LENGTH}}})$")
_PSEUDONYM = re.compile(rf"^{PREFIX}[0-9a-f]{{40}}$")


class PseudonymKeyError(ValueError):
    """The pseudonym key is unusable (too short, unreadable)."""


def load_key(environ: Mapping[str, str] | None = None, key_file: Path = KEY_FILE) -> bytes:
    environ = os.environ if environ is None else environ
    configured = environ.get(KEY_ENV, "")
    if configured:
        if len(configured) < MIN_KEY_LENGTH:
            raise PseudonymKeyError(
                f"{KEY_ENV} is too short: use at least {MIN_KEY_LENGTH} characters"
            )
        return configured.encode()
    try:
        key_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # O_EXCL: two servers starting at once must not write two different keys.
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(secrets.token_hex(32))
    except FileExistsError:
        pass
    except OSError as error:
        raise PseudonymKeyError(f"cannot create the pseudonym key {key_file}: {error}") from error
    try:
        key = key_file.read_text().strip()
    except OSError as error:
        raise PseudonymKeyError(f"cannot read the pseudonym key {key_file}: {error}") from error
    if len(key) < MIN_KEY_LENGTH:
        raise PseudonymKeyError(f"{key_file} holds no usable key: delete it or set {KEY_ENV}")
    return key.encode()


@lru_cache(maxsize=1)
def _default_key() -> bytes:
    return load_key()


def pseudonym(sender_id: str, key: bytes | None = None) -> str:
    """The stored id of the conversation the channel calls `sender_id`."""
    digest = hmac.new(key or _default_key(), sender_id.encode(), "sha256").hexdigest()
    return PREFIX + digest[:40]


def is_pseudonym(value: str) -> bool:
    return bool(_PSEUDONYM.match(value))


def conversation_id(channel: str, platform_id: str) -> str:
    """The id Rasa and the store know a channel's conversation by."""
    return f"{channel}:{platform_id}"


def platform_id(channel: str, conversation: str) -> str:
    """The channel's own id (the recipient a platform delivers to) of `conversation`."""
    prefix = f"{channel}:"
    return conversation[len(prefix) :] if conversation.startswith(prefix) else conversation


def stored_ids_for_erasure(
    raw_id: str, channels: tuple[str, ...] = CHANNELS, key: bytes | None = None
) -> list[str]:
    """Every stored id a channel's own id (say a phone number) may have: on each channel, on
    WhatsApp (Twilio's "whatsapp:" + number), and as stored before ids named their channel."""
    raw_ids = [raw_id]
    if "twilio" in channels and not raw_id.startswith("whatsapp:"):
        raw_ids.append(f"whatsapp:{raw_id}")
    ids = [conversation_id(channel, raw) for channel in channels for raw in raw_ids]
    return [pseudonym(sender, key) for sender in dict.fromkeys([*ids, *raw_ids])]


@lru_cache(maxsize=4)
def _session_key(key: bytes) -> bytes:
    # A key of its own (derived), so that a session tag is never a pseudonym of anything.
    return hmac.new(key, b"widget-session-id", "sha256").digest()


def _session_tag(session: str, key: bytes | None) -> str:
    tag = hmac.new(_session_key(key or _default_key()), session.encode(), "sha256")
    return tag.hexdigest()[:SESSION_TAG_LENGTH]


def issue_session_id(key: bytes | None = None) -> str:
    """A new widget session id: random, and signed so that the server recognises its own."""
    session = secrets.token_hex(16)
    return f"{session}.{_session_tag(session, key)}"


def is_issued_session_id(value: object, key: bytes | None = None) -> bool:
    match = _SESSION_ID.match(value) if isinstance(value, str) else None
    return bool(match) and hmac.compare_digest(match[2], _session_tag(match[1], key))
