"""`rasa run`, with the HTTP API that reads and changes conversations locked by default.

Rasa serves that API (/conversations, /model, …) only with `--enable-api`. Here it is enabled
only when a token or JWT secret is set in the environment, and the secret is handed to Rasa
inside this process, so it never shows on a command line (`ps`) or in a log.
It also validates the action server's answers with a validator built once (see
`use_prebuilt_action_response_validator`): the same check, at a fraction of the cost.
Usage: python -m tools.rasa_server [rasa run options]
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
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
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _validate_action_result(self: Any, result: dict[str, Any]) -> bool:
    # What RemoteAction._validate_action_result does, minus jsonschema.validate()'s check of
    # the (constant) events schema against its meta-schema on every call: that check was
    # about 40 % of Rasa's CPU per turn (py-spy, `make bench`).
    from jsonschema.exceptions import best_match
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
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]


def main() -> None:
    arguments = ["rasa", "run", *sys.argv[1:], *api_arguments(os.environ)]
    from rasa.__main__ import main as rasa_main

    use_prebuilt_action_response_validator()
    from channels import delivery

    delivery.install()  # a message delivered twice is processed once

    sys.argv = arguments
    rasa_main()


if __name__ == "__main__":
    main()
