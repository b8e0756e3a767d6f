"""Actions that answer health questions from the fact base, one per topic."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from .conversation_state import Turn
from .fact_base import Fact
from .knowledge import KNOWLEDGE, Knowledge
from .reply import Button, ReplyMeta, send_reply
from .taxonomy import Language, Topic
from .turn_action import TurnAction

MAX_FACTS = 4
MAX_EXERCISES_LISTED = 6
MAX_EXERCISE_BUTTONS = 4

# Which questions a patient is offered next, after an answer on each topic.
FOLLOW_UPS: dict[Topic, tuple[Topic, ...]] = {
    Topic.LOCATION: (Topic.CAUSES, Topic.EXERCISES, Topic.SEE_DOCTOR),
    Topic.CAUSES: (Topic.SEE_DOCTOR, Topic.TREATMENT, Topic.EXERCISES),
    Topic.SEE_DOCTOR: (Topic.DIAGNOSIS, Topic.TREATMENT),
    Topic.TREATMENT: (Topic.EXERCISES, Topic.PREVENTION, Topic.SEE_DOCTOR),
    Topic.PREVENTION: (Topic.EXERCISES, Topic.SEE_DOCTOR),
    Topic.DIAGNOSIS: (Topic.SEE_DOCTOR, Topic.TREATMENT),
}


# After describing pain or asking about doctors, a patient is offered the guided check.
OFFER_DOCTOR_CHECK = (Topic.LOCATION, Topic.SEE_DOCTOR)


def doctor_check_button(language: Language, knowledge: Knowledge) -> Button:
    return {
        "title": knowledge.messages.text("button.check", language),
        "payload": "/start_doctor_check",
    }


def topic_button(topic: Topic, language: Language, knowledge: Knowledge) -> Button:
    return {
        "title": knowledge.messages.text(f"button.{topic.value}", language),
        "payload": f"/ask_{topic.value}",
    }


def heading(key: str, turn: Turn, knowledge: Knowledge) -> str:
    if turn.region is None:
        return knowledge.messages.text(f"heading.{key}.general", turn.language)
    region = knowledge.messages.text(f"region.{turn.region.value}", turn.language)
    return knowledge.messages.text(f"heading.{key}.region", turn.language, region=region)


def bullets(lines: Sequence[str]) -> str:
    return "\n".join(f"• {line}" for line in lines)


def exercise_button(fact: Fact, language: Language, knowledge: Knowledge) -> Button:
    assert fact.exercise is not None
    name = fact.exercise.name[language.value]
    return {
        "title": knowledge.messages.text("button.explain", language, name=name),
        "payload": f'/ask_exercise_detail{{"exercise":"{fact.id}"}}',
    }


def answer_topic(
    dispatcher: CollectingDispatcher, turn: Turn, topic: Topic, knowledge: Knowledge = KNOWLEDGE
) -> list[EventType]:
    """Answer a question on one health topic for the region and circumstances known."""
    if topic is Topic.EXERCISES:
        return answer_exercises(dispatcher, turn, knowledge)
    lang = turn.language
    facts = knowledge.facts.advice(topic, turn.region, turn.contexts, MAX_FACTS, turn.text)
    body = heading(topic.value, turn, knowledge)
    if not facts:
        facts = knowledge.facts.advice(topic, None, (), MAX_FACTS)
        body += "\n" + knowledge.messages.text("no_facts", lang)
    body += "\n" + bullets([f.text_in(lang) for f in facts])
    buttons = [topic_button(t, lang, knowledge) for t in FOLLOW_UPS[topic]]
    if topic in OFFER_DOCTOR_CHECK:
        buttons.append(doctor_check_button(lang, knowledge))
    meta = ReplyMeta(topic=topic, language=lang, region=turn.region, facts=facts)
    send_reply(dispatcher, meta, body, knowledge, buttons)
    return turn.slot_events(topic)


def answer_exercises(
    dispatcher: CollectingDispatcher, turn: Turn, knowledge: Knowledge = KNOWLEDGE
) -> list[EventType]:
    """Exercises for the region: general advice, then a short list with buttons to explain each."""
    lang = turn.language
    advice = knowledge.facts.advice(Topic.EXERCISES, turn.region, turn.contexts, 1, turn.text)
    exercises = knowledge.facts.exercises(turn.region, turn.contexts, turn.text)
    exercises = exercises[:MAX_EXERCISES_LISTED]
    lines = [f.text_in(lang) for f in advice]
    lines += [f"{f.exercise.name[lang.value]}: {f.text_in(lang)}" for f in exercises if f.exercise]
    body = heading(Topic.EXERCISES.value, turn, knowledge) + "\n" + bullets(lines)
    buttons = [exercise_button(f, lang, knowledge) for f in exercises[:MAX_EXERCISE_BUTTONS]]
    buttons.append(
        {"title": knowledge.messages.text("button.plan", lang), "payload": "/ask_exercise_plan"}
    )
    meta = ReplyMeta(
        topic=Topic.EXERCISES, language=lang, region=turn.region, facts=[*advice, *exercises]
    )
    send_reply(dispatcher, meta, body, knowledge, buttons)
    return turn.slot_events(Topic.EXERCISES)


def explain_exercise(
    dispatcher: CollectingDispatcher,
    turn: Turn,
    exercise_id: str | None,
    knowledge: Knowledge = KNOWLEDGE,
) -> list[EventType]:
    """One exercise step by step, or the choice of exercises when none was named."""
    lang = turn.language
    fact = knowledge.facts.get(exercise_id) if exercise_id else None
    if fact is None or fact.exercise is None:
        choices = knowledge.facts.exercises(turn.region, turn.contexts)[:8]
        meta = ReplyMeta(topic=Topic.EXERCISES, language=lang, region=turn.region)
        buttons = [exercise_button(f, lang, knowledge) for f in choices]
        send_reply(
            dispatcher, meta, knowledge.messages.text("exercise.which", lang), knowledge, buttons
        )
        return turn.slot_events(Topic.EXERCISES)
    exercise = fact.exercise
    parts = [exercise.name[lang.value], fact.text_in(lang)]
    steps = exercise.steps[lang.value]
    if steps:
        numbered = "\n".join(f"{i}. {step}" for i, step in enumerate(steps, 1))
        parts.append(knowledge.messages.text("exercise.steps", lang) + "\n" + numbered)
    else:
        parts.append(knowledge.messages.text("exercise.no_steps", lang))
    if exercise.dose:
        parts.append(knowledge.messages.text("exercise.dose", lang, dose=exercise.dose[lang.value]))
    meta = ReplyMeta(topic=Topic.EXERCISES, language=lang, region=turn.region, facts=[fact])
    buttons = [topic_button(Topic.EXERCISES, lang, knowledge)]
    send_reply(dispatcher, meta, "\n\n".join(parts), knowledge, buttons)
    return [*turn.slot_events(Topic.EXERCISES), SlotSet("exercise", fact.id)]


def show_plan(
    dispatcher: CollectingDispatcher, turn: Turn, knowledge: Knowledge = KNOWLEDGE
) -> list[EventType]:
    """The training plan(s) of the fact base."""
    lang = turn.language
    plans = knowledge.facts.advice(Topic.EXERCISES, None, ("plan",), 1)
    lines = [knowledge.messages.text("heading.plan", lang), *(f.text_in(lang) for f in plans)]
    meta = ReplyMeta(topic=Topic.EXERCISES, language=lang, region=turn.region, facts=plans)
    buttons = [topic_button(Topic.EXERCISES, lang, knowledge)]
    send_reply(dispatcher, meta, "\n".join(lines), knowledge, buttons)
    return turn.slot_events(Topic.EXERCISES)


class TopicAnswerAction(TurnAction):
    """Answers the question of the latest message on one topic."""

    @property
    @abstractmethod
    def topic(self) -> Topic: ...

    def name(self) -> str:
        return f"action_answer_{self.topic.value}"

    def answer(
        self, dispatcher: CollectingDispatcher, turn: Turn, tracker: Tracker
    ) -> list[EventType]:
        return answer_topic(dispatcher, turn, self.topic)


class ActionAnswerLocation(TopicAnswerAction):
    topic = Topic.LOCATION


class ActionAnswerCauses(TopicAnswerAction):
    topic = Topic.CAUSES


class ActionAnswerSeeDoctor(TopicAnswerAction):
    topic = Topic.SEE_DOCTOR


class ActionAnswerExercises(TopicAnswerAction):
    topic = Topic.EXERCISES


class ActionAnswerTreatment(TopicAnswerAction):
    topic = Topic.TREATMENT


class ActionAnswerPrevention(TopicAnswerAction):
    topic = Topic.PREVENTION


class ActionAnswerDiagnosis(TopicAnswerAction):
    topic = Topic.DIAGNOSIS


class ActionExplainExercise(TurnAction):
    action_name = "action_explain_exercise"

    def answer(
        self, dispatcher: CollectingDispatcher, turn: Turn, tracker: Tracker
    ) -> list[EventType]:
        exercise_id = turn.exercise_ids[0] if turn.exercise_ids else tracker.get_slot("exercise")
        return explain_exercise(dispatcher, turn, exercise_id)


class ActionExercisePlan(TurnAction):
    action_name = "action_exercise_plan"

    def answer(
        self, dispatcher: CollectingDispatcher, turn: Turn, tracker: Tracker
    ) -> list[EventType]:
        return show_plan(dispatcher, turn)


class ActionChangeRegion(TurnAction):
    """A follow-up that names only a region repeats the previous question for that region."""

    action_name = "action_change_region"

    def answer(
        self, dispatcher: CollectingDispatcher, turn: Turn, tracker: Tracker
    ) -> list[EventType]:
        return answer_topic(dispatcher, turn, turn.previous_topic or Topic.LOCATION)
