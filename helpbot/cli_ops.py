"""The operator's commands for a production fleet: ``helpbot serve --production`` (gunicorn with
the package's config) and ``helpbot reload`` (publish a knowledge reload to every worker).

Kept apart from :mod:`helpbot.cli` (which wires the parser) so neither grows past one screen of
concerns; nothing here loads the engine.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from helpbot.broadcast_backends import broadcast_for
from helpbot.config import load_settings
from helpbot.errors import HelpbotError


def production_command(args: argparse.Namespace) -> list[str]:
    """gunicorn with the package's config (helpbot/web/gunicorn_conf.py); --host/--port, when
    given, win over HELPBOT_BIND."""
    command = [sys.executable, "-m", "gunicorn", "-c", "python:helpbot.web.gunicorn_conf"]
    if args.host or args.port:
        command += ["--bind", f"{args.host or '127.0.0.1'}:{args.port or 8000}"]
    if args.workers:
        command += ["--workers", str(args.workers)]
    return [*command, "helpbot.web.app:create_app()"]


def exec_production(args: argparse.Namespace) -> int:
    # The folders travel as the settings every worker reads (the workers are new processes).
    for name, value in (("HELPBOT_KNOWLEDGE_DIR", args.knowledge), ("HELPBOT_INTENTS_DIR", args.intents)):
        if value:
            os.environ[name] = str(Path(value).resolve())
    command = production_command(args)
    sys.stdout.flush()
    os.execv(command[0], command)  # gunicorn becomes this process: signals reach its master
    return 0  # not reached


def cmd_reload(args: argparse.Namespace) -> int:
    """Publish a knowledge reload to every worker that shares these settings' Redis, PostgreSQL
    or SQLite file (see helpbot.broadcast); --wait: until every worker that reported is done."""
    broadcast = broadcast_for(load_settings(os.environ))
    try:
        published = broadcast.publish(f"cli-{os.urandom(6).hex()}")
        print(f"published reload {published.reload_id} (version {published.version}) via {broadcast.name}; "
              f"workers pick it up within {broadcast.poll_seconds:.0f} s and build in the background")
        deadline = time.monotonic() + args.wait
        while args.wait:
            reports = broadcast.reports(published.reload_id)
            states = sorted(f"{worker} {report['state']}" + (f": {report['error']}" if report.get("error") else "")
                            for worker, report in reports.items())
            if reports and all(r["state"] != "building" for r in reports.values()) or time.monotonic() > deadline:
                print("\n".join(states) or "no worker reported")
                return 1 if not reports or any(r["state"] != "done" for r in reports.values()) else 0
            time.sleep(0.5)
    except Exception as exc:  # noqa: BLE001  (a driver's error: one clear line, not a traceback)
        raise HelpbotError(f"could not publish the reload via {broadcast.name}: {exc}") from None
    finally:
        broadcast.close()
    return 0
