"""The messaging connectors end to end: the real servers with Telegram, Twilio, Slack and
Messenger switched on, webhooks posted in each platform's own shape and signed as it signs
them, and what a patient would see read off a local stand-in of the platform's API."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml
from twilio.request_validator import RequestValidator

from actions.knowledge import KNOWLEDGE
from tests.e2e.platform_standins import PlatformStandIn, Recorded, platform_standin
from tools.servers import CREDENTIALS, MODEL, running_servers

pytestmark = pytest.mark.e2e
DISCLAIMER = KNOWLEDGE.messages.texts["disclaimer"]
CONTRACT_KEYS = ('"topic"', '"facts"', "source_line", "emergency_number", '"urgency"')

TELEGRAM_TOKEN = "123456:test-token"
TELEGRAM_SECRET = "telegram-secret_1"
TWILIO_SID = "AC" + "0" * 32
TWILIO_TOKEN = "twilio-auth-token"
TWILIO_NUMBER = "+15550100"
# Twilio signs the public URL; behind a proxy the server sees another one.
TWILIO_PUBLIC_URL = "https://backpain.example.org/webhooks/twilio/webhook"
SMS_LIMIT = 600  # low, so that the longest answers (~1200 characters) arrive in parts
SLACK_SECRET = "slack-signing-secret"
FACEBOOK_SECRET = "facebook-app-secret"
_ids = itertools.count(1000)


@pytest.fixture(scope="module")
def standin() -> Any:
    with platform_standin() as running:
        yield running


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory, standin: PlatformStandIn) -> Any:
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make model` first")
    tmp = tmp_path_factory.mktemp("messaging")
    # credentials.yml as shipped, but with SMS split at a lower limit than Twilio's 1600.
    credentials = yaml.safe_load(CREDENTIALS.read_text())
    credentials["channels.twilio.TwilioInput"]["message_limit"] = SMS_LIMIT
    (tmp / "credentials.yml").write_text(yaml.safe_dump(credentials, sort_keys=False))
    env = {
        "TELEGRAM_ACCESS_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_BOT_USERNAME": "BackPainBot",
        "TELEGRAM_WEBHOOK_URL": "https://backpain.example.org/webhooks/telegram/webhook",
        "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
        "TELEGRAM_API_BASE_URL": standin.base_url("telegram"),
        "TWILIO_ACCOUNT_SID": TWILIO_SID,
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "TWILIO_NUMBER": TWILIO_NUMBER,
        "TWILIO_WEBHOOK_URL": TWILIO_PUBLIC_URL,
        "TWILIO_API_BASE_URL": standin.base_url("twilio"),
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SLACK_SECRET,
        "SLACK_API_BASE_URL": standin.base_url("slack"),
        "FACEBOOK_VERIFY_TOKEN": "fb-verify",
        "FACEBOOK_APP_SECRET": FACEBOOK_SECRET,
        "FACEBOOK_PAGE_ACCESS_TOKEN": "fb-page-token",
        "FACEBOOK_API_BASE_URL": standin.base_url("facebook"),
    }
    with running_servers(log_dir=tmp / "logs", env=env, credentials=tmp / "credentials.yml") as s:
        yield s


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, body, headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def assert_patient_safe(texts: list[str]) -> None:
    """Nothing of the reply contract, and no raw JSON, in what the patient reads."""
    assert texts, "the patient got nothing"
    for text in texts:
        assert not text.lstrip().startswith(("{", "[")), text
        assert not any(key in text for key in CONTRACT_KEYS), text


# --- Telegram ---------------------------------------------------------------------------


class TelegramPatient:
    def __init__(self, servers: Any, standin: PlatformStandIn, language: str = "en") -> None:
        self.url = f"{servers.rasa_url}/webhooks/telegram/webhook"
        self.standin = standin
        self.chat_id = next(_ids)
        self.user = {"id": self.chat_id, "is_bot": False, "first_name": "Anna"}
        self.user["language_code"] = language

    def _update(self, update: dict[str, Any], secret: str | None) -> tuple[int, list[dict]]:
        before = len(self.sent())
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        body = json.dumps({"update_id": next(_ids), **update}).encode()
        status = post(self.url, body, headers)
        return status, self.sent()[before:]

    def says(self, text: str, secret: str | None = TELEGRAM_SECRET) -> tuple[int, list[dict]]:
        message = {
            "message_id": next(_ids),
            "from": self.user,
            "chat": {"id": self.chat_id, "first_name": "Anna", "type": "private"},
            "date": int(time.time()),
            "text": text,
        }
        return self._update({"message": message}, secret)

    def presses(self, data: str) -> tuple[int, list[dict]]:
        query = {
            "id": f"q{next(_ids)}",
            "from": self.user,
            "chat_instance": "1",
            "data": data,
            "message": {
                "message_id": next(_ids),
                "chat": {"id": self.chat_id, "type": "private"},
                "date": int(time.time()),
                "text": "…",
            },
        }
        return self._update({"callback_query": query}, TELEGRAM_SECRET)

    def sent(self) -> list[dict]:
        return [
            r.json
            for r in self.standin.recorded("telegram", lambda r: r.path.endswith("/sendMessage"))
            if r.json["chat_id"] == str(self.chat_id)
        ]


def keyboard(messages: list[dict]) -> list[dict[str, str]]:
    rows = [m["reply_markup"]["inline_keyboard"] for m in messages if "reply_markup" in m]
    return [button for markup in rows for row in markup for button in row]


def test_the_telegram_webhook_is_registered_with_its_secret_token(servers, standin) -> None:
    (call,) = standin.recorded("telegram", lambda r: r.path.endswith("/setWebhook"))
    assert call.path == f"/bot{TELEGRAM_TOKEN}/setWebhook"
    assert call.json["url"] == "https://backpain.example.org/webhooks/telegram/webhook"
    assert call.json["secret_token"] == TELEGRAM_SECRET


def test_a_telegram_patient_reads_the_answer_and_buttons_but_never_the_contract(
    servers, standin
) -> None:
    patient = TelegramPatient(servers, standin)
    status, sent = patient.says("My lower back hurts")
    assert status == 200
    texts = [m["text"] for m in sent]
    assert_patient_safe(texts)
    assert texts[-1].endswith(DISCLAIMER["en"]) and "Source" in texts[-1]
    assert {"text": "Exercises", "callback_data": "/ask_exercises"} in keyboard(sent)
    # Telegram knows nothing of "getMe on every message": only sends and setWebhook.
    assert not standin.recorded("telegram", lambda r: r.path.endswith("/getMe"))


def test_a_telegram_button_press_answers_that_choice(servers, standin) -> None:
    patient = TelegramPatient(servers, standin)
    patient.says("My lower back hurts")
    status, sent = patient.presses("/ask_exercises")
    assert status == 200
    assert_patient_safe([m["text"] for m in sent])
    assert any(b["text"].startswith("How to:") for b in keyboard(sent))
    assert any(m["text"].endswith(DISCLAIMER["en"]) for m in sent)
    assert standin.recorded("telegram", lambda r: r.path.endswith("/answerCallbackQuery"))


def test_telegrams_start_greets_in_the_language_of_the_app(servers, standin) -> None:
    patient = TelegramPatient(servers, standin, language="de")
    _, sent = patient.says("/start")
    assert_patient_safe([m["text"] for m in sent])
    assert {"text": "Übungen", "callback_data": "/ask_exercises"} in keyboard(sent)
    _, sent = patient.says("Ich habe Schmerzen im unteren Rücken")
    assert any(m["text"].endswith(DISCLAIMER["de"]) for m in sent)


@pytest.mark.parametrize("secret", [None, "wrong-secret"], ids=["missing", "wrong"])
def test_a_telegram_update_without_the_secret_token_is_refused(servers, standin, secret) -> None:
    patient = TelegramPatient(servers, standin)
    status, sent = patient.says("My lower back hurts", secret=secret)
    assert status == 403 and sent == []


# --- Twilio (SMS and WhatsApp) ------------------------------------------------------------


class SmsPatient:
    def __init__(self, servers: Any, standin: PlatformStandIn, number: str) -> None:
        self.url = f"{servers.rasa_url}/webhooks/twilio/webhook"
        self.standin = standin
        self.number = number

    def says(self, text: str, token: str = TWILIO_TOKEN, sign: bool = True) -> tuple[int, list]:
        our_number = ("whatsapp:" if self.number.startswith("whatsapp:") else "") + TWILIO_NUMBER
        form = {
            "MessageSid": f"SM{next(_ids):032d}",
            "SmsSid": f"SM{next(_ids):032d}",
            "AccountSid": TWILIO_SID,
            "From": self.number,
            "To": our_number,
            "Body": text,
            "NumMedia": "0",
            "NumSegments": "1",
            "ApiVersion": "2010-04-01",
        }
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if sign:
            signature = RequestValidator(token).compute_signature(TWILIO_PUBLIC_URL, form)
            headers["X-Twilio-Signature"] = signature
        before = len(self.sent())
        status = post(self.url, urllib.parse.urlencode(form).encode(), headers)
        return status, self.sent()[before:]

    def sent(self) -> list[dict[str, str]]:
        return [r.form for r in self.standin.recorded("twilio") if r.form["To"] == self.number]


def bodies(sent: list[dict[str, str]]) -> list[str]:
    return [s["Body"] for s in sent]


def test_an_sms_patient_gets_numbered_choices_and_a_number_picks_one(servers, standin) -> None:
    patient = SmsPatient(servers, standin, f"+4915{next(_ids)}")
    status, sent = patient.says("my lower back hurts")
    assert status == 200
    assert {s["From"] for s in sent} == {TWILIO_NUMBER}
    text = "\n\n".join(bodies(sent))
    assert_patient_safe(bodies(sent))
    # the choices come before the sources, so that the disclaimer still ends the answer
    _answer, choices, source, disclaimer = text.rsplit("\n\n", 3)
    assert disclaimer == DISCLAIMER["en"] and source.startswith("Source")
    assert choices.splitlines()[1] == "2. Exercises"
    assert choices.endswith("Reply with a number.")

    status, sent = patient.says(" 2 ")
    text = "\n\n".join(bodies(sent))
    assert_patient_safe(bodies(sent))
    assert DISCLAIMER["en"] in text and "1. How to: " in text  # the exercises answer


def test_a_long_german_whatsapp_answer_arrives_in_parts_under_the_limit(servers, standin) -> None:
    patient = SmsPatient(servers, standin, f"whatsapp:+4917{next(_ids)}")
    status, sent = patient.says("Welche Übungen helfen bei Schmerzen im unteren Rücken?")
    assert status == 200
    parts = bodies(sent)
    assert len(parts) > 1 and all(len(p) <= SMS_LIMIT for p in parts)
    assert {s["From"] for s in sent} == {f"whatsapp:{TWILIO_NUMBER}"}
    assert_patient_safe(parts)
    text = "\n\n".join(parts)
    assert text.endswith(DISCLAIMER["de"]) and "Quelle" in text
    assert "Antworten Sie mit einer Nummer.\n\nQuelle" in text
    second = next(line for line in text.splitlines() if line.startswith("2. "))
    exercise = second.removeprefix("2. ").split(": ", 1)[1]  # "Anleitung: Brücke" → Brücke

    _, sent = patient.says("2.")
    text = "\n\n".join(bodies(sent))
    assert exercise in text and DISCLAIMER["de"] in text


def test_an_emergency_by_sms_is_escalated_to_112(servers, standin) -> None:
    patient = SmsPatient(servers, standin, f"+4916{next(_ids)}")
    _, sent = patient.says("I suddenly can't control my bladder and my legs are numb")
    assert_patient_safe(bodies(sent))
    text = "\n\n".join(bodies(sent))
    assert "112" in text and DISCLAIMER["en"] in text


@pytest.mark.parametrize(
    ("token", "sign"), [("someone-elses-token", True), (TWILIO_TOKEN, False)], ids=["bad", "none"]
)
def test_a_twilio_request_without_a_valid_signature_is_refused(
    servers, standin, token, sign
) -> None:
    patient = SmsPatient(servers, standin, f"+4918{next(_ids)}")
    status, sent = patient.says("my lower back hurts", token=token, sign=sign)
    assert status == 403 and sent == []


# --- Slack --------------------------------------------------------------------------------


def slack_says(servers: Any, user: str, text: str, secret: str = SLACK_SECRET) -> int:
    event = {
        "token": "verification-token",
        "team_id": "T1",
        "api_app_id": "A1",
        "type": "event_callback",
        "event_id": f"Ev{next(_ids)}",
        "event_time": int(time.time()),
        "authorizations": [{"user_id": "UBOT"}],
        "event": {
            "type": "message",
            "channel": f"D{user}",
            "channel_type": "im",
            "user": user,
            "text": text,
            "ts": f"{time.time():.6f}",
        },
    }
    body = json.dumps(event).encode()
    timestamp = str(int(time.time()))
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256)
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": f"v0={digest.hexdigest()}",
    }
    return post(f"{servers.rasa_url}/webhooks/slack/webhook", body, headers)


def slack_messages(standin: PlatformStandIn, user: str, until_disclaimer: str) -> list[dict]:
    """Slack is answered in the background: wait until the answer's end has arrived."""
    found = standin.wait_for(
        "slack",
        lambda r: r.json["channel"] == f"D{user}",
        lambda found: any(until_disclaimer in r.json["text"] for r in found),
    )
    return [r.json for r in found]


def test_a_slack_patient_gets_the_answer_with_buttons_and_no_contract(servers, standin) -> None:
    user = f"U{next(_ids)}"
    assert slack_says(servers, user, "my lower back hurts") == 200
    sent = slack_messages(standin, user, DISCLAIMER["en"])
    assert_patient_safe([m["text"] for m in sent])
    assert sent[-1]["text"].endswith(DISCLAIMER["en"])
    buttons = [e for b in sent[-1]["blocks"] if b["type"] == "actions" for e in b["elements"]]
    exercises = {"type": "plain_text", "text": "Exercises"}
    assert {"type": "button", "text": exercises, "value": "/ask_exercises"} in buttons
    request = standin.recorded("slack", lambda r: r.json["channel"] == f"D{user}")[0]
    assert request.headers["authorization"] == "Bearer xoxb-test"


def test_a_badly_signed_slack_request_is_refused(servers, standin) -> None:
    user = f"U{next(_ids)}"
    assert slack_says(servers, user, "my lower back hurts", secret="not-the-secret") == 400
    time.sleep(2)  # an answer, were there one, would be sent in the background
    assert standin.recorded("slack", lambda r: r.json["channel"] == f"D{user}") == []


# --- Facebook Messenger -------------------------------------------------------------------


def messenger_says(servers: Any, psid: str, text: str, secret: str = FACEBOOK_SECRET) -> int:
    body = json.dumps(
        {
            "object": "page",
            "entry": [
                {
                    "id": "PAGE1",
                    "time": int(time.time() * 1000),
                    "messaging": [
                        {
                            "sender": {"id": psid},
                            "recipient": {"id": "PAGE1"},
                            "timestamp": int(time.time() * 1000),
                            "message": {"mid": f"m_{next(_ids)}", "text": text},
                        }
                    ],
                }
            ],
        }
    ).encode()
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={signature}"}
    return post(f"{servers.rasa_url}/webhooks/facebook/webhook", body, headers)


def messenger_messages(standin: PlatformStandIn, psid: str) -> list[Recorded]:
    return standin.recorded("facebook", lambda r: r.json["recipient"]["id"] == psid)


def test_a_messenger_patient_gets_quick_replies_and_no_contract(servers, standin) -> None:
    psid = str(next(_ids))
    assert messenger_says(servers, psid, "Ich habe Schmerzen im unteren Rücken") == 200
    sent = [r.json["message"] for r in messenger_messages(standin, psid)]
    assert_patient_safe([m["text"] for m in sent])
    assert sent[-1]["text"].endswith(DISCLAIMER["de"])
    # "Check: Muss ich zum Arzt?" is longer than Messenger's 20 characters: numbered.
    assert "Antworten Sie mit einer Nummer.\n\nQuelle" in sent[-1]["text"]
    assert [q["title"] for q in sent[-1]["quick_replies"]][:2] == ["1", "2"]
    assert all(len(m["text"]) <= 2000 for m in sent)


def test_a_badly_signed_messenger_request_is_refused(servers, standin) -> None:
    psid = str(next(_ids))
    assert messenger_says(servers, psid, "my lower back hurts", secret="wrong") == 403
    assert messenger_messages(standin, psid) == []


def test_no_reply_failed_to_reach_the_platform(servers, standin) -> None:
    log = (Path(servers.log_dir) / "rasa.log").read_text(errors="replace")
    assert "could not deliver" not in log
