"""How an answer reads on a platform with a length limit and without buttons."""

from __future__ import annotations

import pytest

from channels.platform_text import (
    chosen_payload,
    looks_like_choice,
    numbered_choices,
    split_text,
    with_numbered_choices,
)

BUTTONS = [
    {"title": "Exercises", "payload": "/ask_exercises"},
    {"title": "When to see a doctor", "payload": "/ask_see_doctor"},
    {"title": "Lower back", "payload": '/inform_region{"region":"lower_back"}'},
]


def words_of(parts: list[str]) -> list[str]:
    return " ".join(parts).split()


def test_a_short_text_is_one_part_unchanged() -> None:
    assert split_text("Hello there.\n\nSecond paragraph.", 100) == [
        "Hello there.\n\nSecond paragraph."
    ]


def test_an_empty_text_has_no_parts() -> None:
    assert split_text("  \n ", 10) == []


def test_a_long_text_is_split_between_paragraphs_first() -> None:
    text = "First paragraph here.\n\nSecond one, a bit longer.\n\nThird."
    parts = split_text(text, 35)
    assert parts == ["First paragraph here.", "Second one, a bit longer.\n\nThird."]


def test_a_paragraph_too_long_is_split_between_lines_then_sentences() -> None:
    text = "• one line of a list\n• another line\n\nSentence one is here. Sentence two is here."
    parts = split_text(text, 25)
    assert parts == [
        "• one line of a list",
        "• another line",
        "Sentence one is here.",
        "Sentence two is here.",
    ]


def test_a_sentence_too_long_is_split_between_words_never_inside_one() -> None:
    text = "Keep your knees bent and lift your hips slowly towards the ceiling while breathing."
    parts = split_text(text, 20)
    assert all(len(p) <= 20 for p in parts)
    assert words_of(parts) == text.split()  # no word cut, none lost, order kept


def test_only_a_word_longer_than_the_limit_is_cut() -> None:
    parts = split_text("see https://example.org/" + "x" * 30, 12)
    assert all(len(p) <= 12 for p in parts)
    assert parts[0] == "see"
    assert "".join(parts[1:]) == "https://example.org/" + "x" * 30


def test_every_part_fits_and_the_text_is_kept_in_order() -> None:
    paragraph = "Word " * 40 + "end. Another sentence follows here! And a question?"
    text = "\n\n".join(f"{i} {paragraph}" for i in range(12))
    for limit in (30, 70, 160, 500, 1600):
        parts = split_text(text, limit)
        assert all(0 < len(p) <= limit for p in parts)
        assert words_of(parts) == text.split()


def test_a_limit_below_one_is_an_error() -> None:
    with pytest.raises(ValueError):
        split_text("text", 0)


def test_buttons_become_numbered_choices_in_english() -> None:
    assert numbered_choices(BUTTONS[:2], "en") == (
        "1. Exercises\n2. When to see a doctor\nReply with a number."
    )


def test_buttons_become_numbered_choices_in_german() -> None:
    buttons = [{"title": "Übungen", "payload": "/ask_exercises"}]
    assert numbered_choices(buttons, "de") == "1. Übungen\nAntworten Sie mit einer Nummer."


def test_choices_of_an_unknown_language_are_asked_for_in_both() -> None:
    prompt = numbered_choices(BUTTONS[:1], None).splitlines()[-1]
    assert "Reply with a number" in prompt and "Antworten Sie" in prompt


def test_choices_follow_the_text_as_their_own_paragraph() -> None:
    text = with_numbered_choices("Which one?", BUTTONS[:1], "en")
    assert text == "Which one?\n\n1. Exercises\nReply with a number."
    assert with_numbered_choices("No buttons.", [], "en") == "No buttons."


def test_choices_go_before_the_sources_so_the_disclaimer_still_ends_the_answer() -> None:
    ending = ("Source: Article", "This is general information only.")
    text = with_numbered_choices(
        "Try the bridge.\n\nSource: Article\n\nThis is general information only.",
        BUTTONS[:1],
        "en",
        ending,
    )
    assert text == (
        "Try the bridge.\n\n1. Exercises\nReply with a number.\n\n"
        "Source: Article\n\nThis is general information only."
    )
    # an answer without sources (ending part None) keeps its disclaimer last too
    text = with_numbered_choices("Hi.\n\nDisclaimer.", BUTTONS[:1], "en", (None, "Disclaimer."))
    assert text.endswith("Reply with a number.\n\nDisclaimer.")


@pytest.mark.parametrize("reply", ["2", " 2 ", "2.", "2)", "02"])
def test_a_number_reply_names_that_choice(reply: str) -> None:
    assert chosen_payload(reply, BUTTONS) == "/ask_see_doctor"


def test_a_choice_payload_with_entities_is_returned_whole() -> None:
    assert chosen_payload("3", BUTTONS) == '/inform_region{"region":"lower_back"}'


@pytest.mark.parametrize("reply", ["0", "4", "12", "2 exercises", "two", "", "1.5", "-1"])
def test_a_reply_naming_no_offered_choice_names_nothing(reply: str) -> None:
    assert chosen_payload(reply, BUTTONS) is None


def test_a_number_names_nothing_when_no_choices_were_offered() -> None:
    assert chosen_payload("1", []) is None


def test_only_number_replies_look_like_choices() -> None:
    assert looks_like_choice(" 1. ")
    assert not looks_like_choice("1 more question")
    assert not looks_like_choice(None)
