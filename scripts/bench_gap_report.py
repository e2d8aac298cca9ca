"""Measure the report's grouping of the content-gap log at 10,000 and 100,000 logged questions.

    PYTHONPATH=. python3 scripts/bench_gap_report.py [--sizes 10000 100000] [--reference 1000 3000]
                                                    [--database-url postgresql://postgres@127.0.0.1:5432/test]

Two synthetic logs per size (seeded, so runs compare):
- "realistic": questions of 3-40 words (Zipf-distributed vocabulary of 5,000 words) asked again
  with typos, other case and punctuation, a word added or dropped; about a third of the rows
  repeat a question exactly, as visitors do;
- "worst": every row a distinct question of about 480 characters (the issue's attack: the most
  work per row, nothing to share).

For each it prints the grouping's CPU seconds (process time: what a loaded machine does not
inflate) with the report's time budget (which counts wall-clock seconds), without it (the raw
linear cost), and the number of groups; for the --reference sizes, the quadratic reference too, and
how often both put a question in the same group as its most frequent neighbour. With
--database-url (and always for SQLite) it also times a whole ``report()`` over the same rows
stored in the database (the SQL GROUP BY included; wall-clock seconds), in a throw-away schema /
file.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import string
import tempfile
import time
import uuid
from collections import Counter
from contextlib import closing
from pathlib import Path

from helpbot.store import open_store
from helpbot.store.grouping import TIME_BUDGET, group_questions, group_questions_exhaustively
from helpbot.store.report import MAX_GROUPED_QUESTIONS

STAMP = "2026-12-01T10:00:00+00:00"


def vocabulary(rng: random.Random, size: int = 5000) -> list[str]:
    return ["".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(2, 10))) for _ in range(size)]


def variant(rng: random.Random, question: str, words: list[str]) -> str:
    tokens = question.split()
    change = rng.random()
    if change < 0.25 and len(tokens) > 3:
        tokens.pop(rng.randrange(len(tokens)))
    elif change < 0.5:
        tokens.insert(rng.randrange(len(tokens) + 1), rng.choice(words[:200]))
    elif change < 0.75:
        n = rng.randrange(len(tokens))
        word = tokens[n]
        if len(word) > 3:
            i = rng.randrange(len(word) - 1)
            tokens[n] = word[:i] + word[i + 1] + word[i] + word[i + 2:]  # swapped letters
    text = " ".join(tokens)
    return (text.capitalize() + rng.choice(["?", "", "!", " ?"])) if rng.random() < 0.5 else text


def realistic_log(rng: random.Random, rows: int) -> list[str]:
    words = vocabulary(rng)
    weights = [1 / (n + 1) for n in range(len(words))]
    bases = [" ".join(rng.choices(words, weights, k=rng.randint(3, 40)))[:480] for _ in range(max(1, rows // 6))]
    log = []
    for _ in range(rows):
        base = rng.choice(bases)
        log.append(base if rng.random() < 0.35 else variant(rng, base, words))
    return log


def worst_log(rng: random.Random, rows: int) -> list[str]:
    words = vocabulary(rng, 20000)
    return [" ".join(rng.choices(words, k=90))[:480] for _ in range(rows)]


def as_rows(log: list[str]) -> list[tuple[str, int, str]]:
    """What the store's SQL reads: distinct questions, most frequent first, capped."""
    return [(q, c, STAMP) for q, c in Counter(log).most_common(MAX_GROUPED_QUESTIONS)]


def timed(function, *args, **kwargs):
    """The result and the CPU seconds it took (this process; the database server's are not in it)."""
    start = time.process_time()
    result = function(*args, **kwargs)
    return result, time.process_time() - start


def wall(function, *args, **kwargs) -> float:
    start = time.perf_counter()
    function(*args, **kwargs)
    return time.perf_counter() - start


def agreement(rows, fast, slow) -> float:
    """Share of questions both groupings file under the same representative."""
    def owner(groups):
        return {q: g["question"] for g in groups for q in [g["question"], *g["examples"]]}

    a, b = owner(fast), owner(slow)
    shared = [q for q, _, _ in rows if q in a and q in b]  # examples are capped at 5 per group
    return sum(a[q] == b[q] for q in shared) / max(1, len(shared))


def report_time(url: str | None, log: list[str]) -> float:
    with tempfile.TemporaryDirectory() as folder:
        if url is None:
            path = Path(folder) / "bench.sqlite3"
            store = open_store(None, path)
            store.migrate()
            with closing(sqlite3.connect(path)) as conn, conn:
                conn.executemany("INSERT INTO gaps (created_at, question, kind, confidence) "
                                 "VALUES (?, ?, 'fallback', 0.1)", [(STAMP, q) for q in log])
            return wall(store.report)
        import psycopg

        schema = f"helpbot_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        try:
            store = open_store(f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}", None)
            store.migrate()
            with psycopg.connect(url) as conn:
                conn.execute(f"SET search_path = {schema}")
                with conn.cursor() as cursor:
                    cursor.executemany("INSERT INTO gaps (created_at, question, kind, confidence) "
                                       "VALUES (%s, %s, 'fallback', 0.1)", [(STAMP, q) for q in log])
            seconds = wall(store.report)
            store.close()
            return seconds
        finally:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA {schema} CASCADE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--reference", type=int, nargs="*", default=[1000, 3000],
                        help="log sizes at which to run the quadratic reference too")
    parser.add_argument("--database-url", help="also time report() on this PostgreSQL database")
    args = parser.parse_args()
    print(f"time budget {TIME_BUDGET:.1f} s; at most {MAX_GROUPED_QUESTIONS:,} distinct questions read")
    print("grouping: CPU seconds; report: wall-clock seconds of a whole report() on that backend")
    print(f"{'log':<10} {'rows':>8} {'distinct':>8} {'grouped s':>9} {'no budget s':>11} {'groups':>7}"
          f" {'reference s':>11} {'agree':>6} {'sqlite report s':>15} {'pg report s':>11}")
    for size in sorted(set(args.sizes) | set(args.reference)):
        for name, make in (("realistic", realistic_log), ("worst", worst_log)):
            log = make(random.Random(size), size)
            rows = as_rows(log)
            groups, seconds = timed(group_questions, rows)
            unbounded, raw = timed(group_questions, rows, budget=float("inf"))
            reference = agree = ""
            if size in args.reference:
                slow, slow_seconds = timed(group_questions_exhaustively, rows)
                reference, agree = f"{slow_seconds:.2f}", f"{agreement(rows, unbounded, slow):.1%}"
            sqlite_s = pg_s = ""
            if size in args.sizes:
                sqlite_s = f"{report_time(None, log):.2f}"
                if args.database_url:
                    pg_s = f"{report_time(args.database_url, log):.2f}"
            print(f"{name:<10} {size:>8,} {len(rows):>8,} {seconds:>9.2f} {raw:>11.2f} {len(groups):>7,}"
                  f" {reference:>11} {agree:>6} {sqlite_s:>15} {pg_s:>11}", flush=True)


if __name__ == "__main__":
    main()
