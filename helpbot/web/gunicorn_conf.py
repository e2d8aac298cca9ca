"""The production server's settings: gunicorn with threaded workers that slow clients cannot stall.

One command starts it (``helpbot serve --production``, which runs exactly this)::

    gunicorn -c python:helpbot.web.gunicorn_conf 'helpbot.web.app:create_app()'

Why each setting (docs/DEPLOY.md has the measurements):

- ``gthread`` workers, 32 ``threads`` each: a sync worker serves one connection at a time, so
  two clients sending their headers slowly (slowloris) held both workers of ``-w 2`` and normal
  requests timed out. gunicorn's threaded worker waits for a request's first bytes without a
  thread, but once they come a thread reads the headers to the end, however slowly they
  trickle: a slow client still holds one thread. With 8 threads, 16 slow clients stalled two
  workers (and 10 could, when most landed on one worker); with 32, 40 slow clients left every
  normal request answered. Threads cost little (an answer is milliseconds of CPU, the rest
  waits on sockets), but the bound stays workers x threads: the reverse proxy in front, which
  buffers whole requests before passing them on (docs/DEPLOY.md), is what removes it.
- ``workers`` = the CPUs this process may use: the work is CPU-bound (ranking), more workers
  than cores only add memory (each keeps its own index).
- ``timeout``: a worker that stops responding to the master for this long is killed and
  restarted; nothing on the request path takes more than milliseconds now that a reload builds
  in the background. ``graceful_timeout``: how long a stopping worker may finish its requests.
- ``keepalive``: seconds an idle keep-alive connection is held (a reverse proxy in front reuses them).
- ``limit_request_line`` / ``limit_request_fields`` / ``limit_request_field_size``: the API's URLs
  and headers are short; longer ones are refused (400) before the app reads them.
- ``preload_app = False``: each worker builds its app after the fork, so the SIGHUP handler,
  the reload thread and the broadcast listener live in the process that serves.
- SIGHUP to the master reloads the knowledge in every worker in place (:func:`when_ready`),
  instead of gunicorn's restart of every worker, which left no worker answering while the new
  ones loaded. New code still needs a restart (``kill -USR2`` then ``-QUIT`` the old master, or a
  rolling restart of the hosts).

Environment: ``HELPBOT_BIND`` (default ``127.0.0.1:8000``; ``--bind`` on the command line wins),
``HELPBOT_WORKERS`` and ``HELPBOT_THREADS`` override the counts.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any


def cpu_count() -> int:
    """The CPUs this process may run on (a container's limit, not the host's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _int_env(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise SystemExit(f"{name}={text!r}: use a whole number of at least 1")
    return int(text)


wsgi_app = "helpbot.web.app:create_app()"
bind = [os.environ.get("HELPBOT_BIND", "").strip() or "127.0.0.1:8000"]
worker_class = "gthread"
workers = _int_env("HELPBOT_WORKERS", cpu_count())
threads = _int_env("HELPBOT_THREADS", 32)
timeout = 30
graceful_timeout = 30
keepalive = 5
limit_request_line = 4096
limit_request_fields = 50
limit_request_field_size = 8190
preload_app = False
# gunicorn 27's control socket lives at one path per user: two masters on one machine (two
# "hosts" in a test, or a blue/green pair) would fight over it, and nothing here uses it.
control_socket_disable = True
# Heartbeat files on a RAM disk where there is one: a slow disk must not look like a stuck worker.
worker_tmp_dir = "/dev/shm" if Path("/dev/shm").is_dir() else None


def catches_sighup(pid: int) -> bool:
    """Whether the worker has installed its SIGHUP handler (helpbot's app does once it is up);
    before that a SIGHUP would end it (gunicorn resets the signal while a worker boots)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("SigCgt:"):
                return bool(int(line.split()[1], 16) & (1 << (signal.SIGHUP - 1)))
    except (OSError, ValueError):
        return False
    return False


def reload_workers(server: Any) -> None:
    """The master's SIGHUP: pass it to each worker that is up, which rebuilds in the background
    and swaps the new knowledge in whole (see helpbot.web.reload); a worker still starting
    reads the files as they are now anyway."""
    for pid in list(server.WORKERS):
        if catches_sighup(pid):
            try:
                os.kill(pid, signal.SIGHUP)
            except OSError as exc:
                server.log.warning("could not pass SIGHUP to worker %s: %s", pid, exc)
        else:
            server.log.info("worker %s is still starting: it loads the new knowledge as it boots", pid)
    server.log.info("Hang up: knowledge reload passed to %d workers (no restart)", len(server.WORKERS))


def when_ready(server: Any) -> None:
    # gunicorn dispatches a signal to the master's handle_<name> attribute: replacing it on this
    # arbiter turns SIGHUP from "restart every worker" into "reload the knowledge in place".
    server.handle_hup = lambda: reload_workers(server)
