"""`make run`: the action server (:5055), Rasa (:5005), the widget demo page (:8080) and the
staff review tool (127.0.0.1:8090), until Ctrl-C."""

from __future__ import annotations

import os
import time

from review_tool.server import DEFAULT_HOST, database_engine, serving

from .servers import running_servers
from .widget_host import serving_widget


def main() -> None:
    rasa_port = int(os.environ.get("RASA_PORT", "5005"))
    action_port = int(os.environ.get("ACTION_PORT", "5055"))
    widget_port = int(os.environ.get("WIDGET_PORT", "8080"))
    review_port = int(os.environ.get("REVIEW_PORT", "8090"))
    # Staff data: loopback unless REVIEW_HOST says otherwise (then behind an HTTPS proxy).
    review_host = os.environ.get("REVIEW_HOST", DEFAULT_HOST)
    interface = os.environ.get("RASA_INTERFACE", "0.0.0.0")
    # The browser reaches Rasa at this address (the demo page is told it).
    public_rasa_url = os.environ.get("RASA_PUBLIC_URL", f"http://localhost:{rasa_port}")
    # Socket.io accepts the demo page's origin unless the clinic's sites are configured.
    demo_origins = f"http://localhost:{widget_port},http://127.0.0.1:{widget_port}"
    origins = os.environ.get("BOT_WIDGET_ORIGINS") or demo_origins
    print("Starting the action server and Rasa (this takes about half a minute) ...")
    with (
        running_servers(
            rasa_port=rasa_port,
            action_port=action_port,
            echo_logs=True,
            interface=interface,
            env={"BOT_WIDGET_ORIGINS": origins},
        ) as servers,
        serving_widget(public_rasa_url, widget_port, interface) as _,
        serving(database_engine(), review_host, review_port) as review_url,
    ):
        api = "on (token required)" if _api_enabled() else "off (set RASA_AUTH_TOKEN)"
        print(
            f"\nThe assistant is up.\n"
            f"  widget demo: http://localhost:{widget_port}/ (German: ?lang=de)\n"
            f"  REST:        POST {servers.rasa_url}/webhooks/rest/webhook "
            '{"sender": "me", "message": "my lower back hurts"}\n'
            f"  socket.io:   {servers.rasa_url}/socket.io (origins: {origins})\n"
            f"  HTTP API:    {api}\n"
            f"  staff review: {review_url} (accounts: python -m review_tool.accounts create)\n"
            f"  actions:     {servers.action_url}/webhook\n"
            "Press Ctrl-C to stop."
        )
        try:
            while all(p.poll() is None for p in servers.processes):
                time.sleep(1)
            print("A server stopped; shutting down.")
        except KeyboardInterrupt:
            print("\nStopping ...")


def _api_enabled() -> bool:
    return bool(os.environ.get("RASA_AUTH_TOKEN") or os.environ.get("RASA_JWT_SECRET"))


if __name__ == "__main__":
    main()
