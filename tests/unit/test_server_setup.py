"""How the servers are configured from the environment: channels and the HTTP API."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tools.credentials import active_connectors
from tools.rasa_server import api_arguments

CREDENTIALS = """
rest:
channels.telegram.TelegramInput:
  access_token: ${TELEGRAM_ACCESS_TOKEN}
  verify: ${TELEGRAM_BOT_USERNAME}
channels.slack.SlackInput:
  slack_token: ${SLACK_BOT_TOKEN}
"""


def test_a_platform_without_its_secrets_is_left_out_and_named(tmp_path):
    path = tmp_path / "credentials.yml"
    path.write_text(CREDENTIALS)
    connectors = active_connectors(path, {"TELEGRAM_ACCESS_TOKEN": "t"})
    assert list(connectors.enabled) == ["rest"]
    assert connectors.disabled == {
        "channels.telegram.TelegramInput": ["TELEGRAM_BOT_USERNAME"],
        "channels.slack.SlackInput": ["SLACK_BOT_TOKEN"],
    }
    assert "off: channels.slack.SlackInput (set SLACK_BOT_TOKEN)" in connectors.summary()


def test_a_platform_with_its_secrets_is_on_and_no_secret_is_written(tmp_path):
    path = tmp_path / "credentials.yml"
    path.write_text(CREDENTIALS)
    env = {"TELEGRAM_ACCESS_TOKEN": "secret-1", "TELEGRAM_BOT_USERNAME": "clinic_bot"}
    written = active_connectors(path, env).write(tmp_path / "active.yml").read_text()
    assert yaml.safe_load(written)["channels.telegram.TelegramInput"] == {
        "access_token": "${TELEGRAM_ACCESS_TOKEN}",
        "verify": "${TELEGRAM_BOT_USERNAME}",
    }
    assert "secret-1" not in written


def test_the_project_credentials_name_every_secret_as_a_variable():
    from tools.servers import CREDENTIALS as project_credentials

    for name, settings in (yaml.safe_load(project_credentials.read_text()) or {}).items():
        for key, value in (settings or {}).items():
            secret = any(w in key for w in ("token", "secret", "sid", "password", "key"))
            if secret and isinstance(value, str):
                assert value.startswith("${"), f"{name}.{key} must come from the environment"


def test_an_unreadable_credentials_file_is_named(tmp_path):
    path = tmp_path / "credentials.yml"
    path.write_text("rest: [unclosed")
    with pytest.raises(SystemExit, match=r"credentials\.yml: cannot read"):
        active_connectors(path, {})


def test_the_http_api_is_off_without_a_secret():
    assert api_arguments({}) == []
    assert api_arguments({"RASA_AUTH_TOKEN": ""}) == []


def rasa_run_options(environment: dict[str, str]) -> Any:
    """The options Rasa's own command line reads from `api_arguments`."""
    from rasa.__main__ import create_argument_parser

    return create_argument_parser().parse_args(["run", *api_arguments(environment)])


def test_the_http_api_needs_a_token_or_jwt_when_on():
    token = "t" * 32
    options = rasa_run_options({"RASA_AUTH_TOKEN": token})
    assert options.enable_api and options.auth_token == token
    options = rasa_run_options({"RASA_JWT_SECRET": "j" * 32})
    assert options.enable_api and options.jwt_secret == "j" * 32
    assert options.jwt_method == "HS256"


@pytest.mark.parametrize("name", ["RASA_AUTH_TOKEN", "RASA_JWT_SECRET"])
def test_a_secret_that_begins_with_a_dash_reaches_rasa_whole(name):
    # secrets.token_urlsafe begins with "-" once in 64: Rasa stopped with "expected one argument"
    secret = "-" + "s" * 40
    options = rasa_run_options({name: secret})
    assert secret in (options.auth_token, options.jwt_secret)


def test_a_short_token_is_refused_by_name():
    with pytest.raises(SystemExit, match="RASA_AUTH_TOKEN is too short"):
        api_arguments({"RASA_AUTH_TOKEN": "1234"})


def test_the_project_endpoints_use_the_same_conversation_store_as_the_started_servers():
    from conversation_store.database import tracker_store_endpoint
    from tools.servers import PROJECT_DIR

    endpoints = yaml.safe_load((PROJECT_DIR / "endpoints.yml").read_text())
    assert endpoints["tracker_store"] == tracker_store_endpoint({})


def test_servers_store_conversations_unless_a_comparison_run_asks_for_rasas_memory(tmp_path):
    from tools.servers import write_endpoints

    env = {"BOT_DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}"}
    stored = yaml.safe_load(write_endpoints(tmp_path / "a.yml", "http://a", env).read_text())
    assert stored["tracker_store"]["type"].endswith("RedactingTrackerStore")
    kept_in_memory = write_endpoints(tmp_path / "b.yml", "http://a", env, store_conversations=False)
    assert "tracker_store" not in yaml.safe_load(kept_in_memory.read_text())


@pytest.mark.parametrize("name", ["RASA_AUTH_TOKEN", "RASA_JWT_SECRET"])
def test_secrets_shorter_than_32_bytes_are_refused_by_name(name):
    with pytest.raises(SystemExit, match=f"{name} is too short: use at least 32 bytes"):
        api_arguments({name: "s" * 31})
    with pytest.raises(SystemExit, match=name):
        api_arguments({name: "ä" * 15})  # 15 characters, 30 bytes
    assert "--enable-api" in api_arguments({name: "ä" * 16})  # 32 bytes


def test_an_unsigned_or_unknown_jwt_method_is_refused_by_name():
    for method in ("none", "HS1", ""):
        with pytest.raises(SystemExit, match="RASA_JWT_METHOD"):
            api_arguments({"RASA_JWT_SECRET": "j" * 32, "RASA_JWT_METHOD": method})
    options = rasa_run_options({"RASA_JWT_SECRET": "j" * 32, "RASA_JWT_METHOD": "HS512"})
    assert options.jwt_method == "HS512"


def test_the_jwt_patch_refuses_other_rasa_or_sanic_jwt_versions():
    from tools.jwt_check import check_versions

    check_versions("3.6.21", "1.8.0")
    for versions in (("3.6.20", "1.8.0"), ("3.7.0", "1.8.0"), ("3.6.21", "1.8.1")):
        with pytest.raises(RuntimeError, match=r"tools\.jwt_check wraps private methods"):
            check_versions(*versions)


JWT_SECRET = "unit-test-jwt-secret-0123456789abcdef"


def bad_jwts(secret: str = JWT_SECRET) -> dict[str, str]:
    """An Authorization header for each way a JWT can be unusable with `secret`."""
    import time

    import jwt

    claims = {"user": {"username": "someone", "role": "admin"}}
    return {
        "alg none": "Bearer " + jwt.encode(claims, None, algorithm="none"),
        "bad signature": "Bearer " + jwt.encode(claims, "another secret " * 3, algorithm="HS256"),
        "expired": "Bearer "
        + jwt.encode({**claims, "exp": int(time.time()) - 3600}, secret, algorithm="HS256"),
        "wrong algorithm": "Bearer " + jwt.encode(claims, secret, algorithm="HS512"),
        "malformed token": "Bearer not.a.jwt",
        "no bearer prefix": "Basic c29tZW9uZTpwYXNzd29yZA==",
        "two parts": "Bearer a b",
        "bad subject": "Bearer " + jwt.encode({**claims, "sub": 5}, secret, algorithm="HS256"),
        # rasa.server reads `user` as an object: anything else was an AttributeError, a 500
        "user claim a string": "Bearer " + jwt.encode({"user": "admin"}, secret, algorithm="HS256"),
        "user claim a list": "Bearer " + jwt.encode({"user": ["admin"]}, secret, algorithm="HS256"),
    }


def test_every_unusable_jwt_is_not_authenticated_instead_of_an_error(monkeypatch):
    """In process, on the authentication object Rasa's HTTP API uses (the real server: the
    e2e test in test_entry_points.py)."""
    import asyncio

    import jwt
    import rasa.server
    from sanic.compat import Header
    from sanic.request import Request
    from sanic_jwt.authentication import Authentication

    from tools import jwt_check

    for name in ("_decode", "_get_token"):  # restored after the test
        monkeypatch.setattr(Authentication, name, getattr(Authentication, name))
    jwt_check.install()
    app = rasa.server.create_app(jwt_secret=JWT_SECRET, jwt_method="HS256")

    def authenticated(header: str) -> bool:
        request = Request(b"/status", Header({"Authorization": header}), "1.1", "GET", None, app)
        return asyncio.run(app.ctx.auth.is_authenticated(request))

    good = jwt.encode({"user": {"username": "a", "role": "admin"}}, JWT_SECRET, algorithm="HS256")
    assert authenticated("Bearer " + good)
    for kind, header in bad_jwts().items():
        assert authenticated(header) is False, kind
