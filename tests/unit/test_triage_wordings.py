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
        # a colleague who just fell, from a height told in metres
        ("my colleague just came off a scaffold, maybe 3m, lying on his back", "emergency"),
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
        # a fear of cancer is no cancer
        "I'm scared this back pain might be cancer, my aunt had it",
        # a hypothetical in German without "falls"
        "Wenn ich irgendwann nicht mehr laufen könnte, wäre das schlimm? Hab nur Hexenschuss",
        # a young person's slight fall
        "Mein Sohn (16) ist vom Rad gefallen, nix passiert, bisschen geprellt, läuft normal",
        # someone's pill, not their pain, has lasted a month
        "started the pill a month ago, my back has been sore since yesterday",
        # a young person's numb bottom told as not tingling
        "Bin beim Skaten auf den Po gefallen, am Po kribbelt nix, tut nur weh, bin 15",
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


# A review of triage15 (2026-12-03, fourth session; the reviewer saw no corpus): phrases of
# triage15 that hid a present sign or raised a false alarm. Each failed on triage15's commit.
@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("I can't feel my bum or groin since the fall, that's over a week now", "emergency"),
        (
            "Just out of interest, I have back pain and I cannot feel my bum when I wipe",
            "emergency",
        ),
        ("Nur so als Frage: ich kann seit heute morgen nicht pinkeln", "emergency"),
        ("It's as if I couldn't control my bladder anymore, I wet myself twice today", "emergency"),
        (
            "Ich würde sofort zum Arzt gehen wenn ich laufen könnte, die Beine werden immer "
            "schwächer",
            "emergency",
        ),
        (
            "My feet are not numb but I can't feel my bum when I wipe since this morning",
            "emergency",
        ),
        (
            "Colleague recommended this site. Had breast cancer 2 years ago, now back pain.",
            "urgent",
        ),
        (
            "I had prostate cancer and I think the cancer has come back, new pain in my back",
            "urgent",
        ),
        ("I fell down the stairs yesterday, my back is a bit bruised and really painful", "urgent"),
        (
            "Ich hatte einen Autounfall. Dem anderen Fahrer ist nichts passiert. Jetzt habe ich "
            "Rückenschmerzen.",
            "urgent",
        ),
        ("I'm 58 m, first time ever back pain", "routine"),
        ("I've been taking tablets for 6 weeks for my back pain", "routine"),
        ("I have a dull ache at the bottom of my back and my toes tingle", "none"),
        ("my legs are not numb, just sore", "none"),
        ("Meine Beine sind nicht taub, nur der Rücken tut weh", "none"),
        ("I slipped in the shower and hit my back off the wall, now it really hurts", "urgent"),
        ("Ich bin von einem 0,5 m hohen Podest gefallen, Rücken tut weh", "urgent"),
        (
            "Hatte einen Auffahrunfall im Stau auf der Autobahn, im Schritttempo, seitdem tut "
            "der Rücken weh",
            "urgent",
        ),
        ("I have a cough and had a blood test today, my back hurts", "none"),
        (
            "Ich war seit gestern nicht mehr richtig auf dem Klo, bin verstopft, Rückenschmerzen",
            "none",
        ),
        ("I'm 30 weeks pregnant and had blood tests done, all normal, but my back aches", "none"),
        ("Ich bin in der 30. SSW und muss alle 20 Minuten aufs Klo, Rückenschmerzen", "none"),
        ("Beim Aussteigen aus dem Auto hat es mich erwischt, Hexenschuss, Rückenschmerzen", "none"),
        (
            "I am 62 and I've had back pain on and off for 20 years, this flare started last week",
            "none",
        ),
    ],
)
def test_reviewed_wordings_of_triage15_neither_hide_a_sign_nor_raise_a_false_alarm(text, level):
    assert reached(text) is Urgency(level)


def test_the_patient_named_in_an_earlier_sentence_keeps_their_signs():
    own, _ = conversation(
        [
            "My husband has back pain too.",
            "Now about me. Had breast cancer 3 years ago. Back pain for 2 weeks.",
        ]
    )
    assert own is Urgency.URGENT


# Triage16, tuned on corpus 15's development half; each told in other words here
@pytest.mark.parametrize(
    ("text", "level"),
    [
        # a clause ending in "hab ich nicht" denies what it named, however far back
        ("Druck auf der Brust oder Luftnot hab ich nicht, nur Verspannung im Rücken", "none"),
        # "wenn ich drücke" is no injecting
        ("Seit dem Umzug tut es weh, wenn ich drücke, direkt über dem Kreuz", "none"),
        # a knock at an older age, in dialect
        ("I bin 78 und hab mi am Schrank angschlagn, jetzt tut der Rücken weh", "urgent"),
        ("I'm 70 and bumped my back on the door frame, it hurts a lot now", "urgent"),
        # a young person's knock stays calm
        ("I'm 30 and bumped my back on the door frame, bit sore", "none"),
        # Bavarian and Swiss relatives and signs
        ("Mei Frau hot seit oanhoib Monat Ischias, zieht ins Haxn", "routine"),
        ("Ich ha bim Hueschte Bluet gspuckt und Rückeweh", "emergency"),
        # a first time in Swabian
        ("I bin 57 ond hab zom erschta Mol Kreizweh", "routine"),
        # flare-ups that keep coming, for months
        ("my back keeps flaring up, it's been going on for 8 months", "routine"),
        # non-native wording of retention
        ("I cannot make the toilet for urine since morning, back very pain", "emergency"),
        # chills told in lay words
        ("my back aches and I'm hot and shivery, can't get warm", "urgent"),
    ],
)
def test_lay_wordings_of_corpus_15_told_otherwise(text, level):
    assert reached(text) is Urgency(level)


def test_a_relatives_rash_the_teller_checks_and_their_confusion_call_for_them():
    own, theirs = conversation(
        [
            "Meine Tochter (16) hat Fieber und Rückenschmerzen",
            "Sie hat rote Punkte am Bauch, die gehen nicht weg wenn ich ein Glas drauf drücke, "
            "und sie redet ganz wirr",
        ]
    )
    assert (own, theirs) == (Urgency.NONE, Urgency.EMERGENCY)


# A review of triage16 (2026-12-03, fifth session; the reviewer saw no corpus), with the cases
# of the review of triage15 whose fixes it questioned kept beside them (above): each of these
# failed on f8eadbb.
@pytest.mark.parametrize(
    ("text", "level"),
    [
        # "hab ich nicht" at the end denies the sign right before it, not one further back
        (
            "Rücken tut weh. Seit gestern Abend Taubheit im Schritt Fieber hab ich nicht",
            "emergency",
        ),
        # a sign that is itself a "nicht" is not denied again by a clause-final "nicht"
        (
            "Rückenschmerzen und seit heute kann ich nicht pinkeln hab ich nicht gedacht",
            "emergency",
        ),
        # "can I also", "do I have to ... too" ask about something else, not the sign in general
        ("I have a fever of 39 and back pain, can I also have a hot bath?", "urgent"),
        (
            "I've had a fever and back pain since yesterday, do I have to take it easy too?",
            "urgent",
        ),
        (
            "Ich hab Rückenschmerzen und Fieber seit gestern, kann ich auch trotzdem zur Arbeit?",
            "urgent",
        ),
        # both legs numb told telegraphically
        ("legs numb and my back is agony", "emergency"),
        # a crash at speed while in traffic is still a crash at speed
        ("I was stuck in traffic when a lorry hit us at 80, my back is in bits", "emergency"),
        ("Stand im Stau, da ist einer mit 100 hinten drauf gefahren, Rücken tut weh", "emergency"),
        # coughing and blood in two clauses
        ("I've been coughing a lot, there was blood in it, back hurts", "emergency"),
        # no urine since last night
        ("I haven't had a wee since last night, back killing me", "emergency"),
        (
            "haven't needed the toilet since last night even though I'm drinking, bad back",
            "emergency",
        ),
        # hit by a car, the car as the subject
        ("Mich hat heute ein Auto erwischt beim Überqueren, Rücken tut weh", "emergency"),
        ("Bin heute von einem Auto erwischt worden, der Rücken tut weh", "emergency"),
        # a leg that can hardly move for pain is no failing legs
        ("Ich kann vor Schmerzen das linke Bein kaum bewegen, Hexenschuss seit gestern", "none"),
        # "Schritt für Schritt" and "kaum" are no numb crotch
        ("Schritt für Schritt wird es besser, der Rücken fühlt sich kaum noch steif an", "none"),
        # drinks, friends and toasts are no knocks at an older age
        ("I'm 70 and knocked back a few drinks last night, my back's stiff today", "none"),
        (
            "Ich bin 70 und habe mit meinem Mann auf den Geburtstag angestoßen, Rücken zwickt",
            "none",
        ),
        ("I'm 68 and bumped into a friend at the shops, my back has been aching", "none"),
        ("Ich bin 72 und etwas angeschlagen von der Erkältung, Rücken tut weh", "none"),
        # a fall from a height told in metres, read as a number
        ("fell about 6 m onto concrete, back hurts", "emergency"),
        ("Bin 5 m tief gestürzt, Rücken tut weh", "emergency"),
        # being in the dark, and back pain that makes no sense, are no meningitis
        ("Mit Fieber und Rückenschmerzen bin ich im Dunkeln die Treppe runter", "urgent"),
        ("my back pain is not making any sense to me, fever since yesterday", "urgent"),
    ],
)
def test_reviewed_wordings_of_triage16_neither_hide_a_sign_nor_raise_a_false_alarm(text, level):
    assert reached(text) is Urgency(level)


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # kept from before the review: what the narrowed phrases must still reach
        ("Druck auf der Brust oder Luftnot hab ich nicht, nur Verspannung im Rücken", "none"),
        ("Meine Freundin hatte ein Cauda-Syndrom. Kann ich das auch haben?", "none"),
        ("back pain, both legs numb since this morning", "emergency"),
        (
            "Hatte einen Auffahrunfall im Stau, im Schritttempo, seitdem tut der Rücken weh",
            "urgent",
        ),
        ("I have a cough and had a blood test today, my back hurts", "none"),
        (
            "Ich war seit gestern nicht mehr richtig auf dem Klo, bin verstopft, Rückenschmerzen",
            "none",
        ),
        ("Beim Aussteigen aus dem Auto hat es mich erwischt, Hexenschuss, Rückenschmerzen", "none"),
        ("Ich kann das linke Bein seit gestern kaum noch bewegen, Rückenschmerzen", "urgent"),
        ("I'm 70 and bumped my back on the door frame, it hurts a lot now", "urgent"),
        ("I'm 74 and walked into the kitchen table, my back hurts since", "urgent"),
        ("I bin 78 und hab mi am Schrank angschlagn, jetzt tut der Rücken weh", "urgent"),
        ("Fieber, Rückenschmerzen und sie liegt nur noch im Dunkeln, Licht tut weh", "emergency"),
        ("he is not making any sense, fever and back pain", "emergency"),
        ("Ich bin von einem 0,5 m hohen Podest gefallen, Rücken tut weh", "urgent"),
        ("I'm 58 m, first time ever back pain", "routine"),
    ],
)
def test_what_the_triage16_review_narrowed_still_reaches_its_level(text, level):
    assert reached(text) is Urgency(level)


def test_a_teller_who_names_the_other_person_does_not_make_the_next_sentence_theirs():
    own, theirs = conversation(
        [
            "My dad is 80 and has had back pain for a week",
            "I found him on the floor. Can't feel legs, back agony.",
        ]
    )
    assert (own, theirs) == (Urgency.NONE, Urgency.EMERGENCY)


@pytest.mark.parametrize(
    "text",
    ["Ich bin 1,80 m groß und 40, Rückenschmerzen vom Sitzen", "I'm 1.85 m and 34, sore back"],
)
def test_a_body_height_is_neither_an_age_nor_a_fall(text):
    found = TRIAGE.findings(text).patient
    assert not found & {"age_under_20", "age_over_50", "fall_height"}, found


# Triage17b, tuned on the development halves of corpora 16 and 17; each told in other words
@pytest.mark.parametrize(
    ("text", "level"),
    [
        # a swollen calf with breathlessness, however it came on; a swollen calf alone
        ("my right calf is swollen and hot and I get out of breath on the stairs", "emergency"),
        ("Die rechte Wade ist seit gestern dick und rot, Rücken zieht auch", "urgent"),
        # a stroke told by a relative
        ("my mum's mouth is drooping on one side and her speech is slurred", "emergency"),
        ("Mein Vater spricht seit einer Stunde verwaschen, Rücken tut ihm auch weh", "emergency"),
        # a fall after which someone cannot get up
        ("my nan slipped in the kitchen and I cannot get her up, she's crying", "emergency"),
        ("Opa ist im Garten gestürzt und kommt nicht hoch, das Bein ist verdreht", "emergency"),
        # blood in the urine with back pain
        ("back pain on the left and my pee is red since this morning", "urgent"),
        ("Rückenschmerzen rechts und Blut im Urin seit heute", "urgent"),
        # a child's back pain that wakes them
        ("my son is 12 and his back pain wakes him up at night", "urgent"),
        # both legs going weak, told with a word between
        ("both of my legs are going weak and my back is in agony", "emergency"),
        # a blow and pins and needles in the hands
        ("took a knock to the back at rugby and now my fingers have pins and needles", "emergency"),
        # Swiss German motorbike and legs
        ("bin mitem Töff umgfalle, Rugge tuet weh, cha d'Bei nöd bewege", "emergency"),
        # heels and big toe
        ("seit heute kann ich auf der rechten Ferse nicht laufen, Ischias seit Wochen", "urgent"),
        # weight dropped, in stones
        ("I've dropped nearly a stone without trying and my back aches at night", "urgent"),
        # Nigerian English: the waist is the lower back
        ("my waist has been paining me for 2 months now", "routine"),
    ],
)
def test_lay_wordings_of_corpora_16_and_17_told_otherwise(text, level):
    assert reached(text) is Urgency(level)


@pytest.mark.parametrize(
    "text",
    [
        "the shelf collapsed under the books, then my back went when I picked them up",
        "Kortisonsalbe gegen Neurodermitis an den Armen, ist Rückenyoga trotzdem ok?",
        "lost 4 kilos since I stopped drinking, back sore from lifting boxes this week",
        "my calf is tight after the run yesterday, back a bit stiff",
        "Blut- und Urinwerte waren beim Hausarzt normal, nur der Rücken zwickt",
        "If I suddenly couldn't feel my legs, would that be an emergency? Just asking, back fine",
    ],
)
def test_look_alikes_of_corpora_16_and_17_and_of_the_new_signs_do_not_escalate(text):
    # (the calf, the urine values and "if I suddenly" guard the new rules' phrases)
    assert reached(text) is Urgency.NONE


# A review of triage17a (2026-12-04; the reviewer saw no corpus): exceptions and negations that
# reached past their match, narrowed phrases that lost their siblings. Each failed on 2849b9a.
@pytest.mark.parametrize(
    ("text", "level"),
    [
        # other blood in its own clause does not excuse blood coughed up
        ("I coughed up blood twice today, had a blood test last week, back pain", "emergency"),
        ("Ich huste seit gestern Blut, mein Blutdruck ist auch hoch, Rückenschmerzen", "emergency"),
        # the crotch, both groins and "kaum noch was" are numb crotch again
        ("mein Schritt ist taub seit heute, Rückenschmerzen", "emergency"),
        ("Rückenschmerzen, beide Leisten sind taub", "emergency"),
        ("Rücken tut weh, da unten fühl ich kaum noch was", "emergency"),
        # a knock at an older age against any object
        ("I'm 80 and bumped into a chair, my back hurts now", "urgent"),
        ("Ich bin 80 und hab mich am Treppengeländer angestoßen, Rücken tut weh", "urgent"),
        # an age told before a number without a comma
        ("I'm 67 2 weeks ago bumped my back on the kitchen table", "urgent"),
        # pain in one clause excuses no weakness in another
        ("Mein linker Fuß wird schwächer und ich kann vor Schmerzen kaum schlafen", "urgent"),
        # a leg that cannot be moved at all
        ("Rückenschmerzen, und mein Bein lässt sich nicht mehr bewegen", "emergency"),
        # confusion of a named person, or of someone not named again
        ("my dad is not making sense, he has a fever and back pain", "emergency"),
        ("My husband has a fever and bad back and isn't making sense", "emergency"),
        # avoiding the light, told with another verb
        ("Sie hat Fieber, Rückenschmerzen und sitzt seit Stunden im Dunkeln", "emergency"),
        # a height in feet
        ("fell about 10 ft onto concrete, back hurts", "emergency"),
        ("Bin aus 1,5 m runtergefallen, Rücken tut weh", "emergency"),
        # legs numb with an adverb, and in Bavarian
        ("back agony, legs totally numb", "emergency"),
        ("Kreuzweh, Haxn taub", "emergency"),
        # a clause-final denial reaches a sign joined by "oder" to anything
        ("Kribbeln im Schritt oder in den Beinen hab ich nicht, nur Rückenschmerzen", "none"),
        ("Fieber oder Schüttelfrost oder sowas hab ich nicht, Rücken tut weh", "none"),
        ("Rückenschmerzen, Fieber mit Schüttelfrost hab ich nicht", "none"),
        # a denial before a sign that is itself a negation still denies it
        ("nope have not peed myself, back just aches", "none"),
        ("kein taubheitsgefühl kein kribbeln im po, nur rückenschmerzen", "none"),
        # "could I have <sign> too" asks in general: a question, no escalation
        ("My sister has a slipped disc. Could I have numbness in my groin too?", "none"),
        ("Könnte ich auch eine Taubheit im Intimbereich bekommen?", "none"),
        # a cough and blood that is not coughed up
        ("I'm on blood thinners and have a cough, back pain", "none"),
        ("I have a cough and cut my finger, blood everywhere, back sore", "none"),
        ("Ich habe Husten und war gestern Blut spenden, Rückenschmerzen", "none"),
        # distances and body heights are no fall height; an age is no speed
        ("bin 2 m vor der Haustür auf dem Eis ausgerutscht, Rücken tut weh", "urgent"),
        ("I'm 2 m tall and slipped in the shower, back hurts", "urgent"),
        ("fell at 80 in the kitchen, back hurts", "urgent"),
        # a bump in a jam on the motorway
        ("Hatte auf der Autobahn im Stau einen kleinen Auffahrunfall, Rücken tut weh", "urgent"),
        # constipation and an hour without a wee
        ("not needed the toilet since tuesday, bit bunged up, back sore", "none"),
        ("havent had a wee since I got up an hour ago, back pain", "none"),
        # a numbness that passed with sitting, and one's own muddle
        ("sat cross legged for an hour, legs numb for a minute after, back stiff", "none"),
        ("sorry if I am not making much sense, typing on my phone, fever and back pain", "urgent"),
        ("I am not making sense of this, fever and back pain since Monday", "urgent"),
    ],
)
def test_reviewed_wordings_of_triage17a_neither_hide_a_sign_nor_raise_a_false_alarm(text, level):
    assert reached(text) is Urgency(level)


# A review of triage17b, triage17c and the detector's CLOSE_SHARE (2026-12-04; the reviewer saw
# no corpus): the new signs' phrases and the clause exceptions. Each failed on ad3f840.
@pytest.mark.parametrize(
    ("text", "level"),
    [
        # a collapse on the sofa, not responding
        (
            "My dad collapsed on the sofa and is not responding, he had back pain all day",
            "emergency",
        ),
        # blood coughed up beside a clot or a blood thinner, phlegm red with blood
        ("I have back pain and I coughed up a blood clot this morning", "emergency"),
        ("back pain for weeks, on blood thinners coughing up blood since yesterday", "emergency"),
        (
            "I've had a cough for weeks and now my phlegm is red with blood, back pain too",
            "emergency",
        ),
        # confusion and a stiff neck at night are no less
        ("Er ist nachts ganz verwirrt und hat Rückenschmerzen und Fieber", "emergency"),
        ("Mein Nacken ist nachts steif und ich habe Fieber und Rückenschmerzen", "emergency"),
        ("He's not making any sense to me, keeps mumbling, back pain and fever 39", "emergency"),
        # a fall height told with a hedge, or after an abbreviation
        (
            "I came off the trampoline, a good 2 metres, and landed on my back, it hurts a lot",
            "emergency",
        ),
        ("Sturz vom Heuboden ca. 3 Meter, starke Rückenschmerzen", "emergency"),
        # "as if suddenly", "immer wenn ich plötzlich" tell what happens now
        (
            "It feels as if suddenly my legs have gone numb and I can't control my bladder",
            "emergency",
        ),
        (
            "Immer wenn ich plötzlich aufstehe, kann ich den Urin nicht halten, Rücken schmerzt",
            "emergency",
        ),
        # constipation and less back pain excuse no retention and no numb crotch
        ("Bin total verstopft kann seit gestern nicht mehr pinkeln Rücken tut weh", "emergency"),
        ("Der Rücken tut kaum noch weh dafür ist der Intimbereich seit gestern taub", "emergency"),
        # a clause-final denial does not reach back over "mit" and another sign
        ("Taubheit am Po mit Rückenschmerzen Fieber hab ich nicht", "emergency"),
        # "weiß nicht wieso" negates nothing
        ("Weiß nicht wieso kein Gefühl in den Beinen, Rückenschmerzen", "emergency"),
        # a lorry into a jam on the Autobahn
        ("Im Stau auf der A3 ist uns ein LKW hinten drauf gefahren, Rücken tut weh", "emergency"),
        # weight lost without trying, beside something else given up
        (
            "I stopped drinking coffee and lost 8 kg without trying, my back hurts at night",
            "urgent",
        ),
        # a swollen hot calf thought to be a cramp
        (
            "My left calf is swollen and hot, I thought it was just a cramp, lower back aches",
            "urgent",
        ),
        # a stroke beside a drink, a cold sweat
        (
            "He had one drink and now his face is drooping on one side and his speech is slurred",
            "emergency",
        ),
        ("Mein Mann lallt plötzlich, kalter Schweiß", "emergency"),
        # cannot get up, told otherwise
        ("Mum fell in the bathroom and she's unable to get up", "emergency"),
        ("Oma ist gestürzt, wir bekommen sie nicht hoch", "emergency"),
        ("Opa ist gestürzt und kann sich nicht mehr aufrichten", "emergency"),
        # look-alikes of the new signs
        ("I was slurring my words after 6 pints last night lol and my back is killing me", "none"),
        ("my mouth is still droopy from the dental anaesthetic and my back hurts", "none"),
        ("Unser Baby lallt schon fleißig, ich habe Rückenschmerzen vom Tragen", "none"),
        (
            "Sprained my ankle playing football, the calf is swollen and bruised, back a bit sore",
            "none",
        ),
        ("I slipped on ice yesterday and I'm still lying in bed resting my back", "urgent"),
        ("Bin gestern beim Joggen gestürzt und liege noch im Bett, Rücken tut weh", "urgent"),
        ("I'm 16 and my back hurts after football last night", "none"),
        ("I'm 19, I work nights in a warehouse and my lower back aches", "none"),
        (
            "My pee is red, I ate a lot of beetroot yesterday, and my back aches from gardening",
            "none",
        ),
    ],
)
def test_reviewed_wordings_of_triage17b_and_c_neither_hide_a_sign_nor_raise_a_false_alarm(
    text, level
):
    assert reached(text) is Urgency(level)
