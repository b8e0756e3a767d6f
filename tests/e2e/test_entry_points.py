"""Who may reach the running assistant: the HTTP API needs a token, socket.io only the widget's
origins. (The API's absence without a token is shown in test_conversation.py.)"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request

import pytest
import websockets

from tools.servers import running_servers

pytestmark = pytest.mark.e2e
TOKEN = "e2e-token-0123456789abcdef-0123456789"  # 32 bytes at least
WIDGET_ORIGIN = "http://127.0.0.1:9"
OTHER_ORIGIN = "http://evil.example"


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    env = {"RASA_AUTH_TOKEN": TOKEN, "BOT_WIDGET_ORIGINS": f"{WIDGET_ORIGIN}, http://other.clinic"}
    with running_servers(log_dir=tmp_path_factory.mktemp("servers"), env=env) as running:
        yield running


def request(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {})) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_the_conversation_api_refuses_requests_without_the_token(servers):
    status, _, body = request(f"{servers.rasa_url}/conversations/someone/tracker")
    assert status == 401 and json.loads(body)["reason"] == "NotAuthenticated"
    status, _, _ = request(f"{servers.rasa_url}/conversations/someone/tracker?token=wrong-token")
    assert status == 401


def test_the_conversation_api_answers_with_the_token(servers):
    status, _, body = request(f"{servers.rasa_url}/conversations/someone/tracker?token={TOKEN}")
    assert status == 200 and json.loads(body)["sender_id"] == "someone"


def test_the_widget_origin_may_open_a_socket_io_session(servers):
    url = f"{servers.rasa_url}/socket.io/?EIO=4&transport=polling"
    status, headers, body = request(url, {"Origin": WIDGET_ORIGIN})
    assert status == 200 and body.startswith(b"0{")
    assert headers["Access-Control-Allow-Origin"] == WIDGET_ORIGIN


def test_another_origin_is_refused_on_socket_io_polling_and_websocket(servers):
    url = f"{servers.rasa_url}/socket.io/?EIO=4&transport=polling"
    status, headers, body = request(url, {"Origin": OTHER_ORIGIN})
    assert status == 400 and b"not an accepted origin" in body
    # the refusal alone is readable by the refused page (so the widget can say why), with no
    # credentials and no session
    assert headers.get("Access-Control-Allow-Origin") == OTHER_ORIGIN
    assert "Access-Control-Allow-Credentials" not in headers and b"sid" not in body

    async def open_websocket() -> None:
        ws_url = servers.rasa_url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket"
        async with websockets.connect(ws_url, origin=OTHER_ORIGIN):
            pass

    with pytest.raises(websockets.exceptions.InvalidStatusCode) as refused:
        asyncio.run(open_websocket())
    assert refused.value.status_code == 400


def test_http_endpoints_grant_no_cross_origin_access(servers):
    for path in ("/webhooks/rest/", f"/conversations/x/tracker?token={TOKEN}"):
        _, headers, _ = request(f"{servers.rasa_url}{path}", {"Origin": OTHER_ORIGIN})
        assert "Access-Control-Allow-Origin" not in headers, path


# --- the HTTP API with a JWT secret: every unusable JWT is a 401 ---------------------------

JWT_SECRET = "e2e-jwt-secret-0123456789abcdef-0123456789"


@pytest.fixture(scope="module")
def jwt_servers(tmp_path_factory):
    env = {"RASA_JWT_SECRET": JWT_SECRET, "RASA_AUTH_TOKEN": ""}
    with running_servers(log_dir=tmp_path_factory.mktemp("jwt-servers"), env=env) as running:
        yield running


def test_every_unusable_jwt_is_a_401_from_the_real_server(jwt_servers):
    import jwt

    from tests.unit.test_server_setup import bad_jwts

    url = f"{jwt_servers.rasa_url}/conversations/someone/tracker"
    for kind, header in bad_jwts(JWT_SECRET).items():
        status, _, body = request(url, {"Authorization": header})
        assert status == 401, (kind, status, body[:200])
        assert json.loads(body)["reason"] == "NotAuthenticated", kind
    claims = {"user": {"username": "someone", "role": "user"}}
    good = jwt.encode(claims, JWT_SECRET, algorithm="HS256")
    status, _, body = request(url, {"Authorization": f"Bearer {good}"})
    assert status == 200 and json.loads(body)["sender_id"] == "someone"
    status, _, _ = request(url.replace("someone", "another"), {"Authorization": f"Bearer {good}"})
    assert status == 403  # a user's token reaches only that user's conversation
