"""What a person at a terminal sees while long steps run: a progress line per stage of the first
index build (in `ask`, `eval` and `serve`), and nothing of it when the output is not a terminal."""

from __future__ import annotations

import os
import pty
import select
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

STAGES = ("indexing", "learning the fusion")


def run_in_terminal(args: list[str], env: dict[str, str], *, until: str | None = None, timeout: float = 180) -> str:
    """Run ``helpbot ARGS`` with a pseudo-terminal as stdout and stderr; what it printed."""
    main, child = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "helpbot", *args], stdin=subprocess.DEVNULL,
                               stdout=child, stderr=child, env=env, close_fds=True)
    os.close(child)
    output = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([main], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(main, 65536)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                output += chunk
                if until and until.encode() in output:
                    break
            elif process.poll() is not None:
                break
    finally:
        process.kill()
        process.wait()
        os.close(main)
    return output.decode("utf-8", "replace")


@pytest.fixture
def fresh_env(tmp_path):
    env = {**os.environ, "HELPBOT_CACHE_DIR": str(tmp_path / "cache"), "HELPBOT_DB_PATH": str(tmp_path / "db.sqlite3")}
    env.pop("COLUMNS", None)
    return env


def test_ask_shows_the_first_build(fixture_kb, fixture_intents, fresh_env):
    shown = run_in_terminal(["ask", "tt zip code", "--knowledge", str(fixture_kb), "--intents", str(fixture_intents)],
                            fresh_env)
    for stage in STAGES:
        assert f"{stage}: [" in shown, shown
    assert "999077" in shown


def test_eval_shows_progress(fixture_kb, fixture_intents, fresh_env, tmp_path):
    cases = tmp_path / "cases.jsonl"
    cases.write_text('{"id": "c1", "q": "tt zip code", "kind": "faq", "contains_any": ["999077"]}\n')
    shown = run_in_terminal(["eval", str(cases), "--knowledge", str(fixture_kb), "--intents", str(fixture_intents)],
                            fresh_env)
    assert "indexing: [" in shown, shown


def test_serve_says_it_is_loading_before_the_address(fixture_kb, fixture_intents, fresh_env):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    shown = run_in_terminal(["serve", "--port", str(port), "--knowledge", str(fixture_kb),
                             "--intents", str(fixture_intents)], fresh_env, until="agent console at")
    assert "agent console at" in shown, shown
    loading = shown.index("loading the knowledge base")
    assert loading < shown.index("indexing: [") < shown.index(f"http://127.0.0.1:{port}/")


def test_nothing_is_drawn_when_not_a_terminal(fixture_kb, fixture_intents, fresh_env):
    done = subprocess.run([sys.executable, "-m", "helpbot", "ask", "tt zip code", "--knowledge", str(fixture_kb),
                           "--intents", str(fixture_intents)], env=fresh_env, capture_output=True, text=True,
                          timeout=180)
    assert done.returncode == 0
    assert "\r" not in done.stdout + done.stderr and "indexing" not in done.stderr
    assert "999077" in done.stdout


def test_progress_keeps_one_line_per_stage():
    import io

    from helpbot.progress import Progress

    stream = io.StringIO()
    progress = Progress(stream, enabled=True)
    progress("encoding", 1, 4)
    progress("encoding", 4, 4)
    progress("indexing", 0, 1)
    progress("learning", 2, 5)  # indexing never finished: its line is kept, not overwritten
    progress("learning", 5, 5)
    lines = [line.rsplit("\r\x1b[K", 1)[-1] for line in stream.getvalue().split("\n") if line]
    assert [line.split(":")[0] for line in lines] == ["encoding", "indexing", "learning"]
    assert lines[0].startswith("encoding: [" + "#" * 30 + "] 4/4")
    quiet = io.StringIO()
    Progress(quiet, enabled=False)("encoding", 1, 2)
    assert quiet.getvalue() == ""
