"""The socket.io server's refusal of a page's origin is readable by that page, and grants
nothing more (channels.website_socketio.ReadableRefusalEngineIOServer)."""

from __future__ import annotations

import pytest

from channels import website_socketio
from channels.website_socketio import WidgetOriginServer

CLINIC = "https://www.clinic.example"
OTHER = "https://other.example"


@pytest.fixture
def engineio_server(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("BOT_WIDGET_ORIGINS", CLINIC)
    return WidgetOriginServer(async_mode="sanic").eio


def headers(server, origin: str | None, method: str = "GET") -> dict[str, str]:
    environ = {"REQUEST_METHOD": method, **({"HTTP_ORIGIN": origin} if origin else {})}
    return dict(server._cors_headers(environ))


def test_a_refused_origin_may_read_the_refusal_but_gets_no_credentials(engineio_server) -> None:
    assert headers(engineio_server, OTHER) == {"Access-Control-Allow-Origin": OTHER}
    assert headers(engineio_server, OTHER, "OPTIONS") == {"Access-Control-Allow-Origin": OTHER}


def test_the_widget_origin_keeps_engineio_s_own_cors_headers(engineio_server) -> None:
    assert headers(engineio_server, CLINIC) == {
        "Access-Control-Allow-Origin": CLINIC,
        "Access-Control-Allow-Credentials": "true",
    }
    assert "Access-Control-Allow-Origin" not in headers(engineio_server, None)


def test_the_refusal_patch_refuses_another_engineio_version(monkeypatch) -> None:
    monkeypatch.setattr(website_socketio, "version", lambda name: "9.9.9")
    with pytest.raises(RuntimeError, match=r"python-engineio 4\.8\.0, found .* 9\.9\.9"):
        WidgetOriginServer(async_mode="sanic")
