"""The red-flag dialogue over real rasa-sdk Trackers: a confirming question answered yes, no or
not at all; an escalation that stays until the patient has help; a bystander's emergency; a
past fall; a question in general about a warning sign."""

from __future__ import annotations

from typing import Any

from actions import health_actions
from actions.knowledge import KNOWLEDGE
from actions.triage import Assessment
from tests.conftest import ActionResult, make_tracker, run_action

TRIAGE = KNOWLEDGE.triage
LOCATION = health_actions.ActionAnswerLocation()
EXERCISES = health_actions.ActionAnswerExercises()
DISCLAIMER_EN = KNOWLEDGE.messages.texts["disclaimer"]["en"]
DISCLAIMER_DE = KNOWLEDGE.messages.texts["disclaimer"]["de"]


class Conversation:
    """Turns on one conversation: slots accumulate as Rasa keeps them."""

    def __init__(self) -> None:
        self.slots: dict[str, Any] = {}

    def say(self, action, text: str) -> ActionResult:
        result = run_action(action, make_tracker(text, slots=dict(self.slots)))
        for event in result.events:
            if event.get("event") == "slot":
                self.slots[event["name"]] = event["value"]
        return result


def suspicion_only(text: str) -> Assessment:
    assessment = TRIAGE.assess(text)
    assert not assessment.escalates and assessment.suspected_rules, text
    return assessment


# The detector's suspicions, not the rules' findings (checked in each test).
SUSPECTED_EN = "my dad just keeled over in the garden"  # no: the bystander's emergency
SUSPECTED = "everything sort of went grey and I ended up sitting on the bathroom floor"


def test_a_suspicion_asks_one_question_naming_the_sign_and_yes_escalates_at_once():
    assessment = suspicion_only(SUSPECTED)
    chat = Conversation()
    asked = chat.say(LOCATION, SUSPECTED)
    rule = assessment.suspected_rules[0]
    assert rule.ask["en"] in asked.text and asked.custom["question"] == [rule.id]
    assert [b["title"] for b in asked.buttons] == ["Yes", "No"]
    assert DISCLAIMER_EN not in asked.text  # a question states nothing medical
    yes = chat.say(LOCATION, "Yes")
    assert yes.custom["urgency"] == rule.level.value
    assert rule.reason["en"] in yes.text
    assert chat.slots["red_flags"] == [rule.id]


def test_no_to_the_confirming_question_gives_the_answer_it_interrupted():
    suspicion_only(SUSPECTED)
    chat = Conversation()
    chat.say(LOCATION, SUSPECTED)
    no = chat.say(LOCATION, "No")
    assert no.custom["urgency"] == "none" and no.custom["topic"] == "location"
    assert no.text.endswith(DISCLAIMER_EN)
    assert chat.slots["red_flag_question"] is None


def test_an_ignored_question_is_asked_once_more_with_the_next_answer_then_dropped():
    assessment = suspicion_only(SUSPECTED)
    ask = assessment.suspected_rules[0].ask["en"]
    chat = Conversation()
    chat.say(LOCATION, SUSPECTED)
    again = chat.say(EXERCISES, "which exercises help my lower back?")
    assert again.custom["topic"] == "exercises" and ask in again.text
    assert again.text.endswith(DISCLAIMER_EN), "the disclaimer still ends the answer"
    third = chat.say(EXERCISES, "and for the upper back?")
    assert ask not in third.text and chat.slots["red_flag_question"] is None


def test_an_emergency_stays_over_later_questions_until_help_is_on_the_way():
    chat = Conversation()
    first = chat.say(LOCATION, "my lower back hurts and I wet myself without noticing")
    assert first.custom["urgency"] == "emergency"
    for question in ("which exercises help?", "how do I do the bridge?", "what causes it?"):
        later = chat.say(EXERCISES, question)
        assert later.custom["urgency"] == "emergency", question
        assert later.custom["emergency_number"] == TRIAGE.emergency_number
        assert "112" in later.custom["reminder"] and later.custom["reminder"] in later.text
        assert later.text.endswith(DISCLAIMER_EN)
    done = chat.say(EXERCISES, "the ambulance is on the way")
    assert done.custom["urgency"] == "none" and chat.slots["standing_escalation"] is None
    after = chat.say(EXERCISES, "which exercises help?")
    assert after.custom["urgency"] == "none" and after.custom["reminder"] is None
    assert chat.slots["urgency"] == "emergency", "the record of the escalation stays"


def test_a_misunderstanding_ends_the_reminder_in_german_too():
    chat = Conversation()
    chat.say(LOCATION, "Ich habe Rückenschmerzen und seit gestern Fieber")
    later = chat.say(EXERCISES, "Welche Übungen helfen?")
    assert later.custom["urgency"] == "urgent" and "heute" in later.custom["reminder"]
    assert later.text.endswith(DISCLAIMER_DE)
    ended = chat.say(EXERCISES, "Das war ein Missverständnis, ich habe kein Fieber")
    assert chat.slots["standing_escalation"] is None
    assert ended.custom["urgency"] == "none"


def test_someone_elses_emergency_is_escalated_worded_for_the_bystander():
    result = run_action(LOCATION, make_tracker("my husband collapsed, his back hurt all day"))
    assert result.custom["urgency"] == "emergency"
    assert "for them now" in result.text
    assert result.slot("escalation")["bystander"] is True
    de = run_action(LOCATION, make_tracker("Meine Frau kann seit heute Morgen nicht mehr pinkeln"))
    assert de.custom["urgency"] == "emergency" and "für sie" in de.text


def test_a_past_fall_and_another_persons_cancer_do_not_escalate():
    for text in (
        "I fell off a ladder ten years ago, all healed, now my back is stiff from the office",
        "my mother had breast cancer, I just have a sore lower back",
        "Vor 10 Jahren hatte ich einen Autounfall, jetzt nur Verspannungen im Rücken",
    ):
        result = run_action(LOCATION, make_tracker(text))
        assert result.custom["urgency"] == "none", text


def test_a_general_question_about_a_warning_sign_gets_the_facts_and_one_question():
    text = "Can a slipped disc cause incontinence?"
    result = run_action(health_actions.ActionAnswerSeeDoctor(), make_tracker(text))
    assert result.custom["urgency"] == "none"
    assert result.custom["question"] == ["bladder_bowel_control"]
    assert "happening to you" in result.text and result.text.endswith(DISCLAIMER_EN)


def test_a_duration_told_in_a_later_turn_counts():
    chat = Conversation()
    chat.say(LOCATION, "my lower back hurts and it is not getting better")
    later = chat.say(LOCATION, "about two months now")
    assert later.custom["urgency"] == "routine"
