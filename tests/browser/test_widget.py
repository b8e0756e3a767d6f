"""The website widget as a patient uses it: in Chromium, on the demo page, against the real
assistant. Each test leaves a screenshot in test-output/widget/."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
import yaml
from playwright.sync_api import Browser, Locator, Page, WebSocketRoute, expect

from tools.servers import CREDENTIALS, free_port, running_servers
from tools.widget_host import serving_widget

from .conftest import Site, screenshot

pytestmark = pytest.mark.e2e

OPEN_EN = "Open the back pain assistant chat"
OPEN_DE = "Chat mit dem Rückenschmerz-Assistenten öffnen"
DISCLAIMER_EN = "This answer does not replace a visit to a doctor"
DISCLAIMER_DE = "Diese Antwort ersetzt nicht den Besuch"
EMERGENCY = "I suddenly can't control my bladder and my groin is numb"
SOCKETIO_CHANNEL = "channels.website_socketio.WebsiteSocketIOInput"


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
        self.typing = page.locator("backpain-widget .typing")

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
    expect(widget.say("I slipped on the ice and now my back hurts badly")).to_contain_text(
        "see a doctor today"
    )
    expect(widget.banner).to_contain_text("Please see a doctor today")
    expect(widget.banner.get_by_role("link")).to_have_attribute("href", "tel:112")
    widget.say(EMERGENCY)
    expect(widget.banner).to_contain_text("This can be an emergency")
    widget.say("I slipped on the ice and now my back hurts badly")
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


def shadow_eval(page: Page, script: str) -> object:
    """Evaluate `script`, a function of the widget's shadow root, in the page."""
    return page.evaluate(f"() => ({script})(document.querySelector('backpain-widget').shadowRoot)")


def test_a_message_sent_while_an_answer_is_awaited_is_held_so_each_answer_follows_its_question(
    site: Site, page: Page
) -> None:
    page.goto(site.url)
    widget = Widget(page).open()
    # Two messages in the same tick: the second is sent before the first can be answered.
    # What the widget shows is read in that tick too (a warm server answers in milliseconds).
    held = shadow_eval(
        page,
        """root => {
            const input = root.querySelector("textarea"), form = root.querySelector("form");
            input.value = "my lower back hurts"; form.requestSubmit();
            input.value = "which exercises help?"; form.requestSubmit();
            const hold = root.querySelector(".hold");
            return {
                questions: root.querySelectorAll(".msg.user").length,
                hold: hold && !hold.hidden ? [hold.getAttribute("role"), hold.textContent] : null,
                input: input.value,
                sendDisabled: root.querySelector(".send").getAttribute("aria-disabled"),
            };
        }""",
    )
    # Held, said so (announced as a status), and nothing the patient typed is lost.
    assert held == {
        "questions": 1,
        "hold": ["status", "Please wait for the answer to your last message before sending "
                 "the next one. What you typed stays in the box."],
        "input": "which exercises help?",
        "sendDisabled": "true",
    }  # fmt: skip
    expect(widget.bot).to_have_count(1)
    expect(widget.user).to_have_count(1)
    expect(page.locator("backpain-widget .hold")).to_be_hidden()
    send = page.get_by_role("button", name="Send message")
    expect(send).not_to_have_attribute("aria-disabled", "true")
    expect(widget.input).to_have_value("which exercises help?")
    widget.input.press("Enter")
    expect(widget.bot).to_have_count(2)
    expect(widget.typing).to_be_hidden()
    # Each answer directly under its own question.
    turns = page.locator("backpain-widget .messages > .msg")
    expect(turns).to_have_count(4)
    assert turns.evaluate_all("nodes => nodes.map(n => n.classList[1])") == [
        "user", "bot", "user", "bot"
    ]  # fmt: skip
    expect(turns.nth(0)).to_contain_text("my lower back hurts")
    expect(turns.nth(1)).to_contain_text("lower back")
    expect(turns.nth(2)).to_contain_text("which exercises help?")
    expect(turns.nth(3)).to_contain_text("Exercises")
    expect(widget.errors).to_have_count(0)  # and no "no answer arrived"
    screenshot(page, "held-second-message")


@pytest.mark.parametrize(
    ("query", "open_label", "refusal"),
    [
        ("", OPEN_EN, "This page is not allowed to use the assistant"),
        ("?lang=de", OPEN_DE, "Diese Seite darf den Assistenten nicht verwenden"),
    ],
)
def test_a_page_on_an_origin_the_server_refuses_says_it_is_not_allowed(
    site: Site, page: Page, query: str, open_label: str, refusal: str
) -> None:
    # The same server, but this page's origin (another port) is not in BOT_WIDGET_ORIGINS.
    with serving_widget(site.rasa_url) as refused_page:
        page.goto(refused_page + query)
        widget = Widget(page, open_label, re.compile("Your message|Ihre Nachricht")).open(
            connected=False
        )
        status = page.locator("backpain-widget .status")
        expect(status).to_have_text(re.compile(refusal))
        expect(status).to_have_attribute("role", "status")
        page.wait_for_timeout(3000)  # no retry turns it back into "Reconnecting…"
        expect(status).to_have_text(re.compile(refusal))
        widget.input.fill("my lower back hurts")
        widget.input.press("Enter")
        expect(widget.errors.last).to_contain_text(refusal)
        expect(widget.input).to_have_value("my lower back hurts")
        screenshot(page, f"refused-origin{query.replace('?lang=', '-')}")


def test_the_notice_gives_the_configured_emergency_number(site: Site, page: Page) -> None:
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    with serving_widget(site.rasa_url, number="999") as page_999:
        page.goto(page_999)
        Widget(page).open(connected=False)
        notice = page.locator("backpain-widget .notice")
        expect(notice.get_by_role("link", name="999")).to_have_attribute("href", "tel:999")
        expect(notice.get_by_role("link", name="112")).to_have_count(0)
        screenshot(page, "notice-emergency-number")
    # A number that is not one is named in the console, and the notice keeps 112.
    page.goto(site.url)
    page.evaluate(
        """() => {
            document.querySelector("backpain-widget").remove();
            const s = document.createElement("script");
            s.src = "backpain-widget.js";
            s.dataset.serverUrl = "http://127.0.0.1:9";
            s.dataset.emergencyNumber = "call us";
            document.body.append(s);
        }"""
    )
    Widget(page).open(connected=False)
    notice = page.locator("backpain-widget .notice")
    expect(notice.get_by_role("link", name="112")).to_have_attribute("href", "tel:112")
    assert any('data-emergency-number is not a phone number: "call us"' in m for m in console)


@pytest.fixture(scope="module")
def sub_path_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """Rasa serving socket.io under /bot/socket.io, as behind https://clinic.example/bot, and
    two pages: one with data-server-url ".../bot" (the path follows from it), one with the
    server's origin and data-socket-path="/bot/socket.io"."""
    work = tmp_path_factory.mktemp("sub-path")
    credentials = yaml.safe_load(CREDENTIALS.read_text())
    credentials[SOCKETIO_CHANNEL]["socketio_path"] = "/bot/socket.io"
    (work / "credentials.yml").write_text(yaml.safe_dump(credentials))
    rasa_port = free_port()
    rasa_url = f"http://127.0.0.1:{rasa_port}"
    with (
        serving_widget(f"{rasa_url}/bot") as by_url,
        serving_widget(rasa_url, socket_path="/bot/socket.io") as by_attribute,
    ):
        origins = ",".join(url.rstrip("/") for url in (by_url, by_attribute))
        with running_servers(
            rasa_port=rasa_port,
            log_dir=work / "servers",
            env={"BOT_WIDGET_ORIGINS": origins},
            credentials=work / "credentials.yml",
        ):
            yield by_url, by_attribute


def test_the_widget_reaches_a_server_hosted_under_a_sub_path(
    sub_path_site: tuple[str, str], page: Page
) -> None:
    for url in sub_path_site:
        page.goto(url)
        widget = Widget(page).open()
        expect(widget.say("my lower back hurts")).to_contain_text("About pain in the lower back")
        requested = page.evaluate("() => performance.getEntries().map(e => e.name)")
        assert any("/bot/socket.io/?EIO=4" in name for name in requested), requested
        page.evaluate("() => sessionStorage.clear()")
    screenshot(page, "sub-path")


def focus_inside_panel(page: Page) -> bool:
    inside = (
        "root => !!root.activeElement && root.querySelector('.panel').contains(root.activeElement)"
    )
    return bool(shadow_eval(page, inside))


def test_on_a_phone_tab_stays_in_the_full_screen_panel_and_escape_returns_to_the_launcher(
    site: Site, browser: Browser
) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 667}, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(site.url)
        widget = Widget(page).open()
        stops = set()
        for key in ["Tab"] * 8 + ["Shift+Tab"] * 8:
            page.keyboard.press(key)
            assert focus_inside_panel(page), f"{key} left the panel"
            stops.add(shadow_eval(page, "root => root.activeElement.outerHTML.slice(0, 40)"))
        assert len(stops) >= 5  # close, notice link, log, input, send: all reached in turn
        expect(widget.panel).to_have_attribute("aria-modal", "true")  # for screen readers
        page.keyboard.press("Escape")
        expect(widget.panel).to_be_hidden()
        expect(widget.launcher).to_be_focused()
    finally:
        context.close()


# Relative luminance and contrast ratio (WCAG 2.x) of the focus ring against what lies under
# it: the element's own background for a ring drawn inside it, else the nearest ancestor with
# an opaque background, across the shadow root up to the clinic's page.
RING_CONTRAST = """root => {
    const e = root.activeElement;
    const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
    const opaque = (c) => { const v = rgb(c); return v.length < 4 || v[3] === 1; };
    const lum = ([r, g, b]) => {
        const f = (v) => ((v /= 255) <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const style = getComputedStyle(e);
    let node = parseFloat(style.outlineOffset) < 0 ? e : e.parentElement || e.getRootNode().host;
    let background = "rgb(255, 255, 255)";
    while (node) {
        const c = getComputedStyle(node).backgroundColor;
        if (rgb(c).length && opaque(c) && c !== "rgba(0, 0, 0, 0)") { background = c; break; }
        node = node.parentElement || node.getRootNode().host || null;
    }
    const [hi, lo] = [lum(rgb(style.outlineColor)), lum(rgb(background))].sort((a, b) => b - a);
    return {
        element: e.matches(".notice a") ? "notice link" : e.className || e.tagName,
        ring: style.outlineColor, background,
        style: style.outlineStyle, width: parseFloat(style.outlineWidth),
        ratio: Math.round(((hi + 0.05) / (lo + 0.05)) * 100) / 100,
    };
}"""


def test_the_focus_ring_contrasts_at_least_3_to_1_with_what_surrounds_it(
    site: Site, page: Page
) -> None:
    page.goto(site.url)
    widget = Widget(page).open()
    widget.say("hello")  # quick replies, too
    rings = []
    for key in ["Shift+Tab"] * 9 + ["Tab"] * 11:  # from the input round to the launcher
        page.keyboard.press(key)
        if shadow_eval(page, "root => !!root.activeElement"):
            rings.append(shadow_eval(page, RING_CONTRAST))
    reached = {ring["element"] for ring in rings}
    assert {"close", "notice link", "log", "reply", "send", "launcher"} <= reached, reached
    for ring in rings:
        assert ring["style"] == "solid" and ring["width"] >= 2, ring
        assert ring["ratio"] >= 3, ring
    screenshot(page, "focus-ring")


def test_a_message_the_server_refuses_is_reported_at_once_with_the_number_to_call(
    site: Site, page: Page
) -> None:
    # The real server answers a payload it cannot take with a `request_error` event
    # (tests/e2e/test_conversation_ids.py); here the socket between page and server turns the
    # widget's message into that answer, as a server that rejects it would.
    refused: list[str] = []
    upgraded: list[bool] = []

    def between_page_and_server(socket: WebSocketRoute) -> None:
        server = socket.connect_to_server()

        def from_page(frame: str | bytes) -> None:
            if isinstance(frame, str) and frame.startswith('42["user_uttered"'):
                refused.append(frame)
                socket.send('42["request_error",{"event":"user_uttered","error":"not an object"}]')
                return
            if frame == "5":  # engine.io's upgrade: from now on everything goes this way
                upgraded.append(True)
            server.send(frame)

        socket.on_message(from_page)
        server.on_message(socket.send)

    page.route_web_socket(re.compile(r".*/socket\.io/.*"), between_page_and_server)
    page.goto(site.url)
    widget = Widget(page).open()
    for _ in range(100):  # socket.io moves from long-polling to the websocket
        if upgraded:
            break
        page.wait_for_timeout(100)
    assert upgraded, "socket.io did not move to the websocket"
    widget.input.fill("my lower back hurts")
    widget.input.press("Enter")
    expect(widget.errors.last).to_contain_text("could not answer this message", timeout=3000)
    expect(widget.errors.last).to_contain_text("112")
    assert refused, "the message did not go over the websocket"
    send = page.locator("backpain-widget .send")
    expect(send).not_to_have_attribute("aria-disabled", "true")  # the patient can go on
