"""The answer to a message the assistant cannot read: empty once control characters are
taken out, or written in a language other than English and German.

Either way the patient's language is unknown, so the answer comes in both languages; a
foreign message also gets the emergency number, since it may describe an emergency the
assistant cannot understand. TurnAction asks here only after triage has run, so a red flag
in a mixed message is escalated first.
"""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from .knowledge import KNOWLEDGE, Knowledge
from .language import Readability, default_language
from .reply import Button, ReplyMeta, send_reply
from .taxonomy import Language, Topic

# The topics offered as buttons when the assistant greets or cannot place a message.
TOPIC_MENU = (Topic.LOCATION, Topic.CAUSES, Topic.SEE_DOCTOR, Topic.EXERCISES)
MESSAGE_KEYS = {
    Readability.EMPTY: "empty_message",
    Readability.FOREIGN: "unsupported_language",
}


def readability(tracker: Tracker, knowledge: Knowledge = KNOWLEDGE) -> Readability:
    """Whether the patient's latest message, answered by the running action, is readable.

    A button payload is, and so is a message an earlier action of the turn has already
    answered (the doctor check's result follows the form, not the patient's words)."""
    if tracker.latest_action_name != "action_listen":
        return Readability.READABLE
    text = (tracker.latest_message or {}).get("text")
    text = text if isinstance(text, str) else ""
    if text.startswith("/"):
        return Readability.READABLE
    return knowledge.foreign_words.readability(text, knowledge.vocabulary)


def bilingual_topic_menu(knowledge: Knowledge = KNOWLEDGE) -> list[Button]:
    return [
        {
            "title": " / ".join(
                knowledge.messages.text(f"button.{topic.value}", lang) for lang in Language
            ),
            "payload": f"/ask_{topic.value}",
        }
        for topic in TOPIC_MENU
    ]


def conversation_language(tracker: Tracker) -> Language:
    try:
        return Language(tracker.get_slot("language"))
    except ValueError:
        return default_language()


def answer_unreadable(
    dispatcher: CollectingDispatcher, tracker: Tracker, knowledge: Knowledge = KNOWLEDGE
) -> list[EventType] | None:
    """The bilingual answer to an unreadable message, or None when the message is readable.

    The conversation's slots are left as they were: an unreadable message says nothing
    about the patient's language, region or circumstances."""
    kind = readability(tracker, knowledge)
    if kind is Readability.READABLE:
        return None
    number = knowledge.triage.emergency_number
    body = "\n\n".join(
        knowledge.messages.text(MESSAGE_KEYS[kind], lang, number=number) for lang in Language
    )
    meta = ReplyMeta(topic=Topic.OUT_OF_SCOPE, language=conversation_language(tracker))
    send_reply(dispatcher, meta, body, knowledge, bilingual_topic_menu(knowledge))
    return []
