"""Conversation ids are stored as keyed hashes of the channel and its id, with a key that is
configured or kept private; widget session ids are issued and signed by the server."""

from __future__ import annotations

import stat

import pytest

from conversation_store.pseudonyms import (
    CHANNELS,
    KEY_ENV,
    PseudonymKeyError,
    conversation_id,
    is_issued_session_id,
    is_pseudonym,
    issue_session_id,
    load_key,
    platform_id,
    pseudonym,
    stored_ids_for_erasure,
)


def test_the_same_id_and_key_give_the_same_pseudonym_and_another_key_another():
    key, other = b"k" * 32, b"o" * 32
    assert pseudonym("+4917612345678", key) == pseudonym("+4917612345678", key)
    assert pseudonym("+4917612345678", key) != pseudonym("+4917612345678", other)
    assert is_pseudonym(pseudonym("+4917612345678", key)) and not is_pseudonym("+4917612345678")


def test_without_a_configured_key_one_is_created_private_and_then_reused(tmp_path):
    key_file = tmp_path / "var" / "conversation-id.key"
    first = load_key({}, key_file)
    assert len(first) >= 32 and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load_key({}, key_file) == first


def test_a_configured_key_wins_and_must_be_long_enough(tmp_path):
    assert load_key({KEY_ENV: "x" * 40}, tmp_path / "unused.key") == b"x" * 40
    assert not (tmp_path / "unused.key").exists()
    with pytest.raises(PseudonymKeyError, match=KEY_ENV):
        load_key({KEY_ENV: "short"}, tmp_path / "unused.key")


def test_an_emptied_key_file_is_named(tmp_path):
    key_file = tmp_path / "conversation-id.key"
    key_file.write_text("")
    with pytest.raises(PseudonymKeyError, match=r"conversation-id\.key"):
        load_key({}, key_file)


KEY = b"k" * 32


def test_the_same_id_on_two_channels_is_two_conversations():
    number = "+4917612345678"
    sms, rest = conversation_id("twilio", number), conversation_id("rest", number)
    assert pseudonym(sms, KEY) != pseudonym(rest, KEY) != pseudonym(number, KEY)
    assert platform_id("twilio", sms) == number and platform_id("twilio", rest) == rest


def test_a_session_id_the_server_issued_is_recognised_and_nothing_else_is():
    issued = issue_session_id(KEY)
    assert is_issued_session_id(issued, KEY)
    assert issued != issue_session_id(KEY)
    assert not is_issued_session_id(issued, b"o" * 32), "another key did not issue it"
    session, tag = issued.split(".")
    altered = f"{session[:-1]}{'0' if session[-1] != '0' else '1'}.{tag}"
    for made_up in (altered, session, "+4917612345678", "", None, 5, ["x"], issued + "0"):
        assert not is_issued_session_id(made_up, KEY), made_up


def test_erasure_by_a_phone_number_tries_every_channel_whatsapp_and_the_old_unqualified_id():
    number = "+4917612345678"
    tried = set(stored_ids_for_erasure(number, key=KEY))
    for sender in (f"twilio:{number}", f"twilio:whatsapp:{number}", f"rest:{number}", number):
        assert pseudonym(sender, KEY) in tried, sender
    only_sms = stored_ids_for_erasure(number, ("twilio",), key=KEY)
    assert pseudonym(f"rest:{number}", KEY) not in only_sms
    assert pseudonym(f"twilio:{number}", KEY) in only_sms


def test_every_channel_in_credentials_yml_is_one_that_erasure_tries():
    import importlib

    import yaml
    from rasa.core.channels import BUILTIN_CHANNELS

    from tools.servers import CREDENTIALS

    for name in yaml.safe_load(CREDENTIALS.read_text()):
        if name in BUILTIN_CHANNELS:
            channel = BUILTIN_CHANNELS[name]
        else:
            module, _, class_name = name.rpartition(".")
            channel = getattr(importlib.import_module(module), class_name)
        assert channel.name() in CHANNELS, name
