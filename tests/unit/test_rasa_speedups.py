"""The changes tools/rasa_server.py makes to Rasa for speed must not change what Rasa does:
the action server's answers are accepted and refused exactly as Rasa's schema check would,
the model graph gives the same outputs and errors without Dask, and the model is loaded as
before, only with its objects frozen out of the garbage collector afterwards."""

from __future__ import annotations

import asyncio
import copy
import gc
from typing import Any

import jsonschema
import pytest
import rasa.core.run
from rasa.core.actions.action import RemoteAction
from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import ExecutionContext, GraphComponent, GraphSchema, SchemaNode
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    FollowupAction,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
)

from tools import action_response_check, rasa_server
from tools.graph_runner import SequentialGraphRunner

# --- the action server's answers --------------------------------------------------------------

VALID_EVENTS = [
    SlotSet("region", "lower_back").as_dict(),
    SlotSet("urgency", None).as_dict(),
    BotUttered("text", data={"custom": {"topic": "causes"}}).as_dict(),
    ActionExecuted("action_listen").as_dict(),
    UserUttered("hi", intent={"name": "greet", "confidence": 0.9}).as_dict(),
    FollowupAction("action_listen").as_dict(),
    ActiveLoop("doctor_check_form").as_dict(),
    SessionStarted().as_dict(),
    Restarted().as_dict(),
]
VALID = [
    {"events": [], "responses": []},
    {},
    {"events": VALID_EVENTS, "responses": [{"text": "hello", "buttons": []}]},
]
INVALID = [
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"name": "region"}]},  # no event type
    {"events": [{"event": "slot", "timestamp": "yesterday", "name": "region", "value": 1}]},
    {"events": [{"event": "slot", "value": "lower_back"}]},  # a slot without its name
    {"events": [{"event": 7}]},
    {"events": ["slot"]},
    {"events": {"event": "slot"}},
    {"events": [], "responses": "hello"},
    {"events": [], "responses": ["hello"]},
    {"events": [{"event": "user", "parse_data": {"intent": {"confidence": "high"}}}]},
    ["not", "an", "object"],
]


@pytest.fixture(scope="module")
def full_check() -> Any:
    schema = RemoteAction.action_response_format_spec()
    return jsonschema.validators.validator_for(schema)(schema)


@pytest.mark.parametrize("answer", VALID + INVALID)
def test_an_answer_is_accepted_exactly_when_rasas_full_schema_accepts_it(answer, full_check):
    dispatch = action_response_check._event_dispatch()
    assert dispatch is not None, "Rasa's schema is no longer split by event type"
    assert dispatch.is_valid(answer) == full_check.is_valid(answer)


@pytest.mark.parametrize("answer", VALID)
def test_a_valid_answer_passes(answer):
    assert action_response_check._validate_action_result(None, answer) is True


@pytest.mark.parametrize("answer", INVALID[:-1])
def test_an_invalid_answer_raises_rasas_error_with_rasas_hint(answer):
    with pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server"):
        action_response_check._validate_action_result(None, answer)


def test_a_schema_shaped_otherwise_is_checked_whole(monkeypatch):
    schema = copy.deepcopy(RemoteAction.action_response_format_spec())
    del schema["properties"]["events"]["items"]["oneOf"][0]["properties"]["event"]["const"]
    monkeypatch.setattr(RemoteAction, "action_response_format_spec", staticmethod(lambda: schema))
    action_response_check._event_dispatch.cache_clear()
    try:
        assert action_response_check._event_dispatch() is None
    finally:
        action_response_check._event_dispatch.cache_clear()


# --- the model graph without Dask -------------------------------------------------------------


class Add(GraphComponent):
    """Adds its configured number to the sum of what it is given."""

    def __init__(self, number: int) -> None:
        self.number = number

    @classmethod
    def create(cls, config, model_storage, resource, execution_context) -> Add:
        return cls(config["number"])

    def add(self, **values: int) -> int:
        if self.number < 0:
            raise ValueError("a negative number")
        return self.number + sum(values.values())


def node(number: int, needs: dict[str, str], is_target: bool = False) -> SchemaNode:
    return SchemaNode(
        needs=needs,
        uses=Add,
        constructor_name="create",
        fn="add",
        config={"number": number},
        is_target=is_target,
    )


def runners(tmp_path, nodes: dict[str, SchemaNode]) -> list[Any]:
    schema = GraphSchema(nodes)
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(schema, "test")
    return [cls(schema, storage, context) for cls in (DaskGraphRunner, SequentialGraphRunner)]


DIAMOND = {
    "a": node(1, {"x": "__start__"}),
    "b": node(10, {"x": "a"}),
    "c": node(100, {"x": "a", "y": "b"}),
    "d": node(1000, {"x": "c", "y": "b"}, is_target=True),
    "unused": node(5, {"x": "__start__"}),
}


@pytest.mark.parametrize("targets", [None, ["d"], ["b", "c"], ["a"]])
def test_the_graph_gives_what_dask_gives_for_any_targets(tmp_path, targets):
    dask, sequential = runners(tmp_path, DIAMOND)
    inputs = {"__start__": 2}
    assert sequential.run(inputs, targets) == dask.run(inputs, targets)


def test_an_input_whose_value_names_a_node_is_refused_as_by_dask(tmp_path):
    for runner in runners(tmp_path, DIAMOND):
        with pytest.raises(GraphRunError, match="clashes with a node name"):
            runner.run({"__start__": "b"}, ["d"])


def test_an_input_named_like_a_node_stands_in_for_it_as_under_dask(tmp_path):
    dask, sequential = runners(tmp_path, DIAMOND)
    inputs = {"__start__": 2, "b": 3}
    assert sequential.run(inputs, ["d"]) == dask.run(inputs, ["d"])


def test_a_missing_input_is_a_graph_error_naming_it(tmp_path):
    _, sequential = runners(tmp_path, DIAMOND)
    with pytest.raises(GraphRunError, match="__start__"):
        sequential.run({}, ["d"])


def test_a_failing_component_fails_the_run_as_under_dask(tmp_path):
    nodes = {**DIAMOND, "b": node(-1, {"x": "a"})}
    errors = []
    for runner in runners(tmp_path, nodes):
        with pytest.raises(Exception) as caught:
            runner.run({"__start__": 2}, ["d"])
        errors.append(type(caught.value))
    assert errors[0] == errors[1]


# --- the garbage collector --------------------------------------------------------------------


def test_the_model_is_loaded_as_before_and_what_it_made_is_frozen_afterwards(monkeypatch):
    calls = []

    async def load(*args, **kwargs):
        calls.append((args, kwargs))
        gc.collect()
        assert gc.get_freeze_count() == 0, "frozen before the model was loaded"
        return "the agent"

    monkeypatch.setattr(rasa.core.run, "load_agent_on_start", load)
    gc.unfreeze()
    rasa_server.freeze_startup_objects_after_model_load()
    try:
        agent = asyncio.run(rasa.core.run.load_agent_on_start("model.tar.gz", endpoints=None))
        assert agent == "the agent"
        assert calls == [(("model.tar.gz",), {"endpoints": None})]
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
