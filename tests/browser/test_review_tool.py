"""The staff review tool as clinic staff use it, in Chromium, on conversations that patients
had with the real assistant (Rasa + action server, stored by the project's tracker store in a
temporary database). Each step leaves a screenshot in test-output/review/."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_conversation import stored_id
from tests.postgres import postgres_server, postgres_url  # noqa: F401 (fixtures)
from tools.servers import MODEL, PROJECT_DIR, free_port, running_servers

pytestmark = pytest.mark.e2e

SCREENSHOTS = PROJECT_DIR / "test-output" / "review"
PASSWORD = "review tool e2e password"
EMERGENCY = "I suddenly can't control my bladder and my groin is numb"
HOSTILE = '<img src=x onerror="document.title=1"> my back hurts'
CONVERSATIONS = {
    "e2e-emergency": ["my lower back hurts", EMERGENCY],
    "e2e-fallback": ["asdf qwerty"],
    "e2e-health-en": ["my lower back hurts", HOSTILE],
    "e2e-health-de": ["Welche Übungen helfen?"],
}
expect.set_options(timeout=15_000)


@dataclass
class ReviewSite:
    url: str
    database_url: str
    backend: str  # sqlite | postgresql: screenshots go to test-output/review/<backend>/


def say(rasa_url: str, sender: str, text: str) -> list[dict]:
    request = urllib.request.Request(
        f"{rasa_url}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": text}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def accounts_cli(database_url: str, *args: str, password: str | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "review_tool.accounts", *args],
        input=password + "\n" if password else None,
        env={**os.environ, "BOT_DATABASE_URL": database_url},
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@contextmanager
def review_server(database_url: str, log: Path) -> Iterator[str]:
    """`python -m review_tool` as `make run` starts it, on a free port."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "BOT_DATABASE_URL": database_url, "REVIEW_PORT": str(port)}
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "review_tool"],
            cwd=PROJECT_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"the review tool exited: {log.read_text(errors='replace')[-2000:]}")
            try:
                with urllib.request.urlopen(f"{url}/login", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("the review tool did not answer within 60 s")
                time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _stored_senders(database_url: str) -> set[str]:
    from conversation_store.database import connect
    from conversation_store.schema import conversation_summaries

    engine = connect({"BOT_DATABASE_URL": database_url})
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.select(conversation_summaries.c.sender_id))
            return {sender for (sender,) in rows}
    finally:
        engine.dispose()


def prepare(database_url: str, log_dir: Path) -> None:
    """Real conversations through the real servers into `database_url`, and two accounts."""
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make model` first")
    with running_servers(log_dir=log_dir, env={"BOT_DATABASE_URL": database_url}) as servers:
        for sender, messages in CONVERSATIONS.items():
            for text in messages:
                assert say(servers.rasa_url, sender, text), (sender, text)
    stored = _stored_senders(database_url)
    if stored != {stored_id(name) for name in CONVERSATIONS}:
        pytest.fail(
            f"the servers stored {sorted(stored)} in {database_url.split('@')[-1]}: does "
            "tools.servers.running_servers configure the tracker store (BOT_DATABASE_URL)?"
        )
    accounts_cli(
        database_url, "create", "dr-admin", "--admin", "--password-stdin", password=PASSWORD
    )
    accounts_cli(database_url, "create", "nurse", "--password-stdin", password=PASSWORD)
    assert "dr-admin" in accounts_cli(database_url, "list")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ReviewSite]:
    """The whole flow runs once on SQLite (the default) and once on PostgreSQL (a throw-away
    server from tests.postgres; skipped where PostgreSQL is not installed)."""
    folder = tmp_path_factory.mktemp(f"review-{request.param}")
    if request.param == "sqlite":
        database_url = f"sqlite:///{folder / 'conversations.db'}"
    else:
        database_url = request.getfixturevalue("postgres_url")
    prepare(database_url, folder / "servers")
    with review_server(database_url, folder / "review.log") as url:
        yield ReviewSite(url, database_url, request.param)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh context in the shared Chromium (tests/browser/conftest.py)."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-GB", accept_downloads=True
    )
    page = context.new_page()
    problems: list[str] = []
    # a CSP violation or a script run from patient text would show up here (not the 403 and
    # 404 statuses that some steps expect, which Chromium logs as "Failed to load resource")
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("dialog", lambda dialog: problems.append(f"dialog: {dialog.message}"))
    yield page
    context.close()
    assert not problems, f"errors in the page: {problems}"


def shot(page: Page, site: ReviewSite, name: str) -> None:
    folder = SCREENSHOTS / site.backend
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def log_in(page: Page, site: ReviewSite, username: str = "dr-admin") -> None:
    page.goto(f"{site.url}/conversations")
    expect(page).to_have_url(re.compile(r"/login\?next=(/|%2F)conversations$"))
    expect(page.get_by_role("heading", name="Staff login")).to_be_visible()
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Conversations")).to_be_visible()


def download(page: Page, link_name: str, folder: Path) -> str:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name, exact=True).click()
    target = folder / info.value.suggested_filename
    info.value.save_as(target)
    return target.read_text(encoding="utf-8")


def test_staff_review_escalations_export_delete_and_log_out(
    site: ReviewSite, page: Page, tmp_path: Path
) -> None:
    page.goto(f"{site.url}/conversations")
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    # the login page shows no data
    assert not [n for n in CONVERSATIONS if stored_id(n) in page.content()]
    shot(page, site, "01-login")

    log_in(page, site)
    rows = page.locator("table.list tbody tr")
    expect(rows).to_have_count(len(CONVERSATIONS))
    shot(page, site, "02-list")

    page.get_by_label("Mark").select_option("escalated")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("emergency")
    expect(rows.first).to_contain_text("escalated")
    shot(page, site, "03-escalations")

    rows.first.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Conversation", exact=True)).to_be_visible()
    expect(page.locator("dl.summary")).to_contain_text(stored_id("e2e-emergency"))
    turns = page.locator("li.turn")
    expect(turns).to_have_count(2)
    first, second = turns.nth(0), turns.nth(1)
    expect(first.locator(".msg.patient")).to_contain_text("my lower back hurts")
    expect(first.locator(".msg.bot").first).to_contain_text("lower back")
    expect(first.locator("code.intent")).to_have_text("ask_location")
    expect(first.locator(".confidence")).to_have_text("1.00")
    expect(first.locator("ul.facts li").first).to_contain_text("Back pain")
    expect(first.locator("ul.facts li").first).to_contain_text(".txt")
    expect(second.locator(".msg.patient")).to_contain_text("bladder")
    expect(second.locator(".msg.bot").first).to_contain_text("112")
    expect(second.locator("tr.escalation")).to_contain_text("emergency")
    expect(second.locator("ul.rules")).to_contain_text("bladder_bowel_control")
    expect(second.locator("ul.rules")).to_contain_text("saddle_numbness")
    shot(page, site, "04-conversation")

    exported = list(csv.DictReader(io.StringIO(download(page, "CSV", tmp_path))))
    assert [r["speaker"] for r in exported][:2] == ["patient", "assistant"]
    assert exported[0]["text"] == "my lower back hurts"
    assert exported[0]["intent"] == "ask_location"
    assert any("bladder_bowel_control" in r["red_flag_rules"] for r in exported)
    assert any(r["facts"] for r in exported)
    record = json.loads(download(page, "JSON", tmp_path))
    assert record["sender_id"] == stored_id("e2e-emergency")
    assert record["summary"]["escalated"] is True
    assert record["turns"][1]["escalation"]["level"] == "emergency"
    shot(page, site, "05-exported")

    page.get_by_role("link", name="Delete…").click()
    expect(page.get_by_role("heading", name="Delete this conversation?")).to_be_visible()
    shot(page, site, "06-confirm-delete")
    page.get_by_role("button", name="Delete permanently").click()
    expect(page.get_by_role("status")).to_contain_text("The conversation was deleted")
    expect(rows).to_have_count(len(CONVERSATIONS) - 1)
    assert stored_id("e2e-emergency") not in page.content()
    shot(page, site, "07-deleted")
    page.goto(f"{site.url}/conversation?id={stored_id('e2e-emergency')}")
    expect(page.locator("body")).to_contain_text("No such conversation")

    page.goto(f"{site.url}/audit")
    audit = page.locator("table.audit tbody")
    expect(audit).to_contain_text("delete")
    expect(audit).to_contain_text("view")
    expect(audit).to_contain_text("export")
    expect(audit).to_contain_text("create_account")
    shot(page, site, "08-audit")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Staff login")).to_be_visible()
    shot(page, site, "09-logged-out")
    for path in ("/conversations", f"/conversation?id={stored_id('e2e-fallback')}", "/audit"):
        page.goto(site.url + path)
        expect(page.get_by_role("button", name="Log in")).to_be_visible()
        assert stored_id("e2e-fallback") not in page.locator("main").inner_text()
    response = page.request.get(f"{site.url}/conversation.json?id={stored_id('e2e-fallback')}")
    assert response.status == 401


def test_patient_text_with_html_is_shown_as_text(site: ReviewSite, page: Page) -> None:
    log_in(page, site, "nurse")
    page.goto(f"{site.url}/conversation?id={stored_id('e2e-health-en')}")
    patient = page.locator(".msg.patient").nth(1)
    expect(patient).to_contain_text("my back hurts")
    expect(patient).to_contain_text("<img")  # visible as characters, not an element
    expect(page.locator(".msg img")).to_have_count(0)
    assert page.title() != "1"
    expect(page.get_by_role("link", name="Delete…")).to_have_count(0)  # staff, not admin
    shot(page, site, "10-html-as-text")
    page.goto(f"{site.url}/audit")
    expect(page.locator("body")).to_contain_text("Only administrators")
