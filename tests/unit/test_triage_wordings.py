"""Triage15, tuned on corpus 14's development half: the kinds of wording it missed, each told
in other words here (never the corpus sentence), with look-alikes that must stay calm."""

from __future__ import annotations

import pytest

from actions.knowledge import KNOWLEDGE
from actions.urgency import Urgency

TRIAGE = KNOWLEDGE.triage


def reached(text: str) -> Urgency:
    assessment = TRIAGE.assess(text)
    return Urgency.highest(assessment.level, assessment.bystander_level)


def conversation(turns: list[str]) -> tuple[Urgency, Urgency]:
    """The highest levels reached for the patient and for someone they are with."""
    symptoms: frozenset[str] = frozenset()
    others: frozenset[str] = frozenset()
    own, theirs = Urgency.NONE, Urgency.NONE
    for turn in turns:
        a = TRIAGE.assess(turn, symptoms, others)
        symptoms, others = a.symptoms, a.others
        own, theirs = Urgency.highest(own, a.level), Urgency.highest(theirs, a.bystander_level)
    return own, theirs


def test_in_a_conversation_about_someone_else_a_clause_naming_nobody_is_theirs():
    own, theirs = conversation(
        [
            "my son has a bad back and a headache",
            "temp says 39.2 and he shouts when I open the curtains, his neck is stiff",
        ]
    )
    assert (own, theirs) == (Urgency.NONE, Urgency.EMERGENCY)


def test_the_patients_own_sign_stays_theirs_in_a_conversation_about_someone_else():
    own, _ = conversation(
        ["my husband has back pain", "I have had a fever of 39 since Monday and my back hurts too"]
    )
    assert own is Urgency.URGENT


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # a relative named with a word between: "my eldest son", "meine ältere Tochter"
        ("my eldest son fell off the garage roof and says his legs are numb", "emergency"),
        (
            "meine ältere Tochter hat Fieber und einen steifen Nacken und Rückenschmerzen",
            "emergency",
        ),
        # a colleague without "my"
        ("colleague came off a scaffold, about 3m, lying on his back", "emergency"),
        # both legs numb, told as plural legs
        ("Seine Beine sind seit heute morgen taub, sagt mein Mann, Rücken tut weh", "emergency"),
        ("my legs have gone numb and my back is killing me", "emergency"),
        # a cancer history with a pain that is recent
        ("Meine Frau hatte Brustkrebs, seit kurzem hat sie Schmerzen im Rücken", "urgent"),
        # a crash on a motorway at speed
        (
            "Auffahrunfall auf der A9, der hinter mir war mit 100 Sachen drauf, Rücken tut weh",
            "emergency",
        ),
        # the pregnant patient's warning signs in lay words
        ("ich bin in der 28. SSW, Rückenschmerzen und hab heute früh geblutet", "urgent"),
        ("32 weeks pregnant, backache comes in waves and my belly goes hard", "urgent"),
        # a foot that slaps, told by a relative
        ("Bei meiner Mutter klatscht der linke Fuß beim Gehen auf, sie hat Ischias", "urgent"),
        # not needing to pass urine all day, and a numb back passage
        ("I haven't needed a wee all day despite drinking, my back is terrible", "emergency"),
        ("my back passage feels numb since this morning and my back hurts", "emergency"),
        # coughing with blood told in two clauses
        (
            "I've been coughing all night and there's blood in the tissue, my back hurts",
            "emergency",
        ),
        # an onset after 50
        ("I'm 58 and the pain started two weeks ago, nothing like it before", "routine"),
    ],
)
def test_lay_wordings_of_corpus_14_told_otherwise_escalate(text, level):
    assert reached(text) is Urgency(level)


@pytest.mark.parametrize(
    "text",
    [
        # "mouth" is no typo of "month"
        "had a tooth out, my mouth is still sore and my back aches from the dentist's chair",
        # a fever told as over
        "had a temperature on Monday with a cold but that's gone, back a bit stiff from bed",
        # a fear of cancer is no cancer
        "I'm scared this back pain might be cancer, my aunt had it",
        # a hypothetical in German without "falls"
        "Wenn ich irgendwann nicht mehr laufen könnte, wäre das schlimm? Hab nur Hexenschuss",
        # a young person's slow, slight fall
        "I'm 25, slipped off my scooter at walking pace, a bit bruised, back a little sore",
        "Mein Sohn (16) ist vom Rad gefallen, nix passiert, bisschen geprellt, läuft normal",
        # someone's pill, not their pain, has lasted a month
        "started the pill a month ago, my back has been sore since yesterday",
        # a young person's numb bottom told as not tingling
        "Bin beim Skaten auf den Po gefallen, kribbelt nix, tut nur weh, bin 15",
    ],
)
def test_look_alikes_of_corpus_14_do_not_escalate(text):
    assert reached(text) is Urgency.NONE


@pytest.mark.parametrize(
    ("turns", "days"),
    [
        (["since Christmas my back hurts, now it's January"], None),
        (["seit Weihnachten Rücken, jetzt haben wir März"], 66),
        (["Seit Anfang des Jahres zieht es im Kreuz, jetzt ist schon Juni"], 150),
    ],
)
def test_christmas_is_late_december_and_the_start_of_the_year_is_january(turns, days):
    span = TRIAGE.time.month_span(TRIAGE.sentences(turns[0])[0].words)
    if days is None:
        assert span is None or span[1] < 14
    else:
        assert span is not None and round(span[1]) == days
