from __future__ import annotations

from pathlib import Path

import pytest

from helpbot.errors import HelpbotError
from helpbot.evaluation import contains_any, evaluate, judge, load_cases, normalise_for_match

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize(
    ("answer", "phrase", "matches"),
    [
        ("You can add up to 1,000 products.", "up to 1000 products", True),
        ("You can add up to 1000 products.", "up to 1,000 products", True),
        ("Click “Add to Blocklist”", '"add to blocklist"', True),
        ("It takes 3–7 working days", "3-7 working days", True),
        ("It takes 3 - 7 working   days", "3-7 working days", True),
        ("The supplier’s account", "supplier's account", True),
        ("The zip code is 999077.", "999078", False),
        ("1, 000 products", "1000 products", False),
    ],
)
def test_contains_any_normalises_what_users_cannot_see(answer, phrase, matches):
    assert contains_any(answer, [phrase]) is matches
    assert normalise_for_match(answer) == normalise_for_match(normalise_for_match(answer))


def test_the_shared_sample_format_is_read_as_is():
    cases = load_cases(DATA / "eval-format-sample.jsonl")
    assert [c["kind"] for c in cases].count("tool") == 2
    tool = next(c for c in cases if c.get("tool") == "payment_arrival")
    assert tool["expect"] == {"earliest": "2026-11-24", "latest": "2026-11-26"}


def test_yaml_cases(tmp_path):
    path = tmp_path / "cases.yaml"
    path.write_text("cases:\n  - q: hi\n    kind: smalltalk\n  - {q: swift, kind: faq, entry: tt-swift-code}\n")
    assert [c["kind"] for c in load_cases(path)] == ["smalltalk", "faq"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"q": "x", "kind": "faq"}\nnot json\n', "cases.jsonl:2: invalid JSON"),
        ('{"q": "x", "kind": "weird"}\n', "needs 'q' and a 'kind'"),
        ('{"kind": "faq"}\n', "needs 'q' and a 'kind'"),
    ],
)
def test_bad_case_files_are_named(tmp_path, text, message):
    path = tmp_path / "cases.jsonl"
    path.write_text(text)
    with pytest.raises(HelpbotError, match=message):
        load_cases(path)


def reply(kind, text="", entry_id=None, tool=None, result=None, intent=None, confidence=0.5):
    return {"kind": kind, "text": text, "entry_id": entry_id, "tool": tool, "result": result,
            "intent": intent, "confidence": confidence}


@pytest.mark.parametrize(
    ("case", "got", "right"),
    [
        ({"kind": "faq", "entry": "a"}, reply("answer", entry_id="a"), True),
        ({"kind": "faq", "entry": "a"}, reply("clarify", entry_id="a"), False),  # top-1 needs an answer
        ({"kind": "faq", "contains_any": ["999077"]}, reply("answer", "zip 999077"), True),
        ({"kind": "faq", "contains_any": ["999077"]}, reply("answer", "zip 1"), False),
        ({"kind": "oos"}, reply("fallback"), True),
        ({"kind": "oos"}, reply("handoff"), True),
        ({"kind": "oos"}, reply("answer", entry_id="a"), False),
        ({"kind": "smalltalk", "intent": "greet"}, reply("smalltalk", intent="greet"), True),
        ({"kind": "smalltalk", "intent": "greet"}, reply("smalltalk", intent="bye"), False),
        ({"kind": "handoff"}, reply("handoff"), True),
        ({"kind": "tool", "tool": "t", "expect": {"a": 1}}, reply("tool", tool="t", result={"a": 1, "b": 2}), True),
        ({"kind": "tool", "tool": "t", "expect": {"a": 1}}, reply("tool", tool="t", result={"a": 2}), False),
        ({"kind": "tool", "tool": "t", "expect": {"a": 1}}, reply("tool", tool="t", result=None), False),
    ],
)
def test_judge(case, got, right):
    assert judge(case, got) is right


def test_metrics_on_the_fixture_bot(small_bot):
    cases = [
        {"id": "1", "q": "tt zip code", "kind": "faq", "entry": "tt-zip-code"},
        {"id": "2", "q": "refund time", "kind": "faq", "contains_any": ["3 working days"]},
        {"id": "3", "q": "tell me a joke please", "kind": "oos"},
        {"id": "4", "q": "hello", "kind": "smalltalk"},
        {"id": "5", "q": "talk to a human", "kind": "handoff"},
    ]
    metrics = evaluate(small_bot, cases).metrics()
    assert metrics["top1"] == 1.0 and metrics["recall_at_3"] == 1.0 and metrics["mrr"] == 1.0
    assert metrics["oos_recall"] == 1.0
    assert metrics["smalltalk_accuracy"] == 1.0 and metrics["handoff_accuracy"] == 1.0
    assert metrics["latency_p50_ms"] > 0
