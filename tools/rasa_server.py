"""`rasa run`, with the HTTP API that reads and changes conversations locked by default.

Rasa serves that API (/conversations, /model, …) only with `--enable-api`. Here it is enabled
only when a token or JWT secret is set in the environment, and the secret is handed to Rasa
inside this process, so it never shows on a command line (`ps`) or in a log.
Three changes make each turn cheaper without changing what Rasa does (py-spy under
`make bench` found them): the action server's answers are checked by a validator built once
(tools.action_response_check), the model graph runs without Dask
(`use_sequential_graph_runner`), and the objects loaded with the model are frozen out of the
garbage collector (`freeze_startup_objects_after_model_load`).
Usage: python -m tools.rasa_server [rasa run options]
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Any

from .action_response_check import use_prebuilt_action_response_validator

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


def use_sequential_graph_runner() -> None:
    """Make Rasa run its model graph without Dask (tools.graph_runner)."""
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
    from . import health_endpoint

    health_endpoint.install()  # GET /health: is the conversation store writing?

    sys.argv = arguments
    rasa_main()


if __name__ == "__main__":
    main()
