"""Escalating a red flag, and what it leaves in the conversation.

- An escalation replaces the answer in its turn, worded for the patient or for the person
  they are with, and marks the conversation for the staff review.
- An urgent or emergency escalation stays: every later answer keeps its urgency and ends
  with a reminder, until the patient says they have help or that it was a misunderstanding
  (the record stays either way).
- A suspicion of the detector, or a warning sign asked about in general, gets one
  confirming question with yes/no buttons; yes escalates, no goes on, and a question left
  unanswered is asked once more with the next answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from .conversation_state import Turn
from .knowledge import KNOWLEDGE, Knowledge
from .reply import ReplyMeta, add_before_ending, raise_urgency, send_reply
from .taxonomy import Language, Topic
from .triage import STANDING_LEVELS, Assessment, Rule
from .urgency import Urgency

QUESTION_SLOT = "red_flag_question"
STANDING_SLOT = "standing_escalation"
MAX_ASKED = 2  # a confirming question is asked, and once more if it is left unanswered


def _urgency(value: object) -> Urgency:
    try:
        return Urgency(value or Urgency.NONE.value)
    except ValueError:
        return Urgency.NONE


@dataclass(frozen=True)
class Standing:
    level: Urgency
    bystander: bool

    @classmethod
    def of(cls, tracker: Tracker) -> Standing | None:
        raw = tracker.get_slot(STANDING_SLOT)
        if not isinstance(raw, dict) or _urgency(raw.get("level")) not in STANDING_LEVELS:
            return None
        return cls(_urgency(raw.get("level")), bool(raw.get("bystander")))

    def reminder(self, language: Language, knowledge: Knowledge) -> str:
        key = f"reminder_{self.level.value}" + ("_bystander" if self.bystander else "")
        return knowledge.triage.text(key, language)


@dataclass(frozen=True)
class PendingQuestion:
    rules: tuple[str, ...]
    asked: int
    deferred: dict | None  # {"action", "text"}: the question the check interrupted

    @classmethod
    def of(cls, tracker: Tracker) -> PendingQuestion | None:
        raw = tracker.get_slot(QUESTION_SLOT)
        if not isinstance(raw, dict) or not raw.get("rules"):
            return None
        deferred = raw.get("deferred") if isinstance(raw.get("deferred"), dict) else None
        return cls(tuple(map(str, raw["rules"])), int(raw.get("asked") or 1), deferred)


def _bystander(bystander: bool) -> dict[str, bool]:
    """Marked only when the escalation is for someone else, so the patient's own stays as it
    always was for the staff review."""
    return {"bystander": True} if bystander else {}


def triage_events(assessment: Assessment, tracker: Tracker) -> list[EventType]:
    """Remember the symptoms; on a red flag, mark the conversation for the staff review:
    the highest urgency so far, every rule that fired, and this escalation (rules and level);
    an urgent or emergency one also stands for the turns that follow."""
    events: list[EventType] = [
        SlotSet("symptoms", sorted(assessment.symptoms)),
        SlotSet("others_symptoms", sorted(assessment.others)),
    ]
    if not assessment.escalates:
        return events
    bystander = not assessment.rules
    rules = assessment.rules or assessment.bystander_rules
    level = assessment.bystander_level if bystander else assessment.level
    previous = _urgency(tracker.get_slot("urgency"))
    fired = [rule.id for rule in rules]
    all_fired = list(dict.fromkeys([*(tracker.get_slot("red_flags") or []), *fired]))
    events += [
        SlotSet("urgency", Urgency.highest(previous, level).value),
        SlotSet("red_flags", all_fired),
        SlotSet("escalation", {"level": level.value, "rules": fired, **_bystander(bystander)}),
        SlotSet(QUESTION_SLOT, None),
    ]
    standing = Standing.of(tracker)
    if level in STANDING_LEVELS and (standing is None or level.rank >= standing.level.rank):
        events.append(
            SlotSet(STANDING_SLOT, {"level": level.value, "rules": fired, **_bystander(bystander)})
        )
    return events


def red_flag_reply(
    assessment: Assessment, turn: Turn, knowledge: Knowledge = KNOWLEDGE
) -> tuple[str, ReplyMeta]:
    """What to do and why, at the assessment's urgency, citing what the rules rest on."""
    meta = ReplyMeta(
        topic=Topic.SEE_DOCTOR,
        language=turn.language,
        region=turn.region,
        urgency=assessment.level if assessment.rules else assessment.bystander_level,
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


def yes_no_buttons(language: Language, knowledge: Knowledge) -> list[dict[str, str]]:
    check = knowledge.doctor_check
    return [
        {
            "title": check.text(f"button_{kind}", language),
            "payload": check.text(f"button_{kind}", language),
        }
        for kind in ("yes", "no")
    ]


def ask_to_confirm(
    dispatcher: CollectingDispatcher,
    turn: Turn,
    rules: tuple[Rule, ...],
    deferred: dict,
    knowledge: Knowledge = KNOWLEDGE,
) -> list[EventType]:
    """The detector suspects a red flag: one question naming it, before the answer."""
    text = knowledge.triage.question(rules, turn.language, "confirm")
    meta = ReplyMeta(
        topic=Topic.SEE_DOCTOR, language=turn.language, region=turn.region, states_advice=False
    )
    send_reply(dispatcher, meta, text, knowledge, yes_no_buttons(turn.language, knowledge))
    dispatcher.messages[-1]["custom"]["question"] = [rule.id for rule in rules]
    pending = {"rules": [rule.id for rule in rules], "asked": 1, "deferred": deferred}
    return [*turn.slot_events(), SlotSet(QUESTION_SLOT, pending)]


def append_question(
    dispatcher: CollectingDispatcher,
    turn: Turn,
    rule_ids: tuple[str, ...],
    asked: int,
    key: str = "general_check",
    knowledge: Knowledge = KNOWLEDGE,
) -> list[EventType]:
    """After the answer: "is this happening to you now?" for the sign(s) asked about (or,
    after an escalation, the confirming question for a graver sign the detector suspects)."""
    rules = tuple(rule for rule in knowledge.triage.rules if rule.id in rule_ids)
    line = knowledge.triage.question(rules, turn.language, key)
    add_before_ending(
        dispatcher.messages,
        line,
        yes_no_buttons(turn.language, knowledge),
        {"question": list(rule_ids)},
    )
    return [SlotSet(QUESTION_SLOT, {"rules": list(rule_ids), "asked": asked, "deferred": None})]


def remind(
    dispatcher: CollectingDispatcher,
    turn: Turn,
    standing: Standing,
    knowledge: Knowledge = KNOWLEDGE,
) -> None:
    """Every answer after an urgent or emergency escalation keeps it: urgency and reminder."""
    line = standing.reminder(turn.language, knowledge)
    add_before_ending(dispatcher.messages, line, custom={"reminder": line})
    raise_urgency(dispatcher.messages, standing.level, knowledge)


def acknowledge_help(
    dispatcher: CollectingDispatcher,
    turn: Turn,
    kind: str,
    knowledge: Knowledge = KNOWLEDGE,
) -> list[EventType]:
    """The patient has help, or it was a misunderstanding: the reminder ends, the record stays."""
    meta = ReplyMeta(topic=Topic.SMALLTALK, language=turn.language, region=turn.region)
    send_reply(dispatcher, meta, knowledge.triage.text(kind, turn.language), knowledge)
    return [*turn.slot_events(), SlotSet(STANDING_SLOT, None), SlotSet(QUESTION_SLOT, None)]
