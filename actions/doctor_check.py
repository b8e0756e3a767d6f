"""The guided "Should I see a doctor?" check: a Rasa form of yes/no questions.

Questions, answer words and texts are data (data/doctor_check.yml). A "yes" adds the
question's red-flag symptoms; the red-flag rules (actions/triage.py) decide the urgency. A
"yes" to an emergency sign, or an emergency named in any answer, ends the check at once;
"stop" ends it whenever the patient likes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from .conversation_state import Turn, read_turn
from .escalation import red_flag_reply, triage_events, yes_no_buttons
from .knowledge import KNOWLEDGE
from .reply import ReplyMeta, send_reply
from .taxonomy import Language, Topic
from .triage import Assessment
from .turn_action import TurnAction
from .urgency import Urgency

FORM = "doctor_check_form"
STATUS_SLOT = "check_status"  # None while running, "stopped" or "emergency" to end early
CHECK = KNOWLEDGE.doctor_check


class ActionStartDoctorCheck(Action):
    """Clears the answers of an earlier check, so the form asks every question again."""

    def name(self) -> str:
        return "action_start_doctor_check"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return [SlotSet(q.slot, None) for q in CHECK.questions] + [SlotSet(STATUS_SLOT, None)]


class AskCheckQuestion(Action, ABC):
    """Asks one question of the check, with yes/no/stop buttons in the patient's language."""

    @property
    @abstractmethod
    def slot(self) -> str:
        """The form slot this action asks for (abstract, so rasa-sdk skips this base)."""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        turn = read_turn(tracker, KNOWLEDGE)
        lang = turn.language
        question = CHECK.question(self.slot)
        assert question is not None
        first = all(tracker.get_slot(q.slot) is None for q in CHECK.questions)
        body = (CHECK.text("intro", lang) + "\n\n" if first else "") + question.text[lang.value]
        buttons = [
            *yes_no_buttons(lang, KNOWLEDGE),
            {
                "title": CHECK.text("button_stop", lang),
                "payload": "stop" if lang is Language.EN else "stopp",
            },
        ]
        meta = ReplyMeta(
            topic=Topic.SEE_DOCTOR, language=lang, region=turn.region, states_advice=False
        )
        send_reply(dispatcher, meta, body, KNOWLEDGE, buttons)
        return turn.slot_events(Topic.SEE_DOCTOR)


# One ask action per question (Rasa looks for `action_ask_<slot>`; the domain lists them),
# kept in a dict: rasa-sdk finds subclasses through weak references only.
ASK_ACTIONS = {
    question.slot: type(f"ActionAsk_{question.slot}", (AskCheckQuestion,), {"slot": question.slot})
    for question in CHECK.questions
}


class ValidateDoctorCheckForm(FormValidationAction):
    """Reads each answer as yes, no or stop, and ends the check early when it must."""

    def name(self) -> str:
        return f"validate_{FORM}"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        return [] if tracker.get_slot(STATUS_SLOT) else domain_slots

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events: list[EventType] = []
        symptoms = frozenset(tracker.get_slot("symptoms") or []) | {"back_pain"}
        for slot, value in tracker.slots_to_validate().items():
            question = CHECK.question(slot)
            if question is None:
                continue
            text = str(value or "")
            answer = CHECK.answer(text)
            named = KNOWLEDGE.triage.assess(text, symptoms)
            symptoms = named.symptoms | (question.symptoms if answer == "yes" else frozenset())
            if answer == "stop":
                events += [SlotSet(slot, None), SlotSet(STATUS_SLOT, "stopped")]
            elif answer is None and not named.rules:
                turn = read_turn(tracker, KNOWLEDGE)
                dispatcher.utter_message(text=CHECK.text("unclear", turn.language))
                events.append(SlotSet(slot, None))
            else:  # a red flag named in place of yes or no is recorded as "other"
                events.append(SlotSet(slot, answer or "other"))
            if conclusion(symptoms).level is Urgency.EMERGENCY:
                events.append(SlotSet(STATUS_SLOT, "emergency"))
        return [*events, SlotSet("symptoms", sorted(symptoms))]


def conclusion(symptoms: frozenset[str]) -> Assessment:
    """Every red-flag rule the symptoms meet, as one assessment."""
    rules = tuple(rule for rule in KNOWLEDGE.triage.rules if rule.holds(symptoms))
    return Assessment(symptoms=symptoms, new_symptoms=frozenset(), rules=rules)


class ActionDoctorCheckResult(TurnAction):
    """Ends the check: the urgency and its reasons in plain words, or that it was stopped."""

    action_name = "action_doctor_check_result"

    def answer(
        self, dispatcher: CollectingDispatcher, turn: Turn, tracker: Tracker
    ) -> list[EventType]:
        lang = turn.language
        reset = [SlotSet(STATUS_SLOT, None)]
        if tracker.get_slot(STATUS_SLOT) == "stopped":
            meta = ReplyMeta(
                topic=Topic.SEE_DOCTOR, language=lang, region=turn.region, states_advice=False
            )
            send_reply(dispatcher, meta, CHECK.text("stopped", lang), KNOWLEDGE)
            return [*turn.slot_events(Topic.SEE_DOCTOR), *reset]
        symptoms = frozenset(tracker.get_slot("symptoms") or []) | {"back_pain"}
        result = conclusion(symptoms)
        if result.rules:
            body, meta = red_flag_reply(result, turn)
        else:
            body = CHECK.text("clear", lang)
            meta = ReplyMeta(topic=Topic.SEE_DOCTOR, language=lang, region=turn.region)
        send_reply(dispatcher, meta, body, KNOWLEDGE)
        return [*turn.slot_events(Topic.SEE_DOCTOR), *triage_events(result, tracker), *reset]
