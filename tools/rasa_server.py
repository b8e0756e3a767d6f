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

# Bytes (UTF-8): what PyJWT and RFC 7518 ask of an HS256 key, 256 bits; the token too.
MIN_SECRET_LENGTH = 32


def api_arguments(environment: Mapping[str, str]) -> list[str]:
    """The `rasa run` options for the HTTP API: none (no API) unless a secret is configured."""
    token = environment.get("RASA_AUTH_TOKEN", "")
    jwt_secret = environment.get("RASA_JWT_SECRET", "")
    for name, value in (("RASA_AUTH_TOKEN", token), ("RASA_JWT_SECRET", jwt_secret)):
        if value and len(value.encode("utf-8")) < MIN_SECRET_LENGTH:
            raise SystemExit(
                f"{name} is too short: use at least {MIN_SECRET_LENGTH} bytes, e.g. "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
            )
    arguments = ["--enable-api"] if token or jwt_secret else []
    # "--option=value": a secret may begin with "-" (token_urlsafe does, 1 time in 64), and
    # argparse takes a separate "-…" for an option ("--auth-token: expected one argument").
    if token:
        arguments += [f"--auth-token={token}"]
    if jwt_secret:
        method = environment.get("RASA_JWT_METHOD", "HS256")
        methods = jwt_methods()
        if method not in methods:
            raise SystemExit(f"RASA_JWT_METHOD is {method!r}: use one of {', '.join(methods)}")
        arguments += [f"--jwt-secret={jwt_secret}", f"--jwt-method={method}"]
    return arguments


def jwt_methods() -> list[str]:
    """The signing methods PyJWT verifies here; never "none" (an unsigned token)."""
    from jwt.algorithms import get_default_algorithms

    return sorted(name for name in get_default_algorithms() if name != "none")


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
    from conversation_store import log_redaction

    log_redaction.install_in_rasa()  # no personal data in the log
    from . import jwt_check

    jwt_check.install()  # every unusable JWT is a 401
    from . import turn_guard

    turn_guard.install()  # every message answered: size and rate limits, action server down
    from . import health_endpoint

    health_endpoint.install()  # GET /health: is the conversation store writing?

    sys.argv = arguments
    rasa_main()


if __name__ == "__main__":
    main()
