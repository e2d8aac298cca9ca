"""The curator loop's signals as buyers produce them: picking an option after a clarify or a
fallback, and a helpful vote on the last answer; never from a password check."""

from __future__ import annotations

import pytest

from helpbot.bot import _learned
from helpbot.models import Reply, Suggestion
from web_fixtures import clean_env, make_app  # noqa: F401  (fixtures are used by name)

OPTIONS = [Suggestion("a", "How do I post an RFQ?"), Suggestion("b", "How do I pay by T/T?")]


@pytest.mark.parametrize(("message", "reply", "last_kind", "last_question", "signal"), [
    ("the first one", Reply("answer", "...", "a", 1.0), "clarify", "rfq post?", ("rfq post?", "clarify_pick")),
    ("2", Reply("answer", "...", "b", 1.0), "fallback", "wire pay", ("wire pay", "fallback_pick")),
    ("How do I pay by T/T?", Reply("answer", "...", "b", 1.0), "clarify", "tt", ("tt", "clarify_pick")),
    # not a signal: the options came under an answer (related articles), or no pick, or no question kept
    ("the first one", Reply("answer", "...", "a", 1.0), "answer", "rfq post?", None),
    ("tell me more about rfqs", Reply("answer", "...", "a", 0.9), "clarify", "rfq?", None),
    ("the first one", Reply("answer", "...", "a", 1.0), "clarify", None, None),
    ("the second one", Reply("fallback", "...", None, 0.1), "clarify", "rfq?", None),
])
def test_a_pick_after_a_clarify_or_fallback_is_a_signal(message, reply, last_kind, last_question, signal):
    assert _learned(message, reply, last_kind, last_question, OPTIONS) == signal


def test_a_helpful_vote_on_the_last_answer_is_a_signal(tmp_path, bot, clean_env):
    app = make_app(tmp_path, bot)
    client = app.test_client()
    store = app.extensions["helpbot"].store
    reply = client.post("/api/ask", json={"question": "what is the swift code for a T/T payment",
                                          "session_id": "v1"}).get_json()
    assert reply["kind"] == "answer"
    assert client.post("/api/feedback", json={"session_id": "v1", "entry_id": reply["entry_id"],
                                              "helpful": False}).status_code == 201
    assert store.signals() == []  # not helpful: no signal
    assert client.post("/api/feedback", json={"session_id": "v1", "entry_id": reply["entry_id"],
                                              "helpful": True}).status_code == 201
    assert store.signals() == [("what is the swift code for a T/T payment", reply["entry_id"], "helpful_vote")]


def test_a_pick_from_options_is_logged_and_a_password_never(tmp_path, bot, clean_env):
    app = make_app(tmp_path, bot)
    client = app.test_client()
    store = app.extensions["helpbot"].store
    picked = None
    for n, question in enumerate(["payment", "account problem", "order", "supplier", "fees", "refund"]):
        reply = client.post("/api/ask", json={"question": question, "session_id": f"p{n}"}).get_json()
        if reply["kind"] in ("clarify", "fallback") and reply["suggestions"]:
            then = client.post("/api/ask", json={"question": "the first one", "session_id": f"p{n}"}).get_json()
            picked = (question, then["entry_id"], f"{reply['kind']}_pick")
            break
    assert picked is not None, "one of these vague questions gets options"
    assert store.signals() == [picked]
    client.post("/api/ask", json={"question": "check my password", "session_id": "pw"})
    client.post("/api/ask", json={"question": "Tr0ub4dor&3xyz!", "session_id": "pw"})
    assert all("Tr0ub4dor" not in q for q, _, _ in store.signals())
