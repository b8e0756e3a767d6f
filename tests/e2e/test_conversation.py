"""The real assistant end to end: the trained model and both servers, talked to over HTTP
the way the website widget and messaging channels do."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid

import pytest

from actions.knowledge import KNOWLEDGE
from conversation_store.pseudonyms import conversation_id, pseudonym
from tools.servers import MODEL, running_servers

pytestmark = pytest.mark.e2e
DISCLAIMER = KNOWLEDGE.messages.texts["disclaimer"]


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make model` first")
    no_api = {"RASA_AUTH_TOKEN": "", "RASA_JWT_SECRET": ""}  # whatever the shell has set
    with running_servers(log_dir=tmp_path_factory.mktemp("servers"), env=no_api) as running:
        yield running


class Patient:
    def __init__(self, base_url: str) -> None:
        self.url = f"{base_url}/webhooks/rest/webhook"
        self.sender = f"e2e-{uuid.uuid4().hex[:8]}"

    def says(self, message: object, metadata: dict | None = None) -> list[dict]:
        fields = {"sender": self.sender, "message": message}
        body = json.dumps({**fields, **({"metadata": metadata} if metadata else {})}).encode()
        request = urllib.request.Request(self.url, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status == 200
            return json.loads(response.read())


def stored_id(rest_sender: str) -> str:
    """The id the store keeps a conversation under: a pseudonym of the REST channel's id."""
    return pseudonym(conversation_id("rest", rest_sender))


def answer(replies: list[dict]) -> tuple[str, dict]:
    """The text the patient reads and the turn's reply contract (the last message)."""
    assert replies, "the bot said nothing"
    assert "custom" in replies[-1], replies
    texts = [r["text"] for r in replies if "text" in r]
    return "\n\n".join(texts), replies[-1]["custom"]


def test_the_http_api_is_not_served_without_a_token(servers):
    # Servers started with no RASA_AUTH_TOKEN / RASA_JWT_SECRET: the channels answer, the API
    # that reads and changes conversations does not exist.
    for path in ("/conversations/someone/tracker", "/model/parse", "/status"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{servers.rasa_url}{path}", timeout=10)
        assert refused.value.code == 404, path


def test_an_english_conversation_on_the_four_core_topics(servers):
    patient = Patient(servers.rasa_url)
    text, meta = answer(patient.says("Hello"))
    assert meta["topic"] == "smalltalk" and meta["language"] == "en"

    text, meta = answer(patient.says("My lower back hurts"))
    assert (meta["topic"], meta["region"], meta["language"]) == ("location", "lower_back", "en")
    assert text.endswith(DISCLAIMER["en"]) and "Source" in text and meta["facts"]

    text, meta = answer(patient.says("what could be causing it?"))
    assert (meta["topic"], meta["region"]) == ("causes", "lower_back")
    assert text.endswith(DISCLAIMER["en"])

    text, meta = answer(patient.says("which exercises help?"))
    assert (meta["topic"], meta["region"]) == ("exercises", "lower_back")
    assert text.endswith(DISCLAIMER["en"])

    text, meta = answer(patient.says("how do I do the bridge?"))
    assert meta["facts"][0]["id"] == "bridge" and "1. " in text

    text, meta = answer(patient.says("when should I see a doctor?"))
    assert meta["topic"] == "see_doctor" and text.endswith(DISCLAIMER["en"])


def test_a_german_conversation_with_context_and_a_region_change(servers):
    patient = Patient(servers.rasa_url)
    text, meta = answer(patient.says("Hallo"))
    assert meta["language"] == "de"

    text, meta = answer(patient.says("Ich habe Schmerzen zwischen den Schulterblaettern"))
    assert (meta["topic"], meta["region"], meta["language"]) == ("location", "upper_back", "de")
    assert text.endswith(DISCLAIMER["de"]) and "Quelle" in text

    text, meta = answer(patient.says("Welche Übungen helfen da?"))
    assert (meta["topic"], meta["region"]) == ("exercises", "upper_back")

    text, meta = answer(patient.says("und im unteren Rücken?"))
    assert (meta["topic"], meta["region"]) == ("exercises", "lower_back")

    text, meta = answer(patient.says("Wann sollte ich zum Arzt gehen?"))
    assert meta["topic"] == "see_doctor" and text.endswith(DISCLAIMER["de"])

    text, meta = answer(patient.says("bist du ein Mensch?"))
    assert meta["topic"] == "smalltalk" and "kein Mensch" in text


def test_the_answer_language_follows_the_patient(servers):
    patient = Patient(servers.rasa_url)
    _, meta = answer(patient.says("my lower back hurts"))
    assert meta["language"] == "en"
    text, meta = answer(patient.says("Was sind die Ursachen?"))
    assert meta["language"] == "de" and text.endswith(DISCLAIMER["de"])
    _, meta = answer(patient.says("/ask_exercises"))
    assert meta["language"] == "de" and meta["region"] == "lower_back"


@pytest.mark.parametrize(
    "message",
    [
        "",
        "x" * 20_000,
        "\x00\x01\x02\x03",
        "<img src=x onerror=alert(1)>",
        "Quelle heure est-il ?",
        "😀😀",
    ],
    ids=["empty", "huge", "binary", "markup", "french", "emoji"],
)
def test_bad_input_gets_a_clear_answer_not_a_crash(servers, message):
    patient = Patient(servers.rasa_url)
    text, meta = answer(patient.says(message))
    assert text.strip()
    assert meta["language"] in ("en", "de")
    # the patient's markup is never echoed back
    assert "<img" not in text
    # and the conversation goes on afterwards
    _, meta = answer(patient.says("my lower back hurts"))
    assert meta["region"] == "lower_back"


def test_the_website_socketio_channel_delivers_text_buttons_and_the_contract(servers):
    import asyncio

    import socketio

    async def talk() -> list[dict]:
        client = socketio.AsyncClient()
        received: list[dict] = []
        contract = asyncio.Event()

        @client.on("bot_uttered")
        async def on_bot(data: dict) -> None:
            received.append(data)
            if "custom" in data:
                contract.set()

        await client.connect(servers.rasa_url, socketio_path="/socket.io", transports=["websocket"])
        session = uuid.uuid4().hex
        await client.emit("session_request", {"session_id": session})
        await client.emit(
            "user_uttered", {"message": "Mein unterer Rücken tut weh", "session_id": session}
        )
        await asyncio.wait_for(contract.wait(), timeout=60)
        await client.disconnect()
        return received

    received = asyncio.run(talk())
    texts = [m["text"] for m in received if "text" in m]
    assert texts[-1] == DISCLAIMER["de"], "the disclaimer ends the answer"
    assert any(m.get("quick_replies") for m in received), "buttons arrive as quick replies"
    custom = received[-1]["custom"]
    assert (custom["topic"], custom["region"], custom["language"]) == (
        "location",
        "lower_back",
        "de",
    )


def test_an_emergency_mentioned_mid_way_through_an_exercise_conversation(servers):
    patient = Patient(servers.rasa_url)
    _, meta = answer(patient.says("which exercises help my lower back?"))
    assert meta["topic"] == "exercises"
    text, meta = answer(
        patient.says("how do I do the bridge? also my legs are getting weaker since yesterday")
    )
    assert (meta["topic"], meta["urgency"]) == ("see_doctor", "emergency")
    assert "112" in text and "1. " not in text and text.endswith(DISCLAIMER["en"])
    text, meta = answer(patient.says("how do I do the bridge?"))
    assert meta["facts"][0]["id"] == "bridge", "the patient can go on"
    # the escalation stays (issue 11): the answer keeps the urgency and reminds of the number
    assert meta["urgency"] == "emergency" and meta["reminder"] and "112" in text


def test_a_symptom_split_across_two_turns_in_german(servers):
    patient = Patient(servers.rasa_url)
    _, meta = answer(patient.says("Mein Kreuz tut seit drei Tagen weh"))
    assert meta["urgency"] == "none"
    text, meta = answer(patient.says("Seit heute Nacht habe ich Schüttelfrost"))
    assert (meta["urgency"], meta["language"]) == ("urgent", "de")
    assert "heute" in text and text.endswith(DISCLAIMER["de"])
    text, meta = answer(patient.says("Nachts tut mir der Rücken weh, ich habe kein Fieber"))
    # the escalation stays until the patient has help (issue 11)
    assert meta["urgency"] == "urgent" and meta["reminder"] in text


def test_the_doctor_check_completed_in_english(servers):
    patient = Patient(servers.rasa_url)
    text, meta = answer(patient.says("should I see a doctor?"))
    assert meta["topic"] == "see_doctor"
    buttons = [b for r in patient.says("my lower back hurts") for b in r.get("buttons", [])]
    assert any(b["payload"] == "/start_doctor_check" for b in buttons), "the check is offered"
    text, meta = answer(patient.says("/start_doctor_check"))
    assert "yes/no" in text and "bladder" in text and not text.endswith(DISCLAIMER["en"])
    for _ in range(8):
        text, meta = answer(patient.says("no"))
        assert meta["topic"] == "see_doctor" and text.endswith("?"), text
    text, meta = answer(patient.says("no"))
    assert meta["urgency"] == "none" and "4 to 6 weeks" in text and text.endswith(DISCLAIMER["en"])
    _, meta = answer(patient.says("how do I do the bridge?"))
    assert meta["facts"][0]["id"] == "bridge", "the conversation goes on after the check"


def test_the_doctor_check_stopped_half_way_in_german(servers):
    patient = Patient(servers.rasa_url)
    answer(patient.says("Hallo"))
    text, meta = answer(patient.says("lass uns den arzt check machen"))
    assert "Ja/Nein" in text and meta["language"] == "de"
    answer(patient.says("nein"))
    text, _ = answer(patient.says("nein"))
    assert "Beinen" in text
    text, meta = answer(patient.says("stopp"))
    assert "beendet" in text and meta["urgency"] == "none"


def test_an_emergency_answer_cuts_the_doctor_check_short(servers):
    patient = Patient(servers.rasa_url)
    answer(patient.says("/start_doctor_check"))
    text, meta = answer(patient.says("yes"))
    assert meta["urgency"] == "emergency" and "112" in text and text.endswith(DISCLAIMER["en"])
    _, meta = answer(patient.says("which exercises help?"))
    assert meta["topic"] == "exercises", "the check is over"


def test_ein_notfall_mitten_im_uebungsgespraech_und_im_arzt_check(servers):
    patient = Patient(servers.rasa_url)
    _, meta = answer(patient.says("Wie geht die Katze-Kuh-Übung?"))
    assert meta["facts"][0]["id"] == "cat_cow"
    text, meta = answer(
        patient.says("und seit heute kann ich meine Blase nicht mehr kontrollieren")
    )
    assert (meta["urgency"], meta["language"]) == ("emergency", "de")
    assert "112" in text and "1. " not in text and text.endswith(DISCLAIMER["de"])
    patient = Patient(servers.rasa_url)  # a new patient, with no red flag known yet
    answer(patient.says("Hallo"))
    answer(patient.says("/start_doctor_check"))
    text, meta = answer(patient.says("nein"))
    assert meta["urgency"] == "none" and text.endswith("?")
    text, meta = answer(patient.says("ja"))
    assert meta["urgency"] == "emergency" and "Notruf" in text


def test_a_symptom_split_across_two_turns_in_english(servers):
    patient = Patient(servers.rasa_url)
    _, meta = answer(patient.says("my lower back has hurt for a week"))
    assert meta["urgency"] == "none"
    text, meta = answer(patient.says("oh and I fell off a ladder last week"))
    assert meta["urgency"] == "urgent" and "today" in text


# The red-flag dialogue (issue 11): confirming questions, escalations that stay, bystanders.


def test_a_confirming_question_answered_yes_escalates_at_once(servers):
    patient = Patient(servers.rasa_url)
    answer(patient.says("my lower back hurts"))
    text, meta = answer(
        patient.says("everything sort of went grey and I ended up sitting on the bathroom floor")
    )
    assert meta["question"] == ["collapse_with_back_pain"] and "faint" in text
    buttons = [
        b["title"] for r in patient.says("and which exercises help?") for b in r.get("buttons", [])
    ]
    assert buttons[:2] == ["Yes", "No"], "an ignored question is asked once more"
    text, meta = answer(patient.says("Yes"))
    assert meta["urgency"] == "emergency" and "112" in text


def test_eine_rueckfrage_mit_nein_beantwortet_gibt_die_antwort(servers):
    patient = Patient(servers.rasa_url)
    text, meta = answer(
        patient.says(
            "mein Rücken tut weh und mir war heute kurz komisch, alles drehte sich"
            " und dann lag ich im flur"
        )
    )
    assert meta["question"] == ["collapse_with_back_pain"] and meta["language"] == "de"
    assert not text.endswith(DISCLAIMER["de"])
    text, meta = answer(patient.says("Nein"))
    assert meta["urgency"] == "none" and meta["question"] is None
    answer(patient.says("Welche Übungen helfen?"))
    _, meta = answer(patient.says("und für den oberen Rücken?"))
    assert meta["question"] is None, "a question answered no is not asked again"


def test_an_escalation_stays_over_three_questions_until_help_is_on_the_way(servers):
    patient = Patient(servers.rasa_url)
    text, meta = answer(patient.says("I can't feel anything when I wipe after the toilet"))
    assert meta["urgency"] == "emergency"
    for question in ("which exercises help?", "how do I do the bridge?", "what causes back pain?"):
        text, meta = answer(patient.says(question))
        assert meta["urgency"] == "emergency" and meta["emergency_number"], question
        assert meta["reminder"] in text and text.endswith(DISCLAIMER["en"]), question
    text, meta = answer(patient.says("the ambulance is on its way"))
    assert meta["reminder"] is None and meta["urgency"] == "none"
    text, meta = answer(patient.says("which exercises help?"))
    assert meta["urgency"] == "none" and "Reminder" not in text


def test_a_bystander_emergency_in_both_languages(servers):
    text, meta = answer(
        Patient(servers.rasa_url).says("my husband collapsed, his back hurt all day")
    )
    assert meta["urgency"] == "emergency" and "for them now" in text
    text, meta = answer(
        Patient(servers.rasa_url).says("Meine Frau kann seit heute Morgen nicht mehr pinkeln")
    )
    assert (meta["urgency"], meta["language"]) == ("emergency", "de") and "für sie" in text


def test_a_past_fall_does_not_escalate_in_either_language(servers):
    for message in (
        "I fell off a ladder ten years ago, all healed, now my lower back is stiff from the office",
        "Vor 10 Jahren hatte ich einen Autounfall, jetzt nur Verspannungen im unteren Rücken",
    ):
        _, meta = answer(Patient(servers.rasa_url).says(message))
        assert meta["urgency"] == "none", message


def test_other_languages_and_empty_messages_get_the_bilingual_answer(servers):
    number = KNOWLEDGE.triage.emergency_number
    foreign = {
        "arabic": "ظهري يؤلمني منذ ثلاثة أيام",
        "chinese": "我的背很痛，怎么办？",  # noqa: RUF001
        "french": "Bonjour, j'ai mal au dos depuis trois jours. Que dois-je faire ?",
        "spanish": "Hola, me duele mucho la espalda desde ayer, ¿qué puedo hacer?",
        "turkish": "Merhaba, üç gündür sırtım çok ağrıyor, ne yapmalıyım?",  # noqa: RUF001
    }
    patient = Patient(servers.rasa_url)
    _, meta = answer(patient.says("Mein unterer Rücken tut weh"))
    assert meta["language"] == "de"
    for name, message in foreign.items():
        text, meta = answer(patient.says(message))
        assert "I can answer in English or German" in text, name
        assert "Ich kann auf Deutsch oder Englisch antworten" in text, name
        assert f"call {number} now" in text and "Goodbye" not in text, name
        assert (meta["topic"], meta["language"]) == ("out_of_scope", "de"), name
    for name, message in {"nul": "\x00\x00\x00", "empty": ""}.items():
        text, meta = answer(patient.says(message))
        assert "I received an empty message" in text, name
        assert "Ich habe eine leere Nachricht erhalten" in text and "Goodbye" not in text, name
    # the conversation goes on in German, for the lower back, after all that
    text, meta = answer(patient.says("Welche Übungen helfen?"))
    assert (meta["topic"], meta["region"], meta["language"]) == ("exercises", "lower_back", "de")
    # and a red flag in a mixed message is escalated, not taken for a foreign one
    text, meta = answer(patient.says("Bonjour! I can't feel anything when I wipe after the toilet"))
    assert meta["urgency"] == "emergency" and number in text
