"""The guided "Should I see a doctor?" check: answers read as yes/no/stop in both languages,
stopping at any time, an emergency answer ending it at once, and a result with reasons."""

from __future__ import annotations

import asyncio

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.doctor_check import (
    CHECK,
    ActionDoctorCheckResult,
    ValidateDoctorCheckForm,
)
from actions.knowledge import KNOWLEDGE
from tests.conftest import PROJECT_DIR, run_action

DOMAIN = yaml.safe_load((PROJECT_DIR / "domain.yml").read_text())
QUESTIONS = [q.slot for q in CHECK.questions]
DISCLAIMER = KNOWLEDGE.messages.texts["disclaimer"]


def form_tracker(
    slot: str, text: str, answered: dict | None = None, language: str = "en"
) -> Tracker:
    """The tracker the validation action sees after the patient answered the `slot` question."""
    slots = {s: None for s in DOMAIN["slots"]}
    slots.update(answered or {}, language=language, requested_slot=slot, **{slot: text})
    latest = {"text": text, "intent": {"name": "affirm", "confidence": 0.9}, "entities": []}
    return Tracker(
        sender_id="check",
        slots=slots,
        latest_message=latest,
        events=[
            {"event": "user", "text": text, "parse_data": latest},
            {"event": "slot", "name": slot, "value": text},
        ],
        paused=False,
        followup_action=None,
        active_loop={"name": "doctor_check_form"},
        latest_action_name="action_listen",
    )


def validate(tracker: Tracker) -> tuple[dict, list[dict]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ValidateDoctorCheckForm().run(dispatcher, tracker, DOMAIN))
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}, dispatcher.messages


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("yes", "yes"),
        ("Ja, leider", "yes"),
        ("no", "no"),
        ("nein", "no"),
        ("nope", "no"),
        ("stop", "stop"),
        ("abbrechen", "stop"),
        ("maybe", None),
        ("yes and no", None),
    ],
)
def test_answers_are_read_in_both_languages(text, answer):
    assert CHECK.answer(text) == answer


def test_the_questions_cover_the_warning_signs_emergencies_first():
    assert QUESTIONS[:3] == ["check_bladder", "check_saddle", "check_legs"]
    assert len(QUESTIONS) == 9
    assert DOMAIN["forms"]["doctor_check_form"]["required_slots"] == QUESTIONS


def test_a_yes_records_the_symptom_and_the_check_goes_on():
    slots, _ = validate(form_tracker("check_fever", "ja", language="de"))
    assert slots["check_fever"] == "yes" and "fever" in slots["symptoms"]
    assert "requested_slot" not in slots and not slots.get("check_status")


def test_a_yes_to_an_emergency_sign_ends_the_check_at_once():
    slots, _ = validate(form_tracker("check_bladder", "yes"))
    assert slots["check_status"] == "emergency" and slots["requested_slot"] is None


def test_an_emergency_named_in_a_free_text_answer_ends_the_check():
    slots, _ = validate(
        form_tracker("check_fever", "no, but my legs are getting weaker and weaker")
    )
    assert slots["check_status"] == "emergency" and slots["requested_slot"] is None


def test_stop_ends_the_check_at_any_time():
    slots, _ = validate(form_tracker("check_cancer", "stopp", language="de"))
    assert slots["check_status"] == "stopped" and slots["requested_slot"] is None


def test_an_unclear_answer_is_asked_again():
    slots, messages = validate(form_tracker("check_weight", "what do you mean?"))
    assert slots["check_weight"] is None
    assert "yes or no" in messages[0]["text"]


def result_for(answers: dict, status: str | None = None, language: str = "en"):
    symptoms = sorted(
        {s for q in CHECK.questions if answers.get(q.slot) == "yes" for s in q.symptoms}
    )
    slots = {**answers, "check_status": status, "symptoms": symptoms, "language": language}
    from tests.conftest import make_tracker

    last_answer = "nein" if language == "de" else "no"
    return run_action(
        ActionDoctorCheckResult(), make_tracker(last_answer, intent="deny", slots=slots)
    )


def test_all_no_concludes_without_urgency_and_with_the_disclaimer():
    result = result_for({slot: "no" for slot in QUESTIONS})
    assert result.custom["urgency"] == "none" and result.custom["topic"] == "see_doctor"
    assert result.messages[0]["text"].endswith(DISCLAIMER["en"])


def test_a_yes_to_fever_concludes_urgent_with_the_reason_in_german():
    result = result_for({**{slot: "no" for slot in QUESTIONS}, "check_fever": "yes"}, language="de")
    text = result.messages[0]["text"]
    assert result.custom["urgency"] == "urgent" and "Fieber" in text and "heute" in text
    assert result.slot("escalation") == {"level": "urgent", "rules": ["fever_with_back_pain"]}


def test_an_emergency_answer_concludes_with_the_emergency_number():
    result = result_for({"check_bladder": "yes"}, status="emergency")
    assert result.custom["urgency"] == "emergency" and "112" in result.messages[0]["text"]


def test_a_stopped_check_says_so():
    result = result_for({"check_bladder": "no"}, status="stopped")
    assert result.custom["urgency"] == "none"
    assert "stopped" in result.messages[0]["text"]
