"""Staff accounts and access: hashing, lock-out, session expiry, CSRF, and that nobody without
a session (or without the admin role, for the audit log) gets any data."""

from __future__ import annotations

import io
import re
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import sqlalchemy as sa

from conversation_store.schema import audit_log, staff_accounts, staff_sessions
from review_tool import accounts, auth
from review_tool.accounts import create_account, hash_password, verify_password

from .test_review_support import (  # noqa: F401  (fixtures)
    PASSWORD,
    Client,
    backend_engine_fixture,
    engine_fixture,
    logged_in,
    postgres_server,
    store_samples,
    tool_fixture,
)


def audit_rows(engine: sa.engine.Engine) -> list[tuple[str, str, str | None]]:
    with engine.connect() as connection:
        query = sa.select(audit_log.c.actor, audit_log.c.action, audit_log.c.target)
        return [tuple(r) for r in connection.execute(query.order_by(audit_log.c.id))]


# --- password hashes -------------------------------------------------------------------------


def test_hash_is_salted_scrypt_with_its_parameters() -> None:
    first, second = hash_password("s3cret password"), hash_password("s3cret password")
    assert re.fullmatch(r"scrypt\$n=32768,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}", first)
    assert first != second  # a fresh salt each time
    assert verify_password("s3cret password", first)
    assert verify_password("s3cret password", second)
    assert not verify_password("s3cret passwore", first)


def test_hash_parameters_are_read_from_the_hash() -> None:
    cheap = hash_password("pw", n=2**10, r=4, p=1)
    assert cheap.startswith("scrypt$n=1024,r=4,p=1$")
    assert verify_password("pw", cheap)


@pytest.mark.parametrize(
    "stored", ["", "plain", "bcrypt$x$y$z", "scrypt$n=x$a$b", "!scrypt$n=1$a$b"]
)
def test_malformed_or_disabled_hashes_never_verify(stored: str) -> None:
    assert not verify_password("", stored)


def test_cli_creates_lists_disables_and_deletes(
    engine: sa.engine.Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert accounts.main(["create", "anna", "--admin", "--password-stdin"], engine=engine) == 0
    with engine.connect() as connection:
        row = connection.execute(sa.select(staff_accounts)).one()
    assert row.role == "admin" and PASSWORD not in row.password_hash
    assert verify_password(PASSWORD, row.password_hash)

    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert accounts.main(["create", "bob", "--password-stdin"], engine=engine) == 1
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert accounts.main(["create", "anna", "--password-stdin"], engine=engine) == 1

    assert auth.login(engine, "anna", PASSWORD)
    assert accounts.main(["disable", "anna"], engine=engine) == 0
    assert auth.login(engine, "anna", PASSWORD) is None
    with engine.connect() as connection:  # disabling ended the session made above
        assert (
            connection.execute(sa.select(sa.func.count()).select_from(staff_sessions)).scalar() == 0
        )
    capsys.readouterr()
    accounts.main(["list"], engine=engine)
    assert re.search(r"anna\s+admin\s+\S+\s+disabled", capsys.readouterr().out)
    assert accounts.main(["enable", "anna"], engine=engine) == 0
    assert auth.login(engine, "anna", PASSWORD)

    monkeypatch.setattr("sys.stdin", io.StringIO("another long password\n"))
    assert accounts.main(["reset-password", "anna", "--password-stdin"], engine=engine) == 0
    assert auth.login(engine, "anna", PASSWORD) is None
    assert auth.login(engine, "anna", "another long password")

    assert accounts.main(["delete", "anna"], engine=engine) == 0
    assert accounts.main(["delete", "anna"], engine=engine) == 1
    actions = [a for _, a, _ in audit_rows(engine)]
    for expected in ("create_account", "disable_account", "reset_password", "delete_account"):
        assert expected in actions
    assert all(
        actor.startswith("cli:")
        for actor, action, _ in audit_rows(engine)
        if action.endswith("_account")
    )


# --- login, lock-out, sessions ---------------------------------------------------------------


def test_five_failures_lock_the_account_for_fifteen_minutes(
    engine: sa.engine.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_account(engine, "nurse", PASSWORD, "staff")
    now = [1_000_000.0]
    monkeypatch.setattr(auth.time, "time", lambda: now[0])
    for _ in range(auth.MAX_FAILED_LOGINS):
        assert auth.login(engine, "nurse", "wrong password!") is None
    assert auth.login(engine, "nurse", PASSWORD) is None  # locked: even the right password
    now[0] += auth.LOCK_SECONDS - 1
    assert auth.login(engine, "nurse", PASSWORD) is None
    now[0] += 2
    assert auth.login(engine, "nurse", PASSWORD) is not None
    details = [a for _, a, _ in audit_rows(engine)]
    assert details.count("login_failed") == auth.MAX_FAILED_LOGINS + 2
    assert details[-1] == "login"


def test_a_good_login_resets_the_failure_count(engine: sa.engine.Engine) -> None:
    create_account(engine, "nurse", PASSWORD, "staff")
    for _ in range(auth.MAX_FAILED_LOGINS - 1):
        auth.login(engine, "nurse", "wrong password!")
    assert auth.login(engine, "nurse", PASSWORD)
    for _ in range(auth.MAX_FAILED_LOGINS - 1):
        auth.login(engine, "nurse", "wrong password!")
    assert auth.login(engine, "nurse", PASSWORD)


def test_session_expires_after_idle_time_and_absolute_limit(
    engine: sa.engine.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_account(engine, "nurse", PASSWORD, "staff")
    now = [1_000_000.0]
    monkeypatch.setattr(auth.time, "time", lambda: now[0])
    token = auth.login(engine, "nurse", PASSWORD)
    staff = auth.session_staff(engine, token)
    assert staff is not None and staff.username == "nurse" and not staff.is_admin
    assert auth.session_staff(engine, "not-a-token") is None
    # used every 20 minutes, it lives until 8 hours after login
    while now[0] + 20 * 60 < 1_000_000.0 + auth.SESSION_ABSOLUTE:
        now[0] += 20 * 60
        assert auth.session_staff(engine, token) is not None, now[0] - 1_000_000.0
    now[0] = 1_000_000.0 + auth.SESSION_ABSOLUTE + 1
    assert auth.session_staff(engine, token) is None
    # idle for 31 minutes: gone
    token = auth.login(engine, "nurse", PASSWORD)
    now[0] += auth.SESSION_IDLE + 60
    assert auth.session_staff(engine, token) is None


def test_database_keeps_only_a_hash_of_the_session_token(engine: sa.engine.Engine) -> None:
    create_account(engine, "nurse", PASSWORD, "staff")
    token = auth.login(engine, "nurse", PASSWORD)
    with engine.connect() as connection:
        (stored,) = connection.execute(sa.select(staff_sessions.c.token_hash)).one()
    assert stored == auth.token_hash(token) and token not in stored


# --- over HTTP -------------------------------------------------------------------------------

DATA_PAGES = [
    "/conversations",
    "/conversations?mark=escalated",
    "/conversation?id=emergency-1",
    "/conversation/delete?id=emergency-1",
    "/audit",
]
EXPORTS = [
    "/conversations.csv",
    "/conversations.json",
    "/conversation.csv?id=emergency-1",
    "/conversation.json?id=emergency-1",
]


def test_anonymous_visitors_get_nothing(engine: sa.engine.Engine, tool: str) -> None:
    store_samples(engine, time.time() - 3600)
    client = Client(tool)
    for path in DATA_PAGES:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login")
        assert "emergency" not in response.text
    for path in EXPORTS:
        response = client.get(path)
        assert response.status_code == 401, path
        assert "emergency" not in response.text
    for path in ("/logout", "/conversation/delete"):
        assert client.post(path, data={"id": "emergency-1"}).status_code == 302
    login_page = client.get("/login")
    assert login_page.status_code == 200
    assert "emergency-1" not in login_page.text and "bladder" not in login_page.text
    # a forged cookie is no better than none
    client.cookies.set("review_session", "forged")
    assert client.get("/conversations").headers["Location"].startswith("/login?expired=1")
    assert client.get("/conversations.csv").status_code == 401


def test_login_form_answers_the_same_for_unknown_user_and_wrong_password(tool: str) -> None:
    unknown = Client(tool).login("nobody")
    wrong = Client(tool).login("nurse", "wrong password!")
    assert unknown.status_code == wrong.status_code == 401
    assert "review_session" not in unknown.cookies and "review_session" not in wrong.cookies
    message = re.compile(r'<p class="error" role="alert">(.*?)</p>', re.S)
    assert message.search(unknown.text).group(1) == message.search(wrong.text).group(1)


def test_login_sets_a_strict_http_only_cookie_and_logout_ends_the_session(tool: str) -> None:
    client = Client(tool)
    response = client.login("nurse")
    cookie = response.headers["Set-Cookie"]
    assert "review_session=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Secure" not in cookie  # plain http on loopback; see the proxy test below
    assert client.get("/conversations").status_code == 200
    token = client.csrf()
    old_cookie = client.cookies["review_session"]
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/conversations").status_code == 302
    again = Client(tool)
    again.cookies.set("review_session", old_cookie)  # a copied cookie is dead too
    assert again.get("/conversations").status_code == 302


def test_cookies_are_secure_behind_an_https_proxy(engine: sa.engine.Engine) -> None:
    from review_tool.server import serving

    create_account(engine, "nurse", PASSWORD, "staff")
    with serving(engine, secure_cookies=True) as url:
        response = Client(url).login("nurse")
    assert "Secure" in response.headers["Set-Cookie"]
    assert "max-age" in response.headers["Strict-Transport-Security"]


def test_posts_without_the_csrf_token_are_refused(engine: sa.engine.Engine, tool: str) -> None:
    store_samples(engine, time.time() - 3600)
    client = logged_in(tool, "boss")
    for data in ({"id": "emergency-1"}, {"id": "emergency-1", "csrf_token": "guess"}):
        assert client.post("/conversation/delete", data=data).status_code == 403
        assert client.post("/logout", data=data).status_code == 403
    # the right token, but from another site's page
    token = client.csrf()
    response = client.post(
        "/logout", data={"csrf_token": token}, headers={"Origin": "http://evil.example"}
    )
    assert response.status_code == 403
    assert client.get("/conversation?id=emergency-1").status_code == 200  # nothing was deleted
    # the login form has its own token (a cookie and a field that must match)
    fresh = Client(tool)
    response = fresh.post("/login", data={"username": "nurse", "password": PASSWORD})
    assert response.status_code == 403 and "review_session" not in response.cookies


def test_audit_log_and_deletion_are_for_admins_only(engine: sa.engine.Engine, tool: str) -> None:
    store_samples(engine, time.time() - 3600)
    nurse = logged_in(tool, "nurse")
    assert nurse.get("/audit").status_code == 403
    assert nurse.get("/conversation/delete?id=emergency-1").status_code == 403
    token = nurse.csrf()
    assert (
        nurse.post(
            "/conversation/delete", data={"id": "emergency-1", "csrf_token": token}
        ).status_code
        == 403
    )
    assert "Audit log" not in nurse.get("/conversations").text
    assert "Delete" not in nurse.get("/conversation?id=emergency-1").text

    boss = logged_in(tool, "boss")
    page = boss.get("/audit")
    assert page.status_code == 200
    # nurse's login and view are there, with who did what
    assert re.search(r"<td>nurse</td>\s*<td>login</td>", page.text)
    assert re.search(r"<td>nurse</td>\s*<td>view</td>\s*<td><a [^>]*>emergency-1</a>", page.text)


def test_every_response_carries_the_security_headers(tool: str) -> None:
    client = logged_in(tool, "nurse")
    for path in ("/login", "/conversations", "/conversations.csv", "/static/review.css", "/nope"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "script-src" not in csp, path
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/conversations").headers["Cache-Control"] == "no-store"
    assert client.get("/conversations.csv").headers["Cache-Control"] == "no-store"


def test_login_redirects_only_within_the_site(tool: str) -> None:
    client = Client(tool)
    html = client.get("/login?next=//evil.example/x").text
    assert "evil.example" not in html
    token = client.csrf("/login")
    response = client.post(
        "/login",
        data={
            "csrf_token": token,
            "username": "nurse",
            "password": PASSWORD,
            "next": "https://evil.example/",
        },
    )
    assert response.headers["Location"] == "/conversations"


# --- lock-out under parallel attempts, equal work, what the audit log keeps ------------------


def login_details(engine: sa.engine.Engine, username: str) -> list[str]:
    """The `detail` of each failed login of `username`, without the client address."""
    query = sa.select(audit_log.c.detail).where(
        audit_log.c.action == "login_failed", audit_log.c.target == username
    )
    with engine.connect() as connection:
        return [d.split("; ")[-1] for (d,) in connection.execute(query.order_by(audit_log.c.id))]


def test_parallel_wrong_passwords_check_at_most_five_and_lock_the_account(
    backend_engine: sa.engine.Engine,
) -> None:
    from review_tool.server import serving

    create_account(backend_engine, "nurse", PASSWORD, "staff")
    attempts = 30
    with serving(backend_engine) as url:
        clients = [Client(url) for _ in range(attempts)]
        tokens = [client.csrf("/login") for client in clients]

        def attempt(number: int) -> int:
            data = {"csrf_token": tokens[number], "username": "nurse", "password": "guess!"}
            return clients[number].post("/login", data=data).status_code

        with ThreadPoolExecutor(max_workers=attempts) as pool:
            statuses = list(pool.map(attempt, range(attempts)))
        assert statuses == [401] * attempts
        assert Client(url).login("nurse").status_code == 401  # locked: even the right password
    details = login_details(backend_engine, "nurse")
    assert details.count("wrong password") == auth.MAX_FAILED_LOGINS, details
    assert details.count("locked") == attempts + 1 - auth.MAX_FAILED_LOGINS


def test_unknown_disabled_and_locked_logins_take_as_long_as_a_wrong_password(
    engine: sa.engine.Engine, tool: str
) -> None:
    create_account(engine, "gone", PASSWORD, "staff")
    accounts.set_disabled(engine, "gone", True)
    create_account(engine, "shut", PASSWORD, "staff")
    for _ in range(auth.MAX_FAILED_LOGINS):
        auth.login(engine, "shut", "wrong password!")
    cases = {"wrong password": "nurse", "unknown": "nobody", "disabled": "gone", "locked": "shut"}
    fastest = dict.fromkeys(cases, float("inf"))
    for _ in range(4):  # fewer than MAX_FAILED_LOGINS, so that "nurse" is never locked
        for case, username in cases.items():
            client = Client(tool)
            token = client.csrf("/login")
            data = {"csrf_token": token, "username": username, "password": "wrong password!"}
            start = time.perf_counter()
            assert client.post("/login", data=data).status_code == 401
            # the least of several runs: what the work takes, without the noise of other jobs
            fastest[case] = min(fastest[case], time.perf_counter() - start)
    reference = fastest["wrong password"]
    for case, seconds in fastest.items():
        assert 0.5 < seconds / reference < 2, (case, fastest)


def test_a_failed_login_keeps_the_typed_name_only_for_an_existing_account(
    engine: sa.engine.Engine,
) -> None:
    create_account(engine, "nurse", PASSWORD, "staff")
    typed = "my secret pass phrase"  # a password typed into the user name field
    assert auth.login(engine, typed, PASSWORD, client="127.0.0.1") is None
    assert auth.login(engine, "nurse", "wrong password!", client="127.0.0.1") is None
    with engine.connect() as connection:
        rows = [tuple(r) for r in connection.execute(sa.select(audit_log).order_by(audit_log.c.id))]
    assert not [row for row in rows if any(typed in str(value) for value in row)], rows
    (unknown, wrong) = [row._mapping for row in _failed_rows(engine)]
    assert (unknown["actor"], unknown["target"]) == ("-", None)
    assert unknown["detail"] == "client=127.0.0.1; unknown user"
    assert (wrong["actor"], wrong["target"]) == ("nurse", "nurse")


def _failed_rows(engine: sa.engine.Engine) -> list[sa.engine.Row]:
    query = sa.select(audit_log).where(audit_log.c.action == "login_failed")
    with engine.connect() as connection:
        return list(connection.execute(query.order_by(audit_log.c.id)))


@pytest.mark.parametrize(
    "target",
    [
        "/\t/evil.example/",
        "/\n/evil.example/",
        "/conversations\r\nSet-Cookie: x=1",
        "//evil.example/x",
        "/conversations//evil.example",
        "https://evil.example/",
        "/\\evil.example/",
        "\\\\evil.example/",
        "evil.example",
        "/\x00/evil.example",
        "/\u2028/evil.example",
        "",
    ],
)
def test_login_redirects_only_to_a_path_of_this_site(tool: str, target: str) -> None:
    client = Client(tool)
    form = client.get("/login", params={"next": target}).text
    assert 'name="next" value="/conversations"' in form
    token = client.csrf("/login")
    data = {"csrf_token": token, "username": "nurse", "password": PASSWORD, "next": target}
    response = client.post("/login", data=data)
    assert response.status_code == 303
    assert response.headers["Location"] == "/conversations"


def test_login_returns_to_the_page_asked_for(tool: str) -> None:
    wanted = "/conversation?id=emergency-1&x=%2F%2Fa"
    client = Client(tool)
    location = urlsplit(client.get(wanted).headers["Location"])
    assert location.path == "/login" and parse_qs(location.query) == {"next": [wanted]}
    token = client.csrf("/login?" + urlencode({"next": wanted}))
    data = {"csrf_token": token, "username": "nurse", "password": PASSWORD, "next": wanted}
    assert client.post("/login", data=data).headers["Location"] == wanted
