"""Red-flag triage: no emergency missed, few false alarms, in both languages.

Two corpora in tests/red_flags/, each written by someone who had not seen the rules: positives
for every rule as patients type them, and near-miss negatives. The rules were then refined on
both, so they are development sets now; corpus_2.yml measured generalisation before that
(see README, "Red flags").
"""

from __future__ import annotations

from collections import Counter

import pytest
import yaml

from actions.knowledge import KNOWLEDGE
from actions.urgency import Urgency
from tests.conftest import PROJECT_DIR

TRIAGE = KNOWLEDGE.triage
CORPUS = [
    case
    for name in ("corpus.yml", "corpus_2.yml")
    for case in yaml.safe_load((PROJECT_DIR / "tests" / "red_flags" / name).read_text("utf-8"))[
        "cases"
    ]
]
MAX_FALSE_ALARM_RATE = 0.05


def triage_case(case: dict) -> Urgency:
    """Run the conversation turn by turn, as the assistant does: the highest level reached."""
    symptoms: frozenset[str] = frozenset()
    highest = Urgency.NONE
    for message in [*(case.get("previous") or []), case["text"]]:
        assessment = TRIAGE.assess(message, symptoms)
        symptoms = assessment.symptoms
        highest = max(highest, assessment.level, key=lambda u: u.rank)
    return highest


def test_the_corpus_is_big_enough_and_covers_every_rule_in_both_languages():
    assert len(CORPUS) >= 150
    covered = Counter((c["rule"], c["language"]) for c in CORPUS if c.get("rule"))
    for rule in TRIAGE.rules:
        for language in ("en", "de"):
            assert covered[(rule.id, language)] >= 3, (rule.id, language)


def test_no_red_flag_is_triaged_below_its_level_and_false_alarms_stay_rare(capsys):
    missed, false_alarms = [], []
    hits, totals = Counter(), Counter()
    negatives = [c for c in CORPUS if c["expected"] == "none"]
    for case in CORPUS:
        expected, got = Urgency(case["expected"]), triage_case(case)
        if expected is Urgency.NONE:
            if got is not Urgency.NONE:
                false_alarms.append((got.value, case["text"]))
            continue
        totals[expected] += 1
        if got.rank >= expected.rank:
            hits[expected] += 1
        else:
            missed.append((case.get("rule"), got.value, case["text"]))
    with capsys.disabled():
        print("\nred-flag triage on the corpus:")
        for level in (Urgency.EMERGENCY, Urgency.URGENT, Urgency.ROUTINE):
            print(f"  recall {level.value:9} {hits[level]}/{totals[level]}")
        rate = len(false_alarms) / len(negatives)
        print(f"  false alarms {len(false_alarms)}/{len(negatives)} = {rate:.1%}")
    assert not missed, f"triaged below their level: {missed}"
    assert len(false_alarms) / len(negatives) < MAX_FALSE_ALARM_RATE, false_alarms


@pytest.mark.parametrize(
    "text",
    [
        "no fever",
        "kein Fieber",
        "my bladder control is fine",
        "ich hatte keinen Unfall",
        "i fell asleep on the sofa",
        "my friend had cancer",
        "I want to lose weight",
    ],
)
def test_negations_and_harmless_contexts_do_not_escalate(text):
    assert TRIAGE.assess(f"my lower back hurts. {text}").level is Urgency.NONE


def test_symptoms_combine_across_turns_and_fire_once():
    first = TRIAGE.assess("my lower back hurts")
    assert first.level is Urgency.NONE
    second = TRIAGE.assess("and now I have a fever", first.symptoms)
    assert second.level is Urgency.URGENT
    third = TRIAGE.assess("which exercises help?", second.symptoms)
    assert third.level is Urgency.NONE, "the same red flag does not interrupt every later turn"


def test_the_emergency_number_is_configuration(monkeypatch):
    monkeypatch.setenv("BOT_EMERGENCY_NUMBER", "911")
    from actions.taxonomy import Language

    text = TRIAGE.message(TRIAGE.assess("I wet myself and can't feel my groin"), Language.EN)
    assert "911" in text and "112" not in text


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "    level: emergency\n    all: [bladder_bowel_loss]",
            "    level: critical\n    all: [bladder_bowel_loss]",
            "rule 'bladder_bowel_control': field 'level': must be routine, urgent or emergency",
        ),
        (
            "    all: [saddle_numbness]",
            "    all: [saddle_numbnes]",
            "rule 'saddle_numbness': field 'all/any': unknown symptom(s) ['saddle_numbnes']",
        ),
        (
            '      de: "ein Knoten in der Brust"\n',
            "",
            "rule 'breast_lump': field 'reason.de': must be a non-empty text",
        ),
    ],
)
def test_a_broken_red_flag_file_names_rule_and_field(data_copy, old, new, message):
    from actions.data_files import DataFileError
    from actions.knowledge import Knowledge

    path = data_copy / "red_flags.yml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(DataFileError) as err:
        Knowledge.load(data_copy)
    assert message in str(err.value) and "red_flags.yml" in str(err.value)
