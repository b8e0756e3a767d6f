"""The custom actions, run on real rasa-sdk Trackers: right facts, right language, context
carried over, and the reply contract with the disclaimer on every health answer."""

from __future__ import annotations

import itertools
import json

import pytest

from actions import conversation_actions, health_actions
from actions.knowledge import KNOWLEDGE
from actions.taxonomy import HEALTH_TOPICS, Language, Region, Topic
from tests.conftest import converse, make_tracker, run_action

DISCLAIMER = {
    "en": KNOWLEDGE.messages.texts["disclaimer"]["en"],
    "de": KNOWLEDGE.messages.texts["disclaimer"]["de"],
}
TOPIC_ACTIONS = {
    Topic.LOCATION: health_actions.ActionAnswerLocation(),
    Topic.CAUSES: health_actions.ActionAnswerCauses(),
    Topic.SEE_DOCTOR: health_actions.ActionAnswerSeeDoctor(),
    Topic.EXERCISES: health_actions.ActionAnswerExercises(),
    Topic.TREATMENT: health_actions.ActionAnswerTreatment(),
    Topic.PREVENTION: health_actions.ActionAnswerPrevention(),
    Topic.DIAGNOSIS: health_actions.ActionAnswerDiagnosis(),
}
HEALTH_ACTIONS = [
    *TOPIC_ACTIONS.values(),
    health_actions.ActionExplainExercise(),
    health_actions.ActionExercisePlan(),
    health_actions.ActionChangeRegion(),
]
OTHER_ACTIONS = [
    conversation_actions.ActionGreet(),
    conversation_actions.ActionGoodbye(),
    conversation_actions.ActionThank(),
    conversation_actions.ActionBotChallenge(),
    conversation_actions.ActionOutOfScope(),
    conversation_actions.ActionOfferTopics(),
]
ASKED = {
    "en": [
        "my back hurts",
        "my lower back hurts",
        "pain between my shoulder blades",
        "middle back pain on the left side at night",
        "back pain in pregnancy",
        "how do I do the bridge",
        "cramps in my back despite training",
    ],
    "de": [
        "mein Rücken tut weh",
        "mein unterer Ruecken tut weh",
        "Schmerzen zwischen den Schulterblättern",
        "mittlerer Rücken links nachts",
        "Rückenschmerzen in der Schwangerschaft",
        "wie geht die Brücke",
        "Krämpfe im Rücken trotz Training",
    ],
}


def assert_contract(result, language):
    custom = result.custom
    assert set(custom) == {
        "topic", "region", "urgency", "language", "facts",
        "source_line", "disclaimer", "emergency_number", "reminder", "question",
    }  # fmt: skip
    assert custom["topic"] in {t.value for t in Topic}
    assert custom["region"] in {None, *(r.value for r in Region)}
    assert custom["urgency"] in {"none", "routine", "urgent", "emergency"}
    assert custom["language"] == language
    for fact in custom["facts"]:
        assert set(fact) == {"id", "source"}
        assert KNOWLEDGE.facts.get(fact["id"]).source == fact["source"]
    text = result.messages[0]["text"]
    assert not result.messages[0].get("custom") and "{" not in text
    # the ending is repeated in the contract so that channels can set it apart
    ending = "\n\n".join(p for p in (custom["source_line"], custom["disclaimer"]) if p)
    assert text.endswith(ending)
    if custom["disclaimer"]:
        assert custom["disclaimer"] == KNOWLEDGE.messages.text("disclaimer", Language(language))
    urgent = custom["urgency"] in {"urgent", "emergency"}
    assert (custom["emergency_number"] == KNOWLEDGE.triage.emergency_number) is urgent


WALK = [(a, lang, t) for a in HEALTH_ACTIONS for lang, texts in ASKED.items() for t in texts]


@pytest.mark.parametrize(
    ("action", "language", "text"), WALK, ids=[f"{a.name()}-{lang}-{t[:20]}" for a, lang, t in WALK]
)
def test_every_health_answer_ends_with_the_disclaimer_in_the_patients_language(
    action, language, text
):
    for previous_topic in (None, "causes"):
        result = run_action(action, make_tracker(text, slots={"topic": previous_topic}))
        assert result.messages[0]["text"].endswith(DISCLAIMER[language])
        assert result.custom["topic"] in {t.value for t in HEALTH_TOPICS}
        assert_contract(result, language)


@pytest.mark.parametrize(
    ("topic", "region", "language"),
    list(itertools.product(TOPIC_ACTIONS, [None, *Region], ["en", "de"])),
)
def test_every_topic_and_region_answers_from_facts_with_sources(topic, region, language):
    slots = {"language": language, "region": region.value if region else None}
    result = run_action(TOPIC_ACTIONS[topic], make_tracker("/ask", slots=slots))
    assert result.custom["facts"], "an answer without facts"
    assert result.messages[0]["text"].endswith(DISCLAIMER[language])
    assert ("Source" if language == "en" else "Quelle") in result.messages[0]["text"]
    for fact in result.custom["facts"]:
        fact_regions = KNOWLEDGE.facts.get(fact["id"]).regions
        assert region is None or not fact_regions or region in fact_regions


@pytest.mark.parametrize("action", OTHER_ACTIONS, ids=lambda a: a.name())
@pytest.mark.parametrize("language", ["en", "de"])
def test_smalltalk_answers_follow_the_contract_without_a_disclaimer(action, language):
    text = ASKED[language][0]
    result = run_action(action, make_tracker(text))
    assert_contract(result, language)
    assert result.custom["topic"] in ("smalltalk", "out_of_scope")
    assert not result.messages[0]["text"].endswith(DISCLAIMER[language])


def test_my_lower_back_hurts_gets_an_answer_about_the_lower_back():
    result = converse(TOPIC_ACTIONS[Topic.LOCATION], "My lower back hurts")
    assert result.custom["region"] == "lower_back"
    assert "lower back" in result.messages[0]["text"].split("\n")[0]
    regions = [KNOWLEDGE.facts.get(f["id"]).regions for f in result.custom["facts"]]
    assert Region.LOWER_BACK in regions[0], "the first fact is about the lower back"
    assert all(not r or Region.LOWER_BACK in r for r in regions), "no fact about another region"
    assert result.slot("region") == "lower_back"


def test_the_region_carries_over_to_which_exercises_help():
    first = converse(TOPIC_ACTIONS[Topic.LOCATION], "my lower back hurts")
    second = converse(TOPIC_ACTIONS[Topic.EXERCISES], "which exercises help?", first)
    assert second.custom["region"] == "lower_back"
    exercises = [KNOWLEDGE.facts.get(f["id"]) for f in second.custom["facts"]]
    assert any(f.exercise for f in exercises)
    assert all(not f.regions or Region.LOWER_BACK in f.regions for f in exercises)
    assert any("/ask_exercise_detail" in b["payload"] for b in second.buttons)


def test_a_patient_can_change_region_for_the_same_question():
    first = converse(TOPIC_ACTIONS[Topic.CAUSES], "why does my lower back hurt?")
    second = converse(health_actions.ActionChangeRegion(), "and the upper back?", first)
    assert second.custom["topic"] == "causes"
    assert second.custom["region"] == "upper_back"


def test_the_answer_follows_a_switch_of_language_mid_conversation():
    first = converse(TOPIC_ACTIONS[Topic.LOCATION], "my lower back hurts")
    second = converse(TOPIC_ACTIONS[Topic.CAUSES], "Woher kommen diese Schmerzen?", first)
    assert second.custom["language"] == "de"
    assert second.messages[0]["text"].endswith(DISCLAIMER["de"])
    assert second.custom["region"] == "lower_back"


def test_a_button_click_keeps_the_conversation_language():
    first = converse(TOPIC_ACTIONS[Topic.LOCATION], "Mein unterer Rücken tut weh")
    second = converse(TOPIC_ACTIONS[Topic.CAUSES], "/ask_causes", first)
    assert second.custom["language"] == "de"


def test_one_exercise_is_explained_step_by_step():
    result = converse(health_actions.ActionExplainExercise(), "how do I do the cat-cow?")
    text = result.messages[0]["text"]
    assert result.custom["facts"] == [
        {"id": "cat_cow", "source": KNOWLEDGE.facts.get("cat_cow").source}
    ]
    assert "1. " in text and "2. " in text
    assert result.slot("exercise") == "cat_cow"


def test_an_exercise_button_payload_is_explained():
    entities = [{"entity": "exercise", "value": "bridge"}]
    result = converse(
        health_actions.ActionExplainExercise(),
        '/ask_exercise_detail{"exercise":"bridge"}',
        entities=entities,
        slots={"language": "de"},
    )
    assert result.custom["facts"][0]["id"] == "bridge"
    assert result.custom["language"] == "de"


def test_an_unnamed_exercise_offers_the_choice():
    assert not KNOWLEDGE.facts.exercise_ids_in("give me a training plan")
    result = converse(health_actions.ActionExplainExercise(), "how do I do that exercise?")
    assert result.custom["facts"] == []
    assert len(result.buttons) >= 3
    assert result.messages[0]["text"].endswith(DISCLAIMER["en"])


def test_the_three_day_plan_lists_three_days_in_german():
    result = converse(health_actions.ActionExercisePlan(), "gib mir einen Trainingsplan")
    text = result.messages[0]["text"]
    assert result.custom["language"] == "de"
    assert all(f"Tag {d}" in text for d in (1, 2, 3))


def test_the_bot_says_it_is_automated_and_not_a_doctor():
    en = converse(conversation_actions.ActionBotChallenge(), "are you a real doctor?")
    de = converse(conversation_actions.ActionBotChallenge(), "bist du ein echter Arzt?")
    assert "not a human and not a doctor" in en.messages[0]["text"]
    assert "kein Mensch" in de.messages[0]["text"]


def test_the_fallback_offers_the_topics_as_buttons():
    result = converse(conversation_actions.ActionOfferTopics(), "asdf qwer")
    payloads = [b["payload"] for b in result.buttons]
    assert {"/ask_location", "/ask_causes", "/ask_see_doctor", "/ask_exercises"} <= set(payloads)


@pytest.mark.parametrize("text", ["", "   ", "\x00\x01\x02", "<img src=x onerror=alert(1)>"])
def test_empty_binary_or_markup_messages_get_a_clear_answer(text):
    result = converse(conversation_actions.ActionOfferTopics(), text)
    assert result.messages[0]["text"]
    assert result.custom["topic"] == "out_of_scope"
    assert "<img" not in result.messages[0]["text"]


def test_the_reply_contract_is_json_serialisable():
    result = converse(TOPIC_ACTIONS[Topic.SEE_DOCTOR], "when should I see a doctor?")
    assert json.loads(json.dumps(result.custom)) == result.custom


def test_the_action_server_registers_exactly_the_actions_of_the_domain():
    import yaml
    from rasa_sdk.executor import ActionExecutor

    from tests.conftest import PROJECT_DIR

    executor = ActionExecutor()
    executor.register_package("actions")
    domain = yaml.safe_load((PROJECT_DIR / "domain.yml").read_text())
    assert sorted(executor.actions) == sorted(domain["actions"])


def test_an_emergency_interrupts_an_exercise_conversation():
    first = converse(TOPIC_ACTIONS[Topic.EXERCISES], "which exercises help my lower back?")
    second = converse(
        health_actions.ActionExplainExercise(),
        "how do I do the bridge? btw since this morning I can't feel anything down there",
        first,
    )
    text = second.messages[0]["text"]
    assert second.custom["urgency"] == "emergency" and second.custom["topic"] == "see_doctor"
    assert "112" in text and "1. " not in text, "no exercise advice next to a red flag"
    assert text.endswith(DISCLAIMER["en"])
    assert second.slot("escalation") == {"level": "emergency", "rules": ["saddle_numbness"]}
    assert second.slot("red_flags") == ["saddle_numbness"]
    third = converse(health_actions.ActionExplainExercise(), "how do I do the bridge?", second)
    # the escalation stays (issue 11): the answer comes, with its urgency and a reminder
    assert third.custom["urgency"] == "emergency" and third.custom["facts"][0]["id"] == "bridge"
    assert third.custom["reminder"] in third.text
    assert third.slot("urgency") is None, "a calm turn leaves the conversation's urgency mark alone"


def test_a_symptom_split_across_two_turns_escalates_in_german():
    first = converse(TOPIC_ACTIONS[Topic.LOCATION], "Mein unterer Rücken tut seit gestern weh")
    assert first.custom["urgency"] == "none"
    second = converse(TOPIC_ACTIONS[Topic.TREATMENT], "und jetzt habe ich auch noch Fieber", first)
    assert second.custom["urgency"] == "urgent" and second.custom["language"] == "de"
    assert "heute" in second.messages[0]["text"]
    assert second.slot("urgency") == "urgent"


def test_an_escalation_names_its_sources_by_title_set_apart_in_the_contract():
    # night pain rests on a seed article: patients read its title, never the file name
    result = converse(TOPIC_ACTIONS[Topic.CAUSES], "Mein Rücken tut seit Monaten nachts weh")
    text, custom = result.messages[0]["text"], result.custom
    assert custom["urgency"] in {"routine", "urgent"}, custom
    assert custom["source_line"] and text.endswith(f"{custom['source_line']}\n\n{DISCLAIMER['de']}")
    assert ".txt" not in text and "(" not in custom["source_line"]
    seed_titles = [s.title["de"] for s in KNOWLEDGE.facts.sources.values()]
    assert any(title in custom["source_line"] for title in seed_titles), custom["source_line"]


def test_a_negated_symptom_gets_the_normal_answer():
    result = converse(TOPIC_ACTIONS[Topic.CAUSES], "why does my back hurt? I have no fever")
    assert result.custom["urgency"] == "none" and result.custom["topic"] == "causes"


# --- a message in another language, or with no text, gets one bilingual answer ---

FOREIGN = {
    "arabic": "ظهري يؤلمني منذ ثلاثة أيام",
    "chinese": "我的背很痛，怎么办？",  # noqa: RUF001
    "french": "Bonjour, j'ai mal au dos depuis trois jours. Que dois-je faire ?",
    "spanish": "Hola, me duele mucho la espalda desde ayer, ¿qué puedo hacer?",
    "turkish": "Merhaba, üç gündür sırtım çok ağrıyor, ne yapmalıyım?",  # noqa: RUF001
}
EMPTY = {"empty": "", "nul": "\x00", "nuls": "\x00\x00\x00", "controls": "\x00\x01\u200b\n"}
# whatever the NLU made of the message (the tester's Arabic and NUL messages came out goodbye)
ANY_ACTION = [
    conversation_actions.ActionGoodbye(),
    conversation_actions.ActionOfferTopics(),
    TOPIC_ACTIONS[Topic.CAUSES],
    health_actions.ActionExplainExercise(),
]


def assert_bilingual_fallback(result, english: str, german: str, language: str = "en"):
    text = result.messages[0]["text"]
    assert text.index(english) < text.index(german), text
    assert "Goodbye" not in text and "Wiedersehen" not in text
    assert result.custom["topic"] == "out_of_scope" and result.custom["language"] == language
    assert result.custom["disclaimer"] is None and result.custom["facts"] == []
    titles = {b["payload"]: b["title"] for b in result.buttons}
    assert titles["/ask_causes"] == "Causes / Ursachen", titles
    assert {"/ask_location", "/ask_see_doctor", "/ask_exercises"} <= set(titles)
    assert result.slot("language") is None, "an unreadable message does not change the language"
    return text


@pytest.mark.parametrize("action", ANY_ACTION, ids=lambda a: a.name())
@pytest.mark.parametrize("text", FOREIGN.values(), ids=FOREIGN.keys())
def test_a_message_in_another_language_gets_the_bilingual_answer_with_the_emergency_number(
    action, text
):
    result = converse(action, text)
    answer = assert_bilingual_fallback(
        result, "I can answer in English or German", "Ich kann auf Deutsch oder Englisch antworten"
    )
    number = KNOWLEDGE.triage.emergency_number
    assert f"call {number} now" in answer and f"rufen Sie sofort die {number} an" in answer


@pytest.mark.parametrize("action", ANY_ACTION, ids=lambda a: a.name())
@pytest.mark.parametrize("text", EMPTY.values(), ids=EMPTY.keys())
def test_an_empty_or_nul_only_message_is_told_it_was_empty_in_both_languages(action, text):
    result = converse(action, text)
    assert_bilingual_fallback(
        result, "I received an empty message", "Ich habe eine leere Nachricht erhalten"
    )


def test_the_bilingual_answer_keeps_the_language_of_a_german_conversation():
    first = converse(TOPIC_ACTIONS[Topic.LOCATION], "Mein unterer Rücken tut weh")
    second = converse(TOPIC_ACTIONS[Topic.CAUSES], FOREIGN["french"], first)
    assert_bilingual_fallback(second, "I can answer", "Ich kann auf Deutsch", language="de")
    assert second.slot("region") is None and second.slot("contexts") is None


def test_a_red_flag_in_a_mixed_message_is_still_escalated():
    result = converse(
        conversation_actions.ActionGoodbye(),
        "Bonjour, je suis désolé: since this morning I can't feel anything when I wipe",
    )
    assert result.custom["urgency"] == "emergency", result.text
    assert KNOWLEDGE.triage.emergency_number in result.text


def test_the_emergency_number_of_the_bilingual_answer_comes_from_the_setting(monkeypatch):
    monkeypatch.setenv("BOT_EMERGENCY_NUMBER", "144")
    result = converse(conversation_actions.ActionGreet(), FOREIGN["arabic"])
    assert "call 144 now" in result.text and "rufen Sie sofort die 144 an" in result.text
