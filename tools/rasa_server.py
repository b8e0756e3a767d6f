"""`rasa run`, with the HTTP API that reads and changes conversations locked by default.

Rasa serves that API (/conversations, /model, …) only with `--enable-api`. Here it is enabled
only when a token or JWT secret is set in the environment, and the secret is handed to Rasa
inside this process, so it never shows on a command line (`ps`) or in a log.
Usage: python -m tools.rasa_server [rasa run options]
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

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


def main() -> None:
    arguments = ["rasa", "run", *sys.argv[1:], *api_arguments(os.environ)]
    from rasa.__main__ import main as rasa_main

    sys.argv = arguments
    rasa_main()


if __name__ == "__main__":
    main()
