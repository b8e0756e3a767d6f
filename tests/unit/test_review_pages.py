"""The review pages over HTTP: untrusted patient text rendered as text, exports (CSV safe
against formulas, JSON), the audit rows they leave, and deletion through the shared function."""

from __future__ import annotations

import csv
import io
import time

import pytest
import sqlalchemy as sa

from conversation_store.schema import audit_log
from review_tool.export import safe_cell

from .test_review_support import (  # noqa: F401  (fixtures)
    EVENTS,
    PASSWORD,
    XSS,
    Client,
    backend_engine_fixture,
    engine_fixture,
    logged_in,
    postgres_server,
    store_samples,
    tool_fixture,
)


def audit_rows(engine: sa.engine.Engine) -> list[tuple]:
    query = sa.select(audit_log.c.actor, audit_log.c.action, audit_log.c.target, audit_log.c.detail)
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(query.order_by(audit_log.c.id))]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+49 30 1234", "'+49 30 1234"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=x", "'\t=x"),
        ("back pain", "back pain"),
        ("", ""),
        (3, 3),
        (None, None),
    ],
)
def test_csv_cells_that_a_spreadsheet_would_run_are_defused(
    value: object, expected: object
) -> None:
    assert safe_cell(value) == expected


def test_patient_html_is_shown_as_text(engine: sa.engine.Engine, tool: str) -> None:
    store_samples(engine, time.time() - 3600)
    client = logged_in(tool, "nurse")
    html = client.get("/conversation?id=fallback-1").text
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=" in html
    assert "Where back pain occurs" in html and "(pressed a button)" in html
    listing = client.get("/conversations").text
    assert "fallback-1" in listing and "<script>" not in listing


def test_list_page_filters_and_links(engine: sa.engine.Engine, tool: str) -> None:
    store_samples(engine, time.time() - 3600)
    client = logged_in(tool, "nurse")
    html = client.get("/conversations?mark=escalated").text
    assert "emergency-1" in html and "fallback-1" not in html
    assert "1 matching conversation " in html
    assert 'href="/conversations.csv?mark=escalated"' in html
    html = client.get("/conversations?urgency=nonsense&topic=exercises").text
    assert "fallback-1" in html and "emergency-1" not in html


def test_exports_of_list_and_conversation(engine: sa.engine.Engine, tool: str) -> None:
    store_samples(engine, time.time() - 3600)
    client = logged_in(tool, "nurse")

    response = client.get("/conversations.csv?mark=fallback")
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="conversations-'
    )
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["sender_id"] for r in rows] == ["fallback-1"]
    assert rows[0]["topics"] == "out_of_scope exercises" and rows[0]["fallback"] == "True"

    listed = client.get("/conversations.json").json()
    assert [c["sender_id"] for c in listed] == ["fallback-1", "emergency-1"]
    assert listed[1]["urgency"] == "emergency" and listed[1]["escalated"] is True

    response = client.get("/conversation.csv?id=fallback-1")
    assert 'filename="conversation-fallback-1.csv"' in response.headers["Content-Disposition"]
    lines = list(csv.DictReader(io.StringIO(response.text)))
    assert lines[0]["speaker"] == "patient" and lines[0]["text"] == XSS
    assert lines[0]["intent"] == "nlu_fallback" and lines[0]["confidence"] == "0.210"
    assert lines[1]["buttons"] == "Where back pain occurs | Exercises"
    assert lines[3]["text"].startswith("'=HYPERLINK(")  # defused

    record = client.get("/conversation.json?id=emergency-1").json()
    escalation = record["turns"][1]["escalation"]
    assert escalation["level"] == "emergency"
    assert escalation["rules"][0]["id"] == "bladder_bowel_control"
    assert record["turns"][0]["facts"][0]["title"].startswith("Back pain despite training")

    assert client.get("/conversation.json?id=nobody").status_code == 404
    exports = [r for r in audit_rows(engine) if r[1] == "export"]
    assert exports == [
        ("nurse", "export", "mark=fallback", "list as csv"),
        ("nurse", "export", "all conversations", "list as json"),
        ("nurse", "export", "fallback-1", "as csv"),
        ("nurse", "export", "emergency-1", "as json"),
    ]


def test_admin_deletes_a_conversation_after_confirming(engine: sa.engine.Engine, tool: str) -> None:
    pytest.importorskip("conversation_store.retention", reason="the shared deletion function")
    store_samples(engine, time.time() - 3600)
    boss = logged_in(tool, "boss")
    confirm = boss.get("/conversation/delete?id=emergency-1")
    assert confirm.status_code == 200 and "Delete permanently" in confirm.text
    token = boss.csrf("/conversation/delete?id=emergency-1")
    response = boss.post("/conversation/delete", data={"id": "emergency-1", "csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"].startswith(
        "/conversations?deleted="
    )
    assert boss.get("/conversation?id=emergency-1").status_code == 404
    assert "emergency-1" not in boss.get("/conversations").text
    with engine.connect() as connection:
        left = connection.execute(
            sa.select(sa.func.count())
            .select_from(EVENTS)
            .where(EVENTS.c.sender_id == "emergency-1")
        ).scalar()
    assert left == 0
    assert boss.get("/conversation?id=fallback-1").status_code == 200  # the other one stays
    deletions = [r for r in audit_rows(engine) if r[1] == "delete"]
    assert [(r[0], r[2]) for r in deletions] == [("boss", "emergency-1")]


def test_viewing_is_audited_with_the_staff_member(engine: sa.engine.Engine, tool: str) -> None:
    store_samples(engine, time.time() - 3600)
    logged_in(tool, "nurse").get("/conversation?id=emergency-1")
    assert ("nurse", "view", "emergency-1", None) in audit_rows(engine)


def test_list_csv_is_streamed_in_batches_and_complete() -> None:
    from review_tool.export import list_csv

    rows = [
        {"sender_id": f"s{i}", "started_at": 1.0, "last_at": 2.0, "turns": i, "urgency": "none",
         "topic_list": ["=cmd"], "escalated": 0, "fallback": 0, "low_confidence": 0}
        for i in range(2500)
    ]  # fmt: skip
    chunks = list(list_csv(rows, batch=1000))
    assert len(chunks) == 3
    parsed = list(csv.DictReader(io.StringIO("".join(chunks))))
    assert [r["sender_id"] for r in parsed] == [f"s{i}" for i in range(2500)]
    assert parsed[0]["topics"] == "'=cmd" and parsed[0]["last_at"] == "1970-01-01T00:00:02+00:00"


# Each: a page, a query string with one unusable parameter, and that parameter's name.
UNUSABLE_PARAMETERS = [
    ("/audit", "before=99999999999999999999999", "before"),
    ("/audit", "before=-1", "before"),
    ("/audit", "before=12abc", "before"),
    ("/audit", "actor=a%00b", "actor"),
    ("/audit", "action=%00", "action"),
    ("/conversations", "from=0001-01-01", "from"),
    ("/conversations", "to=99999-01-01", "to"),
    ("/conversations", "to=garbage", "to"),
    ("/conversations", "before_at=inf&before_id=x", "before_at"),
    ("/conversations", "after_at=nan&after_id=x", "after_at"),
    ("/conversations", "before_at=1e999&before_id=x", "before_at"),
    ("/conversations", "before_at=1.5&before_id=%00", "before_id"),
    ("/conversations.csv", "from=0001-01-01", "from"),
    ("/conversations.json", "after_at=1&after_id=%00", "after_id"),
    ("/conversation", "id=x%00", "id"),
    ("/conversation.csv", "id=%00", "id"),
    ("/conversation/delete", "id=%00", "id"),
]


def test_unusable_query_parameters_are_a_400_naming_them(backend_engine: sa.engine.Engine) -> None:
    from review_tool.accounts import create_account
    from review_tool.server import serving

    store_samples(backend_engine, time.time() - 3600)
    create_account(backend_engine, "boss", PASSWORD, "admin")
    with serving(backend_engine) as url:
        boss = logged_in(url, "boss")
        for path, query, name in UNUSABLE_PARAMETERS:
            response = boss.get(f"{path}?{query}")
            assert response.status_code == 400, (path, query, response.status_code)
            assert f"The parameter {name!r}" in response.text, (path, query, response.text)
        for path in ("/audit?before=1&actor=boss", "/conversations?from=2025-01-01&to=2025-01-02"):
            assert boss.get(path).status_code == 200, path
        token = boss.csrf()
        response = boss.post("/conversation/delete", data={"id": "\x00", "csrf_token": token})
        assert response.status_code == 400 and "'id'" in response.text
        anonymous = Client(url)
        data = {"csrf_token": anonymous.csrf("/login"), "username": "bo\x00ss", "password": "x"}
        response = anonymous.post("/login", data=data)
        assert response.status_code == 400 and "The parameter &#39;username&#39;" in response.text
