"""The hand-off queue over HTTP: a buyer asks for an agent (with the transcript, secrets left out),
agents see the queue newest first with the bot's best answers to paste, claim, reply and close; the
buyer's widget polls for the replies. The store behind it is the app's (SQLite here; the contract
suite runs the same rules on PostgreSQL)."""

from __future__ import annotations

import pytest

from web_fixtures import clean_env, make_app  # noqa: F401  (fixtures are used by name)

TOKEN = "agent-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def client(tmp_path, bot, clean_env):
    return make_app(tmp_path, bot, ADMIN_TOKEN=TOKEN).test_client()


def ask(client, question, session="s1"):
    response = client.post("/api/ask", json={"question": question, "session_id": session})
    assert response.status_code == 200
    return response.get_json()


def test_a_buyer_is_queued_with_the_transcript_and_told_the_truth(client):
    ask(client, "how do I post an RFQ?")
    response = client.post("/api/handoff", json={"session_id": "s1", "question": "how do I post an RFQ?"})
    assert response.status_code == 200
    data = response.get_json()
    assert "queue" in data["message"] and "join this chat shortly" not in data["message"]
    assert data["handoff"]["status"] == "open"
    again = client.post("/api/handoff", json={"session_id": "s1"}).get_json()  # a second click: same one
    assert again["handoff"]["id"] == data["handoff"]["id"]
    queue = client.get("/admin/handoffs", headers=AUTH).get_json()["handoffs"]
    assert [h["id"] for h in queue] == [data["handoff"]["id"]]
    transcript = queue[0]["transcript"]
    assert transcript[0] == {"role": "buyer", "text": "how do I post an RFQ?"}
    assert transcript[1]["role"] == "bot" and transcript[1]["text"]


def test_a_password_never_reaches_the_transcript(client):
    ask(client, "check my password")
    ask(client, "Tr0ub4dor&3xyz!")
    ask(client, "I want to talk to a human")  # the chat's own hand-off intent queues too
    (handoff,) = client.get("/admin/handoffs", headers=AUTH).get_json()["handoffs"]
    said = " ".join(turn["text"] for turn in handoff["transcript"])
    assert "Tr0ub4dor" not in said and "[password check]" in said


def test_agents_claim_reply_and_close_and_the_buyer_sees_it(client):
    ask(client, "my refund has not arrived")
    hid = client.post("/api/handoff", json={"session_id": "s1"}).get_json()["handoff"]["id"]
    poll = client.get("/api/handoff/messages?session_id=s1&after=0").get_json()
    assert poll["status"] == "open" and poll["messages"] == [] and "queue" in poll["text"]

    detail = client.get(f"/admin/handoffs/{hid}", headers=AUTH).get_json()
    assert detail["suggested"], "the bot's best matching answers are ready to paste"
    early = client.post(f"/admin/handoffs/{hid}/messages", json={"agent": "Ana", "text": "hi"}, headers=AUTH)
    assert early.status_code == 409  # claim first
    assert client.post(f"/admin/handoffs/{hid}/claim", json={"agent": "Ana"}, headers=AUTH).status_code == 200
    taken = client.post(f"/admin/handoffs/{hid}/claim", json={"agent": "Bo"}, headers=AUTH)
    assert taken.status_code == 409 and taken.get_json()["error"]["code"] == "conflict"
    sent = client.post(f"/admin/handoffs/{hid}/messages", json={"agent": "Ana", "text": "Let me check that."},
                       headers=AUTH)
    assert sent.status_code == 201
    poll = client.get("/api/handoff/messages?session_id=s1&after=0").get_json()
    assert poll["status"] == "claimed" and poll["agent"] == "Ana"
    assert [(m["role"], m["text"]) for m in poll["messages"]] == [("agent", "Let me check that.")]
    mine = client.post("/api/handoff/messages", json={"session_id": "s1", "text": "thanks, order 123"})
    assert mine.status_code == 201
    newer = client.get(f"/api/handoff/messages?session_id=s1&after={poll['messages'][-1]['id']}").get_json()
    assert [(m["role"], m["text"]) for m in newer["messages"]] == [("buyer", "thanks, order 123")]

    assert client.post(f"/admin/handoffs/{hid}/close", json={"agent": "Ana"}, headers=AUTH).status_code == 200
    closed = client.get("/api/handoff/messages?session_id=s1&after=0").get_json()
    assert closed["status"] == "closed" and "closed" in closed["text"]
    late = client.post("/api/handoff/messages", json={"session_id": "s1", "text": "hello?"})
    assert late.status_code == 409
    assert client.get("/admin/handoffs?status=open", headers=AUTH).get_json()["handoffs"] == []


@pytest.mark.parametrize(("method", "path", "body", "status"), [
    ("get", "/admin/handoffs", None, 401),
    ("get", "/admin/handoffs/1", None, 401),
    ("post", "/admin/handoffs/1/claim", {"agent": "x"}, 401),
    ("post", "/admin/handoffs/1/messages", {"agent": "x", "text": "y"}, 401),
])
def test_the_agents_side_needs_the_admin_token(client, method, path, body, status):
    response = getattr(client, method)(path, json=body)
    assert response.status_code == status and response.is_json


@pytest.mark.parametrize(("path", "body", "status", "code"), [
    ("/admin/handoffs/999/claim", {"agent": "Ana"}, 404, "not_found"),
    ("/admin/handoffs/999/close", {"agent": "Ana"}, 404, "not_found"),
    ("/admin/handoffs/1/claim", {"agent": ""}, 400, "invalid_agent"),
    ("/admin/handoffs/1/claim", {}, 400, None),
])
def test_agent_mistakes_are_clear_json_errors(client, path, body, status, code):
    ask(client, "hello")
    client.post("/api/handoff", json={"session_id": "s1"})
    response = client.post(path, json=body, headers=AUTH)
    assert response.status_code == status and response.is_json
    if code:
        assert response.get_json()["error"]["code"] == code


@pytest.mark.parametrize(("body", "status"), [
    ({"session_id": "nobody", "text": "hi"}, 409),
    ({"session_id": "s1", "text": "   "}, 400),
    ({"session_id": "s1", "text": "x" * 2001}, 400),
    ({"text": "hi"}, 400),
])
def test_buyer_mistakes_are_clear_json_errors(client, body, status):
    ask(client, "hello")
    client.post("/api/handoff", json={"session_id": "s1"})
    response = client.post("/api/handoff/messages", json=body)
    assert response.status_code == status and response.is_json
