"""The base of every custom action: read the patient's turn, triage it, answer it.

Triage runs here, on every message and whatever the NLU made of it, so a red flag interrupts
any conversation: the escalation replaces the answer in that turn. Here too the red-flag
dialogue lives (actions/escalation.py): a confirming question waiting for yes or no, the
reminder of a standing escalation, and the patient saying they have help.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from .conversation_state import Turn, read_turn
from .escalation import (
    MAX_ASKED,
    QUESTION_SLOT,
    PendingQuestion,
    Standing,
    acknowledge_help,
    append_question,
    ask_to_confirm,
    escalate,
    remind,
    triage_events,
)
from .knowledge import KNOWLEDGE
from .language_fallback import answer_unreadable
from .reply import ReplyMeta, send_reply
from .taxonomy import Topic


class TurnAction(Action, ABC):
    """Subclasses set `action_name` and say in `answer` how they reply to the turn."""

    action_name = ""
    # every concrete action by name, so an answer deferred by a confirming question can be
    # given by the action that would have given it
    by_name: ClassVar[dict[str, type[TurnAction]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.by_name[cls.__name__] = cls

    def name(self) -> str:
        return self.action_name

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        turn = read_turn(tracker, KNOWLEDGE)
        triage = KNOWLEDGE.triage
        assessment = triage.assess(
            turn.text, tracker.get_slot("symptoms") or [], tracker.get_slot("others_symptoms") or []
        )
        pending = PendingQuestion.of(tracker)
        reply = KNOWLEDGE.doctor_check.answer(turn.text) if pending else None
        if pending and reply == "yes":
            confirmed = triage.confirmed(pending.rules, assessment.symptoms, assessment.others)
            return escalate(dispatcher, turn, confirmed, tracker)
        if assessment.escalates:
            events = escalate(dispatcher, turn, assessment, tracker)
            if assessment.suspected_rules:  # an emergency the rules may have missed behind it
                rule_ids = tuple(rule.id for rule in assessment.suspected_rules)
                events += append_question(dispatcher, turn, rule_ids, 1, "confirm")
            return events
        standing = Standing.of(tracker)
        help_kind = triage.help_said(turn.text) if standing else None
        if help_kind:
            return [
                *acknowledge_help(dispatcher, turn, help_kind),
                *triage_events(assessment, tracker),
            ]
        if pending and reply == "no":
            events = self._deferred_answer(dispatcher, tracker, pending)
        elif assessment.suspected_rules:
            deferred = {"action": type(self).__name__, "text": turn.text}
            events = ask_to_confirm(dispatcher, turn, assessment.suspected_rules, deferred)
            return [*events, *triage_events(assessment, tracker)]
        else:
            # an empty or foreign message gets the bilingual answer, whatever the NLU made of it
            fallback = answer_unreadable(dispatcher, tracker)
            events = list(self.answer(dispatcher, turn, tracker)) if fallback is None else fallback
            if assessment.asked_rules:
                rule_ids = tuple(rule.id for rule in assessment.asked_rules)
                events += append_question(dispatcher, turn, rule_ids, 1)
            elif pending and pending.asked < MAX_ASKED:
                events += append_question(dispatcher, turn, pending.rules, pending.asked + 1)
            elif pending:
                events.append(SlotSet(QUESTION_SLOT, None))
        if standing:
            remind(dispatcher, turn, standing)
        return [*events, *triage_events(assessment, tracker)]

    def _deferred_answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, pending: PendingQuestion
    ) -> list[EventType]:
        """No to the confirming question: answer the question it interrupted, if any."""
        events: list[EventType] = [SlotSet(QUESTION_SLOT, None)]
        deferred = pending.deferred or {}
        action = self.by_name.get(str(deferred.get("action")))
        if action is None:
            turn = read_turn(tracker, KNOWLEDGE)
            meta = ReplyMeta(topic=Topic.SMALLTALK, language=turn.language, region=turn.region)
            text = KNOWLEDGE.triage.text("confirm_no", turn.language)
            send_reply(dispatcher, meta, text, KNOWLEDGE)
            return [*events, *turn.slot_events()]
        earlier = read_turn(tracker, KNOWLEDGE, str(deferred.get("text") or ""))
        return [*events, *action().answer(dispatcher, earlier, tracker)]

    @abstractmethod
    def answer(
        self, dispatcher: CollectingDispatcher, turn: Turn, tracker: Tracker
    ) -> list[EventType]: ...
