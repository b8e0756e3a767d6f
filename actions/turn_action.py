"""The base of every custom action: read the patient's turn, answer it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from .conversation_state import Turn, read_turn
from .knowledge import KNOWLEDGE


class TurnAction(Action, ABC):
    """Subclasses set `action_name` and say in `answer` how they reply to the turn."""

    action_name = ""

    def name(self) -> str:
        return self.action_name

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return self.answer(dispatcher, read_turn(tracker, KNOWLEDGE), tracker)

    @abstractmethod
    def answer(
        self, dispatcher: CollectingDispatcher, turn: Turn, tracker: Tracker
    ) -> list[EventType]: ...
