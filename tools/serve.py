"""`make run`: start the action server on :5055 and Rasa on :5005 until Ctrl-C."""

from __future__ import annotations

import os
import time

from .servers import running_servers


def main() -> None:
    rasa_port = int(os.environ.get("RASA_PORT", "5005"))
    action_port = int(os.environ.get("ACTION_PORT", "5055"))
    print("Starting the action server and Rasa (this takes about half a minute) ...")
    interface = os.environ.get("RASA_INTERFACE", "0.0.0.0")
    with running_servers(
        rasa_port=rasa_port, action_port=action_port, echo_logs=True, interface=interface
    ) as servers:
        print(
            f"\nThe assistant is up.\n"
            f"  REST:      POST {servers.rasa_url}/webhooks/rest/webhook "
            '{"sender": "me", "message": "my lower back hurts"}\n'
            f"  socket.io: {servers.rasa_url}/socket.io\n"
            f"  actions:   {servers.action_url}/webhook\n"
            "Press Ctrl-C to stop."
        )
        try:
            while all(p.poll() is None for p in servers.processes):
                time.sleep(1)
            print("A server stopped; shutting down.")
        except KeyboardInterrupt:
            print("\nStopping ...")


if __name__ == "__main__":
    main()
