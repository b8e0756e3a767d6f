"""A local stand-in for the messaging platforms' APIs: an HTTP server on loopback that
answers like Telegram, Twilio, Slack and Meta do and records every request, so a test can see
exactly what a patient would have been sent.

One server serves all four under a prefix each (`/telegram`, `/twilio`, `/slack`,
`/facebook`); a connector's API base URL is pointed at `{url}/{platform}`.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Recorded:
    platform: str
    path: str  # below the platform prefix, e.g. "/bot123:abc/sendMessage"
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


def _answer(platform: str, path: str) -> tuple[int, dict[str, Any]]:
    """What the real API answers on success (only what the connectors read)."""
    if platform == "telegram":
        return 200, {"ok": True, "result": {"message_id": 1} if "send" in path else True}
    if platform == "twilio":
        return 201, {"sid": "SM00000000000000000000000000000000", "status": "queued"}
    if platform == "slack":
        return 200, {"ok": True, "channel": "D1", "ts": "1700000000.000200"}
    if platform == "facebook":
        return 200, {"recipient_id": "1", "message_id": "m_1"}
    return 404, {"error": "no such platform"}


class PlatformStandIn:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                url = urlsplit(self.path)
                _, platform, *rest = url.path.split("/", 2)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                recorded = Recorded(
                    platform,
                    "/" + "/".join(rest),
                    parse_qs(url.query),
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                with standin._lock:
                    standin.requests.append(recorded)
                status, answer = _answer(platform, recorded.path)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass  # the record is self.requests, not stderr

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def base_url(self, platform: str) -> str:
        return f"{self.url}/{platform}"

    def recorded(self, platform: str, match: Callable[[Recorded], bool] = bool) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.platform == platform and match(r)]

    def wait_for(
        self,
        platform: str,
        match: Callable[[Recorded], bool],
        until: Callable[[list[Recorded]], bool],
        timeout: float = 60,
    ) -> list[Recorded]:
        """The matching requests, once `until` holds for them (for platforms answered in the
        background, like Slack)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.recorded(platform, match)
            if until(found) or time.monotonic() > deadline:
                return found
            time.sleep(0.2)

    def start(self) -> None:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def platform_standin() -> Iterator[PlatformStandIn]:
    standin = PlatformStandIn()
    standin.start()
    try:
        yield standin
    finally:
        standin.stop()
