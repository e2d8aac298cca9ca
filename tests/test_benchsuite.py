"""The performance suite runs end to end in its short form (a smoke test: no timing asserts)."""

from __future__ import annotations

import shutil

import pytest

from helpbot.benchreport import render_markdown
from helpbot.benchsuite import bench_in_process, bench_scale_one, synthetic_entries
from helpbot.knowledge import load_knowledge


def test_in_process_bench_reports_every_stage(small_bot):
    result = bench_in_process(small_bot, ["tt zip code", "swift code", "refund time"], repeat=1)
    assert result["ask"]["n"] == 3
    assert set(result["stages"]) == {"normalise", "bm25", "tfidf", "classifier", "encode", "embedding cosines",
                                     "candidates", "fusion"}
    assert result["embeddings"] is True and 0.0 <= result["encoder_skipped_share"] <= 1.0


def test_an_exact_stored_question_skips_the_encoder_in_the_bench(small_bot):
    entry = next(iter(small_bot.entries.values()))
    result = bench_in_process(small_bot, [entry.title, entry.questions[0]], repeat=1)
    assert result["encoder_skipped_share"] == 1.0


def test_synthetic_entries_are_valid_and_deterministic(fixture_kb):
    real = load_knowledge(fixture_kb)
    first, second = synthetic_entries(50, real), synthetic_entries(50, real)
    assert first == second and len({e.id for e in first}) == 50
    assert all(len(e.questions) == 3 and e.answer for e in first)


def test_scale_bench_matches_the_reference_scores():
    row = bench_scale_one(300, queries=10)
    assert row["entries"] == 300
    assert row["reference"]["max_abs_score_difference"] <= 1e-9
    assert row["embeddings"] is True and row["own_question_answered_share"] >= 0.99


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk (Debian package) is not installed")
def test_quick_suite_renders_every_section(tmp_path, monkeypatch):
    from helpbot.benchsuite import run_suite
    from helpbot.paths import REPO_ROOT

    result = run_suite(quick=True, root=REPO_ROOT)
    markdown = render_markdown(result)
    for heading in ("## 1. In-process", "## 2. HTTP", "## 3. Scale", "## 4. Cold start", "## 5. What the embedding"):
        assert heading in markdown
    assert result["http"]["ask"]["non_2xx"] == 0
