"""Timing helpers of the benchmarks: wall time of a call, and percentiles of many."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    pick = lambda p: ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]  # noqa: E731
    return {"p50_ms": round(pick(50), 4), "p99_ms": round(pick(99), 4), "n": len(ordered)}


def timed(function: Callable[[], Any]) -> float:
    started = time.perf_counter()
    function()
    return (time.perf_counter() - started) * 1000
