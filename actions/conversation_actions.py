"""Actions for the talk around the health answers: greeting, thanks, goodbye, who the bot is,
questions outside its scope and messages it did not understand."""

from __future__ import annotations

from abc import abstractmethod

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from .conversation_state import Turn
from .health_actions import topic_button
from .knowledge import KNOWLEDGE
from .language_fallback import TOPIC_MENU
from .reply import ReplyMeta, send_reply
from .taxonomy import Language, Topic
from .turn_action import TurnAction


def topic_menu(language: Language) -> list[dict[str, str]]:
    return [topic_button(t, language, KNOWLEDGE) for t in TOPIC_MENU]


class SimpleReplyAction(TurnAction):
    """A fixed message in the patient's language, with the topics as buttons where useful."""

    topic = Topic.SMALLTALK
    offer_topics = False

    @property
    @abstractmethod
    def message_key(self) -> str:
        """Key of the reply in data/messages.yml (abstract, so rasa-sdk skips this base)."""

    def answer(
        self, dispatcher: CollectingDispatcher, turn: Turn, tracker: Tracker
    ) -> list[EventType]:
        body = KNOWLEDGE.messages.text(self.message_key, turn.language)
        buttons = topic_menu(turn.language) if self.offer_topics else []
        meta = ReplyMeta(topic=self.topic, language=turn.language, region=turn.region)
        send_reply(dispatcher, meta, body, KNOWLEDGE, buttons)
        return turn.slot_events()


class ActionGreet(SimpleReplyAction):
    action_name, message_key, offer_topics = "action_greet", "greet", True


class ActionGoodbye(SimpleReplyAction):
    action_name, message_key = "action_goodbye", "goodbye"


class ActionThank(SimpleReplyAction):
    action_name, message_key = "action_thank", "thank"


class ActionBotChallenge(SimpleReplyAction):
    action_name, message_key = "action_bot_challenge", "bot_challenge"


class ActionOutOfScope(SimpleReplyAction):
    action_name, message_key, offer_topics = "action_out_of_scope", "out_of_scope", True
    topic = Topic.OUT_OF_SCOPE


class ActionOfferTopics(SimpleReplyAction):
    """Low NLU confidence, or no rule fits: say so and offer the topics as buttons.
    (An empty message is answered before, by actions/language_fallback.py.)"""

    action_name, message_key, offer_topics = "action_offer_topics", "fallback", True
    topic = Topic.OUT_OF_SCOPE
