"""The conversation list (filters, keyset paging, index use with 100,000 conversations) and
the conversation view built from Rasa's events."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from conversation_store.schema import conversation_summaries
from review_tool import queries
from review_tool.params import BadParameter
from review_tool.queries import Filters, build_turns, list_conversations, load_conversation

from .test_review_support import (  # noqa: F401  (fixture)
    XSS,
    emergency_events,
    engine_fixture,
    fallback_events,
    store,
    store_samples,
)

DAY = 86400.0
BASE = datetime(2025, 3, 1, 12, 0).timestamp()  # local time, as the date filter reads it
URGENCIES = ["none", "routine", "urgent", "emergency"]


def summary(i: int, at: float) -> dict:
    urgency = URGENCIES[i % 4] if i % 10 == 0 else "none"
    return {
        "sender_id": f"conv-{i:06d}",
        "channel": "rest",
        "started_at": at - 60,
        "last_at": at,
        "language": "de" if i % 3 == 0 else "en",
        "turns": 1 + i % 7,
        "urgency": urgency,
        "urgency_rank": URGENCIES.index(urgency),
        "topics": ",exercises,causes," if i % 5 == 0 else ",location,",
        "escalated": urgency in ("urgent", "emergency"),
        "fallback": i % 50 == 0,
        "low_confidence": i % 25 == 0,
    }


def fill(engine: sa.engine.Engine, count: int, same_time_every: int = 0) -> list[dict]:
    """`count` summaries one minute apart (some sharing a timestamp, to test ties)."""
    rows = []
    for i in range(count):
        at = BASE + (i // same_time_every if same_time_every else i) * 60.0
        rows.append(summary(i, at))
    with engine.begin() as connection:
        connection.execute(conversation_summaries.insert(), rows)
    return rows


def newest_first(rows: list[dict]) -> list[str]:
    return [
        r["sender_id"]
        for r in sorted(rows, key=lambda r: (r["last_at"], r["sender_id"]), reverse=True)
    ]


def ids(page: queries.Page) -> list[str]:
    return [r["sender_id"] for r in page.rows]


def test_filters_select_the_right_conversations(engine: sa.engine.Engine) -> None:
    rows = fill(engine, 600)

    def expect(filters: Filters, keep) -> None:
        wanted = newest_first([r for r in rows if keep(r)])
        page = list_conversations(engine, filters, limit=1000)
        assert ids(page) == wanted, filters
        assert page.total == len(wanted)

    expect(Filters(), lambda r: True)
    expect(Filters(urgency="emergency"), lambda r: r["urgency"] == "emergency")
    expect(Filters(urgency="none"), lambda r: r["urgency"] == "none")
    expect(Filters(language="de"), lambda r: r["language"] == "de")
    expect(Filters(topic="exercises"), lambda r: ",exercises," in r["topics"])
    expect(
        Filters(topic="causes", language="en"),
        lambda r: ",causes," in r["topics"] and r["language"] == "en",
    )
    for mark in ("escalated", "fallback", "low_confidence"):
        expect(Filters(mark=mark), lambda r, mark=mark: r[mark])
    first_day = datetime.fromtimestamp(BASE).date()
    expect(
        Filters(date_from=first_day, date_to=first_day),
        lambda r: datetime.fromtimestamp(r["last_at"]).date() == first_day,
    )
    expect(Filters(date_from=first_day + timedelta(days=1)), lambda r: False)


def test_query_string_filters_are_parsed_and_unknown_values_dropped() -> None:
    filters = Filters.from_query(
        {
            "from": "2025-03-01",
            "urgency": "emergency",
            "topic": "'; drop",
            "language": "de",
            "mark": "escalated",
            "before_at": "1.5",
            "before_id": "x",
        }
    )
    assert filters == Filters(
        date_from=date(2025, 3, 1),
        urgency="emergency",
        language="de",
        mark="escalated",
        before=(1.5, "x"),
    )
    assert Filters.from_query(filters.params()) == Filters(
        date_from=date(2025, 3, 1), urgency="emergency", language="de", mark="escalated"
    )
    assert filters.describe() == "from=2025-03-01 urgency=emergency language=de mark=escalated"


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ({"to": "garbage"}, "to"),
        ({"from": "2025-02-30"}, "from"),
        ({"from": "0001-01-01"}, "from"),  # before 1970: local time fails in some time zones
        ({"before_at": "inf", "before_id": "x"}, "before_at"),
        ({"after_at": "1", "after_id": "a\x00"}, "after_id"),
    ],
)
def test_malformed_or_out_of_range_dates_and_cursors_are_refused_by_name(
    query: dict[str, str], name: str
) -> None:
    with pytest.raises(BadParameter, match=f"'{name}'"):
        Filters.from_query(query)


def test_keyset_pages_cover_everything_once_even_with_equal_timestamps(
    engine: sa.engine.Engine,
) -> None:
    rows = fill(engine, 257, same_time_every=7)  # seven conversations share each minute
    expected = newest_first(rows)
    seen, pages = [], []
    filters = Filters()
    while True:
        page = list_conversations(engine, filters, limit=20)
        pages.append(page)
        seen += ids(page)
        if not page.older:
            break
        filters = Filters.from_query(page.older)
    assert seen == expected
    assert pages[0].newer is None and pages[-1].older is None and len(pages) == 13
    # and back: "newer" from the third page is the second page
    back = list_conversations(engine, Filters.from_query(pages[2].newer), limit=20)
    assert ids(back) == ids(pages[1]) and back.newer and back.older


def test_count_stops_at_the_cap(engine: sa.engine.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    fill(engine, 30)
    monkeypatch.setattr(queries, "COUNT_CAP", 25)
    page = list_conversations(engine, Filters())
    assert page.total == 26 and page.total_text == "more than 25"


def explain(engine: sa.engine.Engine, query: sa.sql.Select) -> str:
    compiled = query.compile(engine, compile_kwargs={"literal_binds": True})
    with engine.connect() as connection:
        plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}").all()
    return "\n".join(row[-1] for row in plan)


def test_list_with_100k_conversations_reads_the_summary_index_only(
    engine: sa.engine.Engine,
) -> None:
    random.seed(7)
    with engine.begin() as connection:
        connection.execute(
            conversation_summaries.insert(),
            [summary(i, BASE + random.random() * 365 * DAY) for i in range(100_000)],
        )
    statements: list[str] = []
    sa.event.listen(
        engine, "before_cursor_execute", lambda conn, cursor, sql, *args: statements.append(sql)
    )

    first = list_conversations(engine, Filters())
    deep = list_conversations(engine, Filters.from_query(first.older))
    assert len(first.rows) == len(deep.rows) == queries.PAGE_SIZE
    assert first.rows[-1]["last_at"] >= deep.rows[0]["last_at"]
    assert first.total_text == "more than 10,000"
    # two statements per page (rows and bounded count), neither touching Rasa's events
    assert len(statements) == 4
    assert not any("events" in s for s in statements)

    cursor = (first.rows[-1]["last_at"], first.rows[-1]["sender_id"])
    for filters in (
        Filters(),
        Filters(before=cursor),
        Filters(after=cursor),
        Filters(urgency="emergency"),
        Filters(urgency="emergency", before=cursor),
        Filters(language="de"),
        Filters(topic="exercises", mark="escalated"),
        Filters(date_from=date(2025, 6, 1), date_to=date(2025, 6, 30)),
    ):
        plan = explain(engine, queries.list_query(filters))
        # walked in order along an index, no sort of the whole result (only rows with equal
        # `last_at` are put in sender_id order: "TEMP B-TREE FOR RIGHT PART OF ORDER BY")
        assert "USING INDEX ix_summaries_" in plan, (filters, plan)
        assert "TEMP B-TREE FOR ORDER BY" not in plan, (filters, plan)
        if filters.before or filters.after or filters.date_from or filters.urgency:
            assert plan.startswith("SEARCH"), (filters, plan)  # seeks, does not scan from the top
        count_plan = explain(engine, queries.count_query(filters))
        assert "conversation_summaries" in count_plan and "events" not in count_plan


# --- one conversation ------------------------------------------------------------------------


def test_view_groups_events_into_turns_with_their_metadata(engine: sa.engine.Engine) -> None:
    store_samples(engine, BASE)
    conversation = load_conversation(engine, "emergency-1")
    assert conversation is not None and conversation.summary["urgency"] == "emergency"
    first, second = conversation.turns
    assert first.patient_text == "my lower back hurts"
    assert (first.intent, first.confidence, first.topic) == ("ask_location", 0.99, "location")
    assert [m.text for m in first.bot] == ["About pain in the lower back: …"]  # not the json one
    assert first.facts[0] == {
        "id": "train_location_lower_back",
        "source": "003_b71e68f0bac9b658.txt",
        "title": "Back pain despite training: causes, prevention and exercises",
    }
    assert first.facts[1]["title"] == "no_such_file.txt"  # an unknown source shows its file name
    assert first.escalation_level is None and not first.low_confidence
    assert second.urgency == second.escalation_level == "emergency"
    assert second.rules == [
        {
            "id": "bladder_bowel_control",
            "reason": "loss of bladder or bowel control, or being unable to pass urine",
            "source": "NICE NG59 (cauda equina syndrome); NVL Nicht-spezifischer Kreuzschmerz",
        }
    ]


def test_view_shows_buttons_and_pressed_buttons_by_their_titles(engine: sa.engine.Engine) -> None:
    store_samples(engine, BASE)
    first, second = load_conversation(engine, "fallback-1").turns
    assert first.patient_text == XSS and first.low_confidence and first.fallback
    assert first.bot[0].buttons == ["Where back pain occurs", "Exercises"]
    assert second.patient_text == "Exercises" and second.via_button


def test_sessions_greetings_and_unknown_conversations() -> None:
    events = [
        {"event": "session_started", "timestamp": 1.0},
        {"event": "bot", "timestamp": 2.0, "text": "Hello!", "data": {}},
        {"event": "user", "timestamp": 3.0, "text": "hi", "parse_data": {}},
        {"event": "session_started", "timestamp": 10.0},
        {"event": "user", "timestamp": 11.0, "text": "again"},
        {"event": "bot", "timestamp": 12.0, "text": None, "data": {"custom": "not a dict"}},
    ]
    greeting, hi, again = build_turns(events)
    assert greeting.patient_text is None and greeting.bot[0].text == "Hello!"
    assert hi.patient_text == "hi" and hi.intent is None and not hi.session_start
    assert again.session_start and again.bot == []


def test_unknown_conversation_is_none(engine: sa.engine.Engine) -> None:
    assert load_conversation(engine, "nobody") is None
    store(engine, "only-events", fallback_events(BASE))
    with engine.begin() as connection:
        connection.execute(conversation_summaries.delete())
    conversation = load_conversation(engine, "only-events")
    assert conversation.summary is None and len(conversation.turns) == 2


def test_emergency_sample_has_the_shape_of_a_real_tracker() -> None:
    kinds = [e.as_dict()["event"] for e in emergency_events(BASE)]
    assert kinds[:3] == ["action", "session_started", "action"] and "slot" in kinds


@pytest.mark.parametrize("timezone", ["Europe/Berlin", "America/New_York", "Asia/Tokyo"])
def test_the_first_and_last_accepted_days_convert_to_times_in_any_time_zone(
    timezone: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time as clock

    from review_tool import params

    monkeypatch.setenv("TZ", timezone)
    clock.tzset()
    try:
        query = {"from": params.FIRST_DAY.isoformat(), "to": params.LAST_DAY.isoformat()}
        assert len(Filters.from_query(query).conditions()) == 2
    finally:
        monkeypatch.undo()
        clock.tzset()
