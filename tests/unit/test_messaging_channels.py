"""The messaging connectors' outputs against a local stand-in of the platform APIs, and the
reading of a numbered reply against the tracker (no Rasa server needed)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from rasa.core.channels.channel import UserMessage
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from channels.facebook import FacebookOutput
from channels.messaging import TurnOutput, resolve_choice, run_turn
from channels.telegram import TelegramInput, TelegramOutput
from channels.twilio import TwilioOutput
from tests.e2e.platform_standins import PlatformStandIn, platform_standin

CONTRACT = {
    "topic": "location",
    "region": "lower_back",
    "urgency": "none",
    "language": "de",
    "facts": [{"id": "lbp", "source": "nvl"}],
    "source_line": "Quelle: NVL",
    "disclaimer": "Keine ärztliche Beratung.",
    "emergency_number": None,
}
BUTTONS = [
    {"title": "Ursachen", "payload": "/ask_causes"},
    {"title": "Check: Muss ich zum Arzt?", "payload": "/start_doctor_check"},
]


@pytest.fixture(scope="module")
def standin() -> Iterator[PlatformStandIn]:
    with platform_standin() as running:
        yield running


def turn(output: TurnOutput, recipient: str, *messages: dict[str, Any]) -> None:
    """Rasa sending a turn's messages: the text(s), then the contract."""

    async def send() -> None:
        for message in (*messages, {"custom": dict(CONTRACT)}):
            await output.send_response(recipient, dict(message))

    asyncio.run(send())


def twilio(standin: PlatformStandIn, limit: int = 1600) -> TwilioOutput:
    return TwilioOutput("AC1", "token", "+15550001", None, standin.base_url("twilio"), limit)


def sms_to(standin: PlatformStandIn, recipient: str) -> list[dict[str, str]]:
    return [r.form for r in standin.recorded("twilio") if r.form["To"] == recipient]


def test_the_reply_contract_never_reaches_the_patient(standin: PlatformStandIn) -> None:
    turn(twilio(standin), "+4911", {"text": "Antwort.\n\nKeine ärztliche Beratung."})
    sent = sms_to(standin, "+4911")
    assert [s["Body"] for s in sent] == ["Antwort.\n\nKeine ärztliche Beratung."]


def test_sms_choices_are_numbered_in_the_language_of_the_contract(
    standin: PlatformStandIn,
) -> None:
    turn(twilio(standin), "+4912", {"text": "Antwort.", "buttons": BUTTONS})
    (sent,) = sms_to(standin, "+4912")
    assert sent["Body"] == (
        "Antwort.\n\n1. Ursachen\n2. Check: Muss ich zum Arzt?\nAntworten Sie mit einer Nummer."
    )


def test_twilio_is_called_with_basic_auth_on_the_account_messages_url(
    standin: PlatformStandIn,
) -> None:
    turn(twilio(standin), "+4913", {"text": "Hallo."})
    request = next(r for r in standin.recorded("twilio") if r.form["To"] == "+4913")
    assert request.path == "/2010-04-01/Accounts/AC1/Messages.json"
    assert request.headers["authorization"].startswith("Basic ")
    assert request.form["From"] == "+15550001"


def test_whatsapp_patients_are_answered_from_the_whatsapp_number(
    standin: PlatformStandIn,
) -> None:
    turn(twilio(standin), "whatsapp:+4914", {"text": "Hallo."})
    (sent,) = sms_to(standin, "whatsapp:+4914")
    assert sent["From"] == "whatsapp:+15550001"


def test_a_conversation_named_with_its_channel_is_delivered_to_the_platform_id(
    standin: PlatformStandIn,
) -> None:
    turn(twilio(standin), "twilio:whatsapp:+4917", {"text": "Hallo."})
    (sent,) = sms_to(standin, "whatsapp:+4917")
    assert sent["From"] == "whatsapp:+15550001"
    telegram = TelegramOutput("123:abc", standin.base_url("telegram"))
    turn(telegram, "telegram:4242", {"text": "Hallo."})
    chats = [r.json["chat_id"] for r in standin.recorded("telegram") if "sendMessage" in r.path]
    assert "4242" in chats and "telegram:4242" not in chats


def test_an_answer_longer_than_the_limit_arrives_in_parts_in_order(
    standin: PlatformStandIn,
) -> None:
    text = "\n\n".join(f"Absatz {i}: " + "ein Satz mit Wörtern. " * 6 for i in range(5))
    turn(twilio(standin, limit=160), "+4915", {"text": text, "buttons": BUTTONS})
    bodies = [s["Body"] for s in sms_to(standin, "+4915")]
    assert len(bodies) > 5 and all(len(b) <= 160 for b in bodies)
    assert " ".join(bodies).split()[: len(text.split())] == text.split()
    assert bodies[-1].endswith("Antworten Sie mit einer Nummer.")


def test_a_turn_without_a_contract_is_delivered_when_it_ends(standin: PlatformStandIn) -> None:
    output = twilio(standin)

    async def rasa(message: UserMessage) -> None:
        await output.send_response(message.sender_id, {"text": "Sorry?", "buttons": BUTTONS})

    asyncio.run(run_turn(rasa, UserMessage("hm", output, "+4916")))
    (sent,) = sms_to(standin, "+4916")
    assert sent["Body"].startswith("Sorry?\n\n1. Ursachen")
    assert "Reply with a number" in sent["Body"]  # language unknown: asked in both


def test_telegram_choices_are_an_inline_keyboard_under_the_last_part(
    standin: PlatformStandIn,
) -> None:
    long_payload = '/ask_exercise_detail{"exercise":"' + "x" * 60 + '"}'
    buttons = [*BUTTONS, {"title": "Lang", "payload": long_payload}]
    output = TelegramOutput("123:abc", standin.base_url("telegram"))
    turn(output, "77", {"text": "Wort " * 1000, "buttons": buttons})
    sent = [r.json for r in standin.recorded("telegram") if r.json.get("chat_id") == "77"]
    assert len(sent) == 2 and all(len(s["text"]) <= 4096 for s in sent)
    assert "reply_markup" not in sent[0]
    rows = sent[1]["reply_markup"]["inline_keyboard"]
    # Telegram takes at most 64 bytes of data: a longer payload goes as its number.
    assert [row[0]["callback_data"] for row in rows] == ["/ask_causes", "/start_doctor_check", "3"]


def test_messenger_quick_replies_show_numbers_when_a_title_is_too_long(
    standin: PlatformStandIn,
) -> None:
    output = FacebookOutput("page-token", standin.base_url("facebook"))
    turn(output, "psid-1", {"text": "Antwort.", "buttons": BUTTONS})
    (request,) = [r for r in standin.recorded("facebook") if r.json["recipient"]["id"] == "psid-1"]
    assert request.query["access_token"] == ["page-token"]
    message = request.json["message"]
    assert message["text"].endswith("2. Check: Muss ich zum Arzt?\nAntworten Sie mit einer Nummer.")
    assert [(q["title"], q["payload"]) for q in message["quick_replies"]] == [
        ("1", "/ask_causes"),
        ("2", "/start_doctor_check"),
    ]


def test_messenger_quick_replies_keep_short_titles(standin: PlatformStandIn) -> None:
    output = FacebookOutput("page-token", standin.base_url("facebook"))
    turn(output, "psid-2", {"text": "Antwort.", "buttons": BUTTONS[:1]})
    (request,) = [r for r in standin.recorded("facebook") if r.json["recipient"]["id"] == "psid-2"]
    assert request.json["message"] == {
        "text": "Antwort.",
        "quick_replies": [{"content_type": "text", "title": "Ursachen", "payload": "/ask_causes"}],
    }


def test_an_unreachable_telegram_at_start_is_not_fatal() -> None:
    channel = TelegramInput("123:abc", "bot", "https://example.org/hook", "s", "http://127.0.0.1:9")
    assert asyncio.run(channel.register_webhook()) is False


def request_with_tracker(*events: Any) -> SimpleNamespace:
    store = InMemoryTrackerStore(Domain.empty())
    asyncio.run(store.save(DialogueStateTracker.from_events("patient", list(events))))
    agent = SimpleNamespace(tracker_store=store)
    return SimpleNamespace(app=SimpleNamespace(ctx=SimpleNamespace(agent=agent)))


def test_a_number_reply_becomes_the_payload_of_the_last_offered_choice() -> None:
    request = request_with_tracker(
        UserUttered("hallo"),
        BotUttered("Antwort.", {"buttons": BUTTONS}),
        BotUttered(None, {"custom": CONTRACT}),
    )
    assert asyncio.run(resolve_choice(request, "patient", " 2. ")) == "/start_doctor_check"
    assert asyncio.run(resolve_choice(request, "patient", "3")) == "3"
    assert asyncio.run(resolve_choice(request, "patient", "Ursachen")) == "Ursachen"


def test_choices_of_an_earlier_turn_are_no_longer_on_offer() -> None:
    request = request_with_tracker(
        BotUttered("Antwort.", {"buttons": BUTTONS}),
        UserUttered("und sonst?"),
        BotUttered("Noch eine Antwort."),
    )
    assert asyncio.run(resolve_choice(request, "patient", "1")) == "1"


def test_a_new_conversation_has_no_choices() -> None:
    assert asyncio.run(resolve_choice(request_with_tracker(), "someone-else", "1")) == "1"


def test_the_contract_fields_appear_in_no_message(standin: PlatformStandIn) -> None:
    turn(twilio(standin), "+4917", {"text": "Antwort."})
    bodies = json.dumps([s["Body"] for s in sms_to(standin, "+4917")])
    assert "source_line" not in bodies and "emergency_number" not in bodies


def test_a_resent_delivery_finds_the_answer_it_got_and_a_new_one_finds_none():
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

    from channels.delivery import answered_replies, delivery_metadata

    events = [
        UserUttered("hi", metadata=delivery_metadata("twilio", "SM1")),
        ActionExecuted("action_greet"),
        BotUttered("Hello!", data={"buttons": [{"title": "Exercises", "payload": "/x"}]}),
        BotUttered(None, data={"custom": {"topic": "smalltalk"}}),
        UserUttered("my back hurts", metadata=delivery_metadata("twilio", "SM2")),
        BotUttered("About the lower back …"),
    ]
    replies = answered_replies(events, {"twilio:SM1"})
    assert [r["text"] for r in replies] == ["Hello!", None]
    assert replies[0]["buttons"][0]["title"] == "Exercises" and replies[1]["custom"]
    assert [r["text"] for r in answered_replies(events, {"twilio:SM2"})] == [
        "About the lower back …"
    ]
    assert answered_replies(events, {"twilio:SM3"}) is None
    assert delivery_metadata("telegram", None) == {}
