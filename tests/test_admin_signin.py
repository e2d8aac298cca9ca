"""Admin in a browser: the token exchanged for an HttpOnly, SameSite=Strict cookie, CSRF tokens on
every form post, safe redirects, and the report page's wording."""

from __future__ import annotations

import re

import pytest

from helpbot.web import adminauth
from helpbot.web.filters import plural
from web_fixtures import clean_env, make_app  # noqa: F401  (fixtures are used by name)

TOKEN = "s3cret-admin-token"
HTML = {"Accept": "text/html"}


@pytest.fixture
def client(tmp_path, bot, clean_env):
    return make_app(tmp_path, bot, ADMIN_TOKEN=TOKEN).test_client()


def hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, f"no hidden field {name}"
    return match.group(1)


def sign_in(client, token: str = TOKEN, next_page: str = "/admin/report"):
    form = client.get(f"/admin/sign-in?next={next_page}").get_data(as_text=True)
    return client.post("/admin/sign-in", data={"token": token, "csrf_token": hidden(form, "csrf_token"),
                                                "next": hidden(form, "next")})


def test_a_browser_without_a_session_is_sent_to_sign_in(client):
    response = client.get("/admin/report?limit=5", headers=HTML)
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/sign-in?next=/admin/report?limit=5"
    # Scripts still get the JSON error, never a redirect.
    assert client.get("/admin/report").status_code == 401


def test_signing_in_sets_a_strict_http_only_cookie_and_opens_the_report(client):
    response = sign_in(client)
    assert response.status_code == 303 and response.headers["Location"] == "/admin/report"
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(adminauth.COOKIE + "="))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert TOKEN not in cookie  # the cookie is a signed session, not the token
    page = client.get("/admin/report", headers=HTML)
    assert page.status_code == 200 and "Helpbot report" in page.get_data(as_text=True)
    assert client.get("/admin/report").status_code == 200  # JSON with the cookie too


@pytest.mark.parametrize(("token", "csrf", "message"), [
    ("wrong-token", True, "That token is not right"),
    (TOKEN, False, "This sign-in form has expired"),
    ("", True, "That token is not right"),
])
def test_a_wrong_token_or_a_forged_form_does_not_sign_in(client, token, csrf, message):
    form = client.get("/admin/sign-in").get_data(as_text=True)
    data = {"token": token, "next": "/admin/report"}
    if csrf:
        data["csrf_token"] = hidden(form, "csrf_token")
    response = client.post("/admin/sign-in", data=data)
    assert response.status_code == 403
    assert message in response.get_data(as_text=True)
    assert not any(c.startswith(adminauth.COOKIE + "=") for c in response.headers.getlist("Set-Cookie"))
    assert client.get("/admin/report", headers=HTML).status_code == 303


def test_form_posts_with_the_cookie_need_its_csrf_token(client):
    sign_in(client)
    page = client.get("/admin/report", headers=HTML).get_data(as_text=True)
    csrf = hidden(page, "csrf_token")
    refused = client.post("/admin/sign-out")
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "csrf_failed"
    assert client.post("/admin/reload").status_code == 403  # every admin post, not only the forms we show
    assert client.post("/admin/sign-out", data={"csrf_token": "0" * 40}).status_code == 403
    done = client.post("/admin/sign-out", data={"csrf_token": csrf})
    assert done.status_code == 303
    assert client.get("/admin/report", headers=HTML).status_code == 303  # signed out


def test_a_tampered_or_expired_session_is_refused(monkeypatch):
    value = adminauth.issue_session(TOKEN, now=1_000_000)
    assert adminauth.session_ok(TOKEN, value, now=1_000_000 + 60)
    assert not adminauth.session_ok(TOKEN, value, now=1_000_000 + adminauth.SESSION_SECONDS + 1)
    assert not adminauth.session_ok("another-token", value, now=1_000_000 + 60)  # the token changed
    issued, nonce, mac = value.split(".")
    for forged in (f"{int(issued) + 999}.{nonce}.{mac}", f"{issued}.{nonce}.{'0' * len(mac)}", "x", "", "a.b.c.d"):
        assert not adminauth.session_ok(TOKEN, forged, now=1_000_000 + 60)


@pytest.mark.parametrize(("target", "kept"), [
    ("/admin/report", True),
    ("/admin/report?limit=5", True),
    ("//evil.example/admin/report", False),
    ("https://evil.example/admin/report", False),
    ("/\\evil.example", False),
    ("/api/ask", False),
    ("/agent", True),         # the agent console's hand-off queue sends agents here to sign in
    ("javascript:alert(1)", False),
    ("", False),
    (None, False),
])
def test_after_sign_in_only_admin_pages_of_this_site(target, kept):
    assert adminauth.safe_next(target) == (target if kept else "/admin/report")


def test_sign_in_is_off_without_a_token(tmp_path, bot, clean_env):
    client = make_app(tmp_path, bot).test_client()
    assert client.get("/admin/sign-in").status_code == 404


@pytest.mark.parametrize(("count", "word", "plural_form", "text"), [
    (0, "vote", None, "0 votes"), (1, "vote", None, "1 vote"), (2, "vote", None, "2 votes"),
    (1, "entry", "entries", "1 entry"), (3, "entry", "entries", "3 entries"), (2, "entry", None, "2 entries"),
    (1, "hand-off", None, "1 hand-off"), (5, "hand-off", None, "5 hand-offs"), (2, "day", None, "2 days"),
])
def test_plurals(count, word, plural_form, text):
    assert plural(count, word, plural_form) == text


def test_the_report_page_counts_in_plain_words(client):
    sign_in(client)
    client.post("/api/handoff", json={"session_id": "s"})
    page = client.get("/admin/report", headers=HTML).get_data(as_text=True)
    assert "1 hand-off</strong> to a LiveChat agent" in page
    assert "0 feedback votes</strong> on 0 entries" in page
