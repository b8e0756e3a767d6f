"""`python -m rasa_sdk`, with personal data redacted from every log record of the process.

Usage: python -m tools.action_server --actions actions [rasa_sdk options]
"""

from __future__ import annotations

from conversation_store import log_redaction


def main() -> None:
    log_redaction.install()
    from rasa_sdk.__main__ import main as sdk_main

    sdk_main()


if __name__ == "__main__":
    main()
