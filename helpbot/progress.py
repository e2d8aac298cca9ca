"""A progress line on a terminal for the steps that take seconds (building an index, an eval
run); silent when the output is not a terminal, so logs and pipes stay clean."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Call ``progress(stage, done, total)``; one line per stage, redrawn in place."""

    def __init__(self, stream: TextIO | None = None, *, enabled: bool | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self._stage: str | None = None
        self._started = 0.0
        self._finished = True

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        if stage != self._stage:
            if self._stage is not None and not self._finished:
                self.stream.write("\n")  # keep the previous stage's last state on its own line
            self._stage, self._started = stage, time.perf_counter()
        self._finished = done >= total
        width = 30
        filled = width * done // total if total else width
        elapsed = time.perf_counter() - self._started
        self.stream.write(f"\r\x1b[K{stage}: [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {elapsed:.0f} s")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()
