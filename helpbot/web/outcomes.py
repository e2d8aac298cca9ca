"""How each day's messages ended (answer, clarify, fallback, hand-off, tool, smalltalk), for the
report's per-day chart. Counted in memory per app (so per worker) and written to the store at
most every :data:`FLUSH_SECONDS` (one small transaction), so the hot path costs a dict update,
not a write; a worker killed loses at most that many seconds of counts (a chart, not a ledger)."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from datetime import datetime, timezone

from flask import current_app

from helpbot.web.services import services

log = logging.getLogger(__name__)

FLUSH_SECONDS = 5.0


class OutcomeCounter:
    def __init__(self, flush_seconds: float = FLUSH_SECONDS) -> None:
        self.flush_seconds = flush_seconds
        self._lock = threading.Lock()
        self._pending: Counter = Counter()
        self._last_flush = time.monotonic()

    def count(self, kind: str) -> None:
        """Count one message that ended as ``kind``; write the counts out when they are due."""
        day = datetime.now(timezone.utc).date().isoformat()
        with self._lock:
            self._pending[(day, kind)] += 1
            if time.monotonic() - self._last_flush < self.flush_seconds:
                return
        self.flush()

    def flush(self) -> None:
        """Write what is pending to the store; counts that fail to write are dropped (logged)."""
        with self._lock:
            batch = dict(self._pending)
            self._pending.clear()
            self._last_flush = time.monotonic()
        if not batch:
            return
        try:
            services().store.record_outcomes(batch)
        except Exception as exc:
            log.warning("could not write the per-day outcome counts (%d kinds): %s", len(batch), exc)


def counter() -> OutcomeCounter:
    """This app's counter (``OUTCOME_FLUSH_SECONDS`` in the config: how often it writes; 0 in tests)."""
    found = current_app.extensions.get("helpbot.outcomes")
    if found is None:
        found = current_app.extensions.setdefault(
            "helpbot.outcomes", OutcomeCounter(current_app.config.get("OUTCOME_FLUSH_SECONDS", FLUSH_SECONDS)))
    return found
