"""``helpbot bench``, parts 2 and 4: the production server under wrk, and cold starts.

The server is started the way the README says (gunicorn, loopback, a free port); ``POST /api/ask``
is measured against ``GET /healthz`` in the same run, so the ratio holds on a noisy machine.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from helpbot.timing import timed


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("HELPBOT_RATE_LIMIT", "0")  # the benchmark measures throughput, not the limiter
    env.setdefault("HELPBOT_DB_PATH", str(Path(tempfile.mkdtemp()) / "bench.sqlite3"))
    return env


def start_gunicorn(workers: int = 2) -> tuple[subprocess.Popen, str, float]:
    """Start the production command; return the process, its URL and the seconds to first answer."""
    port = _free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
         "helpbot.web:create_app()"],
        env=_server_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    body = json.dumps({"question": "how long does a wire transfer take"}).encode()
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            request = urllib.request.Request(f"{url}/api/ask", data=body, headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 200:
                    return process, url, time.perf_counter() - started
        except OSError:
            time.sleep(0.05)
    process.terminate()
    raise RuntimeError("gunicorn did not answer within 120 s")


def _wrk(url: str, path: str, *, seconds: int, connections: int, script: Path | None = None) -> dict[str, Any]:
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency", "--timeout", "5s"]
    if script:
        command += ["-s", str(script)]
    output = subprocess.run([*command, url + path], check=True, capture_output=True, text=True).stdout
    unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}

    def latency(label: str) -> float:
        value, suffix = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", output, re.M).groups()
        return round(float(value) * unit[suffix], 3)

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    return {
        "requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": latency("50%"), "p99_ms": latency("99%"),
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1).strip() if socket_errors else "none",
    }


ASK_LUA = """
local questions = {QUESTIONS}
local i = 0
request = function()
  i = i + 1
  local body = '{"question": "' .. questions[(i % #questions) + 1] .. '"}'
  return wrk.format("POST", "/api/ask", {["Content-Type"] = "application/json"}, body)
end
"""


def bench_http(questions: list[str], *, seconds: int = 15, connections: int = 32, workers: int = 2) -> dict[str, Any]:
    if shutil.which("wrk") is None:
        return {"skipped": "wrk is not installed (Debian package wrk)"}
    safe = [q.replace("\\", " ").replace('"', " ").replace("'", " ") for q in questions[:200]]
    script = Path(tempfile.mkdtemp()) / "ask.lua"
    script.write_text(ASK_LUA.replace("{QUESTIONS}", "{" + ", ".join(json.dumps(q) for q in safe) + "}"))
    process, url, boot_s = start_gunicorn(workers)
    try:
        ask = _wrk(url, "/api/ask", seconds=seconds, connections=connections, script=script)
        health = _wrk(url, "/healthz", seconds=seconds, connections=connections)
    finally:
        process.terminate()
        process.wait(timeout=30)
    return {"connections": connections, "seconds": seconds, "workers": workers, "ask": ask, "healthz": health,
            "ask_to_healthz_ratio": round(ask["requests_per_s"] / health["requests_per_s"], 3),
            "boot_to_first_answer_s": round(boot_s, 2)}


def bench_cold_start(*, runs: int = 5) -> dict[str, Any]:
    helpbot = [sys.executable, "-m", "helpbot.cli", "ask", "how long does a wire transfer take"]
    subprocess.run(helpbot, check=True, capture_output=True)  # fills the index cache
    walls = [timed(lambda: subprocess.run(helpbot, check=True, capture_output=True)) / 1000 for _ in range(runs)]
    with tempfile.TemporaryDirectory() as empty_cache:
        env = {**os.environ, "HELPBOT_CACHE_DIR": empty_cache}
        rebuild = timed(lambda: subprocess.run(helpbot, check=True, capture_output=True, env=env)) / 1000
    process, _, boot_s = start_gunicorn(workers=1)
    process.terminate()
    process.wait(timeout=30)
    return {"helpbot_ask_wall_s": {"median": round(statistics.median(walls), 3), "max": round(max(walls), 3)},
            "helpbot_ask_uncached_wall_s": round(rebuild, 2),
            "gunicorn_worker_boot_to_first_answer_s": round(boot_s, 2)}
