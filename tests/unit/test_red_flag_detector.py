"""The red-flag detector's cache: a fitted detector is kept under the hash of what it was fitted
from, so a restart loads it instead of fitting for half a minute, any change to the examples
refits it, and a damaged or unwritable cache never stops the start."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import yaml

from actions import red_flag_detector
from actions.red_flag_detector import CACHE_ENV, RedFlagDetector

RULES = {"bladder_bowel_control", "trauma"}
EXAMPLES = {
    "threshold": 0.5,
    "examples": {
        "bladder_bowel_control": {
            "en": ["i cannot pee at all", "i wet myself without noticing", "cant hold my wee"],
            "de": ["ich kann nicht mehr pinkeln", "ich habe eingenässt", "urin läuft einfach"],
        },
        "trauma": {
            "en": ["i fell down the stairs", "car crash yesterday", "slipped on ice and fell"],
            "de": ["bin die treppe runtergefallen", "autounfall gestern", "auf eis gestürzt"],
        },
    },
    "harmless": {
        "en": ["which exercises help", "is swimming good", "thank you", "what chair is best"],
        "de": ["welche übungen helfen", "ist schwimmen gut", "danke", "welcher stuhl ist gut"],
    },
}


@pytest.fixture
def examples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    path = tmp_path / "red_flag_examples.yml"
    path.write_text(yaml.safe_dump(EXAMPLES, allow_unicode=True), "utf-8")
    return path


def cache_files(examples: Path) -> list[Path]:
    return sorted((examples.parent / "cache").glob("red_flag_detector-*.pickle"))


def refuse_fitting(monkeypatch: pytest.MonkeyPatch) -> None:
    def fit(*_: object) -> RedFlagDetector:
        raise AssertionError("fitted although the cache holds this detector")

    monkeypatch.setattr(RedFlagDetector, "fit", classmethod(fit))


def test_a_second_load_takes_the_fitted_detector_from_the_cache(examples, monkeypatch):
    fitted = RedFlagDetector.load(examples, RULES, None)
    assert len(cache_files(examples)) == 1
    refuse_fitting(monkeypatch)
    cached = RedFlagDetector.load(examples, RULES, None)
    for text in ("i cannot pee since this morning", "which exercises help my back"):
        assert cached.suspects(text, RULES) == fitted.suspects(text, RULES)


def test_changed_examples_are_fitted_anew(examples, monkeypatch):
    RedFlagDetector.load(examples, RULES, None)
    changed = {**EXAMPLES, "threshold": 0.6}
    examples.write_text(yaml.safe_dump(changed, allow_unicode=True), "utf-8")
    detector = RedFlagDetector.load(examples, RULES, None)
    assert detector.threshold == 0.6
    assert len(cache_files(examples)) == 2


def test_the_examples_are_checked_even_when_the_detector_is_cached(examples):
    RedFlagDetector.load(examples, RULES, None)
    with pytest.raises(red_flag_detector.DataFileError, match="is not a red-flag rule id"):
        RedFlagDetector.load(examples, {"trauma"}, None)


def test_a_damaged_cache_is_refitted_with_a_warning(examples, caplog):
    RedFlagDetector.load(examples, RULES, None)
    (cache,) = cache_files(examples)
    cache.write_bytes(b"not a pickle")
    with caplog.at_level(logging.WARNING):
        detector = RedFlagDetector.load(examples, RULES, None)
    assert detector.suspects("i cannot pee at all", RULES)
    assert "unreadable" in caplog.text
    assert cache.read_bytes() != b"not a pickle"  # written again


def test_an_unwritable_cache_folder_still_gives_a_detector(examples, monkeypatch, caplog):
    blocker = examples.parent / "a-file"
    blocker.write_text("")
    monkeypatch.setenv(CACHE_ENV, str(blocker / "cache"))  # a folder inside a file: no
    with caplog.at_level(logging.WARNING):
        detector = RedFlagDetector.load(examples, RULES, None)
    assert detector.suspects("i cannot pee at all", RULES)
    assert "could not be cached" in caplog.text


def test_two_close_rules_that_share_a_suspicion_reach_the_threshold_together(tmp_path, monkeypatch):
    """The same wordings for two rules split their probability: neither alone reaches the
    threshold, their sum does, and the question names the likelier one."""
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    shared = EXAMPLES["examples"]["bladder_bowel_control"]
    examples = {
        **EXAMPLES,
        "threshold": 0.6,
        "examples": {"bladder_bowel_control": shared, "saddle_numbness": shared},
    }
    path = tmp_path / "red_flag_examples.yml"
    path.write_text(yaml.safe_dump(examples, allow_unicode=True), "utf-8")
    rules = {"bladder_bowel_control", "saddle_numbness"}
    detector = RedFlagDetector.load(path, rules, None)
    suspected = detector.suspects("i cannot pee at all", rules)
    assert suspected and all(p < 0.6 for _, p in suspected)
    assert sum(p for _, p in suspected) >= 0.6
    assert detector.suspects("i cannot pee at all", {"trauma"}) == []


def test_the_confirming_question_names_the_gravest_of_the_close_suspicions(tmp_path, monkeypatch):
    """A message the detector finds about as likely one urgent sign as one emergency (one weak
    leg, legs getting weaker) asks about the emergency too, even when the urgent one leads."""
    from dataclasses import replace

    from actions.knowledge import KNOWLEDGE

    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    weak = ["my legs feel weak on the stairs", "both legs feel weak", "meine beine sind schwach"]
    examples = {
        **EXAMPLES,
        "threshold": 0.5,
        "examples": {
            "new_leg_weakness": {"en": [*weak, "weak on the stairs"], "de": weak[2:]},
            "progressive_leg_weakness": {"en": weak[:2], "de": weak[2:]},
        },
    }
    path = tmp_path / "red_flag_examples.yml"
    path.write_text(yaml.safe_dump(examples, allow_unicode=True), "utf-8")
    rules = {"new_leg_weakness", "progressive_leg_weakness"}
    detector = RedFlagDetector.load(path, rules, None)
    text = "legs feel weak on the stairs"
    suspected = detector.suspects(text, rules)
    assert suspected[0][0] == "new_leg_weakness" and suspected[1][1] >= 0.5 * suspected[0][1]
    triage = replace(KNOWLEDGE.triage, detector=detector)
    asked = [rule.id for rule in triage.assess(text).suspected_rules]
    assert asked == ["progressive_leg_weakness", "new_leg_weakness"]
