"""The website widget in a real browser (Debian's Chromium, driven by Playwright), talking to
the real servers: the demo page from tools.widget_host, then Rasa and the action server."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tools.servers import MODEL, PROJECT_DIR, free_port, running_servers
from tools.widget_host import bundle_missing_message, serving_widget

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = PROJECT_DIR / "test-output" / "widget"
expect.set_options(timeout=15_000)


@dataclass
class Site:
    url: str  # the demo page, talking to the running Rasa server
    rasa_url: str
    dead_url: str  # the demo page, pointed at a port where nothing listens


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, for one test module. Not for the session: Playwright's
    sync API keeps an event loop running in this thread while it is open, and later tests
    that call asyncio.run() would fail."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    missing = bundle_missing_message()
    if missing:
        pytest.fail(missing)
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make model` first")
    rasa_port = free_port()
    rasa_url = f"http://127.0.0.1:{rasa_port}"
    dead_url = f"http://127.0.0.1:{free_port()}"
    # The page's server first: Rasa must be told its origin (BOT_WIDGET_ORIGINS).
    with serving_widget(rasa_url) as url, serving_widget(dead_url) as url_to_nowhere:
        origin = url.rstrip("/")
        with running_servers(
            rasa_port=rasa_port,
            log_dir=tmp_path_factory.mktemp("servers"),
            env={"BOT_WIDGET_ORIGINS": origin},
        ):
            yield Site(url=url, rasa_url=rasa_url, dead_url=url_to_nowhere)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh tab in its own context: its own sessionStorage, so a new conversation."""
    context = browser.new_context(viewport={"width": 1100, "height": 800}, locale="en-GB")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
