"""The fact base: curated, complete in both languages, traceable to its sources, and
guarded by a schema check that names file, fact and field."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from actions.data_files import DataFileError
from actions.fact_base import FactBase
from actions.knowledge import KNOWLEDGE, Knowledge
from actions.taxonomy import HEALTH_TOPICS, Region, Topic
from tests.conftest import PROJECT_DIR, SEEDS_DIR, SHARED_SEEDS_DIR

FACTS = KNOWLEDGE.facts.facts


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_every_fact_has_both_languages_and_a_listed_source():
    assert len(FACTS) >= 60
    for fact in FACTS:
        assert fact.text["en"] and fact.text["de"], fact.id
        assert fact.source in KNOWLEDGE.facts.sources, fact.id


def test_every_evidence_excerpt_occurs_verbatim_in_its_source_article():
    seeds = {p.name: squash(p.read_text(encoding="utf-8")) for p in SEEDS_DIR.glob("*.txt")}
    assert set(KNOWLEDGE.facts.sources) <= set(seeds), "sources.yml names a missing seed file"
    missing = [
        (fact.id, quote)
        for fact in FACTS
        for quote in fact.evidence
        if squash(quote) not in seeds[fact.source]
    ]
    assert not missing, f"evidence not found in the source article: {missing[:5]}"


def test_every_health_topic_has_facts_and_every_region_is_covered():
    for topic in HEALTH_TOPICS:
        assert KNOWLEDGE.facts.advice(topic, None, (), 4) or topic is Topic.EXERCISES, topic
    for region in Region:
        assert any(region in f.regions for f in FACTS if f.topic is Topic.LOCATION), region
        assert any(region in f.regions for f in FACTS if f.topic is Topic.CAUSES), region
        assert KNOWLEDGE.facts.exercises(region, ()), region


@pytest.mark.parametrize(
    "exercise",
    [
        "cat_cow",
        "plank",
        "side_plank",
        "superman",
        "bridge",
        "trunk_lifter",
        "childs_pose",
        "rowing",
        "face_pulls",
        "neck_stretch",
        "shoulder_girdle_stretch",
    ],
)
def test_the_exercises_of_the_articles_are_facts(exercise):
    fact = KNOWLEDGE.facts.get(exercise)
    assert fact is not None and fact.exercise is not None
    assert fact.exercise.name["en"] and fact.exercise.name["de"]


def test_the_three_day_plan_is_a_fact():
    plans = KNOWLEDGE.facts.advice(Topic.EXERCISES, None, ("plan",), 1)
    assert plans and all(day in plans[0].text["en"] for day in ("1", "2", "3"))


def test_no_fact_names_a_drug_dose():
    dose = re.compile(r"\b\d+\s?(mg|milligram|ml\b|tablet|Tablette)", re.IGNORECASE)
    drugs = re.compile(r"ibuprofen|diclofenac|paracetamol|cortison|kortison", re.IGNORECASE)
    for fact in FACTS:
        for text in fact.text.values():
            assert not dose.search(text), fact.id
            assert not drugs.search(text), fact.id


# --- a broken fact-base file stops start-up with a message naming file, fact and field ---

GOOD_FACT = {
    "id": "extra_fact",
    "topic": "causes",
    "regions": ["lower_back"],
    "contexts": [],
    "source": "003_b71e68f0bac9b658.txt",
    "evidence": ["Weak muscles in this area increase the risk of overload"],
    "text": {
        "en": "Weak lower back muscles raise the risk of overload.",
        "de": "Schwache Muskeln im unteren Rücken erhöhen das Risiko einer Überlastung.",
    },
}


def write_facts(data_dir: Path, facts: object, name: str = "zz_extra.yml") -> Path:
    path = data_dir / "facts" / name
    path.write_text(yaml.safe_dump({"facts": facts}, allow_unicode=True), encoding="utf-8")
    return path


def broken(**changes: object) -> dict:
    fact = {**GOOD_FACT, **changes}
    return {k: v for k, v in fact.items() if v is not None}


@pytest.mark.parametrize(
    ("fact", "field", "problem"),
    [
        (broken(text={"en": "Only English."}), "text.de", "missing de text"),
        (broken(topic="horoscope"), "topic", "unknown topic"),
        (broken(regions=["left_knee"]), "regions", "unknown region"),
        (broken(contexts=["full_moon"]), "contexts", "unknown context"),
        (broken(source=None), "source", "missing source"),
        (broken(source="999_unknown.txt"), "source", "not listed in sources.yml"),
        (broken(evidence=[]), "evidence", "at least one excerpt"),
        (broken(regoins=["lower_back"]), "", "unknown field"),
    ],
)
def test_a_broken_fact_names_file_fact_and_field(data_copy, fact, field, problem):
    path = write_facts(data_copy, [fact])
    with pytest.raises(DataFileError) as err:
        Knowledge.load(data_copy)
    message = str(err.value)
    assert path.name in message and "extra_fact" in message and problem in message
    if field:
        assert f"field '{field}'" in message


def test_a_duplicate_id_names_both_files(data_copy):
    existing = KNOWLEDGE.facts.facts[0]
    write_facts(data_copy, [broken(id=existing.id)])
    with pytest.raises(DataFileError, match=f"duplicate id, already used in {existing.file}"):
        Knowledge.load(data_copy)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"\x00\x01binary\xff", "is binary"),
        (b"facts: [\n  - id: x\n", "is not valid YAML"),
        ("facts: [{id: ä}]".encode("latin-1"), "is not valid UTF-8"),
        (b"", "must be a mapping"),
        (b"facts: []", "non-empty list 'facts'"),
    ],
)
def test_an_unreadable_fact_file_is_named(data_copy, content, problem):
    (data_copy / "facts" / "zz_bad.yml").write_bytes(content)
    with pytest.raises(DataFileError, match=problem) as err:
        Knowledge.load(data_copy)
    assert "zz_bad.yml" in str(err.value)


def test_adding_a_fact_needs_no_code_change(data_copy):
    write_facts(data_copy, [GOOD_FACT])
    facts = Knowledge.load(data_copy).facts
    assert isinstance(facts, FactBase)
    assert facts.get("extra_fact") in facts.advice(Topic.CAUSES, Region.LOWER_BACK, (), 50)


def start_action_server(data_dir: Path) -> subprocess.CompletedProcess[str]:
    """Run the action server on `data_dir` until it exits (it should refuse to start)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return subprocess.run(
        [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)],
        env={**os.environ, "BOT_DATA_DIR": str(data_dir), "TF_CPP_MIN_LOG_LEVEL": "2"},
        capture_output=True,
        text=True,
        cwd=PROJECT_DIR,
        timeout=120,
    )


def test_the_action_server_refuses_to_start_on_broken_data(data_copy):
    write_facts(data_copy, [broken(text={"en": "Only English."})])
    result = start_action_server(data_copy)
    assert result.returncode == 1
    expected = "zz_extra.yml: fact 'extra_fact': field 'text.de': missing de text"
    assert expected in result.stdout + result.stderr


@pytest.mark.skipif(not SHARED_SEEDS_DIR.is_dir(), reason="no published seeds next to the project")
def test_the_projects_copy_of_the_seed_articles_is_the_published_one():
    published = {p.name: p.read_bytes() for p in SHARED_SEEDS_DIR.glob("*.txt")}
    assert {p.name: p.read_bytes() for p in SEEDS_DIR.glob("*.txt")} == published


# --- start-up refuses a fact its article does not support, and any drug dose ---


def load_facts(data_dir: Path) -> FactBase:
    contexts = KNOWLEDGE.vocabulary.contexts
    return FactBase.load(data_dir / "facts", data_dir / "sources.yml", contexts)


def test_a_fact_whose_evidence_is_not_in_its_article_is_refused(data_copy):
    invented = "Sleeping on the floor cures every kind of back pain"
    path = write_facts(data_copy, [broken(evidence=[GOOD_FACT["evidence"][0], invented])])
    with pytest.raises(DataFileError) as err:
        load_facts(data_copy)
    message = str(err.value)
    assert f"{path.name}: fact 'extra_fact': field 'evidence'" in message
    assert invented in message and "not in its source article 003_b71e68f0bac9b658.txt" in message


def test_evidence_matches_its_article_across_line_breaks_and_spaces(data_copy):
    spread = GOOD_FACT["evidence"][0].replace(" ", "\n   ", 2)
    write_facts(data_copy, [broken(evidence=[spread])])
    assert load_facts(data_copy).get("extra_fact") is not None


@pytest.mark.parametrize(
    ("language", "text", "dose"),
    [
        ("en", "Take 400 mg of ibuprofen for the pain.", "400 mg"),
        ("en", "A syrup of 5 ml can relax the muscles.", "5 ml"),
        ("de", "Eine Tablette 2x täglich lindert die Schmerzen.", "2x täglich"),
        ("en", "Use the cream three times a day.", "three times a day"),
        ("de", "Tragen Sie die Salbe dreimal am Tag auf.", "dreimal am Tag"),
        ("de", "Nehmen Sie das Mittel alle 8 Stunden.", "alle 8 Stunden"),
        ("en", "Repeat the tablet every 4-6 hours.", "every 4-6 hours"),
    ],
)
def test_a_fact_naming_a_drug_dose_is_refused(data_copy, language, text, dose):
    texts = {**GOOD_FACT["text"], language: text}
    path = write_facts(data_copy, [broken(text=texts)])
    with pytest.raises(DataFileError) as err:
        load_facts(data_copy)
    message = str(err.value)
    assert f"{path.name}: fact 'extra_fact': field 'text.{language}'" in message
    assert f"names a drug dose ('{dose}')" in message


def test_exercise_sets_and_everyday_numbers_are_not_doses():
    from actions.fact_base import dose_in

    for text in (
        "Day 1 - side plank 3 x 20 seconds per side; plank 3 x 30 seconds.",
        "Tag 2 - Brücke 3 x 12 Wiederholungen; Superman 3 x 10 Wiederholungen.",
        "Hold two dumbbells (0.5 kg) and tense for 10 seconds; repeat 3 times per side.",
        "Many people sit for hours; small changes in your daily routine help.",
        "Stehen Sie alle paar Stunden auf und bewegen Sie sich jeden Tag.",
    ):
        assert dose_in(text) is None, text


def run_data_check(data_dir: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "actions.check_data"],
        env={**os.environ, "BOT_DATA_DIR": str(data_dir), "TF_CPP_MIN_LOG_LEVEL": "2", **env},
        capture_output=True,
        text=True,
        cwd=PROJECT_DIR,
        timeout=120,
    )


def test_the_data_check_refuses_unsupported_evidence_and_a_dose(data_copy):
    path = write_facts(data_copy, [broken(evidence=["Back pain is caused by the moon"])])
    result = run_data_check(data_copy)
    assert result.returncode == 1
    assert f"{path.name}: fact 'extra_fact': field 'evidence'" in result.stderr
    assert "not in its source article" in result.stderr

    write_facts(data_copy, [broken(text={**GOOD_FACT["text"], "en": "Take 400 mg twice a day."})])
    result = run_data_check(data_copy)
    assert result.returncode == 1
    assert "fact 'extra_fact': field 'text.en': names a drug dose ('400 mg')" in result.stderr


def test_a_missing_seeds_directory_is_named(data_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("BOT_SEEDS_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(DataFileError, match="nowhere: is not a directory of source articles"):
        load_facts(data_copy)


def test_a_listed_source_without_its_article_is_named(data_copy, tmp_path, monkeypatch):
    articles = tmp_path / "seeds"
    articles.mkdir()
    for seed in SEEDS_DIR.glob("*.txt"):
        if seed.name != "003_b71e68f0bac9b658.txt":
            (articles / seed.name).write_bytes(seed.read_bytes())
    monkeypatch.setenv("BOT_SEEDS_DIR", str(articles))
    with pytest.raises(DataFileError) as err:
        load_facts(data_copy)
    assert "sources.yml: source '003_b71e68f0bac9b658.txt': its article" in str(err.value)


def test_the_action_server_refuses_to_start_on_unsupported_evidence(data_copy):
    write_facts(data_copy, [broken(evidence=["Back pain is caused by the moon"])])
    result = start_action_server(data_copy)
    assert result.returncode == 1
    expected = "fact 'extra_fact': field 'evidence': evidence 'Back pain is caused by the moon'"
    assert expected in result.stdout + result.stderr
