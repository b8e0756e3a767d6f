"""The base of every custom action: read the patient's turn, triage it, answer it.

Triage runs here, on every message and whatever the NLU made of it, so a red flag interrupts
any conversation: the escalation replaces the answer in that turn.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from .conversation_state import Turn, read_turn
from .escalation import escalate, triage_events
from .knowledge import KNOWLEDGE


class TurnAction(Action, ABC):
    """Subclasses set `action_name` and say in `answer` how they reply to the turn."""

    action_name = ""

    def name(self) -> str:
        return self.action_name

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        turn = read_turn(tracker, KNOWLEDGE)
        assessment = KNOWLEDGE.triage.assess(turn.text, tracker.get_slot("symptoms") or [])
        if assessment.rules:
            return escalate(dispatcher, turn, assessment, tracker)
        return [*self.answer(dispatcher, turn, tracker), *triage_events(assessment, tracker)]

    @abstractmethod
    def answer(
        self, dispatcher: CollectingDispatcher, turn: Turn, tracker: Tracker
    ) -> list[EventType]: ...
