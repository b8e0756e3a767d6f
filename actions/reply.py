"""The reply contract: how every bot turn ends, and the one place the disclaimer is added.

A turn is a text message (with buttons where useful) followed by one message carrying a
`custom` object that the widget, the messaging channels, the staff review and automated
checks read: {"topic", "region", "urgency", "language", "facts": [{"id", "source"}],
"source_line", "disclaimer", "emergency_number", "reminder", "question"}. `source_line` and
`disclaimer` repeat the exact strings that end the text, so that a channel can set them apart;
`emergency_number` is set when the urgency calls for help now; `reminder` is the line a
standing escalation adds, `question` the rules a confirming question asks about.
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
    # sources named without facts: the guidelines and articles a red-flag rule rests on
    cited: Sequence[str] = field(default_factory=tuple)
    # The doctor check's questions and its "stopped" notice state nothing medical, so they
    # carry no disclaimer; every answer on a health topic does.
    states_advice: bool = True

    def as_custom(self, knowledge: Knowledge) -> dict:
        ending = Ending.of(self, knowledge)
        urgent = self.urgency in (Urgency.EMERGENCY, Urgency.URGENT)
        return {
            "topic": self.topic.value,
            "region": self.region.value if self.region else None,
            "urgency": self.urgency.value,
            "language": self.language.value,
            "facts": [{"id": f.id, "source": f.source} for f in self.facts],
            "source_line": ending.source_line,
            "disclaimer": ending.disclaimer,
            "emergency_number": knowledge.triage.emergency_number if urgent else None,
            # a standing escalation's reminder, and the rules a confirming question asks about
            "reminder": None,
            "question": None,
        }


@dataclass(frozen=True)
class Ending:
    """What follows the body of an answer: its sources and the disclaimer, or nothing."""

    source_line: str | None = None
    disclaimer: str | None = None

    @classmethod
    def of(cls, meta: ReplyMeta, knowledge: Knowledge) -> Ending:
        if not (meta.topic.is_health and meta.states_advice):
            return cls()
        names = [f.source for f in meta.facts] or list(meta.cited)
        return cls(
            source_line=source_line(names, meta.language, knowledge) if names else None,
            disclaimer=knowledge.messages.text("disclaimer", meta.language),
        )


def source_line(names: Sequence[str], language: Language, knowledge: Knowledge) -> str:
    """ "Source: …" with each seed article's title; other sources (guidelines) by name."""
    names = list(dict.fromkeys(names))
    sources = knowledge.facts.sources
    titles = "; ".join(
        sources[name].title[language.value] if name in sources else name for name in names
    )
    key = "source_line.one" if len(names) == 1 else "source_line.many"
    return knowledge.messages.text(key, language, titles=titles)


def compose_text(body: str, meta: ReplyMeta, knowledge: Knowledge) -> str:
    """The answer text; every health answer ends with its sources and the disclaimer."""
    ending = Ending.of(meta, knowledge)
    parts = [body.strip(), ending.source_line, ending.disclaimer]
    return "\n\n".join(p for p in parts if p)


def add_before_ending(
    messages: list[dict], line: str, buttons: Sequence[Button] = (), custom: dict | None = None
) -> None:
    """Add a line to the turn's answer, after its body and before its sources and the
    disclaimer, which still end it; and buttons first, and keys to its contract."""
    for index, message in enumerate(messages):
        contract = (messages[index + 1].get("custom") if index + 1 < len(messages) else None) or {}
        if "text" not in message or not message["text"]:
            continue
        text = message["text"]
        ending = "\n\n".join(
            p for p in (contract.get("source_line"), contract.get("disclaimer")) if p
        )
        if ending and text.endswith(ending):
            body = text[: -len(ending)].rstrip()
            message["text"] = f"{body}\n\n{line}\n\n{ending}"
        else:
            message["text"] = f"{text}\n\n{line}"
        message["buttons"] = [*buttons, *(message.get("buttons") or [])]
        if contract and custom:
            contract.update(custom)
        return


def raise_urgency(messages: list[dict], level: Urgency, knowledge: Knowledge) -> None:
    """Keep a standing escalation's urgency in the turn's contract."""
    for message in messages:
        contract = message.get("custom")
        if isinstance(contract, dict) and "urgency" in contract:
            try:
                current = Urgency(contract["urgency"])
            except ValueError:
                current = Urgency.NONE
            contract["urgency"] = Urgency.highest(current, level).value
            contract["emergency_number"] = knowledge.triage.emergency_number


def send_reply(
    dispatcher: CollectingDispatcher,
    meta: ReplyMeta,
    body: str,
    knowledge: Knowledge,
    buttons: Sequence[Button] = (),
) -> None:
    """The only way actions speak: the text, then the machine-readable summary of the turn."""
    dispatcher.utter_message(text=compose_text(body, meta, knowledge), buttons=list(buttons))
    dispatcher.utter_message(json_message=meta.as_custom(knowledge))
