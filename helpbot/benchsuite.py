"""``helpbot bench``: the performance suite behind docs/PERFORMANCE.md.

Every figure is measured beside its reference in the same run (rank-bm25 for retrieval,
``/healthz`` for HTTP), as medians and p99; absolute times drift on shared machines, ratios hold.
Nothing here asserts a time: the CI smoke test only checks that each part runs.

1. in-process ``Bot.ask`` over the eval questions, with a per-stage breakdown;
2. HTTP: gunicorn on loopback under wrk, ``POST /api/ask`` against ``GET /healthz``;
3. scale: synthetic knowledge bases of 300 to 300,000 entries against rank-bm25;
4. cold start: ``helpbot ask`` in a new process, and a gunicorn worker's boot to first answer.
"""

from __future__ import annotations

import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from helpbot.errors import HelpbotError

from helpbot.benchhttp import bench_cold_start, bench_http
from helpbot.timing import percentiles, timed


def machine() -> dict[str, Any]:
    return {"python": platform.python_version(), "cpus": os.cpu_count(), "machine": platform.machine(),
            "system": platform.platform(terse=True)}


# -- 1. in-process ---------------------------------------------------------------------------


def eval_questions(root: Path) -> list[str]:
    questions = []
    for path in sorted((root / "eval" / "cases").glob("*.jsonl")):
        questions += [json.loads(line)["q"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return questions


def bench_in_process(bot, questions: list[str], *, repeat: int = 3) -> dict[str, Any]:
    """p50/p99 of Bot.ask, and the same questions timed stage by stage."""
    for q in questions:  # warm: lazily built arrays, branch predictors
        bot.ask(q)

    def uncached(q: str) -> None:
        bot.clear_rank_cache()  # the true cost of a question never seen before
        bot.ask(q)

    totals = [timed(lambda q=q: uncached(q)) for _ in range(repeat) for q in questions]
    retriever, fusion, analyzer = bot.retriever, bot.fusion, bot.analyzer
    names = ("normalise", "bm25", "tfidf", "classifier", "encode", "embedding cosines", "candidates", "fusion")
    stages: dict[str, list[float]] = {k: [] for k in names}
    encoded = 0
    for q in questions:
        started = time.perf_counter()
        normalised = analyzer.normalise(q)
        terms = analyzer.terms_of_normalised(normalised)
        t1 = time.perf_counter()
        retriever.bm25_question_.scores(terms)
        retriever.bm25_all_.scores(terms)
        t2 = time.perf_counter()
        if retriever.char_ is not None:
            retriever.char_.similarities(normalised)
        t3 = time.perf_counter()
        if retriever.classifier_ is not None:
            retriever.classifier_.scores(normalised)
        t4 = time.perf_counter()
        vector = None
        if retriever.semantic_ is not None:
            vector, ran = retriever.query_vector(q, normalised)
            encoded += ran
        t5 = time.perf_counter()
        if vector is not None:
            retriever.semantic_.scores(vector)
        t6 = time.perf_counter()
        candidates = retriever.candidates(q, vector)  # everything above again, plus fuzzy and features
        t7 = time.perf_counter()
        fusion.confidence(fusion.scores(candidates.features), candidates.features)
        t8 = time.perf_counter()
        for name, value in zip(stages, (t1 - started, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5, t7 - t6, t8 - t7)):
            stages[name].append(value * 1000)
    for q in questions:  # fill the rank cache, then time the hits
        bot.ask(q)
    cached = [timed(lambda q=q: bot.ask(q)) for q in questions]
    return {"ask": percentiles(totals), "ask_repeated_question": percentiles(cached),
            "stages": {k: percentiles(v) for k, v in stages.items()},
            "embeddings": retriever.semantic_ is not None,
            "encoder_skipped_share": 1 - encoded / len(questions) if retriever.semantic_ is not None else None,
            "note": "candidates re-runs the lexical stages with the vector given and adds fuzzy matching and "
                    "features; Bot.ask overlaps the encoder with the lexical stages on a second thread"}


# -- 3. scale ----------------------------------------------------------------------------------


def synthetic_entries(n: int, vocabulary_source: list, *, questions_per_entry: int = 3, seed: int = 7):
    """n entries whose words are drawn from the real entries' questions and answers."""
    from helpbot.models import Entry

    rng = random.Random(seed)
    question_words = [w for e in vocabulary_source for q in e.questions for w in re.findall(r"[a-z0-9']+", q.lower())]
    answer_words = [w for e in vocabulary_source for w in re.findall(r"[a-z0-9']+", e.answer.lower())]
    # Salt with synthetic rare words so that the vocabulary grows with the base, as in a real one.
    rare = [f"item{i}" for i in range(max(1000, n // 3))]

    def sentence(words: list[str], low: int, high: int) -> str:
        chosen = rng.choices(words, k=rng.randint(low, high))
        chosen[rng.randrange(len(chosen))] = rng.choice(rare)
        return " ".join(chosen)

    return [
        Entry(id=f"synthetic-{i}", title=sentence(question_words, 4, 9), category="synthetic", audience="both",
              questions=tuple(sentence(question_words, 3, 10) for _ in range(questions_per_entry)),
              answer=sentence(answer_words, 15, 40), source_lines=((1, 1),))
        for i in range(n)
    ]


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bench_scale_one(n: int, *, queries: int = 200, reference: bool = True, embeddings: bool = True) -> dict[str, Any]:
    """One size, in this process (run it in a fresh process so memory is its own)."""
    from helpbot.bm25 import BM25
    from helpbot.bot import Bot
    from helpbot.intents import IntentSet
    from helpbot.knowledge import load_knowledge
    from helpbot.paths import data_dir
    from helpbot.text import EMPTY_SYNONYMS

    real = load_knowledge(data_dir("knowledge"))
    entries = synthetic_entries(n, real)
    rng = random.Random(11)
    asked = [rng.choice(rng.choice(entries).questions) for _ in range(queries)]
    before = _rss_mb()
    started = time.perf_counter()
    bot = Bot(entries, IntentSet((), (), EMPTY_SYNONYMS), embeddings=embeddings)
    build_s = time.perf_counter() - started
    rss = _rss_mb()
    for q in asked[:20]:
        bot.ask(q)
    ask = percentiles([timed(lambda q=q: (bot.clear_rank_cache(), bot.ask(q))) for q in asked])
    # Exactness: an entry's own stored question, asked word for word, must answer with that entry.
    owners = [rng.choice(entries) for _ in range(queries)]
    own = [(e.id, rng.choice((e.title, *e.questions))) for e in owners]
    exact = sum(reply.kind == "answer" and reply.entry_id == entry_id
                for entry_id, q in own for reply in [bot.ask(q)]) / len(own)
    result: dict[str, Any] = {"entries": n, "build_s": round(build_s, 2), "rss_mb": round(rss, 1),
                              "rss_index_mb": round(rss - before, 1), "ask": ask,
                              "embeddings": bot.index.embeddings, "own_question_answered_share": exact}
    if reference:
        try:
            from rank_bm25 import BM25Okapi
        except ImportError:
            raise HelpbotError("helpbot bench compares against rank-bm25: pip install 'helpbot[bench]'") from None

        corpus = [bot.analyzer.terms(" ".join((e.title, *e.questions))) for e in entries]
        reference_index = BM25Okapi(corpus)
        ours = BM25(idf="okapi").fit(corpus)
        query_terms = [bot.analyzer.terms(q) for q in asked[:50]]
        reference_ms = [timed(lambda t=t: reference_index.get_scores(t)) for t in query_terms[:20]]
        ours_ms = [timed(lambda t=t: ours.scores(t)) for t in query_terms]
        difference = max(float(np.max(np.abs(ours.scores(t) - reference_index.get_scores(t)))) for t in query_terms[:20])
        result["reference"] = {
            "rank_bm25_get_scores": percentiles(reference_ms),
            "our_bm25_scores": percentiles(ours_ms),
            "max_abs_score_difference": difference,
            "ratio_reference_to_our_ask_p50": round(statistics.median(reference_ms) / ask["p50_ms"], 1),
        }
    return result


def bench_scale(sizes: list[int], *, queries: int = 200) -> list[dict[str, Any]]:
    rows = []
    for n in sizes:
        output = subprocess.run(
            [sys.executable, "-m", "helpbot.benchsuite", "scale-one", str(n), str(queries)],
            check=True, capture_output=True, text=True,
        ).stdout
        rows.append(json.loads(output.strip().splitlines()[-1]))
    return rows


# -- 2. HTTP and 4. cold start -----------------------------------------------------------------


def run_suite(*, quick: bool, root: Path, progress: Any = None) -> dict[str, Any]:
    """Every benchmark; ``progress(stage, done, total)`` is told as each of the five parts starts
    and ends (a full run takes minutes)."""
    from helpbot.bot import Bot

    def step(done: int, name: str) -> None:
        if progress:
            progress(f"benchmarks ({name})", done, 5)

    questions = eval_questions(root)
    step(0, "loading the bot")
    bot = Bot.load(progress=progress)
    result: dict[str, Any] = {"machine": machine(), "quick": quick}
    step(0, "answering in process")
    result["in_process"] = bench_in_process(bot, questions[:60] if quick else questions, repeat=1 if quick else 3)
    step(1, "scale")
    result["scale"] = bench_scale([300] if quick else [300, 3000, 30000, 300000], queries=30 if quick else 200)
    step(2, "cold start")
    result["cold_start"] = bench_cold_start(runs=1 if quick else 5)
    step(3, "install size")
    result["stage_size_mb"] = stage_size_mb()
    step(4, "HTTP")
    result["http"] = bench_http(questions, seconds=2 if quick else 15, connections=8 if quick else 32)
    step(5, "done")
    return result


def stage_size_mb() -> dict[str, float]:
    """Installed size the embedding stage adds: onnxruntime, tokenizers and the shipped model."""
    from importlib import metadata

    from helpbot.embeddings import MODEL_DIR

    sizes = {}
    for name in ("onnxruntime", "tokenizers"):
        try:
            files = metadata.distribution(name).files or []
            sizes[name] = sum(f.locate().stat().st_size for f in files if f.locate().is_file()) / 1e6
        except metadata.PackageNotFoundError:
            sizes[name] = 0.0
    sizes["model"] = sum(p.stat().st_size for p in MODEL_DIR.iterdir() if p.is_file()) / 1e6
    sizes["total"] = sum(sizes.values())
    return {k: round(v, 1) for k, v in sizes.items()}


if __name__ == "__main__" and len(sys.argv) >= 3 and sys.argv[1] == "scale-one":
    print(json.dumps(bench_scale_one(int(sys.argv[2]), queries=int(sys.argv[3]) if len(sys.argv) > 3 else 200)))
