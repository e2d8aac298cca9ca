#!/usr/bin/env python3
"""Bounded load and soak generator for the helpbot web server (loopback only).

By default it starts the production server command itself::

    gunicorn -w 2 -b 127.0.0.1:PORT 'helpbot.web:create_app()'

with HELPBOT_RATE_LIMIT=off and a throw-away HELPBOT_DB_PATH, waits for /healthz, then
drives it from N threads, each with its own keep-alive ``http.client`` connection, with a
mix of what the widget and the agent console send: asks (some of them multi-turn: a
password check, "the first one" after a list, "and in EUR?"), searches, entry lookups,
tool calls, feedback and hand-offs, each conversation under a session id of its own.
It stops by itself when the request budget (``--max-requests``) or the time budget
(``--duration``) runs out, whichever comes first, and stops the server it started.

Phases, in order:
  warm-up   ``--warmup`` requests over ``--warmup-sessions`` session ids, so caches and
            allocators settle (with more ids than a worker keeps, 10,000, its session store
            is full); then the RSS of the gunicorn master and its workers is read from
            /proc: the steady state.
  load      ``--connections`` threads for ``--duration`` seconds, new session ids drawn
            from a pool of ``--sessions`` distinct ids (every id is used once before any is
            used again). RSS is read again at the end, and at checkpoints in between.

A request is an error when it fails to connect, times out, or answers anything but the
status its kind expects (200, or 201 for feedback). A vote counts only for an entry its session
was shown, so a feedback request asks first and votes on the answer; with more than one worker
the server needs shared sessions (``HELPBOT_SESSION_URL=redis://...`` in the environment,
passed on to gunicorn), or the votes that reach the other worker are refused (409). The summary gives counts, errors by
kind, throughput, p50/p90/p99/max latency overall and per kind, and the RSS figures;
``--json OUT`` writes the same as JSON. Exit status: 0 when there was no error.

The two forms used by the project (docs/RELIABILITY.md has the last figures):

    # short form, run by the test suite (tests/test_load.py)
    python eval/load.py --connections 8 --duration 5 --sessions 2000

    # long form: 32 connections for 60 s, then a soak until 100,000 distinct sessions
    python eval/load.py --connections 32 --warmup 40000 --warmup-sessions 25000 \\
        --warmup-duration 300 --duration 60 --sessions 100000 --soak-sessions 100000 \\
        --max-duration 1800 --json eval/reports/load.json

``--url http://127.0.0.1:PORT`` drives a server that is already running instead (give
``--pid`` of its gunicorn master to read its memory). Only loopback addresses are allowed.
"""

from __future__ import annotations

import argparse
import http.client
import ipaddress
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SERVER_APP = "helpbot.web:create_app()"

QUESTIONS = [
    "How long does a T/T payment take to reach the supplier?",
    "what swift code do I use for citibank hong kong",
    "how do I post an RFQ",
    "refund",
    "my order hasn't arrived, can I open a dispute?",
    "what is the zip code for a wire transfer",
    "payment",
    "how do I change my password",
    "qwzx plmkj vbnrt",                       # nothing like it: a fallback, logged as a gap
    "what is the weather in paris",           # out of scope
    "hello",                                  # smalltalk
    "I paid by boleto on 2026-11-20, when will the supplier get it?",   # a tool from chat
    "what is the fee on my 3000 usd order",
    "can I pay 3000 usd by western union",
    "Trade Assurance service charge",
    "account",
    "how to become a verified supplier",
]
CONVERSATIONS = [
    ["check my password", "Xy7!pass-load"],            # multi-turn password check
    ["refund", "the first one"],                       # a suggestion picked by position
    ["How long does a T/T payment take?", "yes", "I paid on 2026-11-20"],
    ["what is the fee on my 3000 usd order", "and with a third-party logistics vendor?"],
    ["I want to talk to a human agent"],
]
SEARCHES = ["tt swift code", "refund", "wire transfer time", "password rules", "dispute", "boleto",
            "trade assurance fee", "rfq", "shipping", "verification"]
TOOL_CALLS = [
    ("fee_estimate", {"order_amount": 3000}),
    ("fee_estimate", {"kind": "pay_later", "principal": "10,000", "months": 6}),
    ("fee_estimate", {"kind": "payment_method", "method": "western_union", "amount": 2000,
                      "buyer_country": "US"}),
    ("payment_arrival", {"method": "tt", "paid_on": "2026-11-20"}),
    ("payment_arrival", {"method": "boleto", "paid_on": "2026-11-20"}),
    ("dispute_deadlines", {"opened_on": "2026-03-03", "proposal_on": "2026-03-05"}),
    ("password_check", {"password": "Abcdef12!"}),
]
ENTRY_IDS = ["tt-payment-arrival-time"]  # filled from /api/entries when the run starts
# The mix, by weight: mostly chat, as on the widget.
MIX = [("ask", 45), ("conversation", 15), ("search", 15), ("entry", 5), ("tool", 12), ("feedback", 5),
       ("handoff", 3)]
EXPECTED_STATUS = {"feedback": 201}


def _loopback_only(host: str) -> None:
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except socket.gaierror as exc:
        raise SystemExit(f"load.py: cannot resolve {host!r}: {exc}") from None
    for address in addresses:
        if not ipaddress.ip_address(address.split("%")[0]).is_loopback:
            raise SystemExit(f"load.py: {host} is {address}, not a loopback address; refusing to send load there")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- memory from /proc ------------------------------------------------------------------------

def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
        except (OSError, ValueError, IndexError):
            continue
    return sorted(found)


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def catches_sighup(pid: int) -> bool:
    """Whether the process has a SIGHUP handler (helpbot's app sets one once it is up)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("SigCgt:"):
                return bool(int(line.split()[1], 16) & (1 << (signal.SIGHUP - 1)))
    except (OSError, ValueError):
        pass
    return False


def server_rss(master: int) -> dict[str, Any]:
    """RSS of the master and each worker, in MiB, and their sum."""
    processes = {master: _rss_kib(master)}
    for child in _children(master):
        try:
            processes[child] = _rss_kib(child)
        except OSError:
            continue
    return {"total_mib": round(sum(processes.values()) / 1024, 1),
            "processes_mib": {str(pid): round(kib / 1024, 1) for pid, kib in processes.items()},
            "workers": len(processes) - 1}


# -- the server -------------------------------------------------------------------------------

class Server:
    """``gunicorn -w WORKERS -b 127.0.0.1:PORT 'helpbot.web:create_app()'`` in a temp folder."""

    def __init__(self, workers: int = 2, env: dict[str, str] | None = None) -> None:
        self.workers = workers
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.folder = Path(tempfile.mkdtemp(prefix="helpbot-load-"))
        self.log_path = self.folder / "gunicorn.log"
        self.env = {**os.environ, "HELPBOT_RATE_LIMIT": "off", "HELPBOT_WRITE_RATE_LIMIT": "off",
                    "HELPBOT_DB_PATH": str(self.folder / "helpbot.sqlite3"), **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def command(self) -> list[str]:
        return [sys.executable, "-m", "gunicorn", "-w", str(self.workers), "-b", f"127.0.0.1:{self.port}",
                SERVER_APP]

    def start(self, timeout: float = 120.0) -> None:
        log = open(self.log_path, "wb")  # noqa: SIM115  (kept open for the server's life)
        self.process = subprocess.Popen(self.command, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                status, _ = request(self.url, "GET", "/healthz", timeout=2)
                workers = _children(self.process.pid)
                # Up when it answers and every worker has loaded its app (which then catches
                # SIGHUP to reload the knowledge: a precise "booted" sign, from /proc).
                if status == 200 and len(workers) >= self.workers and all(map(catches_sighup, workers)):
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer /healthz within {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # gunicorn: graceful shutdown
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def request(base: str, method: str, path: str, body: Any = None, *, timeout: float = 30.0,
            connection: http.client.HTTPConnection | None = None) -> tuple[int, bytes]:
    parsed = urllib.parse.urlsplit(base)
    own = connection is None
    conn = connection or http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=timeout)
    try:
        headers = {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        if own:
            conn.close()


# -- the load ---------------------------------------------------------------------------------

class SessionPool:
    """``size`` distinct session ids, handed out in turn: each is used once before any repeats."""

    def __init__(self, size: int, prefix: str) -> None:
        self.size = size
        self.prefix = prefix
        self._next = 0
        self._lock = threading.Lock()

    def take(self) -> str:
        with self._lock:
            n = self._next % self.size
            self._next += 1
        return f"{self.prefix}{n}"

    @property
    def used(self) -> int:
        with self._lock:
            return min(self._next, self.size)


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, seconds: float, status: int | None, error: str | None) -> None:
        with self.lock:
            self.requests += 1
            self.latencies[kind].append(seconds)
            self.statuses[str(status) if status is not None else "none"] += 1
            if error is not None:
                self.errors[kind] += 1
                if len(self.error_samples) < 20:
                    self.error_samples.append(f"{kind}: {error}")


class Budget:
    """Count AND time: ``take()`` is False once either runs out."""

    def __init__(self, max_requests: int, seconds: float, until: Any = None) -> None:
        self.left = max_requests
        self.deadline = time.monotonic() + seconds
        self.until = until  # optional: a callable that says the phase's goal is met
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self.left <= 0 or time.monotonic() >= self.deadline or (self.until is not None and self.until()):
                return False
            self.left -= 1
            return True


def _one(conn: http.client.HTTPConnection, stats: Stats, kind: str, method: str, path: str,
         body: Any = None) -> bytes | None:
    started = time.perf_counter()
    status = None
    error = None
    payload = None
    try:
        conn.request(method, path, body=None if body is None else json.dumps(body).encode(),
                     headers={"Content-Type": "application/json"} if body is not None else {})
        response = conn.getresponse()
        status = response.status
        payload = response.read()
        if status != EXPECTED_STATUS.get(kind, 200):
            error = f"HTTP {status} on {method} {path}: {payload[:200]!r}"
    except (OSError, http.client.HTTPException) as exc:
        error = f"{type(exc).__name__} on {method} {path}: {exc}"
        conn.close()  # reconnects on the next request
    stats.record(kind, time.perf_counter() - started, status, error)
    return payload if error is None else None


def _worker(base: str, budget: Budget, pool: SessionPool, stats: Stats, seed: int) -> None:
    rng = random.Random(seed)
    parsed = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    kinds = [k for k, _ in MIX]
    weights = [w for _, w in MIX]
    try:
        while budget.take():
            kind = rng.choices(kinds, weights)[0]
            if kind == "ask":
                _one(conn, stats, kind, "POST", "/api/ask",
                     {"question": rng.choice(QUESTIONS), "session_id": pool.take()})
            elif kind == "conversation":
                session = pool.take()
                for n, message in enumerate(rng.choice(CONVERSATIONS)):
                    if n and not budget.take():
                        break
                    _one(conn, stats, kind, "POST", "/api/ask", {"question": message, "session_id": session})
            elif kind == "search":
                query = urllib.parse.urlencode({"q": rng.choice(SEARCHES), "k": rng.choice((3, 5, 10))})
                _one(conn, stats, kind, "GET", f"/api/search?{query}")
            elif kind == "entry":
                _one(conn, stats, kind, "GET", f"/api/entries/{urllib.parse.quote(rng.choice(ENTRY_IDS))}")
            elif kind == "tool":
                name, params = rng.choice(TOOL_CALLS)
                _one(conn, stats, kind, "POST", f"/api/tools/{name}", params)
            elif kind == "feedback":  # ask, then vote on the entry that answered
                session = pool.take()
                reply = _one(conn, stats, "ask", "POST", "/api/ask",
                             {"question": rng.choice(QUESTIONS), "session_id": session})
                entry = json.loads(reply).get("entry_id") if reply else None
                if entry and budget.take():
                    _one(conn, stats, kind, "POST", "/api/feedback",
                         {"session_id": session, "entry_id": entry, "helpful": rng.random() < 0.7})
            else:
                _one(conn, stats, kind, "POST", "/api/handoff",
                     {"session_id": pool.take(), "question": rng.choice(QUESTIONS)})
    finally:
        conn.close()


def run_phase(base: str, *, connections: int, budget: Budget, pool: SessionPool, seed: int) -> tuple[Stats, float]:
    stats = Stats()
    threads = [threading.Thread(target=_worker, args=(base, budget, pool, stats, seed * 1000 + n),
                                name=f"load-{n}", daemon=True) for n in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        # Every request has a 30 s socket timeout, so a thread ends at most that long after
        # the budget runs out; the join timeout is only a last guard.
        thread.join(timeout=max(1.0, budget.deadline - time.monotonic()) + 60)
    return stats, time.perf_counter() - started


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


def summarise(stats: Stats, seconds: float) -> dict[str, Any]:
    def figures(values: list[float]) -> dict[str, Any]:
        ordered = sorted(values)
        return {"count": len(ordered), "p50_ms": round(_percentile(ordered, 0.50) * 1000, 1),
                "p90_ms": round(_percentile(ordered, 0.90) * 1000, 1),
                "p99_ms": round(_percentile(ordered, 0.99) * 1000, 1),
                "max_ms": round((ordered[-1] if ordered else 0.0) * 1000, 1)}

    everything = [v for values in stats.latencies.values() for v in values]
    return {"requests": stats.requests, "errors": sum(stats.errors.values()), "seconds": round(seconds, 2),
            "requests_per_second": round(stats.requests / seconds, 1) if seconds else 0.0,
            "latency": figures(everything),
            "by_kind": {kind: {**figures(values), "errors": stats.errors.get(kind, 0)}
                        for kind, values in sorted(stats.latencies.items())},
            "statuses": dict(sorted(stats.statuses.items())), "error_samples": stats.error_samples}


def _print_phase(name: str, result: dict[str, Any]) -> None:
    latency = result["latency"]
    print(f"{name}: {result['requests']} requests in {result['seconds']} s "
          f"({result['requests_per_second']}/s), {result['errors']} errors; "
          f"p50 {latency['p50_ms']} ms, p90 {latency['p90_ms']} ms, p99 {latency['p99_ms']} ms, "
          f"max {latency['max_ms']} ms")
    for kind, figures in result["by_kind"].items():
        print(f"  {kind:<12} {figures['count']:>7}  p50 {figures['p50_ms']:>7} ms  p99 {figures['p99_ms']:>7} ms"
              f"  errors {figures['errors']}")
    for sample in result["error_samples"][:5]:
        print(f"  error: {sample}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="drive this running server (loopback only) instead of starting gunicorn")
    parser.add_argument("--pid", type=int, help="with --url: the gunicorn master's pid, to read its memory")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections (default 32)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (default 60)")
    parser.add_argument("--max-requests", type=int, default=1_000_000,
                        help="request budget of the load phase (default 1,000,000)")
    parser.add_argument("--sessions", type=int, default=10_000, help="distinct session ids in the load phase")
    parser.add_argument("--warmup", type=int, default=2000, help="requests of the warm-up (default 2000)")
    parser.add_argument("--warmup-sessions", type=int, default=50, help="distinct session ids in the warm-up")
    parser.add_argument("--warmup-duration", type=float, default=60.0, help="time budget of the warm-up, seconds")
    parser.add_argument("--soak-sessions", type=int, default=0,
                        help="after the load: run until this many more distinct session ids were used "
                             "(e.g. 100000), reading memory at checkpoints")
    parser.add_argument("--max-duration", type=float, default=1800.0,
                        help="time budget of the soak, seconds (default 1800)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", metavar="OUT", help="write the results as JSON")
    args = parser.parse_args(argv)
    for name in ("connections", "max_requests", "sessions", "warmup_sessions"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if not (0 < args.duration <= 3600 and 0 < args.warmup_duration <= 3600 and 0 < args.max_duration <= 4 * 3600):
        parser.error("--duration and --warmup-duration must be in (0, 3600], --max-duration in (0, 14400]")

    server = None
    if args.url:
        _loopback_only(urllib.parse.urlsplit(args.url).hostname or "")
        base, master = args.url.rstrip("/"), args.pid
    else:
        server = Server(workers=args.workers)
        print(f"starting: {' '.join(server.command[1:])} (HELPBOT_RATE_LIMIT=off, "
              f"HELPBOT_DB_PATH={server.env['HELPBOT_DB_PATH']})", flush=True)
        server.start()
        base, master = server.url, server.process.pid
    run_id = uuid.uuid4().hex[:8]
    results: dict[str, Any] = {"url": base, "command": server.command[1:] if server else None,
                               "connections": args.connections, "workers": args.workers if server else None,
                               "finished": False}
    try:
        status, body = request(base, "GET", "/api/entries")
        if status == 200:
            ENTRY_IDS[:] = [e["id"] for e in json.loads(body)["entries"]] or ENTRY_IDS

        warm_pool = SessionPool(args.warmup_sessions, f"warm-{run_id}-")
        stats, seconds = run_phase(base, connections=args.connections,
                                   budget=Budget(args.warmup, args.warmup_duration), pool=warm_pool, seed=args.seed)
        results["warmup"] = {**summarise(stats, seconds), "distinct_sessions": warm_pool.used}
        _print_phase("warm-up", results["warmup"])
        if master:
            results["rss_after_warmup"] = server_rss(master)
            print(f"RSS after warm-up (master + workers): {results['rss_after_warmup']['total_mib']} MiB")

        pool = SessionPool(args.sessions, f"load-{run_id}-")
        stats, seconds = run_phase(base, connections=args.connections,
                                   budget=Budget(args.max_requests, args.duration), pool=pool, seed=args.seed + 1)
        results["load"] = {**summarise(stats, seconds), "distinct_sessions": pool.used}
        _print_phase("load", results["load"])
        if master:
            results["rss_after_load"] = server_rss(master)
            print(f"RSS after load (master + workers): {results['rss_after_load']['total_mib']} MiB")

        if args.soak_sessions:
            soak_pool = SessionPool(args.soak_sessions, f"soak-{run_id}-")
            checkpoints = []
            deadline = time.monotonic() + args.max_duration
            totals = Stats()
            soak_seconds = 0.0
            step = max(1, args.soak_sessions // 5)
            target = 0
            while target < args.soak_sessions and time.monotonic() < deadline:
                target = min(args.soak_sessions, target + step)
                goal = target
                budget = Budget(10 * args.soak_sessions, deadline - time.monotonic(),
                                until=lambda goal=goal: soak_pool.used >= goal)
                stats, seconds = run_phase(base, connections=args.connections, budget=budget, pool=soak_pool,
                                           seed=args.seed + 2 + target)
                soak_seconds += seconds
                for kind, values in stats.latencies.items():
                    totals.latencies[kind].extend(values)
                totals.statuses.update(stats.statuses)
                totals.errors.update(stats.errors)
                totals.error_samples.extend(stats.error_samples[: 20 - len(totals.error_samples)])
                totals.requests += stats.requests
                point = {"distinct_sessions": soak_pool.used, "requests": totals.requests}
                if master:
                    point["rss_total_mib"] = server_rss(master)["total_mib"]
                checkpoints.append(point)
                print(f"  soak: {point}", flush=True)
            results["soak"] = {**summarise(totals, soak_seconds), "distinct_sessions": soak_pool.used,
                               "checkpoints": checkpoints}
            _print_phase("soak", results["soak"])
            if master:
                results["rss_after_soak"] = server_rss(master)
                before = results["rss_after_warmup"]["total_mib"]
                after = results["rss_after_soak"]["total_mib"]
                results["rss_growth_mib"] = round(after - before, 1)
                print(f"RSS after {soak_pool.used} distinct sessions: {after} MiB "
                      f"({results['rss_growth_mib']:+} MiB over the warm-up's {before} MiB)")
        results["finished"] = True
    finally:
        if server is not None:
            if server.process.poll() is not None:
                results["server_exit"] = server.process.returncode
            results["server_log_tail"] = server.log_tail(20)
            server.cleanup()
    errors = sum(results[p]["errors"] for p in ("warmup", "load", "soak") if p in results)
    results["errors"] = errors
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    print(f"done: {errors} errors")
    return 0 if errors == 0 and results["finished"] else 1


if __name__ == "__main__":
    sys.exit(main())
