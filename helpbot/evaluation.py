"""The eval harness: run cases through the bot and measure what a user would see.

Cases are JSON Lines or YAML (a list, or ``cases:``). Fields: ``q``; ``kind`` (faq | oos |
smalltalk | handoff | tool); for faq ``entry`` (expected id) or ``contains_any`` (phrases, any of
which the answer must contain); for tool cases ``tool`` and ``expect`` (a subset of the result).
A faq case is right at top-1 only when the reply is an answer and the answer matches.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from helpbot.yamlio import SAFE_LOADER
from helpbot.errors import HelpbotError

KINDS = ("faq", "oos", "smalltalk", "handoff", "tool")
_THOUSANDS = re.compile(r"(?<=\d)[,\u202f\u00a0'](?=\d{3}\b)")


def normalise_for_match(text: str) -> str:
    """Case, curly quotes, dashes, whitespace and thousands separators folded."""
    text = text.replace("\u2018", "'").replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)
    text = _THOUSANDS.sub("", text)
    text = re.sub(r"\s*-\s*", "-", text)
    return " ".join(text.casefold().split())


def contains_any(text: str, phrases: list[str]) -> bool:
    haystack = normalise_for_match(text)
    return any(normalise_for_match(p) in haystack for p in phrases)


def load_cases(path: Path) -> list[dict[str, Any]]:
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise HelpbotError(f"{path}: cannot read cases: {exc}") from None
    cases: list[Any]
    if path.suffix == ".jsonl":
        cases = []
        for number, line in enumerate(raw.splitlines(), 1):
            if line.strip():
                try:
                    cases.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise HelpbotError(f"{path}:{number}: invalid JSON: {exc.msg}") from None
    else:
        try:
            data = yaml.load(raw, Loader=SAFE_LOADER)
        except yaml.YAMLError as exc:
            raise HelpbotError(f"{path}: malformed YAML: {exc}") from None
        cases = data.get("cases", []) if isinstance(data, dict) else data or []
    for number, case in enumerate(cases, 1):
        if not isinstance(case, dict) or not isinstance(case.get("q"), str) or case.get("kind") not in KINDS:
            raise HelpbotError(f"{path}: case {number} needs 'q' and a 'kind' from {', '.join(KINDS)}")
        case.setdefault("id", f"{path.stem}-{number}")
        case["_file"] = path.name
    return cases


@dataclass
class Outcome:
    case: dict[str, Any]
    reply: dict[str, Any]
    right: bool
    latency_ms: float
    rank: int | None = None  # 1-based rank of the first matching search hit (faq only)


@dataclass
class Results:
    outcomes: list[Outcome] = field(default_factory=list)
    ablation: dict[str, float] = field(default_factory=dict)

    def of(self, kind: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.case["kind"] == kind]

    def metrics(self) -> dict[str, Any]:
        faq = self.of("faq")
        oos = self.of("oos")
        said_unknown = [o for o in self.outcomes if o.reply["kind"] in ("fallback", "handoff")]
        latencies = sorted(o.latency_ms for o in self.outcomes)
        metrics: dict[str, Any] = {
            "cases": len(self.outcomes),
            "faq": len(faq),
            "top1": _share(o.right for o in faq),
            "recall_at_3": _share(o.rank is not None and o.rank <= 3 for o in faq),
            "mrr": sum(1.0 / o.rank for o in faq if o.rank) / len(faq) if faq else None,
            "oos": len(oos),
            "oos_recall": _share(o.right for o in oos),
            "oos_precision": (
                sum(o.case["kind"] == "oos" for o in said_unknown) / len(said_unknown) if said_unknown else None
            ),
            "latency_p50_ms": _percentile(latencies, 50),
            "latency_p99_ms": _percentile(latencies, 99),
        }
        for kind in ("smalltalk", "handoff", "tool"):
            metrics[f"{kind}_accuracy"] = _share(o.right for o in self.of(kind))
            metrics[kind] = len(self.of(kind))
        metrics["calibration"] = self.calibration()
        metrics["categories"] = self.categories()
        if self.ablation:
            metrics["ablation"] = self.ablation
        return metrics

    def calibration(self) -> list[dict[str, Any]]:
        """Among answered faq/oos replies, how often right per confidence band."""
        bands = [(0.0, 0.2), (0.2, 0.4), (0.4, 0.6), (0.6, 0.8), (0.8, 1.01)]
        rows = []
        judged = [o for o in self.outcomes if o.case["kind"] in ("faq", "oos") and o.reply["kind"] == "answer"]
        for low, high in bands:
            inside = [o for o in judged if low <= o.reply["confidence"] < high]
            rows.append({"band": f"{low:.1f}-{min(high, 1.0):.1f}", "replies": len(inside),
                         "right": _share(o.right for o in inside)})
        return rows

    def categories(self) -> dict[str, dict[str, Any]]:
        grouped: dict[str, list[Outcome]] = defaultdict(list)
        for o in self.of("faq"):
            grouped[o.case.get("category", "(none)")].append(o)
        return {c: {"cases": len(v), "top1": _share(o.right for o in v)} for c, v in sorted(grouped.items())}

    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.right]


def _share(values) -> float | None:
    values = list(values)
    return sum(bool(v) for v in values) / len(values) if values else None


def _percentile(sorted_values: list[float], p: float) -> float | None:
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, round(p / 100 * (len(sorted_values) - 1))))
    return sorted_values[index]


def _faq_match(case: dict[str, Any], entry_id: str | None, text: str) -> bool:
    if "entry" in case:
        return entry_id == case["entry"]
    return contains_any(text, case.get("contains_any", []))


def judge(case: dict[str, Any], reply: dict[str, Any]) -> bool:
    kind = case["kind"]
    if kind == "faq":
        return reply["kind"] == "answer" and _faq_match(case, reply["entry_id"], reply["text"])
    if kind == "oos":
        return reply["kind"] in ("fallback", "handoff")
    if kind == "smalltalk":
        return reply["kind"] == "smalltalk" and ("intent" not in case or reply.get("intent") == case["intent"])
    if kind == "handoff":
        return reply["kind"] == "handoff"
    result = reply.get("result") or {}
    return (
        reply["kind"] == "tool"
        and reply["tool"] == case.get("tool")
        and all(result.get(k) == v for k, v in (case.get("expect") or {}).items())
    )


def evaluate(bot, cases: list[dict[str, Any]], *, ablate: bool = False, progress: bool = False,
             lexical_bot=None) -> Results:
    """Every case through ``bot.ask`` (and search, for faq). ``ablate``: also the ranking of each
    signal alone, and - given ``lexical_bot``, the same base built with the embedding stage off -
    the lexical engine's figures beside the hybrid's."""
    results = Results()
    for number, case in enumerate(cases, 1):
        started = time.perf_counter()
        reply = bot.ask(case["q"], session_id=None).to_dict()
        latency = (time.perf_counter() - started) * 1000
        rank = None
        if case["kind"] == "faq":
            hits = bot.search(case["q"], k=10)
            rank = next((n for n, h in enumerate(hits, 1) if _faq_match(case, h.entry_id, h.answer)), None)
        results.outcomes.append(Outcome(case, reply, judge(case, reply), latency, rank))
        if progress:
            _progress(number, len(cases))
    if ablate:
        results.ablation = ablation(bot, [c for c in cases if c["kind"] == "faq"])
        if lexical_bot is not None:
            lexical = evaluate(lexical_bot, cases).metrics()
            results.ablation["lexical engine: top-1 (answered)"] = lexical["top1"] or 0.0
            results.ablation["lexical engine: recall@3"] = lexical["recall_at_3"] or 0.0
            results.ablation["lexical engine: out-of-scope recall"] = lexical["oos_recall"] or 0.0
            hybrid = results.metrics()
            results.ablation["hybrid engine: top-1 (answered)"] = hybrid["top1"] or 0.0
            results.ablation["hybrid engine: recall@3"] = hybrid["recall_at_3"] or 0.0
            results.ablation["hybrid engine: out-of-scope recall"] = hybrid["oos_recall"] or 0.0
    return results


def _progress(done: int, total: int) -> None:
    width = 30
    filled = width * done // total
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def ablation(bot, faq_cases: list[dict[str, Any]]) -> dict[str, float]:
    """Top-1 of each signal alone against the hybrid, on ranking only (no thresholds)."""
    entry_docs = [i for i, d in enumerate(bot.docs) if d.key in bot.entries]
    scores: dict[str, float] = {}
    methods = ["bm25", "tfidf", "fuzzy"] + (["embeddings"] if bot.index.embeddings else [])
    for method in methods:
        right = 0
        for case in faq_cases:
            values = bot.retriever.lexical_scores(case["q"], method)[entry_docs]
            best = bot.entries[bot.docs[entry_docs[int(values.argmax())]].key]
            right += _faq_match(case, best.id, best.answer)
        scores[method] = right / len(faq_cases) if faq_cases else 0.0
    right = 0
    for case in faq_cases:
        hits = bot.search(case["q"], k=1)
        right += bool(hits) and _faq_match(case, hits[0].entry_id, hits[0].answer)
    scores["hybrid" if bot.index.embeddings else "lexical"] = right / len(faq_cases) if faq_cases else 0.0
    return scores
