"""Finding regions, circumstances, exercises and the language in what patients type."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from actions.knowledge import KNOWLEDGE
from actions.language import detect_language
from actions.phrase_matching import PhraseMatcher, within_edits
from actions.taxonomy import Language, Region
from tests.conftest import PROJECT_DIR

VOCAB = KNOWLEDGE.vocabulary


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("My lower back hurts", Region.LOWER_BACK),
        ("pain in my lowr back since yesterday", Region.LOWER_BACK),
        ("Ich habe einen Hexenschuss", Region.LOWER_BACK),
        ("Schmerzen im unteren Ruecken", Region.LOWER_BACK),
        ("die LWS tut weh", Region.LOWER_BACK),
        ("pain between my shoulder blades", Region.UPPER_BACK),
        ("Schmerzen zwischen den Schulterblaettern", Region.UPPER_BACK),
        ("zwischen den Schulterblättern zieht es", Region.UPPER_BACK),
        ("my neck and shoulders are stiff", Region.UPPER_BACK),
        ("it hurts at my lower ribs at the back", Region.MIDDLE_BACK),
        ("Schmerzen im mittleren Rücken links", Region.MIDDLE_BACK),
        ("mid-back pain when I breathe", Region.MIDDLE_BACK),
    ],
)
def test_regions_are_found_despite_typos_umlauts_and_inflection(text, region):
    assert VOCAB.regions_in(text)[0] is region


def test_a_message_without_a_region_names_none():
    assert VOCAB.regions_in("my back hurts, what can I do?") == []
    assert VOCAB.regions_in("Mein Rücken tut weh") == []


@pytest.mark.parametrize(
    ("text", "context"),
    [
        ("my back hurts at night", "night"),
        ("nachts tut der Rücken weh", "night"),
        ("it hurts when I breathe in", "breathing"),
        ("Rückenschmerzen in der Schwangerschaft", "pregnancy"),
        ("back pain despite training", "training"),
        ("Rueckenkraempfe", "cramp"),
        ("pain on the left side of my middle back", "left_side"),
        ("Schmerzen rechts im mittleren Rücken", "right_side"),
    ],
)
def test_circumstances_are_found(text, context):
    assert context in VOCAB.contexts_in(text)


@pytest.mark.parametrize(
    ("text", "exercise"),
    [
        ("how do I do the brige?", "bridge"),
        ("explain the cat-cow please", "cat_cow"),
        ("wie geht Katze Kuh", "cat_cow"),
        ("how long do I hold the side plank", "side_plank"),
        ("wie mache ich den Unterarmstütz", "plank"),
        ("show me child's pose", "childs_pose"),
    ],
)
def test_exercises_are_found_by_name_or_alias(text, exercise):
    assert KNOWLEDGE.facts.exercise_ids_in(text)[0] == exercise


def test_typo_tolerance_is_limited_to_longer_words():
    assert within_edits("shoulder", "shoulder", 0)
    assert within_edits("shouldr", "shoulder", 1)
    assert not within_edits("back", "neck", 1)
    matcher = PhraseMatcher([("x", "neck")])
    assert matcher.keys("my nick hurts") == []


def test_a_huge_message_is_searched_quickly_and_without_error():
    text = "lorem ipsum " * 50_000 + "lower back"
    assert VOCAB.regions_in(text) == []  # only the start of a pasted document is read


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("my lower back hurts", Language.EN),
        ("Mein unterer Rücken tut weh", Language.DE),
        ("mein unterer ruecken tut weh", Language.DE),
        ("welche uebungen helfen", Language.DE),
        ("which exercises help?", Language.EN),
        ("danke", Language.DE),
        ("thanks!", Language.EN),
    ],
)
def test_the_language_of_a_message_is_detected(text, language):
    assert detect_language(text, VOCAB, previous=None) is language


def test_a_message_without_language_markers_keeps_the_conversation_language():
    assert detect_language("ok", VOCAB, previous=Language.DE) is Language.DE
    assert detect_language("2", VOCAB, previous=Language.EN) is Language.EN


def nlu_examples(path: Path) -> list[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        line[2:].strip()
        for block in data["nlu"]
        if "intent" in block
        for line in block["examples"].splitlines()
        if line.startswith("- ")
    ]


@pytest.mark.parametrize("language", list(Language))
def test_language_detection_on_the_held_out_nlu_examples(language):
    examples = nlu_examples(PROJECT_DIR / "tests" / "nlu" / f"{language.value}.yml")
    other = Language.DE if language is Language.EN else Language.EN
    correct = sum(detect_language(t, VOCAB, previous=other) is language for t in examples)
    # Greetings like "hi" or "ok" carry no marker and rightly keep the other language.
    assert correct / len(examples) >= 0.93, f"{correct}/{len(examples)}"
