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

# The servers a mode can start: the README's first command (sync workers), gunicorn's threaded
# workers without our config (so SIGHUP is gunicorn's own restart), and the production config.
SERVER_KINDS = ("sync", "gthread", "production")


class Server:
    """gunicorn on a free loopback port in a temp folder: ``kind`` "sync" is
    ``gunicorn -w WORKERS -b 127.0.0.1:PORT 'helpbot.web:create_app()'``, "gthread" adds
    ``-k gthread --threads 8``, "production" is ``-c python:helpbot.web.gunicorn_conf``."""

    def __init__(self, workers: int = 2, env: dict[str, str] | None = None, *, kind: str = "sync") -> None:
        if kind not in SERVER_KINDS:
            raise ValueError(f"unknown server kind {kind!r}; choose from {', '.join(SERVER_KINDS)}")
        self.kind = kind
        self.workers = workers
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.folder = Path(tempfile.mkdtemp(prefix="helpbot-load-"))
        self.log_path = self.folder / "gunicorn.log"
        self.env = {**os.environ, "HELPBOT_RATE_LIMIT": "off", "HELPBOT_WRITE_RATE_LIMIT": "off",
                    "HELPBOT_DAILY_ROWS_PER_CLIENT": "100000000",
                    "HELPBOT_DB_PATH": str(self.folder / "helpbot.sqlite3"), **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def command(self) -> list[str]:
        base = [sys.executable, "-m", "gunicorn", "-w", str(self.workers), "-b", f"127.0.0.1:{self.port}"]
        if self.kind == "production":
            return [*base, "-c", "python:helpbot.web.gunicorn_conf", "helpbot.web.app:create_app()"]
        if self.kind == "gthread":
            return [*base, "-k", "gthread", "--threads", "8", "--no-control-socket", SERVER_APP]
        return [*base, "--no-control-socket", SERVER_APP]

    def kill(self) -> None:
        """The whole host at once: SIGKILL to the master and every worker (no graceful anything)."""
        if self.process is not None and self.process.poll() is None:
            for pid in [*_children(self.process.pid), self.process.pid]:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            self.process.wait(timeout=10)

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
            connection: http.client.HTTPConnection | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    parsed = urllib.parse.urlsplit(base)
    own = connection is None
    conn = connection or http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=timeout)
    try:
        headers = dict(headers or {})
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
    ok_times: list[float] = field(default_factory=list)  # time.monotonic() of each expected answer
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, seconds: float, status: int | None, error: str | None) -> None:
        with self.lock:
            self.requests += 1
            self.latencies[kind].append(seconds)
            self.statuses[str(status) if status is not None else "none"] += 1
            if error is None:
                self.ok_times.append(time.monotonic())
            else:
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


def _worker(base: str, budget: Budget, pool: SessionPool, stats: Stats, seed: int, *,
            connect: Any = None) -> None:
    rng = random.Random(seed)
    parsed = urllib.parse.urlsplit(base)
    # connect(): another kind of connection (the fleet mode's failover between hosts)
    conn = connect() if connect else http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
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


# -- modes: slow clients, SIGHUP, a fleet of two hosts ------------------------------------------

def _figures(values: list[float]) -> dict[str, Any]:
    ordered = sorted(values)
    return {"count": len(ordered), "p50_ms": round(_percentile(ordered, 0.50) * 1000, 1),
            "p99_ms": round(_percentile(ordered, 0.99) * 1000, 1),
            "max_ms": round((ordered[-1] if ordered else 0.0) * 1000, 1)}


def _slow_client(base: str, stop: threading.Event, interval: float, counts: Counter) -> None:
    """Slowloris: open a request and send one more header line every ``interval`` seconds,
    never ending the headers; start again when the server closes the connection."""
    parsed = urllib.parse.urlsplit(base)
    while not stop.is_set():
        try:
            with socket.create_connection((parsed.hostname, parsed.port), timeout=5) as sock:
                counts["connections"] += 1
                sock.sendall(b"POST /api/ask HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                n = 0
                while not stop.wait(interval):
                    n += 1
                    sock.sendall(f"X-Slow-{n}: {'a' * 8}\r\n".encode())
        except OSError:
            counts["dropped_by_server"] += 1
            stop.wait(0.2)


def probe_while_slow(base: str, *, slow: int, seconds: float, probes: int = 2, interval: float = 1.0,
                     timeout: float = 10.0) -> dict[str, Any]:
    """``slow`` slowloris connections held open while ``probes`` threads send normal asks (a
    fresh connection each, ``timeout`` s each) for ``seconds``: how many were answered, how fast."""
    stop = threading.Event()
    counts: Counter = Counter()
    slow_threads = [threading.Thread(target=_slow_client, args=(base, stop, interval, counts), daemon=True)
                    for _ in range(slow)]
    for thread in slow_threads:
        thread.start()
    time.sleep(min(2.0, seconds / 4))  # let them take hold before probing
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    budget = Budget(100_000, seconds)

    def probe(n: int) -> None:
        while budget.take():
            started = time.perf_counter()
            try:
                status, _ = request(base, "POST", "/api/ask", {"question": QUESTIONS[n % len(QUESTIONS)]},
                                    timeout=timeout)
                error = None if status == 200 else f"HTTP {status}"
            except (OSError, http.client.HTTPException) as exc:
                error = type(exc).__name__
            with lock:
                latencies.append(time.perf_counter() - started)
                if error:
                    failures.append(error)
            time.sleep(0.05)

    threads = [threading.Thread(target=probe, args=(n,), daemon=True) for n in range(probes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + timeout + 5)
    stop.set()
    for thread in slow_threads:
        thread.join(10)
    return {"slow_clients": slow, "probes": len(latencies), "answered": len(latencies) - len(failures),
            "failed": len(failures), "failures": dict(Counter(failures)), **_figures(latencies),
            "slow_connections_opened": counts["connections"], "slow_dropped_by_server": counts["dropped_by_server"]}


def mode_slowloris(args: argparse.Namespace) -> dict[str, Any]:
    """Each server kind in turn: ``--slow`` slow clients against 2 workers while normal asks run."""
    results: dict[str, Any] = {"mode": "slowloris", "runs": {}}
    for kind in args.kinds:
        server = Server(workers=args.workers, kind=kind)
        server.start()
        try:
            run = probe_while_slow(server.url, slow=args.slow, seconds=args.duration)
        finally:
            server.cleanup()
        results["runs"][kind] = run
        print(f"{kind:<10} {args.slow} slow clients: {run['answered']}/{run['probes']} probes answered, "
              f"p50 {run['p50_ms']} ms, p99 {run['p99_ms']} ms, max {run['max_ms']} ms, failures {run['failures']}",
              flush=True)
    results["errors"] = results["runs"].get("production", {}).get("failed", 0)  # what must hold
    return results


def longest_gap(ok_times: list[float], start: float, end: float) -> float:
    """The longest stretch in [start, end] with no expected answer (seconds)."""
    points = [start, *sorted(t for t in ok_times if start <= t <= end), end]
    return max(b - a for a, b in zip(points, points[1:]))


def mode_sighup(args: argparse.Namespace) -> dict[str, Any]:
    """Load on each server kind; SIGHUP to the master a third of the way in: the longest gap
    without an answer from then to the end, and the errors."""
    results: dict[str, Any] = {"mode": "sighup", "changed_knowledge": args.change_knowledge, "runs": {}}
    for kind in args.kinds:
        env, knowledge = {}, None
        if args.change_knowledge:  # a copy of the bundled folders, changed before the SIGHUP
            copy = Path(tempfile.mkdtemp(prefix="helpbot-hup-kb-"))
            for name in ("knowledge", "intents"):
                shutil.copytree(REPO / name, copy / name)
            env = {"HELPBOT_KNOWLEDGE_DIR": str(copy / "knowledge"), "HELPBOT_INTENTS_DIR": str(copy / "intents")}
            knowledge = sorted((copy / "knowledge").glob("*.yaml"))[0]
        server = Server(workers=args.workers, kind=kind, env=env)
        server.start()
        try:
            pool = SessionPool(args.sessions, f"hup-{kind}-")
            holder: dict[str, Any] = {}

            def drive() -> None:
                holder["stats"], holder["seconds"] = run_phase(
                    server.url, connections=args.connections, budget=Budget(args.max_requests, args.duration),
                    pool=pool, seed=args.seed)

            runner = threading.Thread(target=drive)
            runner.start()
            time.sleep(args.duration / 3)
            if knowledge is not None:  # new bytes: a new index key, so the reload builds from scratch
                knowledge.write_text(knowledge.read_text() + f"\n# changed by load.py {uuid.uuid4().hex}\n")
            hup = time.monotonic()
            server.process.send_signal(signal.SIGHUP)
            runner.join(args.duration + 90)
            stats = holder["stats"]
            before = longest_gap(stats.ok_times, hup - args.duration / 3 + 1, hup)
            after = longest_gap(stats.ok_times, hup, hup + args.duration * 2 / 3 - 1)
            run = {**summarise(stats, holder["seconds"]), "longest_gap_before_hup_ms": round(before * 1000, 1),
                   "longest_gap_after_hup_ms": round(after * 1000, 1),
                   "workers_after": len(_children(server.process.pid)), "server_alive": server.process.poll() is None}
            run.pop("error_samples")
        finally:
            server.cleanup()
            if knowledge is not None:
                shutil.rmtree(knowledge.parent.parent, ignore_errors=True)
        results["runs"][kind] = run
        print(f"{kind:<10} SIGHUP under {args.connections} connections: longest gap without an answer "
              f"{run['longest_gap_after_hup_ms']} ms after it ({run['longest_gap_before_hup_ms']} ms before); "
              f"{run['requests']} requests, {run['errors']} errors, p99 {run['latency']['p99_ms']} ms", flush=True)
    results["errors"] = results["runs"].get("production", {}).get("errors", 0)
    return results


class OwnRedis:
    """A private redis-server on a free loopback port (nothing kept on disk), so a run can
    restart it without touching a Redis that others use."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                                         "--save", "", "--appendonly", "no"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


class FailoverConnection:
    """What a reverse proxy does for a client: requests go to one host; after a failure
    (the host or its worker was killed) the next request goes to the other."""

    def __init__(self, hosts: list[str], first: int) -> None:
        self.hosts = hosts
        self.current = first % len(hosts)
        self.failovers = 0
        self._conn = self._connect()

    def _connect(self) -> http.client.HTTPConnection:
        parsed = urllib.parse.urlsplit(self.hosts[self.current])
        return http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)

    def request(self, *args: Any, **kwargs: Any) -> None:
        self._conn.request(*args, **kwargs)

    def getresponse(self) -> http.client.HTTPResponse:
        return self._conn.getresponse()

    def close(self) -> None:  # _one calls this after an error: switch hosts
        self._conn.close()
        self.current = (self.current + 1) % len(self.hosts)
        self.failovers += 1
        self._conn = self._connect()
        time.sleep(0.05)


def _ask_json(base: str, question: str, session: str) -> dict[str, Any]:
    status, body = request(base, "POST", "/api/ask", {"question": question, "session_id": session}, timeout=30)
    return json.loads(body) if status == 200 else {"status": status}


def conversations_continue(hosts: list[str], *, followups: int, passwords: int, tag: str) -> dict[str, Any]:
    """Each conversation's turns alternate hosts (a fresh connection each, so any worker): a
    "the second one" after a list of suggestions, and a password typed after "check my password"."""
    followed = 0
    for n in range(followups):
        first, second = hosts[n % 2], hosts[(n + 1) % 2]
        session = f"{tag}-follow-{n}"
        listed = [s.get("entry_id") for s in _ask_json(first, "payment", session).get("suggestions", [])]
        reply = _ask_json(second, "the second one", session)
        followed += len(listed) >= 2 and reply.get("entry_id") == listed[1]
    checked = 0
    for n in range(passwords):
        first, second = hosts[n % 2], hosts[(n + 1) % 2]
        session = f"{tag}-password-{n}"
        _ask_json(first, "check my password", session)
        reply = _ask_json(second, "Xy7!pass-load", session)
        checked += reply.get("tool") == "password_check" and "Type the password" not in reply.get("text", "")
    return {"followups": f"{followed}/{followups}", "passwords": f"{checked}/{passwords}",
            "all_continued": followed == followups and checked == passwords}


def _post(conn: Any, path: str, body: dict[str, Any]) -> tuple[int, bytes]:
    conn.request("POST", path, body=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    return response.status, response.read()


def _feedback_writer(hosts: list[str], n: int, budget: Budget, tag: str, acked: list[str], lock: threading.Lock) -> None:
    """Votes, each under a session of its own that was first shown the entry it votes on (the
    session id is the mark read back from the database: comments may be redacted)."""
    conn = FailoverConnection(hosts, n)
    count = 0
    while budget.take():
        count += 1
        session = f"{tag}-w{n}-{count}"
        try:
            status, payload = _post(conn, "/api/ask", {"question": "tt zip code", "session_id": session})
            shown = json.loads(payload).get("entry_id") if status == 200 else None
            status, _ = _post(conn, "/api/feedback", {"session_id": session, "entry_id": shown or ENTRY_IDS[0],
                                                      "helpful": True})
            if status == 201:
                with lock:
                    acked.append(session)
        except (OSError, http.client.HTTPException, ValueError):
            conn.close()  # not acknowledged: the client would retry; switch hosts


def stored_votes(database_url: str | None, db_path: str, tag: str) -> set[str] | None:
    """The session ids of this run's votes that the database holds (None: it could not be read)."""
    try:
        if database_url and database_url.startswith(("postgresql://", "postgres://")):
            import psycopg  # noqa: PLC0415  (only for a PostgreSQL run)

            with psycopg.connect(database_url) as conn:
                rows = conn.execute("SELECT session_id FROM feedback WHERE session_id LIKE %s", (f"{tag}-w%",)).fetchall()
        else:
            import sqlite3  # noqa: PLC0415

            path = database_url.removeprefix("sqlite:///") if database_url else db_path
            with sqlite3.connect(path) as conn:
                rows = conn.execute("SELECT session_id FROM feedback WHERE session_id LIKE ?", (f"{tag}-w%",)).fetchall()
    except Exception as exc:  # noqa: BLE001  (reported, not raised: the rest of the run still counts)
        print(f"  could not read the feedback back: {exc}")
        return None
    return {row[0] for row in rows}


def _chaos(hosts: list[Server], redis: OwnRedis | None, args: argparse.Namespace, log: list[str]) -> None:
    """Worker kills spread over the load, the second host killed at half time and started again,
    and (with --own-redis) Redis restarted at three quarters."""
    events: list[tuple[float, str]] = [((n + 1) * args.duration / (args.kill_workers + 1), "worker")
                                       for n in range(args.kill_workers)]
    if args.kill_host:
        events.append((args.duration * 0.5, "host"))
    if redis is not None and args.restart_redis:
        events.append((args.duration * 0.75, "redis"))
    started = time.monotonic()
    rng = random.Random(args.seed)
    for at, what in sorted(events):
        time.sleep(max(0.0, started + at - time.monotonic()))
        if what == "worker":
            live = [h for h in hosts if h.process is not None and h.process.poll() is None]
            host = rng.choice(live)
            workers = _children(host.process.pid)
            if workers:
                victim = rng.choice(workers)
                os.kill(victim, signal.SIGKILL)
                log.append(f"{at:.0f}s: SIGKILL worker {victim} of {host.url}")
        elif what == "host":
            hosts[1].kill()
            log.append(f"{at:.0f}s: SIGKILL host {hosts[1].url} (master and workers)")
            time.sleep(3)
            hosts[1].start()
            log.append(f"{time.monotonic() - started:.0f}s: host {hosts[1].url} started again")
        else:
            redis.stop()
            log.append(f"{at:.0f}s: Redis stopped")
            time.sleep(2)
            redis.start()
            log.append(f"{time.monotonic() - started:.0f}s: Redis started again (empty)")


def mode_fleet(args: argparse.Namespace) -> dict[str, Any]:
    """Two "hosts" (gunicorn masters, production config, ``--workers`` each) sharing the
    database (``--database-url``, else one SQLite file) and Redis (``--redis-url``, or
    ``--own-redis``): conversations across hosts, a published reload, a load through both
    with kills, and acknowledged feedback read back."""
    tag = f"fleet-{uuid.uuid4().hex[:8]}"
    redis = OwnRedis() if args.own_redis else None
    if redis is not None:
        redis.start()
    redis_url = redis.url if redis is not None else args.redis_url
    shared = Path(tempfile.mkdtemp(prefix="helpbot-fleet-"))
    env = {"HELPBOT_DB_PATH": str(shared / "helpbot.sqlite3"), "HELPBOT_ADMIN_TOKEN": tag,
           "HELPBOT_CACHE_DIR": os.environ.get("HELPBOT_CACHE_DIR", "")}
    env = {k: v for k, v in env.items() if v}
    if args.database_url:
        env["HELPBOT_DATABASE_URL"] = args.database_url
    if redis_url:
        env["HELPBOT_SESSION_URL"] = redis_url
    hosts = [Server(workers=args.workers, env=env, kind="production") for _ in range(2)]
    results: dict[str, Any] = {"mode": "fleet", "database_url": args.database_url or f"sqlite (one file: {env['HELPBOT_DB_PATH']})",
                               "redis_url": redis_url, "hosts": [h.url for h in hosts], "workers_per_host": args.workers}
    try:
        for host in hosts:
            host.start()
        urls = [h.url for h in hosts]
        status, body = request(urls[0], "GET", "/api/entries")
        if status == 200:
            ENTRY_IDS[:] = [e["id"] for e in json.loads(body)["entries"]] or ENTRY_IDS
        results["before_load"] = conversations_continue(urls, followups=40, passwords=10, tag=f"{tag}-a")
        print(f"conversations across hosts: {results['before_load']}", flush=True)

        started = time.monotonic()
        auth = {"Authorization": f"Bearer {tag}"}
        conn = http.client.HTTPConnection("127.0.0.1", hosts[0].port, timeout=30)
        conn.request("POST", "/admin/reload", headers=auth)
        reload_id = json.loads(conn.getresponse().read())["id"]
        conn.close()
        done = 0
        while time.monotonic() - started < 120:
            conn = http.client.HTTPConnection("127.0.0.1", hosts[1].port, timeout=30)
            conn.request("GET", f"/admin/reload/{reload_id}", headers=auth)
            fleet = json.loads(conn.getresponse().read())
            conn.close()
            done = sum(w.get("state") == "done" for w in fleet.get("workers", {}).values())
            if done >= 2 * args.workers:
                break
            time.sleep(0.2)
        results["published_reload"] = {"workers_done": done, "of": 2 * args.workers,
                                       "seconds_until_all_done": round(time.monotonic() - started, 2)}
        print(f"published reload: {results['published_reload']}", flush=True)

        stats = Stats()
        budget = Budget(args.max_requests, args.duration)
        pool = SessionPool(args.sessions, f"{tag}-load-")
        acked: list[str] = []
        lock = threading.Lock()
        chaos_log: list[str] = []
        threads = [threading.Thread(target=_worker, args=(urls[n % 2], budget, pool, stats, args.seed * 1000 + n),
                                    kwargs={"connect": lambda n=n: FailoverConnection(urls, n)}, daemon=True)
                   for n in range(args.connections)]
        threads += [threading.Thread(target=_feedback_writer, args=(urls, n, budget, tag, acked, lock), daemon=True)
                    for n in range(2)]
        chaos = threading.Thread(target=_chaos, args=(hosts, redis, args, chaos_log), daemon=True)
        load_started = time.perf_counter()
        for thread in threads:
            thread.start()
        chaos.start()
        for thread in threads:
            thread.join(args.duration + 90)
        chaos.join(60)
        results["load"] = summarise(stats, time.perf_counter() - load_started)
        results["load"]["longest_gap_ms"] = round(longest_gap(stats.ok_times, stats.ok_times[0], stats.ok_times[-1])
                                                  * 1000, 1) if stats.ok_times else None
        results["chaos"] = chaos_log
        _print_phase("fleet load", results["load"])
        for line in chaos_log:
            print(f"  {line}")
        stored = stored_votes(args.database_url, env["HELPBOT_DB_PATH"], tag)
        lost = None if stored is None else sorted(set(acked) - stored)
        results["feedback"] = {"acknowledged": len(acked), "lost": None if lost is None else len(lost),
                               "lost_samples": (lost or [])[:5]}
        print(f"feedback: {len(acked)} acknowledged, {results['feedback']['lost']} lost", flush=True)
        results["after_load"] = conversations_continue(urls, followups=10, passwords=5, tag=f"{tag}-b")
        print(f"conversations across hosts after the kills: {results['after_load']}", flush=True)
        results["errors"] = results["load"]["errors"] + (results["feedback"]["lost"] or 0)
    finally:
        for host in hosts:
            results.setdefault("server_log_tails", []).append(host.log_tail(15))
            host.cleanup()
        if redis is not None:
            redis.stop()
        shutil.rmtree(shared, ignore_errors=True)
    return results


MODES = {"slowloris": mode_slowloris, "sighup": mode_sighup, "fleet": mode_fleet}


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
    parser.add_argument("--mode", choices=sorted(MODES) + ["load"], default="load",
                        help="load (default: warm-up, load, soak), slowloris, sighup or fleet (see the top of this file)")
    parser.add_argument("--server", choices=SERVER_KINDS, default="sync",
                        help="load mode: which server to start (default sync, the README's first command)")
    parser.add_argument("--kinds", type=lambda text: text.split(","), default=None,
                        help="slowloris/sighup: server kinds to compare, comma-separated (default: all)")
    parser.add_argument("--change-knowledge", action="store_true",
                        help="sighup: change a knowledge file first, so the reload must build a new index")
    parser.add_argument("--slow", type=int, default=10, help="slowloris: slow connections (default 10)")
    parser.add_argument("--database-url", help="fleet: HELPBOT_DATABASE_URL of both hosts (default: one SQLite file)")
    parser.add_argument("--redis-url", help="fleet: HELPBOT_SESSION_URL of both hosts (default: none)")
    parser.add_argument("--own-redis", action="store_true",
                        help="fleet: start a private redis-server (so it can be restarted mid-load)")
    parser.add_argument("--kill-workers", type=int, default=0, help="fleet: SIGKILL this many workers mid-load")
    parser.add_argument("--kill-host", action="store_true", help="fleet: SIGKILL the second host mid-load, then restart it")
    parser.add_argument("--restart-redis", action="store_true", help="fleet, with --own-redis: restart Redis mid-load")
    args = parser.parse_args(argv)
    for name in ("connections", "max_requests", "sessions", "warmup_sessions"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if not (0 < args.duration <= 3600 and 0 < args.warmup_duration <= 3600 and 0 < args.max_duration <= 4 * 3600):
        parser.error("--duration and --warmup-duration must be in (0, 3600], --max-duration in (0, 14400]")

    for url in (args.database_url, args.redis_url):
        if url:
            _loopback_only(urllib.parse.urlsplit(url).hostname or "")
    if args.mode != "load":
        args.kinds = args.kinds or (["sync", "production"] if args.mode == "slowloris" else list(SERVER_KINDS))
        if set(args.kinds) - set(SERVER_KINDS):
            parser.error(f"--kinds: choose from {', '.join(SERVER_KINDS)}")
        results = MODES[args.mode](args)
        if args.json:
            Path(args.json).parent.mkdir(parents=True, exist_ok=True)
            Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
        print(f"done: {results['errors']} errors")
        return 0 if results["errors"] == 0 else 1

    server = None
    if args.url:
        _loopback_only(urllib.parse.urlsplit(args.url).hostname or "")
        base, master = args.url.rstrip("/"), args.pid
    else:
        server = Server(workers=args.workers, kind=args.server)
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
