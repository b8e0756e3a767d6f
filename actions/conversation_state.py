"""What the patient's latest message says, read together with what the conversation knows.

Region and circumstances carry over turns: after "my lower back hurts", "which exercises
help?" is about the lower back until the patient names another region.
"""

from __future__ import annotations

from dataclasses import dataclass

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from .knowledge import Knowledge
from .language import detect_language
from .taxonomy import Language, Region, Topic


def _region(value: object) -> Region | None:
    try:
        return Region(value) if value else None
    except ValueError:
        return None


def _language(value: object) -> Language | None:
    try:
        return Language(value) if value else None
    except ValueError:
        return None


def _entity_values(tracker: Tracker, entity: str) -> list[str]:
    return [str(v) for v in tracker.get_latest_entity_values(entity) if v]


@dataclass(frozen=True)
class Turn:
    text: str
    language: Language
    region: Region | None
    region_named: bool
    contexts: tuple[str, ...]
    exercise_ids: tuple[str, ...]
    previous_topic: Topic | None

    def slot_events(self, topic: Topic | None = None) -> list[EventType]:
        events: list[EventType] = [
            SlotSet("language", self.language.value),
            SlotSet("region", self.region.value if self.region else None),
            SlotSet("contexts", list(self.contexts)),
        ]
        if topic is not None and topic.is_health:
            events.append(SlotSet("topic", topic.value))
        return events


def read_turn(tracker: Tracker, knowledge: Knowledge, text: str | None = None) -> Turn:
    """The latest message, or `text` in its place (a question answered after a check)."""
    if text is None:
        text = (tracker.latest_message or {}).get("text") or ""
    if text.startswith("/"):  # a button payload carries no words of the patient's
        text = ""
    vocabulary = knowledge.vocabulary
    language = detect_language(text, vocabulary, _language(tracker.get_slot("language")))

    named = [r for r in map(_region, _entity_values(tracker, "region")) if r]
    named += vocabulary.regions_in(text)
    region = named[0] if named else _region(tracker.get_slot("region"))

    contexts = vocabulary.contexts_in(text)
    if not contexts:
        contexts = [c for c in (tracker.get_slot("contexts") or []) if c in vocabulary.contexts]

    exercises = _entity_values(tracker, "exercise") + knowledge.facts.exercise_ids_in(text)
    exercise_ids = tuple(dict.fromkeys(e for e in exercises if knowledge.facts.get(e)))

    try:
        previous_topic = Topic(tracker.get_slot("topic"))
    except ValueError:
        previous_topic = None
    return Turn(
        text=text,
        language=language,
        region=region,
        region_named=bool(named),
        contexts=tuple(contexts),
        exercise_ids=exercise_ids,
        previous_topic=previous_topic,
    )
