"""`rasa run`, with the HTTP API that reads and changes conversations locked by default.

Rasa serves that API (/conversations, /model, …) only with `--enable-api`. Here it is enabled
only when a token or JWT secret is set in the environment, and the secret is handed to Rasa
inside this process, so it never shows on a command line (`ps`) or in a log.
Three changes make each turn cheaper without changing what Rasa does (py-spy under
`make bench` found them): the action server's answers are checked by a validator built once
(`use_prebuilt_action_response_validator`), the model graph runs without Dask
(`use_sequential_graph_runner`), and the objects loaded with the model are frozen out of the
garbage collector (`freeze_startup_objects_after_model_load`).
Usage: python -m tools.rasa_server [rasa run options]
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

MIN_SECRET_LENGTH = 16


def api_arguments(environment: Mapping[str, str]) -> list[str]:
    """The `rasa run` options for the HTTP API: none (no API) unless a secret is configured."""
    token = environment.get("RASA_AUTH_TOKEN", "")
    jwt_secret = environment.get("RASA_JWT_SECRET", "")
    for name, value in (("RASA_AUTH_TOKEN", token), ("RASA_JWT_SECRET", jwt_secret)):
        if value and len(value) < MIN_SECRET_LENGTH:
            raise SystemExit(f"{name} is too short: use at least {MIN_SECRET_LENGTH} characters")
    arguments = ["--enable-api"] if token or jwt_secret else []
    if token:
        arguments += ["--auth-token", token]
    if jwt_secret:
        method = environment.get("RASA_JWT_METHOD", "HS256")
        arguments += ["--jwt-secret", jwt_secret, "--jwt-method", method]
    return arguments


@cache
def _action_response_validator() -> Any:
    from rasa.core.actions.action import RemoteAction

    return _validator(RemoteAction.action_response_format_spec())


@dataclass(frozen=True)
class _EventDispatch:
    """Rasa's response schema, split so that each event is checked against its own type only.

    The schema says each event must match exactly one of about 25 `oneOf` branches, one per
    event type, told apart by `"event": {"const": ...}`. Walking all of them for every event
    took 3-4 ms per action (jsonschema, and fastjsonschema alike). An event can only match the
    branch whose constant is its `event`, so checking the common part and that one branch is
    the same check.
    """

    outer: Any  # the response with `events` only required to be an array
    common: Any  # what every event must satisfy
    by_type: dict[str, Any]  # event type -> its branch

    def is_valid(self, result: Any) -> bool:
        if not self.outer.is_valid(result):
            return False
        events = result.get("events", []) if isinstance(result, dict) else []
        for event in events:
            if not self.common.is_valid(event):
                return False
            branch = self.by_type.get(event["event"])
            if branch is None or not branch.is_valid(event):
                return False
        return True


@cache
def _event_dispatch() -> _EventDispatch | None:
    """The split schema, or None if the schema is not shaped as expected (then every answer
    gets the full check)."""
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    try:
        events = schema["properties"]["events"]
        item = events["items"]
        branches = item["oneOf"]
        constants = [branch["properties"]["event"]["const"] for branch in branches]
    except (KeyError, TypeError):
        return None
    if len(set(constants)) != len(constants) or "event" not in item.get("required", []):
        return None
    properties = {**schema["properties"], "events": {**events, "items": {}}}
    common = {key: value for key, value in item.items() if key != "oneOf"}
    return _EventDispatch(
        outer=_validator({**schema, "properties": properties}),
        common=_validator(common),
        by_type={
            const: _validator(branch) for const, branch in zip(constants, branches, strict=True)
        },
    )


def _validator(schema: dict[str, Any]) -> Any:
    from jsonschema.validators import validator_for

    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _validate_action_result(self: Any, result: dict[str, Any]) -> bool:
    """What RemoteAction._validate_action_result does, at a fraction of the cost.

    jsonschema.validate() first checks the (constant) schema against its meta-schema, on every
    call: about 40 % of Rasa's CPU per turn (py-spy, `make bench`). Here the validators are
    built once, and events are checked by type (`_EventDispatch`). An answer that fails goes
    through the whole schema, so the error raised is the one Rasa would raise.
    """
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    dispatch = _event_dispatch()
    if dispatch is not None and dispatch.is_valid(result):
        return True
    error = best_match(_action_response_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            "from the Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def use_prebuilt_action_response_validator() -> None:
    """Make Rasa validate each custom action's response with one validator built at start."""
    from rasa.core.actions.action import RemoteAction

    _action_response_validator()  # an invalid schema fails now, not at the first message
    _event_dispatch()
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]


def use_sequential_graph_runner() -> None:
    """Make Rasa run its model graph without Dask (see tools.graph_runner)."""
    import rasa.core.processor

    from .graph_runner import SequentialGraphRunner

    rasa.core.processor.DaskGraphRunner = SequentialGraphRunner  # type: ignore[misc]


def freeze_startup_objects_after_model_load() -> None:
    """Once the model is loaded, hide the objects made so far from the garbage collector
    (gc.freeze). TensorFlow, spaCy and the model leave about a million long-lived objects;
    every full collection walked all of them and stopped the event loop for 300-550 ms (about
    every 20 s at one patient; measured with gc.callbacks). After the freeze: 2 ms."""
    import gc

    import rasa.core.run

    load = rasa.core.run.load_agent_on_start

    async def load_then_freeze(*args: Any, **kwargs: Any) -> Any:
        agent = await load(*args, **kwargs)
        gc.collect()
        gc.freeze()
        return agent

    rasa.core.run.load_agent_on_start = load_then_freeze  # type: ignore[assignment]


def main() -> None:
    arguments = ["rasa", "run", *sys.argv[1:], *api_arguments(os.environ)]
    from rasa.__main__ import main as rasa_main

    use_prebuilt_action_response_validator()
    use_sequential_graph_runner()
    freeze_startup_objects_after_model_load()
    from channels import delivery

    delivery.install()  # a message delivered twice is processed once

    sys.argv = arguments
    rasa_main()


if __name__ == "__main__":
    main()
