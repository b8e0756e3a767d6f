"""The reply contract: how every bot turn ends, and the one place the disclaimer is added.

A turn is a text message (with buttons where useful) followed by one message carrying a
`custom` object that the widget, the staff review and automated checks read:
{"topic", "region", "urgency", "language", "facts": [{"id", "source"}]}.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from rasa_sdk.executor import CollectingDispatcher

from .fact_base import Fact
from .knowledge import Knowledge
from .taxonomy import Language, Region, Topic
from .urgency import Urgency

Button = dict[str, str]


@dataclass(frozen=True)
class ReplyMeta:
    topic: Topic
    language: Language
    region: Region | None = None
    urgency: Urgency = Urgency.NONE
    facts: Sequence[Fact] = field(default_factory=tuple)
    # The doctor check's questions and its "stopped" notice state nothing medical, so they
    # carry no disclaimer; every answer on a health topic does.
    states_advice: bool = True

    def as_custom(self) -> dict:
        return {
            "topic": self.topic.value,
            "region": self.region.value if self.region else None,
            "urgency": self.urgency.value,
            "language": self.language.value,
            "facts": [{"id": f.id, "source": f.source} for f in self.facts],
        }


def source_line(facts: Sequence[Fact], language: Language, knowledge: Knowledge) -> str:
    files = list(dict.fromkeys(f.source for f in facts))
    titles = "; ".join(knowledge.facts.sources[name].title[language.value] for name in files)
    key = "source_line.one" if len(files) == 1 else "source_line.many"
    return knowledge.messages.text(key, language, titles=titles)


def compose_text(body: str, meta: ReplyMeta, knowledge: Knowledge) -> str:
    """The answer text; every health answer ends with its sources and the disclaimer."""
    parts = [body.strip()]
    if meta.topic.is_health and meta.states_advice:
        if meta.facts:
            parts.append(source_line(meta.facts, meta.language, knowledge))
        parts.append(knowledge.messages.text("disclaimer", meta.language))
    return "\n\n".join(p for p in parts if p)


def send_reply(
    dispatcher: CollectingDispatcher,
    meta: ReplyMeta,
    body: str,
    knowledge: Knowledge,
    buttons: Sequence[Button] = (),
) -> None:
    """The only way actions speak: the text, then the machine-readable summary of the turn."""
    dispatcher.utter_message(text=compose_text(body, meta, knowledge), buttons=list(buttons))
    dispatcher.utter_message(json_message=meta.as_custom())
