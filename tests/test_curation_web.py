"""The curator loop in the admin, end to end over the app: logged signals -> a suggestion on the
page -> accept (written, gated, reloaded) -> the same question is answered with more confidence;
reject -> never proposed again. Behind the admin sign-in, escaped."""

from __future__ import annotations

import time

import pytest

from helpbot.knowledge import load_knowledge
from helpbot.web import create_app
from web_fixtures import clean_env  # noqa: F401  (fixtures are used by name)

TOKEN = "curator-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
QUESTION = "which postal code goes on a wire to you"


@pytest.fixture
def app(kb_copy, fixture_intents, tmp_path, clean_env):
    return create_app({"KNOWLEDGE_DIR": str(kb_copy), "INTENTS_DIR": str(fixture_intents),
                       "DB_PATH": str(tmp_path / "db.sqlite3"), "ADMIN_TOKEN": TOKEN, "RATE_LIMIT": "off",
                       "WRITE_RATE_LIMIT": "off", "TESTING": True})


def wait_for(check, seconds: float = 120.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_accepting_a_suggestion_serves_it_after_the_reload(app, kb_copy):
    client = app.test_client()
    store = app.extensions["helpbot"].store
    for _ in range(3):
        store.record_signal(QUESTION, "tt-zip-code", "clarify_pick")
    store.record_signal("<img src=x onerror=alert(1)> zip", "tt-zip-code", "clarify_pick")
    before = client.post("/api/ask", json={"question": QUESTION}).get_json()

    listed = client.get("/admin/curation", headers=AUTH).get_json()
    (suggestion,) = [p for p in listed["phrasings"] if p["question"] == QUESTION]
    assert suggestion["entry_id"] == "tt-zip-code" and suggestion["support"] == 3
    page = client.get("/admin/curation", headers={**AUTH, "Accept": "text/html"}).get_data(as_text=True)
    assert QUESTION in page and "<img src=x" not in page

    accepted = client.post("/admin/curation/accept", json={"keys": [suggestion["key"]]}, headers=AUTH)
    assert accepted.status_code == 202
    job = wait_for(lambda: next((j for j in client.get("/admin/curation", headers=AUTH).get_json()["jobs"]
                                 if j["state"] != "running"), None))
    assert job["state"] == "accepted", job
    assert "+" in job["diff"] and QUESTION in job["diff"]
    assert {e.id: e for e in load_knowledge(kb_copy)}["tt-zip-code"].learned == (QUESTION,)
    services = app.extensions["helpbot"]
    wait_for(lambda: QUESTION in services.bot.entries["tt-zip-code"].questions)
    after = client.post("/api/ask", json={"question": QUESTION}).get_json()
    assert after["kind"] == "answer" and after["entry_id"] == "tt-zip-code"
    assert after["confidence"] > before["confidence"]
    assert all(p["key"] != suggestion["key"] for p in client.get("/admin/curation", headers=AUTH).get_json()["phrasings"])


def test_rejecting_is_remembered_and_unknown_keys_are_404(app):
    client = app.test_client()
    store = app.extensions["helpbot"].store
    for _ in range(3):
        store.record_signal("is there a cap on picture storage", "photo-bank-space", "helpful_vote")
    (suggestion,) = client.get("/admin/curation", headers=AUTH).get_json()["phrasings"]
    assert client.post("/admin/curation/reject", json={"keys": [suggestion["key"]]}, headers=AUTH).status_code == 200
    assert client.get("/admin/curation", headers=AUTH).get_json()["phrasings"] == []
    assert store.decisions() == {suggestion["key"]: "rejected"}
    for action in ("accept", "reject"):
        response = client.post(f"/admin/curation/{action}", json={"keys": ["nope"]}, headers=AUTH)
        assert response.status_code == 404 and response.is_json
        assert client.post(f"/admin/curation/{action}", json={"keys": []}, headers=AUTH).status_code == 400


@pytest.mark.parametrize(("method", "path"), [("get", "/admin/curation"), ("post", "/admin/curation/accept"),
                                              ("post", "/admin/curation/reject")])
def test_the_curation_pages_need_the_admin_token(app, method, path):
    response = getattr(app.test_client(), method)(path, json={"keys": ["x"]})
    assert response.status_code == 401 and response.is_json
