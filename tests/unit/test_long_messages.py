"""A message too long to process whole keeps its sentences about symptoms, so that a red flag
at the end of a pasted history is still triaged (tools.long_messages, tools.turn_guard)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from actions.knowledge import KNOWLEDGE
from actions.urgency import Urgency
from tools import long_messages, turn_guard
from tools.long_messages import SymptomReader, pieces, symptom_sentences

HISTORY = "Last spring we moved house and I carried all the boxes myself, as one does. " * 80
EMERGENCY = "Since this morning I cannot control my bladder and my legs are numb."


def level(text: str) -> Urgency:
    return KNOWLEDGE.triage.assess(text, frozenset(), frozenset()).level


def test_an_emergency_at_the_end_of_a_long_history_is_kept_and_still_escalates():
    text = HISTORY + EMERGENCY
    assert len(text) > 6000
    kept = symptom_sentences(text, 2000)
    assert EMERGENCY in kept and len(kept) <= 2000
    assert level(kept) == Urgency.EMERGENCY


def test_a_long_text_that_names_no_symptom_gives_nothing():
    assert symptom_sentences("We moved house in spring. The weather was lovely. " * 200, 2000) == ""


def test_when_not_all_fit_the_most_urgent_sentences_are_kept_in_their_order():
    routine = [f"My lower back has hurt since day {n} of the month." for n in range(1, 29)]
    text = " ".join([*routine[:14], EMERGENCY, *routine[14:]])
    kept = symptom_sentences(text, 200)
    assert EMERGENCY in kept and len(kept) <= 200
    assert kept.index(routine[0]) < kept.index(EMERGENCY)  # the patient's order stays


def test_a_red_flag_completed_across_sentences_is_kept_whole():
    back = [f"My lower back has hurt since day {n} of the month." for n in range(1, 60)]
    text = " ".join([*back, "I have had a fever for three days."])
    kept = symptom_sentences(text, 200)
    assert "fever" in kept and kept.startswith(back[0])  # the back pain the fever completes
    assert level(kept) == Urgency.URGENT


def test_a_run_on_text_without_punctuation_is_read_in_pieces_and_repeats_once():
    words = ("and then " * 300).split()
    assert all(
        len(piece.split()) <= long_messages.MAX_PIECE_WORDS for piece in pieces(" ".join(words))
    )
    kept = symptom_sentences("My back hurts. " * 5000, 2000)
    assert kept == "My back hurts."


@pytest.fixture
def reader() -> Iterator[SymptomReader]:
    reader = SymptomReader(2000)
    yield reader
    reader.close()  # no worker process outlives the test


def test_the_reader_works_in_a_worker_process_and_gives_up_cleanly(reader, monkeypatch, caplog):
    async def read_twice() -> tuple[str | None, str | None]:
        monkeypatch.setattr(long_messages, "TIMEOUT_SECONDS", 0.001)
        slow = await reader.read(HISTORY + EMERGENCY)  # the worker cannot even start in time
        monkeypatch.setattr(long_messages, "TIMEOUT_SECONDS", 60.0)
        return slow, await reader.read(HISTORY + EMERGENCY)

    slow, read = asyncio.run(read_twice())
    assert slow is None and "no answer in time" in caplog.text
    assert read == symptom_sentences(HISTORY + EMERGENCY, 2000)


def test_reads_at_once_each_get_their_answer_and_one_too_many_gets_none(reader, caplog):
    texts = [HISTORY * 20 + EMERGENCY, HISTORY + EMERGENCY, EMERGENCY + HISTORY]

    async def at_once(texts: list[str]) -> list[str | None]:
        return await asyncio.gather(*(reader.read(text) for text in texts))

    assert asyncio.run(at_once(texts)) == [EMERGENCY, EMERGENCY, EMERGENCY]
    assert asyncio.run(at_once([*texts, HISTORY + EMERGENCY]))[-1] is None
    assert f"{long_messages.MAX_READS} others are being read" in caplog.text


@pytest.fixture
def handled(monkeypatch) -> Iterator[list[tuple[str, dict]]]:
    """The texts (and metadata) Rasa's own Agent.handle_message is given once the guard is
    installed."""
    texts: list[tuple[str, dict]] = []

    async def rasa_handle_message(self: Agent, message: UserMessage) -> list:
        texts.append((message.text, message.metadata))
        await message.output_channel.send_response(message.sender_id, {"text": "answer"})
        return message.output_channel.messages

    monkeypatch.setattr(Agent, "handle_message", rasa_handle_message)
    monkeypatch.setattr(RemoteAction, "run", RemoteAction.run)  # restored after the test
    for name in ("SANIC_REQUEST_MAX_SIZE", "SANIC_WEBSOCKET_MAX_SIZE"):
        monkeypatch.setenv(name, "")  # recorded, so that install()'s values are undone
        monkeypatch.delenv(name)
    guard = turn_guard.install()
    yield texts
    guard.symptom_reader.close()


def say(text: str) -> list[dict]:
    message = UserMessage(text, CollectingOutputChannel(), "patient-1")
    return asyncio.run(Agent.handle_message(None, message))  # type: ignore[arg-type]


def test_a_too_long_message_with_a_red_flag_is_processed_as_its_symptom_sentences(handled):
    replies = say(HISTORY + EMERGENCY)
    assert handled == [(symptom_sentences(HISTORY + EMERGENCY, 2000), {"shortened": True})]
    notice = " ".join(reply["text"] for reply in replies[:-1])  # Rasa sends each paragraph
    assert "only the sentences about your symptoms" in notice
    assert "nur die Sätze über Ihre Beschwerden" in notice
    assert replies[-1] == {"recipient_id": "patient-1", "text": "answer"}


def test_a_too_long_message_without_symptoms_is_refused_unprocessed(handled):
    replies = say("We moved house in spring. The weather was lovely. " * 200)
    assert handled == []
    assert replies[-1]["custom"]["service"] == "message_too_long"
