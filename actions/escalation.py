"""Escalating a red flag: the urgent message instead of the answer, and the marks staff see."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from .conversation_state import Turn
from .knowledge import KNOWLEDGE, Knowledge
from .reply import ReplyMeta, send_reply
from .taxonomy import Topic
from .triage import Assessment
from .urgency import Urgency


def triage_events(assessment: Assessment, tracker: Tracker) -> list[EventType]:
    """Remember the symptoms; on a red flag, mark the conversation for the staff review:
    the highest urgency so far, every rule that fired, and this escalation (rules and level)."""
    events: list[EventType] = [SlotSet("symptoms", sorted(assessment.symptoms))]
    if not assessment.rules:
        return events
    try:
        previous = Urgency(tracker.get_slot("urgency") or Urgency.NONE.value)
    except ValueError:
        previous = Urgency.NONE
    highest = Urgency.highest(previous, assessment.level)
    fired = [rule.id for rule in assessment.rules]
    all_fired = list(dict.fromkeys([*(tracker.get_slot("red_flags") or []), *fired]))
    return [
        *events,
        SlotSet("urgency", highest.value),
        SlotSet("red_flags", all_fired),
        SlotSet("escalation", {"level": assessment.level.value, "rules": fired}),
    ]


def red_flag_reply(
    assessment: Assessment, turn: Turn, knowledge: Knowledge = KNOWLEDGE
) -> tuple[str, ReplyMeta]:
    """What to do and why, at the assessment's urgency, citing what the rules rest on."""
    meta = ReplyMeta(
        topic=Topic.SEE_DOCTOR,
        language=turn.language,
        region=turn.region,
        urgency=assessment.level,
        cited=knowledge.triage.cited_sources(assessment),
    )
    return knowledge.triage.message(assessment, turn.language), meta


def escalate(
    dispatcher: CollectingDispatcher,
    turn: Turn,
    assessment: Assessment,
    tracker: Tracker,
    knowledge: Knowledge = KNOWLEDGE,
) -> list[EventType]:
    """Say what to do and why, in place of whatever the message asked (no exercise advice)."""
    body, meta = red_flag_reply(assessment, turn, knowledge)
    send_reply(dispatcher, meta, body, knowledge)
    return [*turn.slot_events(Topic.SEE_DOCTOR), *triage_events(assessment, tracker)]
