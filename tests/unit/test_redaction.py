"""Redaction of personal data before storage: what disappears, what a reader still gets.

The corpora (tests/redaction/corpus.yml, and corpus_blind_dev.yml: the development half of a
corpus written blind) hold patient messages in English and German with the exact text that
may be stored; medical messages must come out unchanged. Cases with a `gap` are known misses,
run as strict expected failures so that a fix shows up.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest
import yaml

from conversation_store import redaction
from conversation_store.redaction import (
    FAILED,
    RedactionDataError,
    load_rules,
    redact_text,
    redact_value,
)
from tests.conftest import PROJECT_DIR
from tests.redaction.measure import PLACEHOLDER, corpus_figures

CORPUS_DIR = PROJECT_DIR / "tests" / "redaction"
CORPUS = yaml.safe_load((CORPUS_DIR / "corpus.yml").read_text("utf-8"))["cases"]
BLIND_DEV = yaml.safe_load((CORPUS_DIR / "corpus_blind_dev.yml").read_text("utf-8"))["cases"]
# the development half of a second blind corpus (hard names, addresses, name-like medical words)
BLIND2_DEV = yaml.safe_load((CORPUS_DIR / "corpus_blind2_dev.yml").read_text("utf-8"))["cases"]
DATA_FILE = PROJECT_DIR / "data" / "redaction.yml"


def expected(case: dict) -> str:
    return case.get("expected", case["text"])


def case_id(case: dict) -> str:
    return case["text"][:50]


# --- the corpus ----------------------------------------------------------------------------


def test_the_corpus_is_big_and_covers_both_languages_and_every_placeholder():
    assert len(CORPUS) >= 80
    for language in ("en", "de"):
        personal = [c for c in CORPUS if c["language"] == language and "expected" in c]
        medical = [c for c in CORPUS if c["language"] == language and "expected" not in c]
        assert len(personal) >= 20 and len(medical) >= 20, language
    used = {p for c in CORPUS for p in PLACEHOLDER.findall(expected(c))}
    categories = ["email", "phone", "address", "date_of_birth", "date", "insurance_number"]
    categories += ["id_number", "iban", "name"]
    assert used == {f"[{name}]" for name in categories}


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, marks=pytest.mark.xfail(reason=c["gap"], strict=True)) if "gap" in c else c
        for c in CORPUS + BLIND_DEV + BLIND2_DEV
    ],
    ids=case_id,
)
def test_each_corpus_message_is_stored_exactly_as_expected(case):
    assert redact_text(case["text"]) == expected(case)


@pytest.mark.parametrize(
    ("name", "corpus"),
    [("corpus", CORPUS), ("blind dev", BLIND_DEV), ("blind 2 dev", BLIND2_DEV)],
)
def test_corpus_summary_personal_items_caught_and_medical_text_untouched(
    report_figure, name, corpus
):
    """The figures for the README; every miss here is a listed gap."""
    f = corpus_figures(redact_text, corpus)
    gaps = [c for c in corpus if "gap" in c]
    report_figure(
        f"redaction {name} (development set): {f['caught']}/{f['items']} personal data items "
        f"redacted exactly, {f['changed']}/{f['medical']} medical messages changed, "
        f"{len(gaps)} known gaps"
    )
    assert f["changed"] <= sum(1 for c in gaps if "expected" not in c)
    assert f["items"] - f["caught"] <= sum(
        len(PLACEHOLDER.findall(c.get("expected", ""))) for c in gaps
    )


# Development halves of the third and fourth blind corpora, tuned on without gap markers:
# (floor of items redacted exactly, ceiling of medical messages changed) as of 2026-12-02.
BLIND_DEV_FLOORS = {
    "corpus_blind3_dev.yml": (84, 0),
    "corpus_blind4_dev.yml": (49, 0),
    # the fifth (2026-12-03): first run 56, tuned on (record numbers, "Fam.")
    "corpus_blind5_dev.yml": (61, 0),
    # the sixth (2026-12-03, late): first run 56 (1 medical changed), tuned on (Austrian
    # postcodes after a preposition street, leading and hyphenated particles, "Sue", ...)
    "corpus_blind6_dev.yml": (66, 0),
    # the seventh (2026-12-03, third session): first run 45 on ceca271, 52 after pii6 (tuned
    # on the sixth's dev half only), tuned on in pii7 (lowercase particles and O' surnames,
    # relations after "ich bin der", floors and "in" before a postcode, the birth star)
    "corpus_blind7_dev.yml": (59, 0),
    # the eighth (2026-12-03, third session): first run 59, tuned on in pii8 (relatives'
    # cues "his son", "her husband"; West African first names)
    "corpus_blind8_dev.yml": (62, 0),
    # the ninth (2026-12-03, fourth session): first run 58 on 7c89b7d, 59 after pii8 (1
    # medical changed), tuned on in pii9 (Romance, Polish and Dutch streets and postcodes, a
    # street after its town, lowercase surnames after a title, middle initials, licences)
    "corpus_blind9_dev.yml": (74, 0),
    # the tenth (2026-12-04): first run untouched on f8eadbb (40 of 57, 1 medical changed),
    # tuned on in pii10 (PO boxes and Postfach, Austrian staircase and door numbers, UK
    # National Insurance numbers, "case ref", a full stop after an e-mail address, Punjabi
    # first names, names ending before "zur"/"vom", "c/o", a possessive before "here", a
    # lowercase first name before "from the" or between commas, products named like people);
    # the 3 left are conventions: "c/o [name], [address]" (as corpus 5) and "[name]s Rücken"
    "corpus_blind10_dev.yml": (54, 0),
}


@pytest.mark.parametrize("name", sorted(BLIND_DEV_FLOORS))
def test_a_later_blind_dev_half_keeps_its_figures(report_figure, name):
    floor, ceiling = BLIND_DEV_FLOORS[name]
    cases = yaml.safe_load((CORPUS_DIR / name).read_text("utf-8"))["cases"]
    f = corpus_figures(redact_text, cases)
    report_figure(
        f"redaction on {name} (development set): {f['caught']}/{f['items']} personal data "
        f"items redacted exactly, {f['changed']}/{f['medical']} medical messages changed"
    )
    assert f["caught"] >= floor and f["changed"] <= ceiling, f


# The held-out halves of the two blind corpora (written 2026-12-01 by people who had not seen
# the patterns; tuning used only the dev halves). Nobody tunes on them or edits them: the hash
# pins each, the figures are those first measured, and a miss looked at makes it a dev set.
FROZEN_HALVES = {
    # file: (sha256, floor of items redacted exactly, ceiling of medical messages changed),
    # ratcheted to the figures of 2026-12-02 (titles and ID kinds as in tests.redaction.measure)
    "corpus_blind_frozen.yml": (
        "15424513c0400dfc8dd8f40b818a2a507ec02f93dc831d69cd5a9e4f48931e9f",
        99,
        1,
    ),
    "corpus_blind2_frozen.yml": (
        "97482678f35a6f7233cac4470b22de82c4b19211b8dd23015d022833b35a3f54",
        80,
        3,  # 5 until pii10 (2026-12-04)
    ),
    # the third blind corpus (2026-12-02), first run untouched on commit 87346d9
    "corpus_blind3_frozen.yml": (
        "c4fe12f2cba0a915b3402c6ec9eced101be5ab371b2fbcc1d9240aa85b3404e1",
        81,
        2,
    ),
    # the fourth blind corpus (2026-12-02), run untouched on 990630b and on 1e89b2d
    "corpus_blind4_frozen.yml": (
        "d9e73973a1958127454a9858656178ded2580f0eb226a8518badbbdc5d764745",
        49,  # 47 until pii10
        1,
    ),
    # the fifth blind corpus (2026-12-03), first run untouched on commit 261f5d7
    "corpus_blind5_frozen.yml": (
        "30909a7ab1c7ca88a58951bc0bf3b68bf8071416dfeb16958aaf8f60e3ebe19b",
        57,
        0,
    ),
    # the sixth blind corpus (2026-12-03, late), first run untouched on commit 1924b0f (52),
    # 54 after pii8
    "corpus_blind6_frozen.yml": (
        "2878454b156d74c79de9306820bd518022a342bf66b630c153ce4b4340d6fb60",
        55,  # 54 until pii10
        0,
    ),
    # the seventh blind corpus (2026-12-03, third session), first run untouched on ceca271 (58),
    # 59 after pii6, 60 after pii8
    "corpus_blind7_frozen.yml": (
        "11d588fb1f209feb27030607b47daf6e400c894915c84665613acc5f1226eb41",
        60,
        2,
    ),
    # the eighth blind corpus (2026-12-03, third session), first run untouched on 1fd64cb
    "corpus_blind8_frozen.yml": (
        "fcf45bbe9fb4cc266fe3235b37d57ac6141d54aaf122363dab92d8ba6709fd7a",
        45,
        0,
    ),
    # the ninth blind corpus (2026-12-03, fourth session), first run untouched on 7c89b7d
    # (56, and 56 after pii8)
    "corpus_blind9_frozen.yml": (
        "6a1c057b8d629c7fa63f938c879799303390486a130516f7254c2a696ebb267f",
        56,
        2,
    ),
    # the tenth blind corpus (2026-12-04), first run untouched on commit f8eadbb
    "corpus_blind10_frozen.yml": (
        "85a115eaa1b210c7191810575cd73073c9627be9578d3a5eb37a91f31b225834",
        44,
        0,  # 1 on the first run; 0 after pii10
    ),
}


@pytest.mark.parametrize("name", sorted(FROZEN_HALVES))
def test_a_frozen_blind_half_is_unchanged_and_does_not_fall_below_its_figures(name, report_figure):
    sha256, floor, ceiling = FROZEN_HALVES[name]
    path = CORPUS_DIR / name
    assert hashlib.sha256(path.read_bytes()).hexdigest() == sha256, (
        f"{name} changed: it is a held-out set, nobody edits it"
    )
    figures = corpus_figures(redact_text, yaml.safe_load(path.read_text("utf-8"))["cases"])
    report_figure(
        f"redaction on the FROZEN {name} (held out): {figures['caught']}/{figures['items']} "
        f"personal data items redacted exactly, {figures['changed']}/{figures['medical']} "
        "medical messages changed"
    )
    assert figures["caught"] >= floor, figures
    assert figures["changed"] <= ceiling, figures


# --- behaviour, one example each -------------------------------------------------------------


def test_a_german_phone_number_in_a_sentence_is_replaced_and_the_question_survives():
    text = "Rufen Sie mich an unter 0171 1234567, darf ich mit Ischias Rad fahren?"
    assert redact_text(text) == "Rufen Sie mich an unter [phone], darf ich mit Ischias Rad fahren?"


def test_a_name_after_a_cue_is_replaced_but_an_age_or_a_mood_is_not():
    assert redact_text("I'm Anna and my back hurts") == "I'm [name] and my back hurts"
    assert redact_text("I'm 45 and my back hurts") == "I'm 45 and my back hurts"
    assert redact_text("I'm tired and my back hurts") == "I'm tired and my back hurts"
    assert redact_text("mein Name ist Müller") == "mein Name ist [name]"
    assert redact_text("ich heiße Sie willkommen") == "ich heiße Sie willkommen"


def test_a_labelled_birth_date_is_a_date_of_birth_and_a_bare_full_date_is_a_date():
    assert redact_text("geboren am 1. März 1980") == "geboren am [date_of_birth]"
    assert redact_text("seit 12.03.1994 Schmerzen") == "seit [date] Schmerzen"
    assert redact_text("since Monday, for 2 weeks") == "since Monday, for 2 weeks"


def test_an_iban_is_one_iban_not_a_phone_number_and_digits():
    assert redact_text("IBAN DE89 3704 0044 0532 0130 00 bitte") == "IBAN [iban] bitte"


def test_a_ten_digit_number_with_a_valid_nhs_check_digit_is_an_id_otherwise_a_phone():
    assert redact_text("NHS 943 476 5919") == "NHS [id_number]"
    assert redact_text("call 415 555 0100") == "call [phone]"


def test_medical_numbers_survive():
    text = "pain 7 out of 10, 3 weeks, 2 times a day since 2019, L4/L5 and S1, 30 seconds, call 112"
    assert redact_text(text) == text


def test_text_around_a_placeholder_keeps_its_punctuation_and_markup():
    assert redact_text("<b>anna@example.com</b>!") == "<b>[email]</b>!"


# --- any input, fast ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\x00\x01\x1b[31m",
        "\ud800 lone surrogate",
        "<script>alert(1)</script>",
        "ÄÖÜß" * 10,
    ],
)
def test_odd_text_comes_back_as_text_without_an_error(text):
    assert isinstance(redact_text(text), str)


def test_a_value_that_is_not_text_is_returned_as_it_is():
    assert redact_text(None) is None  # type: ignore[arg-type]
    assert redact_text(42) == 42  # type: ignore[arg-type]


def test_a_failure_inside_redaction_stores_a_placeholder_instead_of_the_text(monkeypatch):
    def broken(self, text: str) -> str:
        raise RuntimeError("bug")

    monkeypatch.setattr(redaction.Rules, "redact", broken)
    assert redact_text("my name is Anna") == FAILED


def test_texts_found_clean_are_remembered_but_a_text_with_personal_data_never_is():
    clean, personal = "my lower back hurts since tuesday", "call me on 0171 1234567 please"
    assert redact_text(clean) == clean and redact_text(clean) == clean
    assert clean in redaction._CLEAN
    assert redact_text(personal) == "call me on [phone] please"
    assert personal not in redaction._CLEAN
    assert redact_text(personal) == "call me on [phone] please"


def test_the_memory_of_clean_texts_is_bounded_and_forgets_the_oldest_first():
    texts = redaction._CleanTexts()
    for n in range(texts.MAX_TEXTS + 10):
        texts.add(f"text {n}")
    assert "text 0" not in texts and f"text {texts.MAX_TEXTS + 9}" in texts
    assert len(texts._texts) == texts.MAX_TEXTS
    texts.add("x" * (texts.MAX_LENGTH + 1))
    assert "x" * (texts.MAX_LENGTH + 1) not in texts


ADVERSARIAL = {
    "letters": "a" * 1_000_000,
    "spaces": " " * 1_000_000,
    "digits": "1" * 1_000_000,
    "zeros and spaces": "0 " * 500_000,
    "plus signs": "+4" * 500_000,
    "dots": "1." * 500_000,
    "dashes": "1-" * 500_000,
    "parentheses": "(0" * 500_000,
    "at signs": "a@" * 500_000,
    "an e-mail local part": "a." * 500_000 + "@",
    "capitalised words": "Aa " * 333_333,
    "a street word": "Hauptstraße " * 83_333,
    "a name cue": "my name is " * 90_909,
    "markup": "<a href='mailto:x'>" * 52_631,
    "a sign-off": "Best, Mark " * 90_909,
    "a relation": "Aa (my wife) " * 76_923,
    "an initial": ", R. Aa" * 142_857,
    "a name again": "this is Aa again " * 58_823,
    "a lowercase name before a verb": "anna said " * 100_000,
    "one long word before a verb": "a" * 1_000_000 + " said",
    "a kisses sign-off": "Rose x " * 140_000,
    "a pair of names": "Rose and Frank " * 66_666,
    "a pair joined by words": "Aa and " * 142_857,
    "a lowercase sign-off": "a. " * 333_333 + "tom",
    "punctuation before a sign-off": "?" * 1_000_000 + " tom x",
    "a name opening the message again": "Rose again " * 90_909,
    "a postcode address": "12 Aa, Aa " * 100_000 + "M1 1AA",
    "a flat before an address": "Flat 3, 1 Aa, " * 71_428,
    "an Austrian postcode": "Gasse 2, 1070 " * 71_428,
    "a label aside": "policy number, aa, " * 52_631,
    "a surname ending": "hier ist nochmal kowalski " * 38_461,
    "digits in words": "null eins " * 100_000,
    "digits in words, commas": "oh one, " * 125_000,
}
# Linear time is what keeps one message from stalling the server; a catastrophic pattern is
# quadratic or worse. The ratio of two sizes measured in the same run does not depend on the
# machine's speed, an absolute limit in seconds did (1.10 s on a loaded CI machine).
SIZE_RATIO = 10
MAX_TIME_RATIO = 40  # linear gives about 10, quadratic about 100; the margin is for a busy CI
NOISE_SECONDS = 0.05  # timer and scheduler noise on texts redacted in milliseconds


@pytest.mark.parametrize("text", list(ADVERSARIAL.values()), ids=list(ADVERSARIAL))
def test_a_1_mb_adversarial_text_is_redacted_in_time_linear_in_its_length(text):
    tenth = text[: len(text) // SIZE_RATIO]
    # best of three, taken in turns, so that another process on the machine does not decide it
    timings = [(_timed(tenth), _timed(text)) for _ in range(3)]
    small, large = min(t[0] for t in timings), min(t[1] for t in timings)
    assert large <= MAX_TIME_RATIO * small + NOISE_SECONDS, f"{large:.2f} s vs {small:.3f} s"


def _timed(text: str) -> float:
    start = time.perf_counter()
    result = redact_text(text)
    assert result != FAILED
    return time.perf_counter() - start


def test_a_1_mb_text_full_of_personal_data_is_redacted_completely():
    text = "Hi, my name is Anna Schmidt, call 0171 1234567, pain 7/10 for 3 weeks. " * 14_000
    result = redact_text(text)
    assert "Anna" not in result and "1234567" not in result
    assert result.count("[phone]") == 14_000 and "pain 7/10 for 3 weeks" in result


# --- redact_value on Rasa events --------------------------------------------------------------


def test_a_rasa_user_event_has_every_string_redacted_and_other_values_kept():
    text = "my name is Anna Schmidt, my number is 0171 1234567"
    event = {
        "event": "user",
        "timestamp": 1_700_000_000.5,
        "text": text,
        "input_channel": "socketio",
        "message_id": "5f2c",
        "parse_data": {
            "text": text,
            "intent": {"name": "ask_location", "confidence": 0.93},
            "entities": [
                {"entity": "name", "value": "Anna Schmidt", "start": 11, "end": 23},
                {"entity": "phone", "value": "0171 1234567", "confidence": None},
            ],
            "intent_ranking": [{"name": "ask_location", "confidence": 0.93}],
        },
        "metadata": {"email": "anna@example.com", "returning": True, "age": 45, "tags": None},
    }
    stored = redact_value(event)
    redacted = "my name is [name], my number is [phone]"
    assert stored["text"] == stored["parse_data"]["text"] == redacted
    assert stored["parse_data"]["entities"][1]["value"] == "[phone]"
    assert stored["metadata"] == {"email": "[email]", "returning": True, "age": 45, "tags": None}
    assert stored["timestamp"] == 1_700_000_000.5
    assert stored["parse_data"]["intent"] == {"name": "ask_location", "confidence": 0.93}
    assert stored["parse_data"]["entities"][0]["start"] == 11
    assert stored["event"] == "user" and stored["input_channel"] == "socketio"
    assert event["text"] == text, "the event itself is not changed"


def test_a_bare_entity_value_is_redacted_by_its_pattern_though_it_has_no_cue():
    # A name entity alone ("Anna Schmidt") has no cue; the tracker store has the sentence.
    stored = redact_value({"entities": [{"value": "anna@example.com"}, {"value": "0171 1234567"}]})
    assert stored == {"entities": [{"value": "[email]"}, {"value": "[phone]"}]}


def test_slot_values_of_any_shape_are_redacted_inside_lists_tuples_and_sets():
    slots = {"contact": ["anna@example.com", ("0171 1234567", 3)], "seen": {"x@y.de"}, "n": 2}
    assert redact_value(slots) == {
        "contact": ["[email]", ("[phone]", 3)],
        "seen": {"[email]"},
        "n": 2,
    }


def test_data_nested_deeper_than_any_event_is_dropped_rather_than_stored():
    nested: list = []
    inner = nested
    for _ in range(500):
        inner.append([])
        inner = inner[0]
    inner.append("anna@example.com")
    assert "anna@example.com" not in str(redact_value(nested))


# --- the data file -----------------------------------------------------------------------------


def test_the_data_file_has_no_top_level_key_rasa_reads_as_training_data():
    top = yaml.safe_load(DATA_FILE.read_text("utf-8"))
    assert set(top) == {"redaction"}


def test_the_default_rules_are_loaded_from_data_redaction_yml():
    rules = load_rules(DATA_FILE)
    assert [c.name for c in rules.categories] == [c.name for c in redaction.RULES.categories]


def broken_copy(tmp_path: Path, old: str, new: str) -> Path:
    text = DATA_FILE.read_text("utf-8")
    assert old in text, old
    path = tmp_path / "redaction.yml"
    path.write_text(text.replace(old, new, 1), "utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("redaction:\n", "rules:\n", "top level: unknown key(s) ['rules']"),
        ("    - name: email\n", "    - name: Email\n", "field 'name': must be lowercase letters"),
        (
            "        - regex: '[1-9](?<!",
            "        - regex: '([1-9](?<!",
            "category 'id_number': field 'patterns[1].regex': is not a valid regex",
        ),
        ("          check: nhs\n", "          check: luhn\n", "field 'patterns[1].check'"),
        ("(?i:{month})", "(?i:{months})", "uses {months}, which is not under 'words'"),
        ("    max_words: 4\n", "    max_words: many\n", "names: field 'max_words'"),
        ('"no", "yes"', "no, yes", "names: field 'not_names.en': has a bare yes/no"),
        ("      min_digits: 5\n", "      min_digit: 5\n", "unknown key(s) ['min_digit']"),
        ("    - name: email\n", "    - name: phone\n", "is used twice"),
        (
            "    occupation_after: [von Beruf, by trade, by profession]\n",
            "    occupation_after: []\n",
            "names: field 'occupation_after': needs at least one phrase",
        ),
        ("      en: [test, sign,", "      en: [true, sign,", "field 'eponym_next.en': has a bare"),
        (
            "    preposition_particles: [zu, zum, zur, vom]\n",
            "    preposition_particles: [zu, zum, zur, beim]\n",
            "names: field 'preposition_particles': ['beim'] are not particles",
        ),
    ],
    ids=[
        "a training-data key",
        "a capital in a name",
        "an invalid regex",
        "an unknown check",
        "an unknown word list",
        "a count that is no number",
        "an unquoted no",
        "a misspelt key",
        "a category twice",
        "no occupation phrase",
        "an eponym word read as a boolean",
        "a preposition particle that is no particle",
    ],
)
def test_a_broken_data_file_names_the_file_the_item_and_the_field(tmp_path, old, new, message):
    path = broken_copy(tmp_path, old, new)
    with pytest.raises(RedactionDataError) as error:
        load_rules(path)
    assert str(path) in str(error.value)
    assert message in str(error.value)


def test_a_data_file_that_is_not_yaml_or_missing_is_a_redaction_data_error(tmp_path):
    bad = tmp_path / "redaction.yml"
    bad.write_text("redaction: [unclosed\n", "utf-8")
    with pytest.raises(RedactionDataError, match="is not valid YAML"):
        load_rules(bad)
    with pytest.raises(RedactionDataError, match="cannot be read"):
        load_rules(tmp_path / "missing.yml")


# --- names without a cue, e-mails in any form, words that are not names ---------------------


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("Anna Schmidt here, it hurts again", "[name] here, it hurts again"),
        ("regards, Jürgen", "regards, [name]"),
        ("Dr. Meier said the MRI is fine", "Dr. [name] said the MRI is fine"),
        ("Gruß aus Köln\nAnke", "Gruß aus Köln\n[name]"),
        ("Ayşe Kaya hier, mein Rücken", "[name] hier, mein Rücken"),
        ("Mark here. Is heat good?", "[name] here. Is heat good?"),
        ("vg sabine", "vg [name]"),
        ("Meine Oma Irmgard hat Osteoporose", "Meine Oma [name] hat Osteoporose"),
        ("Hier ist Herr Yildiz, wieder ich", "Hier ist Herr [name], wieder ich"),
        ("Sarah's back hurts", "[name]'s back hurts"),
        ("hey im tom, my back hurts", "hey im [name], my back hurts"),
    ],
)
def test_a_name_without_a_cue_word_is_found_by_the_name_lists(text, stored):
    assert redact_text(text) == stored


@pytest.mark.parametrize(
    "text",
    [
        "Thank you Ibuprofen helped",
        "This is Ibuprofen 400, is that enough?",
        "Danke, Ischias ist besser",
        "Mein Rücken tut weh, die Bridge hilft",
        "Die Kobra und die Brücke helfen, Arcoxia nicht",
        "Will it help if I do the Bridge every day?",
        "My German doctor wrote Bandscheibenvorfall",
        "Ich bin HIV positiv und habe Rückenschmerzen",
        "No thanks, I'd rather read it here",
        "it's long gone, no fever now",
        "Ist Tilidin stärker als Novalgin oder Diclofenac?",
        "Die Schmerzen kamen im Sommer, im Herbst werde ich 70",
        "Allen Patienten hilft Wärme, darin sind sich alle einig",
    ],
)
def test_drugs_body_parts_exercises_and_german_nouns_are_not_taken_for_names(text):
    assert redact_text(text) == text


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("max@müller-bau.de", "[email]"),
        ("E-Mail: jörg.bäcker@bäckerei-köhler.de", "E-Mail: [email]"),
        ("mail me at max dot mueller at gmail dot com", "mail me at [email]"),
        ("max (at) web (punkt) de", "[email]"),
        ("anna[at]example[dot]org bitte", "[email] bitte"),
        ("hans punkt meier ät gmx punkt de", "[email]"),
        ("an xn--mller-kva.de: info@xn--mller-kva.de", "an xn--mller-kva.de: [email]"),
        ("anna @ web . de", "[email]"),
        ("meine Mail ist anna at web.de", "meine Mail ist [email]"),
    ],
)
def test_an_internationalised_or_written_out_e_mail_address_is_an_email(text, stored):
    assert redact_text(text) == stored


def test_a_website_named_with_at_is_no_e_mail_address():
    text = "I read it at netdoktor.de and looked at my back"
    assert redact_text(text) == text


def test_a_recent_date_is_medical_and_an_old_one_or_a_birth_date_is_personal():
    assert redact_text("MRI on 12.01.2025 showed L4/L5") == "MRI on 12.01.2025 showed L4/L5"
    assert redact_text("seit dem 3.5.2024 Schmerzen") == "seit dem 3.5.2024 Schmerzen"
    assert redact_text("Operation am 12.03.1994") == "Operation am [date]"
    assert (
        redact_text("Ich bin am 24. Dezember 1958 geboren.")
        == "Ich bin am [date_of_birth] geboren."
    )


def test_a_phone_number_with_an_international_prefix_is_a_phone_not_an_nhs_number():
    assert redact_text("tel 0049 221 9876543") == "tel [phone]"


def test_a_phone_number_in_parentheses_is_a_phone():
    assert redact_text("reach me (0171 1234567) after 5") == "reach me ([phone]) after 5"
    assert redact_text("call +1 (555) 123-4567") == "call [phone]"


def test_the_name_lists_come_from_the_data_files_and_a_missing_list_names_the_field(tmp_path):
    rules = redaction.RULES.names.listed
    assert rules is not None and "jurgen" in rules.first and "schmidt" in rules.last
    assert "rose" not in rules.first and "rose" in rules.also_words
    path = broken_copy(tmp_path, "first: names/first_names.txt", "first: names/missing.txt")
    with pytest.raises(RedactionDataError, match=r"names: field 'lists.first': cannot read"):
        load_rules(path)


# --- places named after saints, the hand-kept first names, words between label and value ----


@pytest.mark.parametrize(
    "text",
    [
        "appointment with the spinal team at St Thomas' - what should I bring?",
        "Ich war im Krankenhaus Sankt Georg, die haben geröntgt",
        "the MRI is at St. Mary's on Monday",
    ],
)
def test_a_first_name_after_a_saint_word_is_a_place_not_a_person(text):
    assert redact_text(text) == text


def test_the_hand_kept_first_names_are_read_beside_the_built_list(tmp_path):
    listed = redaction.RULES.names.listed
    assert listed is not None and listed.is_first_name("Hamid") and listed.is_first_name("Kasia")
    assert redact_text("Hamid here, my back hurts") == "[name] here, my back hurts"
    (tmp_path / "names").symlink_to(DATA_FILE.parent / "names")
    path = broken_copy(
        tmp_path, "extra_first: names/first_names_extra.txt", "extra_first: names/missing.txt"
    )
    with pytest.raises(RedactionDataError, match=r"names: field 'lists.extra_first': cannot"):
        load_rules(path)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        (
            "my insurance number with the AOK is 8881234567",
            "my insurance number with the AOK is [insurance_number]",
        ),
        (
            "Meine Steuer-ID für die Quittung: 12 345 678 901",
            "Meine Steuer-ID für die Quittung: [id_number]",
        ),
        ("born on the 3rd of May 1960, L5 disc", "born on [date_of_birth], L5 disc"),
        ("Geburtsdatum falls nötig: 04.03.59", "Geburtsdatum falls nötig: [date_of_birth]"),
        ("the number of days is 12", "the number of days is 12"),
        (
            "mein Geburtsdatum, falls wichtig: 1.2.1960",
            "mein Geburtsdatum, falls wichtig: [date_of_birth]",
        ),
        (
            "date of birth (for the form): 03/04/1970",
            "date of birth (for the form): [date_of_birth]",
        ),
    ],
)
def test_a_label_may_have_a_few_words_before_its_value(text, stored):
    assert redact_text(text) == stored


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("see you at 10 then 😂 Rose x", "see you at 10 then 😂 [name] x"),
        ("Bill and I are going hiking", "[name] and I are going hiking"),
        ("can you pass this to Will? he was good", "can you pass this to [name]? he was good"),
        ("Jack said to ask you", "[name] said to ask you"),
        ("Will show you later", "Will show you later"),
        ("Mum and I went, Will it help?", "Mum and I went, Will it help?"),
        ("Mein Mann und ich, die Rose blüht", "Mein Mann und ich, die Rose blüht"),
        ("do 3 sets of the Bridge x", "do 3 sets of the Bridge x"),
        ("Feeling Better x", "Feeling Better x"),
        ("see you then, Monday x", "see you then, Monday x"),
        ("Thanks! Anna xx", "Thanks! [name] xx"),
        ("Yoga and I are not friends", "Yoga and I are not friends"),
        ("Ibuprofen and I don't get on", "Ibuprofen and I don't get on"),
        ("I will ask if Hope is the right word", "I will ask if Hope is the right word"),
    ],
)
def test_names_before_and_i_after_a_lowercase_word_and_before_kisses(text, stored):
    assert redact_text(text) == stored


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        # a valid NHS number's digits, but the label says phone
        ("phone 943 476 5919 after 5", "phone [phone] after 5"),
        # a letter and nine digits, like a German insurance number, but the label says ID
        ("my personal ID is T220001293", "my personal ID is [id_number]"),
    ],
)
def test_the_label_names_the_datum_before_the_order_of_the_categories(text, stored):
    assert redact_text(text) == stored


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("HIER IST NOCHMAL JÜRGEN, ES IST SCHLIMMER", "HIER IST NOCHMAL [name], ES IST SCHLIMMER"),
        ("MY NAME IS ANNA SCHMIDT AND IT HURTS", "MY NAME IS [name] AND IT HURTS"),
        ("ICH BIN HIV POSITIV UND HABE RÜCKENSCHMERZEN", None),
        ("Ich bin HIV positiv, Anna", "Ich bin HIV positiv, [name]"),
    ],
)
def test_in_a_message_typed_in_capitals_a_listed_first_name_after_a_cue_is_a_name(text, stored):
    assert redact_text(text) == (stored or text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("send it to 4 elm grove please", "send it to [address] please"),
        ("its 9 mill lane, not the other one", "its [address], not the other one"),
        ("we have 2 dogs close by", None),
        ("took 2 ibuprofen close together", None),
        ("a 10 min walk down the road", None),
        ("I had 2 very close calls", None),
    ],
)
def test_an_english_street_in_lowercase_is_found_without_a_label(text, stored):
    assert redact_text(text) == (stored or text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("lol becky made me try hot yoga", "lol [name] made me try hot yoga"),
        ("my wife anna said it was fine", "my wife [name] said it was fine"),
        ("meine frau sabine meinte das", "meine frau [name] meinte das"),
        ("the physio said rest, my gp said so too", None),
        ("will said it would help", None),  # a first name that is also a word
    ],
)
def test_a_lowercase_first_name_before_a_verb_of_saying_or_doing_is_a_name(text, stored):
    assert redact_text(text) == (stored or text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("any advice?? tom", "any advice?? [name]"),
        ("still sore. anna schmidt", "still sore. [name]"),
        ("thanks for the help :) sarah x", "thanks for the help :) [name] x"),
        ("it hurts when i bend. will", None),  # a first name that is also a word
        ("tom", None),  # a lone word is no sign-off
    ],
)
def test_a_lowercase_first_name_signing_off_a_message_is_a_name(text, stored):
    assert redact_text(text) == (stored or text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("Rose and Frank from my group had it", "[name] and [name] from my group had it"),
        ("Pat and Mo from next door helped", "[name] and [name] from next door helped"),
        ("Rose again - the ibuprofen isn't working", "[name] again - the ibuprofen isn't working"),
        ("Ginger and Honey tea helps", None),
        ("Rose und Lavendel Öl hilft", None),
        ("im Mai und Juli war es schlimm", None),
        ("Ibuprofen and Paracetamol did nothing", None),
        ("Sunny again, knees worse", None),
    ],
)
def test_two_names_joined_by_and_or_a_name_before_again_are_names(text, stored):
    assert redact_text(text) == (stored or text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("its bogdan wiśniewski, dob 7.9.1970", "its [name], dob [date_of_birth]"),
        ("hier ist nochmal kowalski, danke", "hier ist nochmal [name], danke"),
        ("ich war im ski urlaub", None),
        ("Im Sommer ist es besser", None),
    ],
)
def test_a_surname_is_known_by_its_ending_after_a_cue_or_first_name(text, stored):
    assert redact_text(text) == (stored or text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        (
            "MY NAME IS ANNA LOWER BACK PAIN SINCE MONDAY",
            "MY NAME IS [name] LOWER BACK PAIN SINCE MONDAY",
        ),
        ("my name is anna lower back pain", "my name is [name] lower back pain"),
        ("ich heiße anna kurz vor weihnachten", "ich heiße [name] kurz vor weihnachten"),
        ("My name is Anna Lower", "My name is [name]"),
        ("MY NAME IS ANNA SCHMIDT AND IT HURTS", "MY NAME IS [name] AND IT HURTS"),
    ],
)
def test_a_surname_that_is_a_common_word_ends_a_lowercase_or_capitals_name(text, stored):
    assert redact_text(text) == (stored or text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("They did the FABER test and Patrick's test, both sore", None),
        (
            "the Patrick test was fine, Patrick's wife said",
            "the Patrick test was fine, [name]'s wife said",
        ),
        ("Hi, my wife Mary-Ellen booked this", "Hi, my wife [name] booked this"),
        ("Hope (my wife) thinks it is a disc", "[name] (my wife) thinks it is a disc"),
        ("Ich bin Jahrgang 1961 und hab Schmerzen", None),
    ],
)
def test_eponyms_greetings_and_birth_years_are_not_names(text, stored):
    assert redact_text(text) == (stored or text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        (
            "my membership number with Bupa, if that's what you need for it, is PX 2290 4471",
            "my membership number with Bupa, if that's what you need for it, is [insurance_number]",
        ),
        ("Versichertennummer ist die A123456789", "Versichertennummer ist die [insurance_number]"),
        (
            "Mini Versichertennummere vo de CSS isch 80756001234567890",
            "Mini Versichertennummere vo de CSS isch [insurance_number]",
        ),
        ("AHV-Nummer: 756.1234.5678.97", "AHV-Nummer: [id_number]"),
        ("Ruf mich an: 0 30 / 12 34 56 78", "Ruf mich an: [phone]"),
        ("ring me on 07700 900123 after 5", "ring me on [phone] after 5"),
        ("the pain, as I said, is 7 out of 10", None),
    ],
)
def test_more_labels_and_an_aside_between_label_and_value(text, stored):
    assert redact_text(text) == (stored or text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        (
            "I live at Flat 3, 112 Kingsway, Manchester M19 2LL. Is there a physio?",
            "I live at [address]. Is there a physio?",
        ),
        (
            "send it to 4 The Broadway, Crouch End, London N8 9SN please",
            "send it to [address] please",
        ),
        ("Anschrift: Kirchengasse 2/5, 1070 Wien, bitte", "Anschrift: [address], bitte"),
        ("Ich wohne Bahnhofstrasse 12, 8001 Zürich", "Ich wohne [address]"),
        ("Hauptstraße 12 2 Tabletten", "[address] 2 Tabletten"),
    ],
)
def test_addresses_by_a_uk_postcode_or_an_austrian_or_swiss_postcode(text, stored):
    assert redact_text(text) == (stored or text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        (
            "meine Nummer: null eins sieben eins, eins zwei drei vier fünf sechs sieben",
            "meine Nummer: [phone]",
        ),
        ("call me on oh seven seven double oh nine zero zero one two three", "call me on [phone]"),
        ("ich zähle eins zwei drei vier fünf sechs sieben acht", None),
        ("oh, one two three, four five six seven was how many I did", None),
        ("oh no, one more time", None),
    ],
)
def test_a_phone_number_typed_out_in_words_from_its_leading_zero(text, stored):
    assert redact_text(text) == (stored or text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        (
            "the ward gave me hospital number RX-55012, is that right?",
            "the ward gave me hospital number [id_number], is that right?",
        ),
        (
            "Aktenzeichen: 7-KL/2025/3381, bitte zuordnen",
            "Aktenzeichen: [id_number], bitte zuordnen",
        ),
        ("meine Patienten-ID ist 00981234", "meine Patienten-ID ist [id_number]"),
        ("ref no 556712 on the clinic letter", "ref no [id_number] on the clinic letter"),
        ("is my case number 3 important for the booking?", None),
    ],
)
def test_a_hospital_patient_or_case_number_after_its_label_is_an_id_number(text, stored):
    assert redact_text(text) == (stored or text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        (
            "Guten Tag, hier schreibt Fam. Oyelaran wegen unserer Tochter",
            "Guten Tag, hier schreibt Fam. [name] wegen unserer Tochter",
        ),
        ("viele Grüße, Fam. Lindqvist", "viele Grüße, Fam. [name]"),
    ],
)
def test_a_family_name_after_the_abbreviation_fam_is_a_name(text, stored):
    assert redact_text(text) == (stored or text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("Stechen in der Leiste, meine Frau meint es ist ein Bruch", None),
        ("Nach der OP, mein Mann musste mich tragen", None),
        ("I had an Epidural, my physio said to rest", None),
        ("after the MRI, my GP rang", None),
        ("Unfortunately, my GP is on leave", None),
        ("Morgens, meine Tochter hilft mir beim Anziehen", None),
        ("Wendelin, mein Schwager, hat das auch", "[name], mein Schwager, hat das auch"),
        ("we took Hope, my wife, to the clinic", "we took [name], my wife, to the clinic"),
    ],
)
def test_a_noun_or_adverb_before_a_relation_is_no_name_but_a_name_opening_a_clause_is(text, stored):
    assert redact_text(text) == (stored or text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("ich heis fatma demir, der rücken tut weh", "ich heis [name], der rücken tut weh"),
        ("ich heis jonas und hab ischias", "ich heis [name] und hab ischias"),
    ],
)
def test_a_name_after_the_misspelt_cue_ich_heis_is_a_name_in_lowercase_too(text, stored):
    assert redact_text(text) == (stored or text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("Anschrift: An der Lände 4, 3500 Krems, danke", "Anschrift: [address], danke"),
        ("Adresse: Im Grund 12, 8400 Winterthur", "Adresse: [address]"),
        ("Am Abend 2, 1000 Schritte gegangen", None),
    ],
)
def test_a_preposition_street_takes_an_austrian_or_swiss_postcode_and_town(text, stored):
    assert redact_text(text) == (stored or text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("Hi, Sunita Ramaswamy, the exercises help", "Hi, [name], the exercises help"),
        ("Vikram told me the stretches help", "[name] told me the stretches help"),
        ("hi its oleg smirnov, still sore", "hi its [name], still sore"),
    ],
)
def test_common_indian_and_russian_first_names_are_listed(text, stored):
    assert redact_text(text) == (stored or text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("this is irina lebedeva again", "this is [name] again"),
        ("hey its dmitri kuznetsov, any news?", "hey its [name], any news?"),
        ("im Sommer ist es besser", None),
    ],
)
def test_a_russian_surname_is_known_by_its_ending_after_a_first_name(text, stored):
    assert redact_text(text) == (stored or text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        (
            "Sore again today. Hope Adeyemi-Clark, 3 Mill Lane, Leeds LS6 2AB",
            "Sore again today. [name], [address]",
        ),
        ("Still stiff! Dawn Whitfield, 0161 496 0123", "Still stiff! [name], [phone]"),
    ],
)
def test_a_name_opening_a_sentence_before_an_address_or_phone_is_a_name(text, stored):
    assert redact_text(text) == (stored or text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("Sue them? Honestly the chair at work did this", None),
        ("can you pass this to Sue?", "can you pass this to [name]?"),
        ("my sister Sue rang", "my sister [name] rang"),
    ],
)
def test_sue_opening_a_message_is_the_verb_but_after_a_cue_or_lowercase_word_a_name(text, stored):
    assert redact_text(text) == (stored or text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("my wife Layla el-Masri booked it", "my wife [name] booked it"),
        ("Fatima al-Rashid called about the scan", "[name] called about the scan"),
    ],
)
def test_a_surname_joined_to_its_particle_by_a_hyphen_is_part_of_the_name(text, stored):
    assert redact_text(text) == (stored or text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("Mr de Vries said to rest", "Mr [name] said to rest"),
        ("Termin bei Herrn von Hohenberg am Montag", "Termin bei Herrn [name] am Montag"),
        ("Ich bin die Frau ten Brink aus dem Kurs", "Ich bin die Frau [name] aus dem Kurs"),
        ("meine Frau zur Kur gefahren", None),
        ("Frau von der Arbeit hat angerufen", None),
        ("Ich bin die Frau von Dieter", "Ich bin die Frau von [name]"),
    ],
)
def test_after_a_title_a_name_may_start_with_a_particle_but_not_a_preposition(text, stored):
    assert redact_text(text) == (stored or text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("my husband josé luis de la cruz phoned", "my husband [name] phoned"),
        ("my name is lucia de la rosa", "my name is [name]"),
        ("my wife anna zu hause", "my wife [name] zu hause"),
        ("meine frau anna von der arbeit", "meine frau [name] von der arbeit"),
    ],
)
def test_a_lowercase_name_goes_on_after_a_particle_with_a_listed_surname(text, stored):
    assert redact_text(text) == (stored or text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("i was seen by dr o'brien last week", "i was seen by dr [name] last week"),
        ("its sean o\u2019brien", "its [name]"),
        ("my appointment is at ten o'clock", None),
    ],
)
def test_an_irish_o_surname_in_lowercase_is_a_surname_but_o_clock_is_not(text, stored):
    assert redact_text(text) == (stored or text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        (
            "Ich bin die Tochter von Herrn Günther Wolf",
            "Ich bin die Tochter von Herrn [name]",
        ),
        ("ich bin der Enkel von Frau Berger", "ich bin der Enkel von Frau [name]"),
        ("Ich bin der Ehemann, meine Frau hat Ischias", None),
    ],
)
def test_a_relation_after_ich_bin_der_or_die_is_no_name(text, stored):
    assert redact_text(text) == (stored or text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("Anschrift: Lindenallee 12, 2. Stock links, 50667 Köln", "Anschrift: [address]"),
        ("Ich wohne Goethestraße 7, EG, bitte klingeln", "Ich wohne [address], bitte klingeln"),
        ("Post an Parkweg 3, Whg. 12, 1070 Wien", "Post an [address]"),
    ],
)
def test_a_floor_or_flat_after_a_german_house_number_is_part_of_the_address(text, stored):
    assert redact_text(text) == (stored or text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("Meine Mutter lebt Zur Mühle 4 in 01067 Dresden.", "Meine Mutter lebt [address]."),
        ("Bahnhofstraße 4 in 80335 München", "[address]"),
        ("Am Markt 5 in 2019 umgezogen.", "[address] in 2019 umgezogen."),
    ],
)
def test_a_postcode_and_town_joined_to_the_street_by_in_are_part_of_the_address(text, stored):
    assert redact_text(text) == (stored or text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        (
            "Ingrid Schulz, * 12. März 1948, Bandscheibenvorfall",
            "[name], * [date_of_birth], Bandscheibenvorfall",
        ),
        ("Herbert Lang *1.2.1950", "[name] *[date_of_birth]"),
        ("Termin **03.04.2001** bestätigt", "Termin **[date]** bestätigt"),
    ],
)
def test_a_date_after_the_birth_star_is_a_date_of_birth_but_a_bold_date_is_not(text, stored):
    assert redact_text(text) == (stored or text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("Mein Sohn, 14, hat Rückenschmerzen nach dem Sport", None),
        ("My Daughter, 16, hurt her back", None),
        ("Kowalczyk, 47, Lagerarbeiter", "[name], 47, Lagerarbeiter"),
    ],
)
def test_a_relation_opening_the_message_before_an_age_is_no_name(text, stored):
    assert redact_text(text) == (stored or text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("Calle Mayor 8, 28013 Madrid", "[address]"),
        ("post it to ul. Piękna 7/2, 00-549 Kraków", "post it to [address]"),
        ("Prinsengracht 12, 1015 DT Amsterdam", "[address]"),
        ("Bahnhofstr. 3\u20135, 80335 München", "[address]"),  # an en dash
        ("ich wohne in 8010 Graz, Am Eisernen Tor 4.", "ich wohne in [address]."),
        ("Via Google 3 times a day", None),
        ("Ich wohne in 1090 Wien, seit 3 Jahren", None),
    ],
)
def test_foreign_streets_and_a_street_after_its_postcode_and_town_are_addresses(text, stored):
    assert redact_text(text) == (stored or text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("habe mit frau schmidt geredet", "habe mit frau [name] geredet"),
        ("Regards,\nGrace T. Mbeki\n", "Regards,\n[name]\n"),
        ("Thanks, Anna B. Then it got worse", "Thanks, [name]. Then it got worse"),
        ("im Robert-Koch-Institut gewesen", None),
        ("the flight back from Sydney was long", None),
        ("meine frau klein geschrieben", None),
    ],
)
def test_a_lowercase_surname_after_a_title_or_a_middle_initial_is_part_of_a_name(text, stored):
    assert redact_text(text) == (stored or text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        (
            "my driving licence number is JONES801234AB1CD",
            "my driving licence number is [id_number]",
        ),
        ("JONES801234AB1CD", "[id_number]"),
        ("my case number as 2023/AB/1234", "my case number as [id_number]"),
        ("mail nikos at example dot gr", "mail [email]"),
        ("Führerschein seit 2010, Rücken seitdem schlechter", None),
    ],
)
def test_a_driving_licence_number_and_a_case_number_after_as_are_ids(text, stored):
    assert redact_text(text) == (stored or text)


# --- pii10: kinds of miss of the tenth blind corpus's dev half, in other words --------------


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("write to P.O. Box 918, Leeds LS1 4AP please", "write to [address] please"),
        ("my post goes to PO Box 55 at the moment", "my post goes to [address] at the moment"),
        ("Briefe bitte an Postfach 10 12 34, 70173 Stuttgart", "Briefe bitte an [address]"),
        ("Postfach 2210, 6002 Luzern", "[address]"),
        ("I bought a box of 20 ibuprofen", None),
        ("the post office box was too heavy to lift", None),
    ],
)
def test_a_po_box_or_postfach_with_its_town_is_an_address(text, stored):
    assert redact_text(text) == (stored or text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("wohne Neubaugasse 44/1/7, 1070 Wien", "wohne [address]"),
        ("Lange Gasse 12/3/4, 1080 Wien", "[address]"),
        ("Schmerz heute 7/10, gestern 5/10", None),
        ("Ibuprofen 1/2/1 am Tag", None),
    ],
)
def test_an_austrian_house_number_with_staircase_and_door_is_one_address(text, stored):
    assert redact_text(text) == (stored or text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("my NI number is JT 40 21 87 B", "my NI number is [id_number]"),
        ("for the sick note its JT 40 21 87 B", "for the sick note its [id_number]"),
        ("case ref 2025/77810 is still open", "case ref [id_number] is still open"),
        ("disc L4 L5 and S1, 12 34 mg", None),
        ("the case ref is still pending", None),
    ],
)
def test_a_national_insurance_number_and_a_case_ref_are_ids(text, stored):
    assert redact_text(text) == (stored or text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("Mail: j.okafor@gmx.de. Der Rücken ist besser", "Mail: [email]. Der Rücken ist besser"),
        ("it is tom.b@mail.co.uk. Thanks", "it is [email]. Thanks"),
        ("anna@web.de", "[email]"),
    ],
)
def test_a_full_stop_after_an_e_mail_address_ends_the_sentence_not_the_address(text, stored):
    assert redact_text(text) == (stored or text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("Harpreet Kaur Gill called for her mum", "[name] called for her mum"),
        ("my colleague Navdeep said to try heat", "my colleague [name] said to try heat"),
        ("Would a Casper mattress help my back?", None),
        ("Ist ein Emma Kissen gut für den Nacken?", None),
        ("Casper Jansen called me", "[name] called me"),
    ],
)
def test_punjabi_first_names_are_listed_but_a_first_name_on_a_mattress_is_a_brand(text, stored):
    assert redact_text(text) == (stored or text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("Ich war bei Frau Jansen zur Kontrolle", "Ich war bei Frau [name] zur Kontrolle"),
        ("Herr Schulz vom Labor hat angerufen", "Herr [name] vom Labor hat angerufen"),
        ("Frau Anna vom Stein hat angerufen", "Frau [name] hat angerufen"),
        ("post to c/o Okafor, 12 Elm Road", "post to c/o [name], [address]"),
        ("send it c/o my daughter please", None),
    ],
)
def test_a_name_ends_before_a_preposition_particle_and_c_o_announces_a_name(text, stored):
    assert redact_text(text) == (stored or text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("Ahmed's dad here, he hurt his back", "[name]'s dad here, he hurt his back"),
        ("Priya's here with me", "[name]'s here with me"),
        ("recommended by dawid from my running club", "recommended by [name] from my running club"),
        (
            "jana von der Arbeit hat mir die Seite gezeigt",
            "[name] von der Arbeit hat mir die Seite gezeigt",
        ),
        ("the receptionist, aylin, was very kind", "the receptionist, [name], was very kind"),
        ("sore back, neck, shoulders, all of it", None),
        ("ok, will, thanks", None),
        ("the pain from the fall is worse", None),
    ],
)
def test_lowercase_first_names_by_from_or_between_commas_and_a_possessive_before_here(text, stored):
    assert redact_text(text) == (stored or text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("Sabines Mann hat Ischias", "[name]s Mann hat Ischias"),
        ("weil Claudias Rücken schlimmer ist", "weil [name]s Rücken schlimmer ist"),
        ("Mein Hals tut weh", None),
        ("Morgens Rücken steif, abends besser", None),
        ("Den Kurs Rückenfit mache ich", None),
    ],
)
def test_a_german_genitive_of_a_first_name_keeps_its_s(text, stored):
    assert redact_text(text) == (stored or text)
