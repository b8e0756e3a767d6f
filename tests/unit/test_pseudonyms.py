"""Conversation ids are stored as keyed hashes, with a key that is configured or kept private."""

from __future__ import annotations

import stat

import pytest

from conversation_store.pseudonyms import (
    KEY_ENV,
    PseudonymKeyError,
    is_pseudonym,
    load_key,
    pseudonym,
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
