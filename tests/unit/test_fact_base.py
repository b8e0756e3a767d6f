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


def test_the_action_server_refuses_to_start_on_broken_data(data_copy):
    write_facts(data_copy, [broken(text={"en": "Only English."})])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = subprocess.run(
        [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)],
        env={**os.environ, "BOT_DATA_DIR": str(data_copy), "TF_CPP_MIN_LOG_LEVEL": "2"},
        capture_output=True,
        text=True,
        cwd=PROJECT_DIR,
        timeout=120,
    )
    assert result.returncode == 1
    expected = "zz_extra.yml: fact 'extra_fact': field 'text.de': missing de text"
    assert expected in result.stdout + result.stderr


@pytest.mark.skipif(not SHARED_SEEDS_DIR.is_dir(), reason="no published seeds next to the project")
def test_the_projects_copy_of_the_seed_articles_is_the_published_one():
    published = {p.name: p.read_bytes() for p in SHARED_SEEDS_DIR.glob("*.txt")}
    assert {p.name: p.read_bytes() for p in SEEDS_DIR.glob("*.txt")} == published
