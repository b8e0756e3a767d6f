"""The review tool's web application (aiohttp + Jinja2, no JavaScript).

Every page but the login form needs a staff session; exports answer 401 instead of a redirect,
so that a script never mistakes the login page for data. Every POST carries the session's CSRF
token, every response the security headers, and data pages are never cached.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlparse

import jinja2
import sqlalchemy as sa
from aiohttp import web

from conversation_store.database import safe_url
from conversation_store.schema import LOW_CONFIDENCE, audit_log

from . import auth, export, params, queries

HERE = Path(__file__).resolve().parent
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8090
SESSION_COOKIE = "review_session"
LOGIN_CSRF_COOKIE = "review_login_csrf"
AUDIT_PAGE_SIZE = 100
EXPORT_LINES = 1000  # lines of an export written at a time
ENGINE = web.AppKey("engine", sa.engine.Engine)
SECURE = web.AppKey("secure", bool)
TEMPLATES = web.AppKey("templates", jinja2.Environment)

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # not no-referrer: with it, Chromium sends `Origin: null` on our own form posts
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def database_engine() -> sa.engine.Engine:
    """The assistant's database (BOT_DATABASE_URL), reachable, our tables created."""
    from conversation_store.database import connect

    return connect()


# --- rendering -------------------------------------------------------------------------------


def local_time(at: float | None) -> str:
    if not at:
        return ""
    return datetime.fromtimestamp(at).astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")


def templates() -> jinja2.Environment:
    # autoescape everywhere: patient messages are untrusted text
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters["when"] = local_time
    environment.globals["urlencode"] = urlencode
    return environment


def render(request: web.Request, name: str, status: int = 200, **context: Any) -> web.Response:
    html = request.app[TEMPLATES].get_template(name).render(staff=request.get("staff"), **context)
    return web.Response(text=html, status=status, content_type="text/html")


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: also reaches streamed exports and error responses."""
    response.headers.update(SECURITY_HEADERS)
    if request.app[SECURE]:
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    if not request.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"


# --- sessions and access ---------------------------------------------------------------------


async def db(request: web.Request, function: Callable[..., Any], *args: Any) -> Any:
    """Run a blocking database call (SQLAlchemy, scrypt) off the event loop."""
    return await asyncio.to_thread(function, request.app[ENGINE], *args)


def client_address(request: web.Request) -> str:
    if request.app[SECURE]:
        # behind the proxy, the last address it appended is the one it saw
        forwarded = request.headers.get("X-Forwarded-For", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.remote or ""


def staff_only(kind: str = "page", admin: bool = False) -> Callable[[Handler], Handler]:
    """Refuse anonymous requests: pages redirect to the login form, exports answer 401."""

    def decorate(handler: Handler) -> Handler:
        async def wrapped(request: web.Request) -> web.StreamResponse:
            token = request.cookies.get(SESSION_COOKIE)
            staff = await db(request, auth.session_staff, token)
            if staff is None:
                if kind == "export":
                    raise web.HTTPUnauthorized(text="Log in to the review tool first.\n")
                query = {"expired": "1"} if token else {}
                if request.method == "GET":
                    query["next"] = request.path_qs
                raise web.HTTPFound("/login" + ("?" + urlencode(query) if query else ""))
            if admin and not staff.is_admin:
                raise web.HTTPForbidden(text="Only administrators may do this.\n")
            request["staff"] = staff
            return await handler(request)

        return wrapped

    return decorate


def same_origin(request: web.Request) -> bool:
    """Browsers send Origin with every POST; one from elsewhere is refused outright."""
    origin = request.headers.get("Origin")
    return origin is None or urlparse(origin).netloc == request.host


async def checked_form(request: web.Request) -> dict[str, str]:
    """The POSTed form, if it carries this session's CSRF token; 403 otherwise."""
    form = await request.post()
    staff: auth.Staff = request["staff"]
    if not same_origin(request) or not auth.csrf_ok(staff.csrf_token, form.get("csrf_token")):
        raise web.HTTPForbidden(text="The form expired or came from elsewhere; reload the page.\n")
    return {k: v for k, v in form.items() if isinstance(v, str)}


def set_cookie(request: web.Request, response: web.StreamResponse, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        path="/",
        httponly=True,
        samesite="Strict",
        secure=request.app[SECURE] or request.secure,
    )


def see_other(location: str) -> web.Response:
    """A redirect that can carry cookies (a returned HTTPException is deprecated in aiohttp)."""
    return web.Response(status=303, headers={"Location": location})


@web.middleware
async def bad_parameters(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A parameter the tool cannot use is the client's error: 400 naming it, not a 500."""
    try:
        return await handler(request)
    except params.BadParameter as err:
        raise web.HTTPBadRequest(text=f"{err}\n") from err


# --- login and logout ------------------------------------------------------------------------


async def login_form(request: web.Request, error: str = "", status: int = 200) -> web.Response:
    token = secrets.token_urlsafe(32)
    response = render(
        request,
        "login.html",
        status=status,
        csrf_token=token,
        error=error,
        expired=request.query.get("expired") == "1" and not error,
        next=params.same_site_path(request.query.get("next")),
    )
    set_cookie(request, response, LOGIN_CSRF_COOKIE, token)
    return response


async def login_page(request: web.Request) -> web.Response:
    return await login_form(request)


async def login_submit(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not (same_origin(request) and expected and auth.csrf_ok(expected, form.get("csrf_token"))):
        return await login_form(request, "The login form expired; please try again.", 403)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        username = params.text(fields, "username")
    except params.BadParameter as err:
        return await login_form(request, str(err), 400)
    password = fields.get("password", "")
    token = await db(request, auth.login, username, password, client_address(request))
    if token is None:
        return await login_form(request, auth.LOGIN_FAILED, 401)
    response = see_other(params.same_site_path(fields.get("next")))
    set_cookie(request, response, SESSION_COOKIE, token)
    response.del_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@staff_only()
async def logout(request: web.Request) -> web.StreamResponse:
    await checked_form(request)
    await db(request, auth.logout, request.cookies[SESSION_COOKIE], request["staff"])
    response = see_other("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


async def index(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/conversations")


# --- conversations ---------------------------------------------------------------------------


@staff_only()
async def conversation_list(request: web.Request) -> web.Response:
    filters = queries.Filters.from_query(request.query)
    page = await db(request, queries.list_conversations, filters)
    return render(
        request,
        "list.html",
        page=page,
        filters=page.filters,
        urgencies=queries.URGENCIES,
        topics=queries.TOPICS,
        languages=queries.LANGUAGES,
        mark_options=queries.MARKS,
        deleted=request.query.get("deleted", ""),
    )


async def _stream(
    request: web.Request, chunks: Any, content_type: str, filename: str
) -> web.StreamResponse:
    response = web.StreamResponse(
        headers={
            "Content-Type": content_type,
            "Content-Disposition": f'attachment; filename="{filename}"',
        }
    )
    await response.prepare(request)
    iterator = iter(chunks)
    while True:
        # The rows are read from the database as the iterator advances: take many lines per
        # trip to a worker thread (one trip per line made a 100,000-row export take 40 s).
        chunk = await asyncio.to_thread(lambda: "".join(islice(iterator, EXPORT_LINES)))
        if not chunk:
            break
        await response.write(chunk.encode("utf-8"))
    await response.write_eof()
    return response


@staff_only(kind="export")
async def export_list(request: web.Request) -> web.StreamResponse:
    fmt = request.match_info["format"]
    filters = queries.Filters.from_query(request.query)
    staff: auth.Staff = request["staff"]
    await db(request, auth.audit, staff.username, "export", filters.describe(), f"list as {fmt}")
    rows = queries.iter_summaries(request.app[ENGINE], filters)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    if fmt == "csv":
        return await _stream(
            request, export.list_csv(rows), "text/csv; charset=utf-8", f"conversations-{stamp}.csv"
        )
    return await _stream(
        request,
        export.list_json(rows),
        "application/json; charset=utf-8",
        f"conversations-{stamp}.json",
    )


async def _conversation(request: web.Request) -> queries.Conversation:
    sender_id = params.text(request.query, "id")
    conversation = await db(request, queries.load_conversation, sender_id) if sender_id else None
    if conversation is None:
        raise web.HTTPNotFound(text="No such conversation (it may have been deleted).\n")
    return conversation


@staff_only()
async def conversation_view(request: web.Request) -> web.Response:
    conversation = await _conversation(request)
    staff: auth.Staff = request["staff"]
    await db(request, auth.audit, staff.username, "view", conversation.sender_id)
    return render(
        request,
        "conversation.html",
        conversation=conversation,
        low_confidence=LOW_CONFIDENCE,
    )


def download_name(sender_id: str, extension: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in sender_id)[:64]
    return f"conversation-{safe}.{extension}"


@staff_only(kind="export")
async def export_conversation(request: web.Request) -> web.Response:
    fmt = request.match_info["format"]
    conversation = await _conversation(request)
    staff: auth.Staff = request["staff"]
    await db(request, auth.audit, staff.username, "export", conversation.sender_id, f"as {fmt}")
    if fmt == "csv":
        body, content_type = export.conversation_csv(conversation), "text/csv"
    else:
        body, content_type = export.conversation_json(conversation), "application/json"
    filename = download_name(conversation.sender_id, fmt)
    return web.Response(
        text=body,
        content_type=content_type,
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@staff_only(admin=True)
async def delete_confirm(request: web.Request) -> web.Response:
    conversation = await _conversation(request)
    return render(request, "delete.html", conversation=conversation)


@staff_only(admin=True)
async def delete_submit(request: web.Request) -> web.StreamResponse:
    form = await checked_form(request)
    from conversation_store.retention import delete_conversation

    sender_id = params.text(form, "id")
    if not sender_id:
        raise web.HTTPBadRequest(text="Which conversation?\n")
    staff: auth.Staff = request["staff"]
    # the shared function: deletes events and summary and writes the audit row, as the CLI does
    removed = await db(request, delete_conversation, sender_id, staff.username)
    raise web.HTTPSeeOther("/conversations?" + urlencode({"deleted": str(removed)}))


# --- audit log -------------------------------------------------------------------------------


def read_audit(
    engine: sa.engine.Engine, before: int | None, actor: str, action: str
) -> list[dict[str, Any]]:
    query = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(AUDIT_PAGE_SIZE + 1)
    if before:
        query = query.where(audit_log.c.id < before)
    if actor:
        query = query.where(audit_log.c.actor == actor)
    if action:
        query = query.where(audit_log.c.action == action)
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]


@staff_only(admin=True)
async def audit_page(request: web.Request) -> web.Response:
    before = params.row_id(request.query, "before")
    actor, action = params.text(request.query, "actor"), params.text(request.query, "action")
    rows = await db(request, read_audit, before, actor, action)
    older = rows[AUDIT_PAGE_SIZE - 1]["id"] if len(rows) > AUDIT_PAGE_SIZE else None
    from conversation_store.spool import spool_summary

    unsaved = await asyncio.to_thread(spool_summary)  # turns the database would not take
    return render(
        request,
        "audit.html",
        rows=rows[:AUDIT_PAGE_SIZE],
        older=older,
        actor=actor,
        action=action,
        unsaved=unsaved,
    )


# --- application -----------------------------------------------------------------------------


def create_app(engine: sa.engine.Engine, secure_cookies: bool = False) -> web.Application:
    app = web.Application(client_max_size=64 * 1024, middlewares=[bad_parameters])
    app[ENGINE] = engine
    app[SECURE] = secure_cookies
    app[TEMPLATES] = templates()
    app.on_response_prepare.append(security_headers)
    app.router.add_get("/", index)
    app.router.add_get("/login", login_page)
    app.router.add_post("/login", login_submit)
    app.router.add_post("/logout", logout)
    app.router.add_get("/conversations", conversation_list)
    app.router.add_get("/conversations.{format:csv|json}", export_list)
    app.router.add_get("/conversation", conversation_view)
    app.router.add_get("/conversation.{format:csv|json}", export_conversation)
    app.router.add_get("/conversation/delete", delete_confirm)
    app.router.add_post("/conversation/delete", delete_submit)
    app.router.add_get("/audit", audit_page)
    app.router.add_static("/static/", HERE / "static")
    return app


@contextmanager
def serving(
    engine: sa.engine.Engine, host: str = DEFAULT_HOST, port: int = 0, secure_cookies: bool = False
) -> Iterator[str]:
    """The tool served from a background thread for the `with` block; yields its base URL
    (port 0: a free port). For tests and tools that run it beside other servers."""
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(create_app(engine, secure_cookies), access_log=None)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, host, port)
    loop.run_until_complete(site.start())
    bound = runner.addresses[0][1]
    thread = threading.Thread(target=loop.run_forever, name="review-tool", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{bound}"
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m review_tool", description="Serve the staff review tool."
    )
    parser.add_argument("--host", default=os.environ.get("REVIEW_HOST", DEFAULT_HOST))
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("REVIEW_PORT", DEFAULT_PORT))
    )
    args = parser.parse_args(argv)
    secure = os.environ.get("REVIEW_BEHIND_HTTPS_PROXY", "").lower() in ("1", "true", "yes")
    engine = database_engine()
    print(f"Review tool on http://{args.host}:{args.port} (database: {safe_url(engine.url)})")
    web.run_app(create_app(engine, secure), host=args.host, port=args.port, print=None)
