"""Serve the website widget's demo page and bundle, for trying the widget and for its tests.

Only two things are served: the demo page (widget/demo/index.html, with the Rasa server's URL,
its socket.io path, the emergency number (BOT_EMERGENCY_NUMBER, default 112) and the language
filled in; `?lang=de` for German) and widget/dist/backpain-widget.js. Every other path is 404:
no directory listing, no other file of the repository.
Usage: python -m tools.widget_host --rasa-url http://localhost:5005 --port 8080
The Rasa server must allow this page's origin: BOT_WIDGET_ORIGINS=http://127.0.0.1:8080
"""

from __future__ import annotations

import argparse
import html
import os
import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEMO_PAGE = PROJECT_DIR / "widget" / "demo" / "index.html"
BUNDLE = PROJECT_DIR / "widget" / "dist" / "backpain-widget.js"
TITLES = {"en": "Back pain assistant", "de": "Rückenschmerz-Assistent"}
DEFAULT_EMERGENCY_NUMBER = "112"
PHONE_NUMBER = re.compile(r"\+?\d{2,15}")  # what the widget accepts in a tel: link


def emergency_number(environment: Mapping[str, str] = os.environ) -> str:
    """BOT_EMERGENCY_NUMBER (the number the assistant tells patients to call), default 112."""
    number = environment.get("BOT_EMERGENCY_NUMBER", "").strip() or DEFAULT_EMERGENCY_NUMBER
    if not PHONE_NUMBER.fullmatch(re.sub(r"[\s\-/]", "", number)):
        raise ValueError(f"BOT_EMERGENCY_NUMBER is not a phone number: {number!r}")
    return number


def checked_socket_path(path: str) -> str:
    if path and not re.fullmatch(r"/[^?#\s]*", path):
        raise ValueError(f"the socket.io path must start with '/': {path!r}")
    return path


def bundle_missing_message() -> str | None:
    if BUNDLE.is_file():
        return None
    return f"{BUNDLE.relative_to(PROJECT_DIR)} is missing: run `make widget` to build it"


def demo_page(rasa_url: str, language: str, number: str = "112", socket_path: str = "") -> bytes:
    """The demo page; an empty `socket_path` leaves the widget's default (<path>/socket.io)."""
    values = {
        "RASA_URL": rasa_url.rstrip("/"),
        "LANGUAGE": language,
        "TITLE": TITLES[language],
        "EMERGENCY_NUMBER": number,
        "SOCKET_PATH": socket_path,
    }
    page = DEMO_PAGE.read_text(encoding="utf-8")
    for name, value in values.items():
        page = page.replace("{{" + name + "}}", html.escape(value, quote=True))
    return page.encode()


def content_security_policy(rasa_url: str) -> str:
    # The widget needs its own script and a connection to the Rasa server, nothing else.
    server = urlsplit(rasa_url)
    socket_scheme = "wss" if server.scheme == "https" else "ws"
    connect = f"{server.scheme}://{server.netloc} {socket_scheme}://{server.netloc}"
    return (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        f"connect-src {connect}; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    )


def handler_for(rasa_url: str, number: str, socket_path: str) -> type[BaseHTTPRequestHandler]:
    class WidgetHandler(BaseHTTPRequestHandler):
        server_version = "widget-host"
        sys_version = ""

        def do_GET(self) -> None:
            self._respond(send_body=True)

        def do_HEAD(self) -> None:
            self._respond(send_body=False)

        def _respond(self, send_body: bool) -> None:
            url = urlsplit(self.path)
            headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}
            if url.path in ("/", "/index.html"):
                language = parse_qs(url.query).get("lang", ["en"])[0]
                language = language if language in TITLES else "en"
                body = demo_page(rasa_url, language, number, socket_path)
                headers["Content-Type"] = "text/html; charset=utf-8"
                headers["Content-Security-Policy"] = content_security_policy(rasa_url)
                status = HTTPStatus.OK
            elif url.path == "/backpain-widget.js" and BUNDLE.is_file():
                body = BUNDLE.read_bytes()
                headers["Content-Type"] = "text/javascript; charset=utf-8"
                status = HTTPStatus.OK
            else:
                body = b"Not found\n"
                headers["Content-Type"] = "text/plain; charset=utf-8"
                status = HTTPStatus.NOT_FOUND
            self.send_response(status)
            for name, value in {**headers, "Content-Length": str(len(body))}.items():
                self.send_header(name, value)
            self.end_headers()
            if send_body:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet: tests and demos need no access log

    return WidgetHandler


@contextmanager
def serving_widget(
    rasa_url: str,
    port: int | None = None,
    interface: str = "127.0.0.1",
    number: str | None = None,
    socket_path: str = "",
) -> Iterator[str]:
    """The demo page's URL, served from a background thread for the `with` block.
    `number`: the emergency number the page gives the widget (default: BOT_EMERGENCY_NUMBER)."""
    missing = bundle_missing_message()
    if missing:
        raise FileNotFoundError(missing)
    number = number or emergency_number()
    handler = handler_for(rasa_url, number, checked_socket_path(socket_path))
    server = ThreadingHTTPServer((interface, port or 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="widget-host", daemon=True)
    thread.start()
    try:
        host, bound_port = server.server_address[:2]
        host = "127.0.0.1" if host in ("0.0.0.0", "") else host
        yield f"http://{host}:{bound_port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rasa-url", default="http://localhost:5005")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--interface", default="127.0.0.1")
    parser.add_argument(
        "--socket-path", default="", help="the Rasa server's socket.io path (socketio_path)"
    )
    arguments = parser.parse_args()
    try:
        with serving_widget(
            arguments.rasa_url,
            arguments.port,
            arguments.interface,
            socket_path=arguments.socket_path,
        ) as url:
            origin = url.rstrip("/")
            print(f"Widget demo: {url} (German: {url}?lang=de), talking to {arguments.rasa_url}")
            print(f"Start Rasa with BOT_WIDGET_ORIGINS={origin} so it accepts this page.")
            threading.Event().wait()
    except (FileNotFoundError, ValueError) as error:
        raise SystemExit(str(error)) from error
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
