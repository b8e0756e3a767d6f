"""Finding regions, circumstances, exercises and the language in what patients type."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from actions.data_files import DataFileError
from actions.knowledge import KNOWLEDGE, Knowledge
from actions.language import ForeignWords, Readability, detect_language
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


# --- messages in languages the assistant does not speak, and messages with no text ---

FOREIGN_WORDS = KNOWLEDGE.foreign_words
FOREIGN_MESSAGES = {
    "arabic": "ظهري يؤلمني منذ ثلاثة أيام",
    "chinese": "我的背很痛，怎么办？",  # noqa: RUF001
    "russian": "У меня болит спина",  # noqa: RUF001
    "french": "Bonjour, j'ai mal au dos depuis trois jours. Que dois-je faire ?",
    "french_short": "Quelle heure est-il ?",
    "spanish": "Hola, me duele mucho la espalda desde ayer, ¿qué puedo hacer?",
    "italian": "Buongiorno, ho molto male alla schiena da giorni",
    "turkish": "Merhaba, üç gündür sırtım çok ağrıyor, ne yapmalıyım?",  # noqa: RUF001
    "polish": "Dzień dobry, od trzech dni bolą mnie plecy",
    "portuguese": "Olá, tenho muita dor nas costas",
    "dutch": "Ik heb al dagen pijn in mijn onderrug",
}


def readability(text: str) -> Readability:
    return FOREIGN_WORDS.readability(text, VOCAB)


@pytest.mark.parametrize("text", FOREIGN_MESSAGES.values(), ids=FOREIGN_MESSAGES.keys())
def test_a_message_in_another_language_or_script_is_called_foreign(text):
    assert readability(text) is Readability.FOREIGN


@pytest.mark.parametrize("text", ["", "   ", "\x00", "\x00\x00\x00", "\x00\x01\x02", "\u200b\t\n"])
def test_a_message_of_only_control_characters_is_empty(text):
    assert readability(text) is Readability.EMPTY


@pytest.mark.parametrize(
    "text",
    [
        "ok", "ja", "hi", "nein", "no", "yes", "danke", "thx", "hallo", "moin", "k", "jo", "?",
        "😀😀", "2", "mein ruecken tut seit drei tagen weh", "ich hab rueckenschmerzn, was tun",
        "griass di, mei kreiz duad weh", "my bak hurts realy bad", "hola, my lower back hurts",
        "Rückenschmerzen 背痛", "I cant feel my legs مرحبا", "the doctor said it's a hernia",
    ],
)  # fmt: skip
def test_short_typo_dialect_and_mixed_messages_stay_readable(text):
    assert readability(text) is Readability.READABLE


def corpus_messages() -> list[str]:
    """Every English and German patient message of the test corpora and the NLU data."""
    messages = [
        text
        for folder in ("tests/nlu", "data/nlu")
        for path in sorted((PROJECT_DIR / folder).glob("*.yml"))
        for text in nlu_examples(path)
    ]
    for path in sorted((PROJECT_DIR / "tests" / "red_flags").glob("*.yml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
            messages += [case["text"], *(case.get("previous") or [])]
    return messages


def test_no_english_or_german_corpus_message_is_called_foreign_or_empty():
    messages = corpus_messages()
    assert len(messages) > 4000
    unreadable = [t for t in messages if readability(t) is not Readability.READABLE]
    assert not unreadable, f"{len(unreadable)}/{len(messages)}: {unreadable[:10]}"


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"name": "French", "words": ["bonjour", "die"]}, "'die' is a de language marker"),
        ({"name": "Spanish", "words": ["días"]}, "'días' is not one folded word"),
        ({"name": "French", "words": []}, "needs at least one word"),
        ({"words": ["bonjour"]}, "field 'name': must be a non-empty text"),
    ],
)
def test_a_broken_foreign_word_list_is_refused_naming_the_problem(data_copy, entry, problem):
    path = data_copy / "foreign_words.yml"
    path.write_text(yaml.safe_dump({"languages": {"xx": entry}}), encoding="utf-8")
    with pytest.raises(DataFileError) as err:
        ForeignWords.load(path, VOCAB)
    assert "foreign_words.yml: language 'xx'" in str(err.value) and problem in str(err.value)


def test_english_or_german_cannot_be_listed_as_foreign(data_copy):
    path = data_copy / "foreign_words.yml"
    path.write_text(yaml.safe_dump({"languages": {"de": {"name": "German", "words": ["x"]}}}))
    with pytest.raises(DataFileError, match="language 'de': is a language the assistant answers"):
        ForeignWords.load(path, VOCAB)


def test_the_assistant_refuses_to_start_without_its_foreign_word_list(data_copy):
    (data_copy / "foreign_words.yml").unlink()
    with pytest.raises(DataFileError, match=r"foreign_words\.yml: cannot be read"):
        Knowledge.load(data_copy)
