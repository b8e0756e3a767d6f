"""The trained model, run without Dask (tools.graph_runner, as the servers run it), reads every
scripted patient message and predicts every next action exactly as under Rasa's Dask runner."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import rasa.core.processor
import yaml
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.engine.runner.dask import DaskGraphRunner

from tests.conftest import PROJECT_DIR
from tools.graph_runner import SequentialGraphRunner
from tools.servers import MODEL

pytestmark = pytest.mark.e2e

CONVERSATIONS = yaml.safe_load((PROJECT_DIR / "tools" / "bench_conversations.yml").read_text())


def processor_with(runner: type, monkeypatch: pytest.MonkeyPatch) -> MessageProcessor:
    monkeypatch.setattr(rasa.core.processor, "DaskGraphRunner", runner)
    agent = Agent.load(str(MODEL))
    assert isinstance(agent.processor.graph_runner, runner)
    return agent.processor


async def readings(processor: MessageProcessor) -> list[Any]:
    """Per message: the parse (intent, ranking, entities) and the predicted next action."""
    seen = []
    for number, conversation in enumerate(CONVERSATIONS["conversations"]):
        for text in conversation["messages"]:
            message = UserMessage(text, sender_id=f"patient-{number}")
            tracker = await processor.log_message(message)
            parse = tracker.latest_message.parse_data
            prediction = processor.predict_next_with_tracker_if_should(tracker)
            seen.append(
                (
                    text,
                    parse["intent"],
                    parse.get("intent_ranking"),
                    parse.get("entities"),
                    prediction[0].name(),
                    prediction[1].policy_name,
                    prediction[1].max_confidence,
                )
            )
    return seen


def test_the_model_reads_and_predicts_the_same_without_dask(monkeypatch):
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make model` first")
    by_dask = asyncio.run(readings(processor_with(DaskGraphRunner, monkeypatch)))
    without = asyncio.run(readings(processor_with(SequentialGraphRunner, monkeypatch)))
    assert len(by_dask) > 50
    assert without == by_dask
