"""The real servers, as subprocesses on loopback ports: the production config
(``helpbot serve --production``, i.e. ``gunicorn -c python:helpbot.web.gunicorn_conf``), the
README's plain ``gunicorn -w 2 ... 'helpbot.web:create_app()'``, and ``helpbot serve``.

- Knowledge reload without downtime: POST /admin/reload answers 202 at once and publishes the
  reload; every worker builds in the background and the status reaches done while asks keep
  being answered (the same worker processes: nothing restarts); SIGHUP to a worker, to the
  production master or to ``helpbot serve`` reloads in place; an invalid YAML is refused (422
  with the file and line) and every worker keeps serving the old knowledge.
- Slow clients: 10 slowloris connections leave every normal request answered under the
  production config (and the same probe does catch the stall of sync workers).
- The short form of the load test (eval/load.py): 8 connections for 5 s with 2,000
  session ids against gunicorn; it must finish by itself with zero errors. No timing is
  asserted: CI machines vary.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpbot.web.gunicorn_conf import catches_sighup
from redis_fixtures import REDIS_URL, shared_redis  # noqa: F401
from web_fixtures import BROKEN_YAML, NEW_ENTRY

REPO = Path(__file__).resolve().parent.parent
TOKEN = "server-admin-token"

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not sys.platform.startswith("linux"),
                                                   reason="reads /proc and sends POSIX signals")]


def _load_module():
    spec = importlib.util.spec_from_file_location("helpbot_eval_load", REPO / "eval" / "load.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


load = _load_module()


def get(url: str, path: str, **kwargs: Any) -> tuple[int, Any]:
    status, body = load.request(url, "GET", path, **kwargs)
    return status, json.loads(body)


def post(url: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    import http.client
    import urllib.parse

    parsed = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
    try:
        conn.request("POST", path, body=None if body is None else json.dumps(body),
                     headers={"Content-Type": "application/json", **(headers or {})})
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def wait_for(predicate, timeout: float = 60.0, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def add_entry(kb: Path) -> None:
    path = kb / "account.yaml"
    path.write_text(path.read_text() + NEW_ENTRY)


@pytest.fixture
def gunicorn(kb_copy: Path, fixture_intents: Path, small_bot: Any) -> Iterator[Any]:
    # small_bot: the fixture knowledge base's index is in the test cache, so workers start fast.
    server = load.Server(workers=2, env={"HELPBOT_KNOWLEDGE_DIR": str(kb_copy),
                                         "HELPBOT_INTENTS_DIR": str(fixture_intents),
                                         "HELPBOT_ADMIN_TOKEN": TOKEN})
    server.start()
    try:
        yield server
    finally:
        server.cleanup()


def all_workers_report(server: Any, entries: int, tries: int = 30) -> bool:
    """/healthz on fresh connections (spread over the workers) all say ``entries``."""
    return all(get(server.url, "/healthz")[1]["entries"] == entries for _ in range(tries))


def reload_lines(server: Any) -> dict[str, int]:
    """pid -> how many "knowledge reloaded" lines that worker logged (gunicorn's format)."""
    text = server.log_path.read_text(errors="replace")
    found: dict[str, int] = {}
    for pid in re.findall(r"\[(\d+)\] \[INFO\] knowledge reloaded", text):
        found[pid] = found.get(pid, 0) + 1
    return found


@pytest.fixture
def production(kb_copy: Path, fixture_intents: Path, small_bot: Any) -> Iterator[Any]:
    server = load.Server(workers=2, kind="production", env={
        "HELPBOT_KNOWLEDGE_DIR": str(kb_copy), "HELPBOT_INTENTS_DIR": str(fixture_intents),
        "HELPBOT_ADMIN_TOKEN": TOKEN})
    server.start()
    try:
        yield server
    finally:
        server.cleanup()


AUTH = {"Authorization": f"Bearer {TOKEN}"}


def fleet_done(server: Any, reload_id: str, workers: int) -> bool:
    status, data = get(server.url, f"/admin/reload/{reload_id}", headers=AUTH)
    return status == 200 and data["state"] == "done" and len(data["workers"]) == workers


@pytest.mark.parametrize("server_fixture", ["gunicorn", "production"])
def test_admin_reload_answers_202_and_every_worker_gets_there_while_asks_go_on(server_fixture, request, kb_copy):
    server = request.getfixturevalue(server_fixture)
    _, health = get(server.url, "/healthz")
    before = health["entries"]
    workers = load._children(server.process.pid)
    assert len(workers) == 2

    stop = threading.Event()
    failures: list[str] = []
    answered = [0]

    def keep_asking() -> None:
        while not stop.is_set():
            try:
                status, body = post(server.url, "/api/ask", {"question": "tt zip code"})
                answered[0] += 1
                if status != 200:
                    failures.append(f"{status} {body}")
            except OSError as exc:
                failures.append(repr(exc))

    askers = [threading.Thread(target=keep_asking) for _ in range(3)]
    for thread in askers:
        thread.start()
    try:
        add_entry(kb_copy)
        status, data = post(server.url, "/admin/reload", headers=AUTH)
        assert status == 202 and data["state"] == "building", data
        assert data["status_url"] == f"/admin/reload/{data['id']}" and data["published"]["reload_id"] == data["id"]
        assert wait_for(lambda: fleet_done(server, data["id"], 2)), server.log_tail()
        assert all_workers_report(server, before + 1)
        answered_while_reloading = answered[0]
    finally:
        stop.set()
        for thread in askers:
            thread.join(30)
    assert not failures, failures[:3]
    assert answered_while_reloading > 0
    _, fleet = get(server.url, f"/admin/reload/{data['id']}", headers=AUTH)
    assert {w["entries"] for w in fleet["workers"].values()} == {before + 1}
    assert set(reload_lines(server)) == {str(pid) for pid in workers}  # the same workers: no restart
    assert server.process.poll() is None


def test_production_sighup_to_the_master_reloads_every_worker_in_place(production, kb_copy):
    _, health = get(production.url, "/healthz")
    workers = load._children(production.process.pid)
    # /healthz answered by one worker says nothing of the other: wait until both are up (a worker
    # still booting is not sent the SIGHUP; it reads the files as it starts, and logs no reload).
    assert wait_for(lambda: len(workers) == 2 and all(catches_sighup(pid) for pid in workers))
    add_entry(kb_copy)
    production.process.send_signal(signal.SIGHUP)
    assert wait_for(lambda: len(reload_lines(production)) == 2), production.log_tail()
    assert all_workers_report(production, health["entries"] + 1)
    assert load._children(production.process.pid) == workers  # reloaded, not restarted
    assert "knowledge reload passed to 2 workers" in production.log_path.read_text()


def test_production_config_answers_normal_requests_beside_slow_clients(production):
    run = load.probe_while_slow(production.url, slow=10, seconds=5, timeout=5)
    assert run["probes"] > 0 and run["failed"] == 0, run
    assert run["slow_connections_opened"] >= 10


def test_the_slow_client_probe_catches_the_stall_of_sync_workers(gunicorn):
    """The same probe against the README's sync workers: it must see failures, or the test
    above could pass without proving anything."""
    run = load.probe_while_slow(gunicorn.url, slow=10, seconds=4, timeout=2)
    assert run["failed"] > 0, run


@pytest.mark.parametrize("method, path, headers, status", [
    ("GET", "/admin/reload", {}, 401),
    ("GET", "/admin/reload/no-such-reload", AUTH, 404),
    ("GET", "/admin/elsewhere", AUTH, 404),
    ("DELETE", "/admin/reload", AUTH, 405),
])
def test_admin_errors_over_http_are_json(production, method, path, headers, status):
    answered, body = _request_with(production.url, method, path, {**headers, "Accept": "text/html"})
    assert answered == status
    assert "error" in json.loads(body)


def _request_with(url: str, method: str, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    import http.client
    import urllib.parse

    parsed = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
    try:
        conn.request(method, path, headers=headers)
        response = conn.getresponse()
        assert response.getheader("Content-Type", "").startswith("application/json")
        return response.status, response.read()
    finally:
        conn.close()


def test_helpbot_serve_production_is_the_one_command(tmp_path, kb_copy, fixture_intents, small_bot):
    port = load._free_port()
    env = {**os.environ, "HELPBOT_DB_PATH": str(tmp_path / "prod.sqlite3"), "HELPBOT_RATE_LIMIT": "off"}
    log_path = tmp_path / "prod.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "helpbot.cli", "serve", "--production", "--port", str(port),
                                    "--workers", "1", "--knowledge", str(kb_copy), "--intents", str(fixture_intents)],
                                   cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        try:
            return get(url, "/healthz", timeout=2)[0] == 200
        except OSError:
            return False

    try:
        assert wait_for(healthy, 120), log_path.read_text()
        assert post(url, "/api/ask", {"question": "tt zip code"})[1]["entry_id"] == "tt-zip-code"
        text = log_path.read_text()
        assert "Using worker: gthread" in text and f"127.0.0.1:{port}" in text
        assert load._children(process.pid)  # exec'd: this pid is gunicorn's master, its workers below it
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def test_gunicorn_worker_reloads_on_sighup_and_refuses_invalid_yaml(gunicorn, kb_copy):
    _, health = get(gunicorn.url, "/healthz")
    before = health["entries"]
    workers = load._children(gunicorn.process.pid)

    (kb_copy / "account.yaml").write_text(BROKEN_YAML)
    status, data = post(gunicorn.url, "/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"})
    assert status == 422 and data["error"]["code"] == "invalid_knowledge"
    assert "account.yaml:4" in data["error"]["message"]
    for pid in workers:
        os.kill(pid, signal.SIGHUP)  # the worker tries, fails, logs it and keeps serving
    assert wait_for(lambda: gunicorn.log_path.read_text().count("account.yaml:4") >= 2), gunicorn.log_tail()
    assert all_workers_report(gunicorn, before)
    assert post(gunicorn.url, "/api/ask", {"question": "tt zip code"})[1]["entry_id"] == "tt-zip-code"

    (kb_copy / "account.yaml").unlink()
    (kb_copy / "account.yaml").write_text((REPO / "tests" / "data" / "kb" / "account.yaml").read_text())
    add_entry(kb_copy)
    for pid in workers:
        os.kill(pid, signal.SIGHUP)
    assert wait_for(lambda: sum(reload_lines(gunicorn).values()) >= 2), gunicorn.log_tail()
    assert all_workers_report(gunicorn, before + 1)
    assert load._children(gunicorn.process.pid) == workers  # reloaded in place, not restarted


def test_gunicorn_worker_restarted_while_the_yaml_is_invalid_keeps_the_server_up(gunicorn, kb_copy):
    """A worker that dies (crash, timeout) is started again by gunicorn; if the files on disk
    do not load at that moment, it starts on the last good build instead of failing to boot,
    which would make gunicorn stop the whole server."""
    _, health = get(gunicorn.url, "/healthz")
    workers = load._children(gunicorn.process.pid)
    assert all_workers_report(gunicorn, health["entries"])  # both booted: a good build is on record
    (kb_copy / "account.yaml").write_text(BROKEN_YAML)
    os.kill(workers[0], signal.SIGKILL)
    assert wait_for(lambda: len(load._children(gunicorn.process.pid)) == 2
                    and workers[0] not in load._children(gunicorn.process.pid)
                    and all(map(load.catches_sighup, load._children(gunicorn.process.pid)))), gunicorn.log_tail()
    assert gunicorn.process.poll() is None, gunicorn.log_tail()
    assert all_workers_report(gunicorn, health["entries"])
    assert wait_for(lambda: "serves the last build that did" in gunicorn.log_path.read_text()), gunicorn.log_tail()


def test_helpbot_serve_reloads_on_sighup(tmp_path, kb_copy, fixture_intents, small_bot):
    port = load._free_port()
    env = {**os.environ, "HELPBOT_DB_PATH": str(tmp_path / "serve.sqlite3"), "HELPBOT_RATE_LIMIT": "off"}
    log_path = tmp_path / "serve.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "helpbot.cli", "serve", "--port", str(port),
                                    "--knowledge", str(kb_copy), "--intents", str(fixture_intents)],
                                   cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        try:
            return get(url, "/healthz", timeout=2)[0] == 200
        except OSError:
            return False

    try:
        assert wait_for(healthy, 120), log_path.read_text()
        before = get(url, "/healthz")[1]["entries"]
        (kb_copy / "account.yaml").write_text(BROKEN_YAML)
        process.send_signal(signal.SIGHUP)
        assert wait_for(lambda: "account.yaml:4" in log_path.read_text()), log_path.read_text()
        assert get(url, "/healthz")[1]["entries"] == before and process.poll() is None
        (kb_copy / "account.yaml").write_text((REPO / "tests" / "data" / "kb" / "account.yaml").read_text())
        add_entry(kb_copy)
        process.send_signal(signal.SIGHUP)
        assert wait_for(lambda: get(url, "/healthz")[1]["entries"] == before + 1), log_path.read_text()
        assert post(url, "/api/ask", {"question": "where can I download the invoice pdf"})[1]["entry_id"] \
            == "reload-new-entry"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def test_gunicorn_password_turns_are_never_stored_whichever_worker_gets_them(bot):
    """With two workers the password typed after "check my password" lands on either one;
    neither may store it (the prompt is noted in the shared database)."""
    import sqlite3
    from contextlib import closing

    server = load.Server(workers=2)
    server.start()
    try:
        for n in range(20):
            session = f"gunicorn-pw-{n}"
            post(server.url, "/api/ask", {"question": "check my password", "session_id": session})
            status, _ = post(server.url, "/api/ask", {"question": "correct horse battery staple", "session_id": session})
            assert status == 200
        with closing(sqlite3.connect(server.env["HELPBOT_DB_PATH"])) as conn:
            gaps = [row[0] for row in conn.execute("SELECT question FROM gaps")]
    finally:
        server.cleanup()
    assert not [g for g in gaps if "horse" in g]


def test_load_short_form_finishes_with_zero_errors(tmp_path, bot, shared_redis):
    # bot: the bundled knowledge base's index is in the test cache, so workers start fast.
    # Redis: two workers share the conversations, so a vote lands on an entry its session was shown.
    out = tmp_path / "load.json"
    result = subprocess.run(
        [sys.executable, str(REPO / "eval" / "load.py"), "--connections", "8", "--duration", "5",
         "--sessions", "2000", "--warmup", "200", "--max-requests", "50000", "--json", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
        env={**os.environ, "HELPBOT_SESSION_URL": REDIS_URL})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    data = json.loads(out.read_text())
    assert data["finished"] is True and data["errors"] == 0
    assert data["load"]["requests"] > 0 and data["load"]["distinct_sessions"] > 0
    assert set(data["load"]["by_kind"]) >= {"ask", "search", "tool"}
    assert data["rss_after_warmup"]["workers"] == 2 and data["rss_after_load"]["total_mib"] > 0
    assert "p50" in result.stdout and "p99" in result.stdout


def test_load_script_refuses_non_loopback_targets():
    with pytest.raises(SystemExit, match="not a loopback address"):
        load.main(["--url", "http://192.0.2.10:8000", "--duration", "1"])
    with pytest.raises(SystemExit):
        load.main(["--url", "http://127.0.0.1:1", "--duration", "0"])  # bounded: 0 s is refused


def test_load_budget_is_count_and_time():
    assert load.Budget(3, 60).take() is True
    budget = load.Budget(2, 60)
    assert [budget.take() for _ in range(4)] == [True, True, False, False]
    expired = load.Budget(1000, 0.0)
    assert expired.take() is False
    pool = load.SessionPool(3, "s-")
    assert [pool.take() for _ in range(4)] == ["s-0", "s-1", "s-2", "s-0"] and pool.used == 3
