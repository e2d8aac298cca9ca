"""Every CLI command, run the way a user runs it (helpbot.cli.main with argv)."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from helpbot.cli import main

DATA = Path(__file__).parent / "data"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_kb_lint_passes_on_the_fixture_base(capsys, fixture_kb):
    code, out, _ = run(capsys, "kb", "lint", "--knowledge", str(fixture_kb), "--min-questions", "4")
    assert code == 0
    assert "coverage: 100.0%" in out and out.strip().endswith("ok")


def test_kb_lint_fails_with_file_and_line(capsys, kb_copy):
    path = kb_copy / "payments.yaml"
    path.write_text(path.read_text().replace("The zip code is 999077.", "Alibaba.com zip code is 999077."))
    code, out, _ = run(capsys, "kb", "lint", "--knowledge", str(kb_copy), "--min-questions", "4")
    assert code == 1
    assert f"{path}:" in out and "brand leak" in out


def test_kb_lint_on_malformed_yaml_is_one_clear_line(capsys, kb_copy):
    (kb_copy / "account.yaml").write_text("entries:\n  - id: [oops\n")
    code, out, _ = run(capsys, "kb", "lint", "--knowledge", str(kb_copy), "--min-questions", "4")
    assert code == 1
    assert "account.yaml:3: malformed YAML" in out
    assert "Traceback" not in out


def test_kb_stats(capsys, fixture_kb):
    code, out, _ = run(capsys, "kb", "stats", "--knowledge", str(fixture_kb))
    assert code == 0
    assert "entries: 6 in 2 categories" in out
    assert "payments" in out and "questions per entry" in out


def test_ask_json(capsys, fixture_kb, fixture_intents):
    code, out, _ = run(capsys, "ask", "tt zip code", "--json", "--knowledge", str(fixture_kb),
                       "--intents", str(fixture_intents))
    assert code == 0
    reply = json.loads(out)
    assert reply["kind"] == "answer" and reply["entry_id"] == "tt-zip-code"


def test_search(capsys, fixture_kb):
    code, out, _ = run(capsys, "search", "swift code", "-k", "2", "--knowledge", str(fixture_kb))
    assert code == 0
    assert out.splitlines()[0].endswith("tt-swift-code: Which SWIFT code do I use for a T/T payment?")
    assert len(out.splitlines()) == 2


def test_chat_keeps_a_session(capsys, monkeypatch, fixture_kb, fixture_intents):
    lines = iter(["hello", "tt zip code", "quit"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(lines))
    code, out, _ = run(capsys, "chat", "--knowledge", str(fixture_kb), "--intents", str(fixture_intents))
    assert code == 0
    assert "Hello!" in out and "999077" in out


def test_eval_reports_and_gates(capsys, tmp_path, fixture_kb, fixture_intents):
    cases = tmp_path / "cases.jsonl"
    cases.write_text("\n".join(json.dumps(c) for c in [
        {"q": "which zip code for a wire", "kind": "faq", "entry": "tt-zip-code"},
        {"q": "swift code", "kind": "faq", "contains_any": ["CITIHKHX"]},
        {"q": "what is the capital of peru", "kind": "oos"},
        {"q": "hello there", "kind": "smalltalk", "intent": "greet"},
    ]))
    report = tmp_path / "report.json"
    html = tmp_path / "report.html"
    code, out, _ = run(capsys, "eval", str(cases), "--knowledge", str(fixture_kb), "--intents",
                       str(fixture_intents), "--json", str(report), "--html", str(html), "--ablate")
    assert code == 0
    assert "top-1 accuracy:        100.0%" in out
    assert "ablation" in out
    assert json.loads(report.read_text())["metrics"]["faq"] == 2
    assert "<table>" in html.read_text()
    code, out, _ = run(capsys, "eval", str(cases), "--knowledge", str(fixture_kb), "--intents",
                       str(fixture_intents), "--min-top1", "1.01")
    assert code == 1 and "FAIL: top-1" in out


def test_bench_import_and_run_on_a_slice(capsys, tmp_path):
    out_dir = tmp_path / "b77"
    code, out, _ = run(capsys, "bench-import", "banking77", str(out_dir), "--data", str(DATA / "benchmarks/banking77"))
    assert code == 0 and "5 entries, 75 questions" in out
    code, out, _ = run(capsys, "bench-run", "banking77", str(out_dir), "--data", str(DATA / "benchmarks/banking77"),
                       "--baseline")
    result = json.loads(out)
    assert code == 0 and result["test_queries"] == 20
    assert 0.5 <= result["accuracy"] <= 1.0
    assert "accuracy" in result["baseline_tfidf_linearsvc"]


def test_bench_clinc150_slice_reports_every_setting(capsys, tmp_path):
    out_dir = tmp_path / "clinc"
    data = str(DATA / "benchmarks/clinc150")
    assert run(capsys, "bench-import", "clinc150", str(out_dir), "--data", data)[0] == 0
    code, out, _ = run(capsys, "bench-run", "clinc150", str(out_dir), "--data", data)
    result = json.loads(out)
    assert code == 0
    assert result["test_queries"] == 20 and result["oos_test_queries"] == 6
    assert sum(row["chosen_on_val"] for row in result["settings"]) == 1
    for row in result["settings"]:
        assert 0.0 <= row["in_scope_accuracy"] <= 1.0 and 0.0 <= row["oos_recall"] <= 1.0


@pytest.mark.parametrize(
    "argv",
    [
        ["eval", "/nonexistent/cases.jsonl"],
        ["kb", "stats", "--knowledge", "/nonexistent"],
        ["ask", "hi", "--knowledge", "/nonexistent"],
    ],
)
def test_errors_are_one_line_and_exit_2(capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert err.startswith("helpbot: ") and "Traceback" not in err


def test_readme_quick_start_shows_real_output(capsys):
    """The console session in the README is what the commands print."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    session = readme.split("```console\n", 1)[1].split("```", 1)[0]
    for block in session.split("$ helpbot ")[1:]:
        command, *expected = block.strip("\n").split("\n")
        if not expected:  # "helpbot chat": interactive, shown for reference only
            continue
        argv = shlex.split(command.split("#")[0])
        code, out, _ = run(capsys, *argv)
        assert code == 0
        assert out.strip() == "\n".join(expected).strip()
