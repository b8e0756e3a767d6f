"""Conversation ids as stored: a keyed hash of the id the channel gives.

A channel's conversation id is often personal data: Twilio's is the patient's phone number,
Telegram's and Messenger's identify their account. The store keeps only HMAC-SHA256(key, id),
so the database (and the staff review) never holds it, while the same patient still finds
their conversation, and an erasure request naming the phone number still finds it to delete.

The key comes from BOT_ID_KEY (every replica of a cluster needs the same one), else from a
key file created on first use beside the default database (var/conversation-id.key, mode 0600).
Losing the key detaches stored conversations from their patients: back it up with the database.
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
