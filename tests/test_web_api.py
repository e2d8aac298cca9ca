"""The JSON API through Flask's test client: every endpoint, every error, every response
checked against the OpenAPI document."""

from __future__ import annotations

import re

import json
import logging
import re
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from helpbot.models import Reply
from helpbot.web.openapi import openapi_document
from helpbot.limits import MemoryRateLimiter as RateLimiter
from web_fixtures import (  # noqa: F401  (fixtures are used by name)
    SECRET, BrokenStore, SqliteStore, app, check_error, check_openapi, clean_env, client, make_app,
)

ENTRY = "tt-payment-arrival-time"


def ask(client, question: Any, **extra: Any):
    return client.post("/api/ask", json={"question": question, **extra})


ARRIVAL = "How long does a T/T payment take to reach the supplier?"  # answered by ENTRY


def ask_for_entry(client) -> str:
    """Ask the question ENTRY answers in a new session, which may then vote on it; its id. (New:
    the session-scoped bot keeps its conversations from test to test.)"""
    data = ask(client, ARRIVAL).get_json()
    assert data["entry_id"] == ENTRY
    return data["session_id"]


def rows(app, table: str) -> list[tuple]:
    path = app.config["DB_PATH"]
    if not Path(path).exists():
        return []
    with closing(sqlite3.connect(path)) as conn:
        try:
            return conn.execute(f"SELECT * FROM {table}").fetchall()
        except sqlite3.OperationalError:
            return []


def all_rows_text(app) -> str:
    return json.dumps([rows(app, t) for t in ("feedback", "handoffs", "gaps")])


class FakeBot:
    """Stands in for Bot where a test needs one exact reply (or a crash)."""

    def __init__(self, reply: Reply | Exception, entries: dict | None = None) -> None:
        self.reply = reply
        self.entries = entries or {}
        self.sessions = None

    def ask(self, question: str, session_id: str | None = None) -> Reply:
        if isinstance(self.reply, Exception):
            raise self.reply
        return self.reply

    def new_session_id(self) -> str:
        return "fake-session"

    def search(self, query: str, k: int = 5) -> list:
        return []


# -- /api/ask ---------------------------------------------------------------------------------------

def test_ask_answers_with_a_new_session(client):
    response = ask(client, "How long does a T/T payment take to reach the supplier?")
    data = check_openapi(response, "/api/ask", "post")
    assert response.status_code == 200
    assert data["kind"] == "answer" and data["entry_id"] == ENTRY
    assert len(data["session_id"]) >= 16
    assert data["text"]


def test_ask_keeps_the_given_session(client):
    first = check_openapi(ask(client, "hello", session_id="test-keep-1"), "/api/ask", "post")
    assert first["session_id"] == "test-keep-1"


def test_ask_follow_up_picks_a_suggestion(client):
    for question in ("refund", "how do I bake bread", "payment", "account"):
        data = ask(client, question, session_id="test-follow-up").get_json()
        if data["kind"] in ("clarify", "fallback") and data["suggestions"]:
            break
    else:
        pytest.skip("no question in the list gives a clarify reply with this knowledge base")
    follow = check_openapi(ask(client, "the first one", session_id="test-follow-up"), "/api/ask", "post")
    assert follow["kind"] == "answer"
    assert follow["entry_id"] == data["suggestions"][0]["entry_id"]


def test_ask_runs_a_tool_from_chat(client):
    data = check_openapi(ask(client, "what is the fee on my 3000 usd order"), "/api/ask", "post")
    assert data["kind"] == "tool" and data["tool"] == "fee_estimate"
    assert data["result"]["service_charge"] == 30.0


@pytest.mark.parametrize("body, code", [
    ({}, "missing_field"),
    ({"question": None}, "missing_field"),
    ({"question": 42}, "invalid_field"),
    ({"question": ["how", "to"]}, "invalid_field"),
    ({"question": {"text": "hi"}}, "invalid_field"),
    ({"question": True}, "invalid_field"),
    ({"question": ""}, "empty_question"),
    ({"question": "   \n\t "}, "empty_question"),
    ({"question": "hi", "session_id": 7}, "invalid_field"),
    ({"question": "hi", "session_id": ""}, "invalid_field"),
    ({"question": "hi", "session_id": "../../etc/passwd"}, "invalid_field"),
    ({"question": "hi", "session_id": "x" * 65}, "invalid_field"),
])
def test_ask_rejects_bad_fields(client, body, code):
    message = check_error(client.post("/api/ask", json=body), 400, code, "/api/ask", "post")
    if code != "empty_question":
        assert ("question" in message) or ("session_id" in message)


def test_ask_question_length_limit_is_stated(client):
    message = check_error(ask(client, "a" * 501), 400, "question_too_long", "/api/ask", "post")
    assert "500" in message and "501" in message
    assert ask(client, "what is an RFQ " + "a" * 485).status_code == 200  # exactly 500


def test_ask_limit_follows_the_setting(tmp_path, bot, clean_env):
    client = make_app(tmp_path, bot, MAX_QUESTION_CHARS="20").test_client()
    message = check_error(ask(client, "x" * 21), 400, "question_too_long", "/api/ask", "post")
    assert "20 characters" in message


@pytest.mark.parametrize("raw", [
    b"{", b'{"question": }', b"not json", b'{"question": "hi"', b"\xff\xfe\x00garbage",
    b'{"question": NaN}', b'{"question": Infinity}', b"[" * 5000 + b"]" * 5000, b"",  b"   ",
])
def test_ask_malformed_json_is_400(client, raw):
    response = client.post("/api/ask", data=raw, content_type="application/json")
    check_error(response, 400, "invalid_json", "/api/ask", "post")
    assert "Traceback" not in response.get_data(as_text=True)


@pytest.mark.parametrize("raw", [b'["question"]', b'"question"', b"42", b"null", b"true"])
def test_ask_body_must_be_an_object(client, raw):
    message = check_error(client.post("/api/ask", data=raw, content_type="application/json"),
                          400, "invalid_json", "/api/ask", "post")
    assert "object" in message


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
                                          None])
def test_wrong_content_type_is_415(client, content_type):
    kwargs = {"content_type": content_type} if content_type else {}
    response = client.post("/api/ask", data='{"question": "hi"}', **kwargs)
    message = check_error(response, 415, "unsupported_media_type", "/api/ask", "post")
    assert "application/json" in message


def test_json_with_charset_and_vendor_types_is_accepted(client):
    response = client.post("/api/ask", data='{"question": "hi"}', content_type="application/json; charset=utf-8")
    assert response.status_code == 200
    response = client.post("/api/ask", data='{"question": "hi"}', content_type="application/problem+json")
    assert response.status_code == 200


def test_body_over_the_limit_is_413(tmp_path, bot, clean_env):
    client = make_app(tmp_path, bot, MAX_BODY_BYTES=1024).test_client()
    response = client.post("/api/ask", json={"question": "x" * 2000})
    message = check_error(response, 413, "payload_too_large", "/api/ask", "post")
    assert "1024 bytes" in message
    check_error(client.post("/api/tools/password_check", json={"password": "x" * 2000}),
                413, "payload_too_large", "/api/tools/password_check", "post")


def test_chunked_body_over_the_limit_is_413(tmp_path, bot, clean_env):
    import io

    client = make_app(tmp_path, bot, MAX_BODY_BYTES=100).test_client()

    def post_chunked(body: bytes):
        return client.post("/api/ask", input_stream=io.BytesIO(body),
                           headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
                           environ_overrides={"wsgi.input_terminated": True})

    check_error(post_chunked(b'{"question": "' + b"a" * 500 + b'"}'), 413, "payload_too_large", "/api/ask", "post")
    assert post_chunked(b'{"question": "hello"}').status_code == 200


def test_default_body_limit_is_16_kib(client):
    response = client.post("/api/feedback", json={"session_id": "s", "entry_id": ENTRY, "helpful": True,
                                                  "comment": "x" * 17000})
    assert response.status_code == 413
    assert "16384" in response.get_json()["error"]["message"]


# -- methods and routes -----------------------------------------------------------------------------

@pytest.mark.parametrize("method, path, documented", [
    ("get", "/api/ask", "/api/ask"),
    ("put", "/api/ask", "/api/ask"),
    ("delete", "/api/feedback", "/api/feedback"),
    ("get", "/api/handoff", "/api/handoff"),
    ("post", "/api/search", "/api/search"),
    ("post", "/api/entries", "/api/entries"),
    ("get", "/api/tools/fee_estimate", "/api/tools/fee_estimate"),
    ("post", "/healthz", "/healthz"),
])
def test_wrong_method_is_405_json(client, method, path, documented):
    response = getattr(client, method)(path)
    (documented_method,) = openapi_document()["paths"][documented]
    message = check_error(response, 405, "method_not_allowed", documented, documented_method)
    assert method.upper() in message
    assert response.headers["Allow"]


@pytest.mark.parametrize("path", ["/api/nope", "/api/", "/api/ask/extra", "/api/tool", "/api/entries/a/b"])
def test_unknown_api_route_is_404_json(client, path):
    response = client.get(path, headers={"Accept": "text/html"})  # JSON under /api even for browsers
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert response.get_json()["error"]["code"] == "not_found"


# -- search and entries -----------------------------------------------------------------------------

def test_search_returns_hits(client):
    data = check_openapi(client.get("/api/search?q=wire transfer time&k=3"), "/api/search")
    assert 1 <= len(data["hits"]) <= 3
    assert data["hits"][0]["score"] >= data["hits"][-1]["score"]


def test_search_default_k_and_empty_query(client):
    assert len(check_openapi(client.get("/api/search?q=refund"), "/api/search")["hits"]) == 5
    assert check_openapi(client.get("/api/search?q="), "/api/search")["hits"] == []


def test_search_category_filter(client):
    data = check_openapi(client.get("/api/search?q=payment&k=10&category=rfq"), "/api/search")
    assert data["hits"] and {h["category"] for h in data["hits"]} == {"rfq"}


@pytest.mark.parametrize("query", ["", "?k=3", "?q=x&k=0", "?q=x&k=51", "?q=x&k=abc", "?q=x&k=-1", "?q=x&k=1.5",
                                   "?q=" + "a" * 501])
def test_search_bad_parameters_are_400(client, query):
    response = client.get("/api/search" + query)
    assert response.status_code == 400
    check_openapi(response, "/api/search")


def test_entries_list_and_categories(client, bot):
    data = check_openapi(client.get("/api/entries"), "/api/entries")
    assert len(data["entries"]) == len(bot.entries)
    assert sum(c["count"] for c in data["categories"]) == len(bot.entries)
    rfq = check_openapi(client.get("/api/entries?category=rfq"), "/api/entries")
    assert rfq["entries"] and {e["category"] for e in rfq["entries"]} == {"rfq"}
    assert check_openapi(client.get("/api/entries?category=nope"), "/api/entries")["entries"] == []


def test_entry_detail_has_source_and_related(client, bot):
    data = check_openapi(client.get(f"/api/entries/{ENTRY}"), "/api/entries/{entry_id}")
    entry = bot.entries[ENTRY]
    assert data["answer"] == entry.answer
    assert [r["entry_id"] for r in data["related_entries"]] == [r for r in entry.related if r in bot.entries]
    assert data["source_text"] and all(part["text"].strip() for part in data["source_text"])
    # Never the server's file layout or the curators' notes.
    assert not {"file", "line", "note"} & data.keys()
    assert str(Path(entry.file).parent) not in json.dumps(data)


def test_unknown_entry_is_404(client):
    message = check_error(client.get("/api/entries/no-such-entry"), 404, "unknown_entry", "/api/entries/{entry_id}")
    assert "no-such-entry" in message


# -- tools ------------------------------------------------------------------------------------------

TOOL_CASES = [
    ("password_check", {"password": "Abcdef12!"}, lambda r: r["valid"] is True),
    ("password_check", {"password": "abc"}, lambda r: r["valid"] is False and "too_short" in r["problems"]),
    ("fee_estimate", {"order_amount": 3000}, lambda r: r["service_charge"] == 30.0),
    ("fee_estimate", {"kind": "trade_assurance", "order_amount": "4,000", "logistics": "third_party"},
     lambda r: r["service_charge"] == 80.0),
    ("fee_estimate", {"kind": "pay_later", "principal": 3000}, lambda r: r["min_total"] == 105.0),
    ("fee_estimate", {"kind": "payment_method", "method": "western_union", "amount": 3000},
     lambda r: r["allowed"] is False),
    ("dispute_deadlines", {"opened_on": "2026-03-03"}, lambda r: r["timeline"][0]["date"] == "2026-03-03"),
    ("dispute_deadlines", {"opened_on": "2026-03-03", "in_transit": True, "delivered_on": "2026-03-01"},
     lambda r: r["in_transit"] is True),
    ("payment_arrival", {"method": "tt", "paid_on": "2026-11-20"}, lambda r: r["earliest"] == "2026-11-25"),
    ("payment_arrival", {"method": "credit_card", "paid_on": "2026-11-20", "currency": "USD"},
     lambda r: r["latest"] == "2026-11-20"),
]


@pytest.mark.parametrize("name, params, check", TOOL_CASES)
def test_tools_run(client, name, params, check):
    data = check_openapi(client.post(f"/api/tools/{name}", json=params), f"/api/tools/{name}", "post")
    assert check(data), data


@pytest.mark.parametrize("name, params, expected, field", [
    ("payment_arrival", {"method": "tt", "paid_on": "someday"}, "The payment date 'someday' is not a date", "paid_on"),
    ("payment_arrival", {"method": "carrier pigeon", "paid_on": "2026-11-20"}, "payment method", "method"),
    ("fee_estimate", {"order_amount": -5}, "greater than 0", "order_amount"),
    ("fee_estimate", {"order_amount": "three thousand"}, "write it in figures", "order_amount"),
    ("fee_estimate", {"kind": "pay_later"}, "loan amount", "principal"),
    ("fee_estimate", {"kind": "teleport", "order_amount": 5}, "kind of fee", "kind"),
    ("fee_estimate", {"order_amount": 5, "colour": "red"}, "colour", "colour"),
    ("dispute_deadlines", {"opened_on": "2026-03-03", "in_transit": "yes"}, "in-transit choice", "in_transit"),
    ("dispute_deadlines", {"opened_on": [2026, 3, 3]}, "date the dispute was opened", "opened_on"),
    ("dispute_deadlines", {"opened_on": "2026-11-12", "agreement_on": "2026-11-10"},
     "date of the agreement (Tuesday 10 November 2026) is before the day the dispute was opened", "agreement_on"),
    ("password_check", {"password": 12345678}, "text", "password"),
])
def test_tool_input_errors_are_400_with_the_tools_message(client, name, params, expected, field):
    """The message is in buyer words (the widget shows it); "field" names the parameter for programs."""
    response = client.post(f"/api/tools/{name}", json=params)
    message = check_error(response, 400, "invalid_tool_input", f"/api/tools/{name}", "post")
    assert expected in message
    assert response.get_json()["error"]["field"] == field


def test_tool_results_come_with_the_chat_wording(client):
    data = client.post("/api/tools/payment_arrival", json={"method": "boleto", "paid_on": "2026-11-20"}).get_json()
    assert data["text"].startswith("Paid by Boleto on Friday 20 November 2026: the payment should reach the supplier "
                                   "between Tuesday 24 November 2026 and Thursday 26 November 2026")


def test_the_tools_are_listed_with_what_they_ask(client):
    data = check_openapi(client.get("/api/tools"), "/api/tools", "get")
    assert [t["name"] for t in data["tools"]] == ["payment_arrival", "fee_estimate", "dispute_deadlines",
                                                  "password_check"]
    assert all(t["asks"] and t["label"] for t in data["tools"])


@pytest.mark.parametrize("name, params, code, expected", [
    ("payment_arrival", {"method": "tt"}, "missing_field", "paid_on"),
    ("dispute_deadlines", {}, "missing_field", "opened_on"),
    ("password_check", {}, "missing_field", "password"),
    ("payment_arrival", {"method": "tt", "paid_on": "2026-11-20", "speed": "fast"}, "unknown_parameter", "speed"),
    ("dispute_deadlines", {"opened_on": "2026-03-03", "opened": "x"}, "unknown_parameter", "opened"),
])
def test_tool_parameter_names_are_checked(client, name, params, code, expected):
    message = check_error(client.post(f"/api/tools/{name}", json=params), 400, code, f"/api/tools/{name}", "post")
    assert expected in message


def test_tool_body_errors(client):
    check_error(client.post("/api/tools/fee_estimate", data="[1]", content_type="application/json"),
                400, "invalid_json", "/api/tools/fee_estimate", "post")
    check_error(client.post("/api/tools/fee_estimate", data="order_amount=5"),
                415, "unsupported_media_type", "/api/tools/fee_estimate", "post")


def test_unknown_tool_is_404(client):
    message = check_error(client.post("/api/tools/launch_rockets", json={}), 404, "unknown_tool",
                          "/api/tools/{name}", "post")
    assert "password_check" in message  # lists the real ones


def test_password_never_echoed_logged_or_stored(client, app, caplog):
    caplog.set_level(logging.DEBUG)
    voter = ask_for_entry(client)
    responses = [
        client.post("/api/tools/password_check", json={"password": SECRET}),
        client.post("/api/tools/password_check", json={"password": SECRET, SECRET: 1}),
        client.post("/api/tools/password_check", json={SECRET: SECRET}),
        client.post("/api/tools/password_check", data='{"password": "' + SECRET + '"', content_type="application/json"),
        ask(client, f"check my password {SECRET}", session_id="pw-1"),
        ask(client, "check my password", session_id="pw-2"),
        ask(client, SECRET, session_id="pw-2"),
        client.post("/api/handoff", json={"session_id": voter, "question": f"my password is {SECRET}"}),
        client.post("/api/feedback", json={"session_id": voter, "entry_id": ENTRY, "helpful": False,
                                           "comment": f"password {SECRET} did not work"}),
    ]
    assert responses[0].status_code == 200 and responses[0].get_json()["valid"] is True
    assert [r.status_code for r in responses[1:4]] == [400, 400, 400]
    for response in responses:
        assert SECRET not in response.get_data(as_text=True)
    assert SECRET not in caplog.text
    assert SECRET not in all_rows_text(app)
    assert rows(app, "handoffs") and rows(app, "feedback")


def test_pending_password_message_is_not_stored(client, app):
    assert ask(client, "check my password", session_id="pw-pending").get_json()["tool"] == "password_check"
    ask(client, "correct horse battery staple", session_id="pw-pending")
    assert "horse" not in all_rows_text(app)


def test_low_confidence_password_check_is_stored_as_placeholder(tmp_path, clean_env):
    reply = Reply("tool", "checked", confidence=0.1, tool="password_check", result={"valid": True})
    app = make_app(tmp_path, FakeBot(reply))
    app.test_client().post("/api/ask", json={"question": f"pw {SECRET}"})
    assert [r[3] for r in rows(app, "gaps")] == ["[password check]"]


# -- content gaps, feedback and hand-off ------------------------------------------------------------

def test_gaps_are_logged_and_confident_answers_are_not(client, app):
    ask(client, "How long does a T/T payment take to reach the supplier?", session_id="gap-1")
    assert rows(app, "gaps") == []
    reply = ask(client, "qwzx plmkj vbnrt", session_id="gap-2").get_json()
    assert reply["kind"] in ("fallback", "clarify") or reply["confidence"] < 0.5
    gaps = rows(app, "gaps")
    assert [(g[2], g[3], g[4]) for g in gaps] == [("gap-2", "qwzx plmkj vbnrt", reply["kind"])]


def test_chat_handoff_is_logged(client, app):
    reply = ask(client, "I want to talk to a human agent", session_id="chat-handoff").get_json()
    if reply["kind"] != "handoff":
        pytest.skip("the intents did not route this to a hand-off")
    assert [r[2] for r in rows(app, "handoffs")] == ["chat-handoff"]


def test_feedback_is_saved(client, app):
    session = ask_for_entry(client)
    response = client.post("/api/feedback", json={"session_id": session, "entry_id": ENTRY, "helpful": True,
                                                  "comment": "clear"})
    assert check_openapi(response, "/api/feedback", "post") == {"saved": True}
    assert response.status_code == 201
    assert [(r[2], r[3], r[4], r[5]) for r in rows(app, "feedback")] == [(session, ENTRY, 1, "clear")]


@pytest.mark.parametrize("body, status, code", [
    ({"entry_id": ENTRY, "helpful": True}, 400, "missing_field"),
    ({"session_id": "s", "helpful": True}, 400, "missing_field"),
    ({"session_id": "s", "entry_id": ENTRY}, 400, "missing_field"),
    ({"session_id": "s", "entry_id": ENTRY, "helpful": "yes"}, 400, "invalid_field"),
    ({"session_id": "s", "entry_id": ENTRY, "helpful": 1}, 400, "invalid_field"),
    ({"session_id": "s", "entry_id": 5, "helpful": True}, 400, "invalid_field"),
    ({"session_id": "s", "entry_id": ENTRY, "helpful": True, "comment": 5}, 400, "invalid_field"),
    ({"session_id": "s", "entry_id": ENTRY, "helpful": True, "comment": "x" * 1001}, 400, "comment_too_long"),
    ({"session_id": "s", "entry_id": "no-such-entry", "helpful": True}, 404, "unknown_entry"),
])
def test_feedback_errors(client, app, body, status, code):
    check_error(client.post("/api/feedback", json=body), status, code, "/api/feedback", "post")
    assert rows(app, "feedback") == []


def test_unsaved_feedback_is_503_but_answers_go_on(tmp_path, bot, clean_env, caplog):
    store = BrokenStore()
    client = make_app(tmp_path, bot, store=store).test_client()
    session = ask_for_entry(client)
    response = client.post("/api/feedback", json={"session_id": session, "entry_id": ENTRY, "helpful": True})
    check_error(response, 503, "storage_unavailable", "/api/feedback", "post")
    assert response.headers["Retry-After"]
    reply = ask(client, "qwzx plmkj vbnrt")  # a gap: the store is asked and fails
    assert reply.status_code == 200 and store.calls == 2
    # A hand-off that cannot be queued says so: nobody would ever pick it up.
    check_error(client.post("/api/handoff", json={"session_id": session}), 503, "storage_unavailable",
                "/api/handoff", "post")
    assert "database is locked" in caplog.text


def test_locked_database_never_breaks_answering(tmp_path, bot, clean_env):
    path = tmp_path / "locked.sqlite3"
    store = SqliteStore(path, timeout=0.1)
    store.record_handoff("warm-up")  # tables exist
    client = make_app(tmp_path, bot, store=store).test_client()
    session = ask_for_entry(client)
    with closing(sqlite3.connect(path, isolation_level=None)) as other:
        other.execute("BEGIN EXCLUSIVE")
        assert ask(client, "qwzx plmkj vbnrt").status_code == 200
        feedback = client.post("/api/feedback", json={"session_id": session, "entry_id": ENTRY, "helpful": False})
        assert feedback.status_code == 503
        other.execute("ROLLBACK")
    assert client.post("/api/feedback", json={"session_id": session, "entry_id": ENTRY, "helpful": False}).status_code == 201


def test_unopenable_database_never_breaks_answering(tmp_path, bot, clean_env):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    client = make_app(tmp_path, bot, DB_PATH=str(blocker / "helpbot.sqlite3")).test_client()
    assert ask(client, "qwzx plmkj vbnrt").status_code == 200
    session = ask_for_entry(client)
    assert client.post("/api/feedback", json={"session_id": session, "entry_id": ENTRY, "helpful": True}).status_code == 503


def test_handoff_is_logged_with_redaction(client, app):
    response = client.post("/api/handoff", json={"session_id": "ho-1", "question": "my pw is Tr0ub4dor&3 help"})
    data = check_openapi(response, "/api/handoff", "post")
    assert data["logged"] is True and "LiveChat agent" in data["message"]
    assert [(r[2], r[3]) for r in rows(app, "handoffs")] == [("ho-1", "my pw is [redacted] help")]


@pytest.mark.parametrize("body, code", [
    ({}, "missing_field"), ({"session_id": 3}, "invalid_field"), ({"session_id": "s", "question": ["x"]}, "invalid_field"),
])
def test_handoff_errors(client, body, code):
    check_error(client.post("/api/handoff", json=body), 400, code, "/api/handoff", "post")


# -- bugs, limits, headers --------------------------------------------------------------------------

def test_a_real_bug_is_a_logged_json_500(tmp_path, clean_env, caplog):
    client = make_app(tmp_path, FakeBot(RuntimeError("boom in the ranker"))).test_client()
    response = ask(client, "hi")
    check_error(response, 500, "internal_error", "/api/ask", "post")
    body = response.get_data(as_text=True)
    assert "boom" not in body and "Traceback" not in body
    assert "boom in the ranker" in caplog.text and "Traceback" in caplog.text


def test_rate_limit_on_ask_and_tools(tmp_path, bot, clean_env):
    client = make_app(tmp_path, bot, RATE_LIMIT="3/minute").test_client()
    assert [ask(client, "hi").status_code for _ in range(3)] == [200, 200, 200]
    response = ask(client, "hi")
    message = check_error(response, 429, "rate_limited", "/api/ask", "post")
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert "try again" in message
    check_error(client.post("/api/tools/password_check", json={"password": "x"}), 429, "rate_limited",
                "/api/tools/password_check", "post")
    # Searching is limited too since issue 14, in the same budget; listing the entries is not.
    check_error(client.get("/api/search?q=refund"), 429, "rate_limited", "/api/search")
    assert client.get("/api/entries").status_code == 200
    other = client.post("/api/ask", json={"question": "hi"}, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200  # per client


def test_rate_limiter_refills_over_time():
    now = [1000.0]
    limiter = RateLimiter(2, 60, clock=lambda: now[0])
    assert limiter.hit("a") is None and limiter.hit("a") is None
    wait = limiter.hit("a")
    assert wait == pytest.approx(30)
    assert limiter.hit("b") is None
    now[0] += 30
    assert limiter.hit("a") is None
    assert limiter.hit("a") is not None
    assert RateLimiter.from_setting("off") is None
    assert RateLimiter.from_setting("10/second").interval == pytest.approx(0.1)


def test_rate_limiter_forgets_idle_clients():
    now = [0.0]
    limiter = RateLimiter(1, 1, clock=lambda: now[0], max_clients=10)
    for n in range(10):
        limiter.hit(f"client-{n}")
    now[0] += 5
    limiter.hit("late")
    limiter.hit("later")
    assert len(limiter._tat) <= 10


def test_security_headers_on_api_and_errors(client):
    for response in (ask(client, "hi"), client.get("/api/nope"), client.post("/api/ask", data="x")):
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'self'" in csp
        assert "unsafe-inline" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"]
        assert response.headers["Cache-Control"] == "no-store"


def test_cors_for_configured_origins_only(tmp_path, bot, clean_env):
    client = make_app(tmp_path, bot, CORS_ORIGINS="https://shop.example.com").test_client()
    allowed = client.post("/api/ask", json={"question": "hi"}, headers={"Origin": "https://shop.example.com"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://shop.example.com"
    assert "Origin" in allowed.headers["Vary"]
    other = client.post("/api/ask", json={"question": "hi"}, headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    preflight = client.options("/api/ask", headers={"Origin": "https://shop.example.com",
                                                    "Access-Control-Request-Method": "POST",
                                                    "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert preflight.headers["Access-Control-Allow-Headers"] == "Content-Type"


def test_no_cors_by_default_and_star(tmp_path, bot, clean_env, client):
    assert "Access-Control-Allow-Origin" not in client.get("/api/entries", headers={"Origin": "https://a.example"}).headers
    star = make_app(tmp_path, bot, CORS_ORIGINS="*").test_client()
    assert star.get("/api/entries", headers={"Origin": "https://a.example"}).headers["Access-Control-Allow-Origin"] == "*"


# -- admin report -----------------------------------------------------------------------------------

def test_admin_report_is_off_without_a_token(client):
    check_error(client.get("/admin/report", headers={"Authorization": "Bearer anything"}), 404, "not_found",
                "/admin/report")


def test_admin_report_needs_the_token(tmp_path, bot, clean_env):
    client = make_app(tmp_path, bot, ADMIN_TOKEN="s3cret-token").test_client()
    response = client.get("/admin/report")
    check_error(response, 401, "unauthorized", "/admin/report")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    for header in ("Bearer wrong", "Basic s3cret-token", "Bearer s3cret-token-and-more", "s3cret-token"):
        check_error(client.get("/admin/report", headers={"Authorization": header}), 403, "forbidden", "/admin/report")


def test_admin_report_json_and_html(tmp_path, bot, clean_env):
    app = make_app(tmp_path, bot, ADMIN_TOKEN="s3cret-token")
    client = app.test_client()
    auth = {"Authorization": "Bearer s3cret-token"}
    for n in range(3):
        ask(client, "how do I bake bread <b> now </b>" + "?" * n)
    session = ask_for_entry(client)
    client.post("/api/feedback", json={"session_id": session, "entry_id": ENTRY, "helpful": False})
    client.post("/api/handoff", json={"session_id": session})
    data = check_openapi(client.get("/admin/report", headers=auth), "/admin/report")
    assert data["handoffs"] == 1 and data["feedback_total"] == 1
    assert data["unanswered"][0]["count"] == 3
    assert data["entries"] == [{"entry_id": ENTRY, "helpful": 0, "not_helpful": 1, "total": 1, "helpful_rate": 0.0}]
    html = client.get("/admin/report", headers={**auth, "Accept": "text/html"})
    assert html.status_code == 200 and html.mimetype == "text/html"
    page = html.get_data(as_text=True)
    assert "bread &lt;b&gt; now &lt;/b&gt;" in page and "<b>" not in page  # escaped by Jinja
    check_error(client.get("/admin/report?limit=0", headers=auth), 400, "invalid_parameter", "/admin/report")


def test_admin_report_when_the_store_fails(tmp_path, bot, clean_env):
    client = make_app(tmp_path, bot, store=BrokenStore(), ADMIN_TOKEN="t").test_client()
    check_error(client.get("/admin/report", headers={"Authorization": "Bearer t"}), 503, "storage_unavailable",
                "/admin/report")


# -- health and the document ------------------------------------------------------------------------

def test_healthz(client, bot):
    assert check_openapi(client.get("/healthz"), "/healthz") == {"status": "ok", "entries": len(bot.entries)}


def test_openapi_document_is_served_and_valid(client):
    data = client.get("/api/openapi.json").get_json()
    assert data == openapi_document()
    assert data["openapi"].startswith("3.1")
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(data)


def test_every_route_is_documented(app):
    documented = set(openapi_document()["paths"])
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or not rule.rule.startswith(("/api", "/admin", "/healthz")):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)  # Flask's <name> is OpenAPI's {name}
        assert path in documented, f"{rule.rule} is not in the OpenAPI document"


def test_create_app_loads_a_bot_from_the_configured_folders(tmp_path, fixture_kb, fixture_intents, clean_env):
    from helpbot.web import create_app

    app = create_app({"KNOWLEDGE_DIR": str(fixture_kb), "INTENTS_DIR": str(fixture_intents),
                      "DB_PATH": str(tmp_path / "db.sqlite3")})
    data = app.test_client().get("/api/entries").get_json()
    assert 0 < len(data["entries"]) < 50  # the small fixture knowledge base, not the bundled one


def test_serve_runs_the_app(monkeypatch):
    import helpbot.web.app as web

    calls: dict[str, Any] = {}

    class FakeApp:
        def run(self, **kwargs: Any) -> None:
            calls["run"] = kwargs

    def fake_create_app(config=None, **kwargs):
        calls["config"] = config
        return FakeApp()

    monkeypatch.setattr(web, "create_app", fake_create_app)
    web.serve(host="127.0.0.1", port=8123, config={"RATE_LIMIT": "off"})
    assert calls["config"] == {"RATE_LIMIT": "off"}
    assert calls["run"]["host"] == "127.0.0.1" and calls["run"]["port"] == 8123
