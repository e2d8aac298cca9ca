"""Abuse limits on the open internet: the per-client rate limit, request and question size
limits, the admin token (constant-time compare), CORS only for configured origins, and the
security headers on every response, errors included."""

from __future__ import annotations

import hmac
import json

import pytest

from helpbot.models import Reply
from helpbot.limits import MemoryRateLimiter as RateLimiter
from helpbot.web.security import client_key, token_ok
from web_fixtures import BrokenStore, app, check_error, check_openapi, clean_env, client, make_app  # noqa: F401

TOKEN = "s3cret-admin-token"
SHOP = "https://shop.example.com"


class CrashingBot:
    entries: dict = {}
    sessions = None

    def ask(self, question: str, session_id: str | None = None) -> Reply:
        raise RuntimeError("boom")

    def new_session_id(self) -> str:
        return "crash"


# -- rate limit -------------------------------------------------------------------------------------

LIMITED = [("/api/ask", {"question": "hi"}), ("/api/tools/password_check", {"password": "Abcdef12!"}),
           ("/api/tools/fee_estimate", {"order_amount": 3000}),
           ("/api/tools/dispute_deadlines", {"opened_on": "2026-03-03"}),
           ("/api/tools/payment_arrival", {"method": "tt", "paid_on": "2026-11-20"}),
           ("/api/tools/no_such_tool", {})]


@pytest.mark.parametrize("path, body", LIMITED)
def test_rate_limit_is_429_json_with_retry_after(tmp_path, bot, clean_env, path, body):
    client = make_app(tmp_path, bot, RATE_LIMIT="2/minute", CORS_ORIGINS=SHOP).test_client()
    for _ in range(2):
        assert client.post(path, json=body).status_code in (200, 404)
    response = client.post(path, json=body, headers={"Origin": SHOP})
    documented = path if "no_such_tool" not in path else "/api/tools/{name}"
    message = check_error(response, 429, "rate_limited", documented, "post")
    seconds = int(response.headers["Retry-After"])
    assert 1 <= seconds <= 60 and str(seconds) in message
    assert response.headers["Access-Control-Expose-Headers"] == "Retry-After"  # the widget can read it
    assert response.headers["Cache-Control"] == "no-store"


def test_rate_limit_is_per_client_and_leaves_reading_alone(tmp_path, bot, clean_env):
    """Reading entries, pages and health are not limited; searching is (issue 14: 2,241 req/s
    from 8 connections), in the same budget as asking."""
    client = make_app(tmp_path, bot, RATE_LIMIT="1/minute").test_client()
    assert client.post("/api/ask", json={"question": "hi"}).status_code == 200
    assert client.post("/api/ask", json={"question": "hi"}).status_code == 429
    assert client.post("/api/tools/fee_estimate", json={"order_amount": 5}).status_code == 429  # one budget
    other = client.post("/api/ask", json={"question": "hi"}, environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert other.status_code == 200
    assert client.get("/api/search?q=refund").status_code == 429
    for path in ("/api/entries", "/healthz", "/api/openapi.json", "/"):
        assert client.get(path).status_code == 200


def test_ipv6_clients_are_limited_per_64_network(tmp_path, bot, clean_env):
    client = make_app(tmp_path, bot, RATE_LIMIT="1/minute").test_client()

    def ask_from(address: str) -> int:
        return client.post("/api/ask", json={"question": "hi"}, environ_base={"REMOTE_ADDR": address}).status_code

    assert ask_from("2001:db8:1:2::1") == 200
    assert ask_from("2001:db8:1:2:ffff::9") == 429  # same /64: same client
    assert ask_from("2001:db8:1:3::1") == 200       # another /64
    assert client_key("::ffff:203.0.113.5") == client_key("203.0.113.5") == "203.0.113.5"
    assert client_key(None) == "unknown" and client_key("not an ip") == "not an ip"


def test_rate_limiter_memory_is_bounded_and_sweeps_are_amortised():
    now = [0.0]
    limiter = RateLimiter(5, 60, clock=lambda: now[0], max_clients=1000)
    sweeps = [0]
    original = limiter._forget_idle

    def counting(at: float) -> None:
        sweeps[0] += 1
        original(at)

    limiter._forget_idle = counting  # type: ignore[method-assign]
    for n in range(20_000):  # a flood of new addresses, all still "active"
        limiter.hit(f"198.51.{n // 256}.{n % 256}")
    assert len(limiter._tat) <= 1000
    assert sweeps[0] <= 20_000 // 100 + 1  # one sweep per 100 new clients, not one per request
    assert limiter.hit("198.51.78.31") is None  # a recent client keeps its state...
    assert limiter.hit("198.51.0.0") is None    # ...an old one was forgotten (full burst again)


# -- size limits ------------------------------------------------------------------------------------

@pytest.mark.parametrize("path, body", [
    ("/api/ask", {"question": "x"}), ("/api/feedback", {"session_id": "s", "entry_id": "x", "helpful": True}),
    ("/api/handoff", {"session_id": "s"}), ("/api/tools/password_check", {"password": "x"}),
    ("/api/tools/fee_estimate", {"order_amount": 1}),
])
def test_every_body_over_the_limit_is_413(tmp_path, bot, clean_env, path, body):
    client = make_app(tmp_path, bot, MAX_BODY_BYTES=512).test_client()
    big = {**body, "padding": "x" * 600}
    response = client.post(path, data=json.dumps(big), content_type="application/json")
    message = check_error(response, 413, "payload_too_large", path, "post")
    assert "512 bytes" in message


NOT_PLAIN_JSON = {
    "number out of range": '{"question": 1e400}',
    "integer too long": '{"question": "hi", "n": ' + "9" * 5000 + "}",
    "unpaired surrogate": '{"question": "\\ud800 hello"}',
    "unpaired surrogate, nested": '{"question": "hi", "x": ["\\udfff"]}',
    "unpaired surrogate in a key": '{"\\ud800": 1, "question": "hi"}',
    "nested too deeply": '{"question": "hi", "x": ' + "[" * 3000 + "]" * 3000 + "}",
}


@pytest.mark.parametrize("reason", NOT_PLAIN_JSON)
def test_bodies_that_are_not_plain_json_text_are_400(client, reason):
    raw = NOT_PLAIN_JSON[reason]
    response = client.post("/api/ask", data=raw, content_type="application/json")
    check_error(response, 400, "invalid_json", "/api/ask", "post")


def test_question_query_and_comment_limits(tmp_path, bot, clean_env):
    app = make_app(tmp_path, bot, MAX_QUESTION_CHARS=100)
    client = app.test_client()
    check_error(client.post("/api/ask", json={"question": "q" * 101}), 400, "question_too_long", "/api/ask", "post")
    assert client.post("/api/ask", json={"question": "q" * 100}).status_code == 200
    check_error(client.get("/api/search?q=" + "q" * 101), 400, "query_too_long", "/api/search")
    check_error(client.post("/api/feedback", json={"session_id": "s", "entry_id": "tt-payment-arrival-time",
                                                   "helpful": True, "comment": "c" * 1001}),
                400, "comment_too_long", "/api/feedback", "post")
    # the served document states the configured limit
    schema = client.get("/api/openapi.json").get_json()["components"]["schemas"]["AskRequest"]
    assert schema["properties"]["question"]["maxLength"] == 100
    # a hand-off's question is context only: cut to the limit, never refused
    assert client.post("/api/handoff", json={"session_id": "s", "question": "h" * 5000}).status_code == 200
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(app.config["DB_PATH"])) as conn:
        (stored,) = conn.execute("SELECT question FROM handoffs").fetchone()
    assert len(stored) == 100


# -- admin ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("method, path", [("get", "/admin/report"), ("post", "/admin/reload")])
def test_admin_endpoints_need_the_token(tmp_path, bot, clean_env, method, path):
    client = make_app(tmp_path, bot, ADMIN_TOKEN=TOKEN).test_client()
    call = getattr(client, method)
    response = call(path)
    check_error(response, 401, "unauthorized", path, method)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    for header in ("Bearer ", "Bearer wrong", f"Bearer {TOKEN[:-1]}", f"Bearer {TOKEN}x", f"Basic {TOKEN}", TOKEN,
                   f"bearer {TOKEN}", f"Bearer {TOKEN.upper()}"):
        check_error(call(path, headers={"Authorization": header}), 403, "forbidden", path, method)
    check_error(call(f"{path}?token={TOKEN}"), 401, "unauthorized", path, method)  # never from the URL
    off = make_app(tmp_path, bot).test_client()
    check_error(getattr(off, method)(path, headers={"Authorization": f"Bearer {TOKEN}"}), 404, "not_found",
                path, method)


def test_admin_token_is_compared_in_constant_time(monkeypatch):
    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr("helpbot.web.security.hmac.compare_digest", spy)
    assert token_ok(TOKEN, f"Bearer {TOKEN}") is True
    for given in ("x", "x" * 1000, TOKEN[:-1], TOKEN + "x"):
        assert token_ok(TOKEN, f"Bearer {given}") is False
    assert len(calls) == 5
    assert all(len(a) == len(b) == 32 for a, b in calls)  # hashed first: the length does not show either
    assert token_ok(TOKEN, None) is False and token_ok(TOKEN, f"Token {TOKEN}") is False


def test_admin_responses_get_no_cors_headers(tmp_path, bot, clean_env):
    client = make_app(tmp_path, bot, ADMIN_TOKEN=TOKEN, CORS_ORIGINS="*").test_client()
    response = client.get("/admin/report", headers={"Authorization": f"Bearer {TOKEN}", "Origin": SHOP})
    assert response.status_code == 200 and "Access-Control-Allow-Origin" not in response.headers


# -- CORS -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("origin", ["https://evil.example", "https://shop.example.com.evil.net", "http://shop.example.com",
                                    "https://shop.example.com:8443", "null", "https://sub.shop.example.com",
                                    "HTTPS://SHOP.EXAMPLE.COM.evil"])
def test_cors_refuses_origins_not_configured(tmp_path, bot, clean_env, origin):
    client = make_app(tmp_path, bot, CORS_ORIGINS=SHOP, RATE_LIMIT="1/minute").test_client()
    requests = [
        client.post("/api/ask", json={"question": "hi"}, headers={"Origin": origin}),
        client.post("/api/ask", json={"question": "hi"}, headers={"Origin": origin}),  # 429
        client.options("/api/ask", headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                                            "Access-Control-Request-Headers": "content-type"}),
        client.get("/api/nope", headers={"Origin": origin}),
        client.get("/api/entries", headers={"Origin": origin}),
    ]
    assert [r.status_code for r in requests][:2] == [200, 429]
    for response in requests:
        assert "Access-Control-Allow-Origin" not in response.headers
        assert "Access-Control-Allow-Methods" not in response.headers
        assert "Access-Control-Allow-Credentials" not in response.headers


def test_cors_allows_the_configured_origin_only_on_the_api(tmp_path, bot, clean_env):
    client = make_app(tmp_path, bot, CORS_ORIGINS=f"{SHOP}, https://other.example").test_client()
    for origin in (SHOP, "https://other.example"):
        response = client.post("/api/ask", json={"question": "hi"}, headers={"Origin": origin})
        assert response.headers["Access-Control-Allow-Origin"] == origin
        assert "Origin" in response.headers["Vary"]
        assert "Access-Control-Allow-Credentials" not in response.headers  # no cookies are used
    assert "Access-Control-Allow-Origin" not in client.get("/", headers={"Origin": SHOP}).headers


# -- security headers on every response ---------------------------------------------------------------

def _responses(tmp_path, bot):
    config = {"FRAME_ANCESTORS": f"'self' {SHOP}", "RATE_LIMIT": "1/minute", "ADMIN_TOKEN": TOKEN,
              "MAX_BODY_BYTES": 1024}
    client = make_app(tmp_path / "a", bot, **config).test_client()
    broken = make_app(tmp_path / "b", bot, store=BrokenStore(), **config).test_client()
    crashing = make_app(tmp_path / "c", CrashingBot(), **config).test_client()
    responses = {
        "page /": client.get("/"),
        "page /agent": client.get("/agent"),
        "page /embed-demo": client.get("/embed-demo"),
        "static js": client.get("/static/widget.js"),
        "static 404": client.get("/static/nope.js"),
        "html 404": client.get("/nope", headers={"Accept": "text/html"}),
        "json 404": client.get("/api/nope"),
        "health": client.get("/healthz"),
        "openapi": client.get("/api/openapi.json"),
        "ask 200": client.post("/api/ask", json={"question": "hi"}),
        "ask 429": client.post("/api/ask", json={"question": "hi"}),
        "400": client.post("/api/feedback", json={}),
        "405": client.put("/api/ask"),
        "413": client.post("/api/handoff", data=json.dumps({"session_id": "s", "q": "x" * 2000}),
                           content_type="application/json"),
        "415": client.post("/api/handoff", data="x"),
        "preflight": client.options("/api/ask", headers={"Origin": SHOP, "Access-Control-Request-Method": "POST"}),
        "admin 401": client.get("/admin/report"),
        "admin 403": client.post("/admin/reload", headers={"Authorization": "Bearer no"}),
        "asked": broken.post("/api/ask", json={"question": "How long does a T/T payment take to reach the supplier?",
                                               "session_id": "s"}),  # so that "s" may vote on it
        "503": broken.post("/api/feedback", json={"session_id": "s", "entry_id": "tt-payment-arrival-time",
                                                  "helpful": True}),
        "500": crashing.post("/api/ask", json={"question": "hi"}),
    }
    for response in responses.values():
        response.get_data()
        response.close()  # static files are streamed from an open file
    return responses


def test_security_headers_on_every_response_including_errors(tmp_path, bot, clean_env):
    responses = _responses(tmp_path, bot)
    statuses = {name: r.status_code for name, r in responses.items()}
    assert statuses["500"] == 500 and statuses["503"] == 503 and statuses["413"] == 413
    assert statuses["ask 429"] == 429 and statuses["html 404"] == 404 and statuses["static 404"] == 404
    for name, response in responses.items():
        csp = response.headers.get("Content-Security-Policy", "")
        assert f"frame-ancestors 'self' {SHOP}" in csp, name
        assert "default-src 'self'" in csp and "object-src 'none'" in csp and "unsafe" not in csp, name
        assert response.headers.get("X-Content-Type-Options") == "nosniff", name
        assert response.headers.get("Referrer-Policy") == "no-referrer", name
        assert "camera=()" in response.headers.get("Permissions-Policy", ""), name
        if name.startswith(("ask", "json", "4", "5", "admin", "health", "openapi")) and name != "health":
            assert response.headers.get("Cache-Control") == "no-store", name
        body = response.get_data(as_text=True)
        assert "Traceback" not in body and "boom" not in body, name


def test_frame_ancestors_default_is_self(client):
    assert client.get("/").headers["Content-Security-Policy"].endswith("frame-ancestors 'self'")


def test_error_bodies_are_documented_json(tmp_path, bot, clean_env):
    responses = _responses(tmp_path, bot)
    check_openapi(responses["500"], "/api/ask", "post")
    check_openapi(responses["503"], "/api/feedback", "post")
    check_openapi(responses["ask 429"], "/api/ask", "post")
    check_openapi(responses["admin 403"], "/admin/reload", "post")
