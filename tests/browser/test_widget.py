"""The website widget as a patient uses it: in Chromium, on the demo page, against the real
assistant. Each test leaves a screenshot in test-output/widget/."""

from __future__ import annotations

import re
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import Locator, Page, expect

from .conftest import Site, screenshot

pytestmark = pytest.mark.e2e

OPEN_EN = "Open the back pain assistant chat"
OPEN_DE = "Chat mit dem Rückenschmerz-Assistenten öffnen"
DISCLAIMER_EN = "This answer does not replace a visit to a doctor"
DISCLAIMER_DE = "Diese Antwort ersetzt nicht den Besuch"
EMERGENCY = "I suddenly can't control my bladder and my groin is numb"


class Widget:
    """The widget on a page, seen through roles and visible text (Playwright pierces its
    open shadow root)."""

    def __init__(self, page: Page, open_label: str = OPEN_EN, input_label: str = "Your message"):
        self.page = page
        self.launcher = page.get_by_role("button", name=open_label)
        self.panel = page.get_by_role("dialog")
        self.log = page.get_by_role("log")
        self.input = page.get_by_role("textbox", name=input_label)
        self.bot = page.locator("backpain-widget .msg.bot")
        self.user = page.locator("backpain-widget .msg.user")
        self.errors = page.locator("backpain-widget .msg.error")
        self.replies = page.locator("backpain-widget .reply")
        self.banner = page.get_by_role("alert")

    def open(self, connected: bool = True) -> Widget:
        self.launcher.click()
        expect(self.panel).to_be_visible()
        if connected:
            self.wait_until_connected()
        return self

    def wait_until_connected(self) -> None:
        # The widget connects when first opened and shows "Connecting…" until then; a message
        # sent before that is refused with a notice (tested with the server down).
        expect(self.page.locator("backpain-widget .status")).to_be_hidden()

    def say(self, text: str) -> Locator:
        """Send `text` with Enter and return the bot's answer to it."""
        answers = self.bot.count()
        self.input.fill(text)
        self.input.press("Enter")
        expect(self.bot).to_have_count(answers + 1)
        expect(self.page.locator("backpain-widget .typing")).to_be_hidden()
        return self.bot.nth(answers)


def font_size(locator: Locator) -> float:
    return float(locator.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))


def test_the_host_serves_the_page_and_the_bundle_and_nothing_else(site: Site) -> None:
    with urllib.request.urlopen(site.url, timeout=10) as response:
        page = response.read().decode()
        assert f'data-server-url="{site.rasa_url}"' in page
        assert "connect-src" in response.headers["Content-Security-Policy"]
    with urllib.request.urlopen(f"{site.url}backpain-widget.js", timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/javascript")
    for path in (
        "../README.md",
        "%2e%2e/README.md",
        "..%2fREADME.md",
        "widget/",
        "dist/",
        "demo/index.html",
        "src/index.js",
        "tools/servers.py",
        "/etc/passwd",
        "backpain-widget.js/",
    ):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{site.url}{path}", timeout=10)
        assert refused.value.code == 404, path


def test_an_english_answer_shows_the_source_and_the_disclaimer_set_apart(
    site: Site, page: Page
) -> None:
    page.goto(site.url)
    widget = Widget(page).open()
    # Focus moves into the panel, and the notice says what the assistant is and is not.
    expect(widget.input).to_be_focused()
    notice = page.locator("backpain-widget .notice")
    expect(notice).to_contain_text("automated assistant")
    expect(notice).to_contain_text("not for emergencies")
    expect(notice).to_contain_text("cannot make a diagnosis")
    expect(notice).to_contain_text("read by clinic staff")
    expect(notice).to_contain_text("Names, contact details and ID numbers are removed")
    expect(notice.get_by_role("link", name="112")).to_have_attribute("href", "tel:112")
    # The page's CSS (uppercase divs, hot-pink buttons, serif everywhere) does not reach in.
    assert notice.locator("p").first.evaluate("e => getComputedStyle(e).textTransform") == "none"
    assert "Georgia" not in notice.evaluate("e => getComputedStyle(e).fontFamily")
    assert widget.launcher.evaluate("e => getComputedStyle(e).backgroundColor") == (
        "rgb(11, 92, 173)"
    )

    answer = widget.say("my lower back hurts")
    expect(answer).to_contain_text("About pain in the lower back")
    # A long answer is scrolled to its beginning, not its end.
    expect(answer.get_by_text("About pain in the lower back")).to_be_in_viewport()
    # Line breaks are kept: each bullet on its own line.
    assert answer.locator(".line.item").count() >= 3
    source = answer.locator(".source")
    disclaimer = answer.locator(".disclaimer")
    expect(source).to_have_text(re.compile(r"^Sources?: "))
    expect(disclaimer).to_have_text(re.compile(f"^{DISCLAIMER_EN}"))
    # Set apart: the body paragraphs hold neither, and the disclaimer is in smaller type.
    body = " ".join(answer.locator("p:not(.source):not(.disclaimer)").all_inner_texts())
    assert DISCLAIMER_EN not in body and "Sources:" not in body
    assert font_size(disclaimer) < font_size(answer.locator("p").first)
    # The reply contract is data for the widget, never shown.
    log_text = widget.log.inner_text()
    assert "urgency" not in log_text and "lower_back" not in log_text and "{" not in log_text
    expect(widget.banner).to_have_count(0)
    screenshot(page, "english-answer")


def test_a_german_conversation(site: Site, page: Page) -> None:
    page.goto(f"{site.url}?lang=de")
    widget = Widget(page, OPEN_DE, "Ihre Nachricht").open()
    expect(page.get_by_role("heading", name="Rückenschmerz-Assistent")).to_be_visible()
    notice = page.locator("backpain-widget .notice")
    expect(notice).to_contain_text("nicht für Notfälle")
    expect(notice).to_contain_text("keine Diagnose")
    expect(notice).to_contain_text("werden vor dem Speichern entfernt")
    answer = widget.say("Ich habe Schmerzen im unteren Rücken")
    expect(answer).to_contain_text("Über Schmerzen im unteren Rücken")
    expect(answer.locator(".source")).to_have_text(re.compile(r"^Quellen?: "))
    expect(answer.locator(".disclaimer")).to_have_text(re.compile(f"^{DISCLAIMER_DE}"))
    expect(page.get_by_role("button", name="Nachricht senden")).to_be_visible()
    screenshot(page, "german-answer")


def test_a_quick_reply_sends_its_payload_and_shows_its_title(site: Site, page: Page) -> None:
    page.goto(site.url)
    widget = Widget(page).open()
    expect(widget.say("hello")).to_contain_text("automated assistant")
    expect(widget.replies).to_have_count(4)
    # The typing indicator shows as soon as a message is sent (checked in the same tick: the
    # answer may take only a few milliseconds).
    typing_hidden_after_click = page.evaluate(
        """() => {
            const root = document.querySelector("backpain-widget").shadowRoot;
            [...root.querySelectorAll(".reply")].find(b => b.textContent === "Exercises").click();
            return root.querySelector(".typing").hidden;
        }"""
    )
    assert typing_hidden_after_click is False
    typing = page.locator("backpain-widget .typing")
    expect(widget.bot).to_have_count(2)
    expect(typing).to_be_hidden()
    expect(widget.user.last).to_have_text(re.compile(r"Exercises$"))
    expect(widget.log).not_to_contain_text("/ask_exercises")
    expect(widget.bot.last).to_contain_text("Exercises")
    expect(widget.bot.last.locator(".disclaimer")).to_be_visible()
    # The old buttons are gone; the answer's own follow-ups are offered.
    expect(widget.replies.filter(has_text="How to:").first).to_be_visible()
    screenshot(page, "quick-reply")


def test_an_emergency_shows_a_banner_with_the_number_to_call(site: Site, page: Page) -> None:
    page.goto(site.url)
    widget = Widget(page).open()
    widget.say(EMERGENCY)
    expect(widget.banner).to_be_visible()
    expect(widget.banner).to_contain_text("emergency")
    call = widget.banner.get_by_role("link", name="Call 112")
    expect(call).to_have_attribute("href", "tel:112")
    # At the top of the panel, right under its header, and still there after more chat.
    header = page.locator("backpain-widget .header").bounding_box()
    box = widget.banner.bounding_box()
    assert header and box and abs(box["y"] - (header["y"] + header["height"])) < 2
    expect(widget.say("hello")).to_contain_text("automated assistant")
    expect(widget.banner).to_be_visible()
    assert widget.banner.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(176, 0, 32)"
    screenshot(page, "emergency-banner")


def test_an_urgent_answer_shows_the_banner_and_a_later_one_does_not_downgrade_it(
    site: Site, page: Page
) -> None:
    page.goto(site.url)
    widget = Widget(page).open()
    expect(widget.say("I fell off a ladder and now my back hurts badly")).to_contain_text(
        "see a doctor today"
    )
    expect(widget.banner).to_contain_text("Please see a doctor today")
    expect(widget.banner.get_by_role("link")).to_have_attribute("href", "tel:112")
    widget.say(EMERGENCY)
    expect(widget.banner).to_contain_text("This can be an emergency")
    widget.say("I fell off a ladder and now my back hurts badly")
    expect(widget.banner).to_contain_text("This can be an emergency")


def test_a_reload_keeps_the_conversation_and_its_context(site: Site, page: Page) -> None:
    page.goto(site.url)
    widget = Widget(page).open()
    expect(widget.say("my lower back hurts")).to_contain_text("lower back")
    session = page.evaluate("() => Object.values(sessionStorage)")
    assert len(session) == 1 and "my lower back hurts" in session[0]
    assert page.evaluate("() => localStorage.length") == 0

    page.reload()
    # The panel, the transcript and the follow-up buttons come back as they were.
    expect(widget.panel).to_be_visible()
    expect(widget.user).to_have_text([re.compile("my lower back hurts")])
    expect(widget.bot).to_have_count(1)
    expect(widget.bot.first.locator(".disclaimer")).to_be_visible()
    expect(widget.replies.first).to_be_visible()
    # Same session id, so the server continues the conversation: "which exercises help?" is
    # answered for the lower back (a new conversation gets general exercises).
    answer = widget.say("which exercises help?")
    expect(answer).to_contain_text("Exercises for the lower back")
    assert page.evaluate("() => Object.values(sessionStorage)")[0].count('"sessionId"') == 1
    screenshot(page, "after-reload")


def test_what_the_patient_types_is_shown_as_text_never_as_html(site: Site, page: Page) -> None:
    attack = "<img src=x onerror=window.__xss=1>"
    page.goto(site.url)
    widget = Widget(page).open()
    widget.say(attack)
    expect(widget.user.last).to_have_text(re.compile(re.escape(attack)))
    assert page.locator("backpain-widget img").count() == 0
    assert page.evaluate("() => window.__xss") is None
    page.reload()  # and again when the transcript is restored from sessionStorage
    expect(widget.user.last).to_have_text(re.compile(re.escape(attack)))
    assert page.locator("backpain-widget img").count() == 0
    assert page.evaluate("() => window.__xss") is None
    screenshot(page, "xss-as-text")


def test_the_widget_works_with_the_keyboard_alone(site: Site, page: Page) -> None:
    page.goto(site.url)
    widget = Widget(page)
    for _ in range(10):  # Tab past the page's own links to the launcher
        page.keyboard.press("Tab")
        if widget.launcher.evaluate("e => e.getRootNode().activeElement === e"):
            break
    expect(widget.launcher).to_be_focused()
    page.keyboard.press("Enter")
    expect(widget.panel).to_be_visible()
    expect(widget.input).to_be_focused()
    widget.wait_until_connected()
    page.keyboard.type("hello")
    page.keyboard.press("Enter")
    expect(widget.bot).to_have_count(1)
    expect(widget.replies).to_have_count(4)
    # Back from the input to the last quick reply, then Enter on it.
    for _ in range(6):
        page.keyboard.press("Shift+Tab")
        if widget.replies.last.evaluate("e => e.getRootNode().activeElement === e"):
            break
    expect(widget.replies.last).to_be_focused()
    title = widget.replies.last.inner_text()
    page.keyboard.press("Enter")
    expect(widget.bot).to_have_count(2)
    expect(widget.user.last).to_have_text(re.compile(re.escape(title) + "$"))
    expect(widget.input).to_be_focused()
    screenshot(page, "keyboard-only")
    # Accessible names and roles a screen reader relies on.
    expect(widget.log).to_have_attribute("aria-live", "polite")
    expect(page.get_by_role("button", name="Send message")).to_have_count(1)
    expect(page.get_by_role("button", name="Close the chat")).to_have_count(1)
    page.keyboard.press("Escape")
    expect(widget.panel).to_be_hidden()
    expect(widget.launcher).to_be_focused()


def test_input_is_trimmed_and_capped(site: Site, page: Page) -> None:
    page.goto(site.url)
    widget = Widget(page).open()
    widget.input.fill("   ")
    widget.input.press("Enter")
    widget.input.fill("x" * 1200)
    assert len(widget.input.input_value()) == 1000
    counter = page.locator("backpain-widget .counter")
    expect(counter).to_contain_text("1000 / 1000")
    expect(counter).to_contain_text("limited to 1000 characters")
    expect(widget.user).to_have_count(0)  # the blank message was not sent
    screenshot(page, "input-limit")


def test_on_a_phone_the_panel_fills_the_screen(site: Site, browser) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 667}, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(site.url)
        widget = Widget(page).open()
        box = widget.panel.bounding_box()
        assert box == {"x": 0, "y": 0, "width": 375, "height": 667}
        expect(widget.launcher).to_be_hidden()
        expect(widget.say("my lower back hurts").locator(".disclaimer")).to_be_visible()
        screenshot(page, "phone")
        page.get_by_role("button", name="Close the chat").click()
        expect(widget.launcher).to_be_visible()
    finally:
        context.close()


def test_without_a_server_the_widget_says_it_is_reconnecting_and_a_send_fails_clearly(
    site: Site, page: Page
) -> None:
    page.goto(site.dead_url)
    widget = Widget(page).open(connected=False)
    status = page.get_by_role("status").filter(has_text="Reconnecting")
    expect(status).to_be_visible()
    widget.input.fill("my lower back hurts")
    widget.input.press("Enter")
    expect(widget.errors.last).to_contain_text("could not be sent")
    expect(widget.user).to_have_count(0)
    expect(widget.input).to_have_value("my lower back hurts")  # nothing the patient typed is lost
    screenshot(page, "server-down")
