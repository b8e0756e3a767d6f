"""Rasa's check of each custom action's answer against its JSON schema, at a fraction of the
cost and with the same verdict and error (`use_prebuilt_action_response_validator`).

py-spy under `make bench` found the check at about 40 % of Rasa's CPU per turn:
jsonschema.validate() first checks the (constant) schema against its meta-schema, on every
call. With the validator built once, walking the schema's `oneOf` of event types still took
3-4 ms per action (`_EventDispatch`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any


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
    """What RemoteAction._validate_action_result does: validators built once, events checked
    by type (`_EventDispatch`). An answer that fails goes through the whole schema, so the
    error raised is the one Rasa would raise."""
    dispatch = _event_dispatch()
    if dispatch is not None and dispatch.is_valid(result):
        return True
    from jsonschema.exceptions import best_match  # only an answer that failed gets here
    from rasa.shared.constants import DOCS_BASE_URL

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
