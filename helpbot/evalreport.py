"""The eval harness's reports: text for the terminal, JSON for tools, HTML for people."""

from __future__ import annotations

import html
from typing import Any

from helpbot.evaluation import Results


def _mrr(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def format_text(results: Results, *, max_failures: int = 200) -> str:
    m = results.metrics()
    lines = [
        f"cases: {m['cases']} (faq {m['faq']}, oos {m['oos']}, smalltalk {m['smalltalk']}, "
        f"handoff {m['handoff']}, tool {m['tool']})",
        f"top-1 accuracy:        {_pct(m['top1'])}",
        f"recall@3 (search):     {_pct(m['recall_at_3'])}",
        f"MRR (search, @10):     {_mrr(m['mrr'])}",
        f"out-of-scope recall:   {_pct(m['oos_recall'])}",
        f"out-of-scope precision:{_pct(m['oos_precision']):>7}",
        f"smalltalk routing:     {_pct(m['smalltalk_accuracy'])}",
        f"handoff routing:       {_pct(m['handoff_accuracy'])}",
        f"tool routing+result:   {_pct(m['tool_accuracy'])}",
        f"latency p50 / p99:     {m['latency_p50_ms'] or 0:.2f} ms / {m['latency_p99_ms'] or 0:.2f} ms",
        "",
        "calibration (answered faq+oos replies):",
    ]
    lines += [f"  confidence {r['band']}: {r['replies']:4d} replies, {_pct(r['right'])} right" for r in m["calibration"]]
    lines += ["", "per category (faq top-1):"]
    lines += [f"  {c:24s} {v['cases']:4d}  {_pct(v['top1'])}" for c, v in m["categories"].items()]
    if results.ablation:
        lines += ["", "ablation (faq top-1 of the ranking alone, then each engine as users see it):"]
        lines += [f"  {name:36s} {_pct(value)}" for name, value in results.ablation.items()]
    failures = results.failures()
    lines += ["", f"failures: {len(failures)}"]
    for o in failures[:max_failures]:
        expected = o.case.get("entry") or o.case.get("contains_any") or o.case.get("tool") or o.case["kind"]
        got = o.reply["entry_id"] or o.reply.get("tool") or o.reply.get("intent") or ""
        lines.append(
            f"  [{o.case['id']}] {o.case['kind']}: {o.case['q']!r}\n"
            f"      expected {expected}; got {o.reply['kind']} {got} (confidence {o.reply['confidence']:.2f})"
        )
    return "\n".join(lines)


def to_json(results: Results) -> dict[str, Any]:
    return {
        "metrics": results.metrics(),
        "failures": [
            {"id": o.case["id"], "q": o.case["q"], "kind": o.case["kind"], "reply": o.reply}
            for o in results.failures()
        ],
    }


def to_html(results: Results) -> str:
    m = results.metrics()
    bars = "".join(
        f"<tr><td>{html.escape(c)}</td><td>{v['cases']}</td><td><div class='bar' style='width:{(v['top1'] or 0) * 300:.0f}px'>"
        f"</div> {_pct(v['top1'])}</td></tr>"
        for c, v in m["categories"].items()
    )
    summary = "".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(_pct(m[k]) if isinstance(m[k], float) else str(m[k]))}</td></tr>"
        for k in ("cases", "top1", "recall_at_3", "oos_recall", "oos_precision", "smalltalk_accuracy",
                  "handoff_accuracy", "tool_accuracy")
    )
    failures = "".join(
        f"<li><code>{html.escape(o.case['id'])}</code> {html.escape(o.case['q'])} &rarr; "
        f"{html.escape(o.reply['kind'])} {html.escape(str(o.reply['entry_id'] or ''))}</li>"
        for o in results.failures()
    )
    return (
        "<!doctype html><meta charset='utf-8'><title>helpbot eval</title>"
        "<style>body{font-family:sans-serif;margin:2em}.bar{display:inline-block;height:12px;background:#2a7}"
        "td,th{padding:2px 8px;text-align:left}</style>"
        f"<h1>helpbot eval</h1><table>{summary}</table><h2>Per category</h2>"
        f"<table><tr><th>category</th><th>cases</th><th>top-1</th></tr>{bars}</table>"
        f"<h2>Failures</h2><ul>{failures}</ul>"
    )
