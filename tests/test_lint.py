from __future__ import annotations

from pathlib import Path

import pytest

from helpbot.lint import format_report, is_placeholder_only, lint


def edit(kb: Path, name: str, old: str, new: str) -> None:
    path = kb / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text {old!r} not found in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_fixture_base_is_clean(fixture_kb):
    report = lint(fixture_kb, min_questions=4)  # a small fixture: 4 phrasings per entry
    assert report.problems == []
    assert report.uncited == []
    assert report.coverage == 1.0
    assert report.content_lines == 7  # the "Tel: ……….” line is placeholder-only
    assert format_report(report).splitlines()[-1] == "ok"


@pytest.mark.parametrize(
    ("name", "old", "new", "message"),
    [
        ("payments.yaml", "id: tt-swift-code", "id: tt-zip-code", "duplicate id 'tt-zip-code'"),
        ("account.yaml", "related: [favorites-limit]", "related: [nowhere]", "related id 'nowhere' does not exist"),
        ("payments.yaml", "      - swfit code wrong", "      - favorites limit", "is also in entry 'favorites-limit'"),
        ("payments.yaml", "The zip code is 999077.", "The Alibaba.com zip code is 999077.", "brand leak"),
        ("payments.yaml", "The zip code is 999077.", "The zip code is 999077, click here.", "dangling reference"),
        ("payments.yaml", "The zip code is 999077.", "The zip code is 999077 (see screenshot).", "dangling reference"),
        ("payments.yaml", "The zip code is 999077.", "The zip code is ……", "dangling reference"),
        ("payments.yaml", "source_lines: [[3, 3]]", "source_lines: [[3, 99]]", "out of range"),
        # An edited answer must keep the source's figures and codes exactly.
        ("payments.yaml", "The zip code is 999077.", "The zip code is 99907.", "says '999077'"),
        ("payments.yaml", "swift code CITIHKHX when", "swift code when", "says 'citihkhx'"),
        ("payments.yaml", "within 3 working days", "within three working days", "says '3'"),
        ("payments.yaml", "source_lines: [[3, 3]]", "source_lines: [[3, 4]]", "cites source line 4"),
        ("payments.yaml", "      - zipcode required wire\n", "", "has 3 question(s)"),
        ("payments.yaml", "category: payments\n    audience: buyer\n    questions:\n      - tt zip code",
         "category: orders\n    audience: buyer\n    questions:\n      - tt zip code", "does not match its file"),
    ],
)
def test_each_rule_is_caught(kb_copy, name, old, new, message):
    edit(kb_copy, name, old, new)
    report = lint(kb_copy, min_questions=4)
    assert any(message in str(p) for p in report.problems), [str(p) for p in report.problems]
    assert not report.ok
    assert all(str(p).split(":")[1].isdigit() for p in report.problems), "every finding is file:line: message"


def test_uncited_lines_are_listed_and_can_be_excluded(kb_copy):
    edit(kb_copy, "payments.yaml", "source_lines: [[8, 8]]", "source_lines: [[7, 7]]")
    edit(kb_copy, "payments.yaml", "Photo Bank space is 10M for free members.",
         "Photo Bank space is 10M for free members. Refunds are processed within 3 working days once an "
         "agreement has been reached.")
    report = lint(kb_copy, min_questions=4)
    assert report.uncited == [8]
    assert "uncited lines: 8" in format_report(report)
    (kb_copy / "CONFLICTS.md").write_text("# Conflicts\n\n## Excluded lines\n- 8: superseded notice\n")
    report = lint(kb_copy, min_questions=4)
    assert report.uncited == [] and report.excluded == {8: "superseded notice"}


@pytest.mark.parametrize(
    ("line", "placeholder"),
    [
        ("Tel: ……….", True),
        ("Contact person: ………………..", True),
        ("Email: [email protected]", True),
        ("Contact Person: …………. Ouyang", False),
        ("The zip code is 999077.", False),
    ],
)
def test_placeholder_only_lines(line, placeholder):
    assert is_placeholder_only(line) is placeholder


def test_bundled_knowledge_base_passes_lint():
    from helpbot.paths import data_dir

    report = lint(data_dir("knowledge"))
    assert [str(p) for p in report.problems] == []
    assert report.uncited == []


@pytest.mark.parametrize("floor, ok", [(4, True), (5, False), (20, False)])
def test_the_question_floor_is_a_setting(fixture_kb, floor, ok):
    """The bundled base needs 20 phrasings per entry (the default); a new base can start lower."""
    report = lint(fixture_kb, min_questions=floor)
    assert report.ok is ok
    if not ok:
        assert any(f"at least {floor} are required" in str(p) for p in report.problems)


def test_default_floor_is_twenty(fixture_kb):
    assert not lint(fixture_kb).ok


@pytest.mark.parametrize(
    ("source", "answer", "lost"),
    [
        ("Space is 10M for free members.", "Free members get 10M of space.", []),
        ("Space is 10M for free members.", "Free members get 20M of space.", ["10"]),
        # list numbering may be renumbered or dropped, in every style the source uses
        ("1, Your RFQ is pending", "Your RFQ is pending.", []),
        ("(3) Clean your browser cache", "Clean your browser cache.", []),
        ("within the last two years4. Files must be PDF", "within the last two years. Files must be PDF", []),
        # a quoted label is kept whichever quotes surround it, and only exactly
        ("Don\u2019t type with \u201cCaps Lock\u201d on.", "Check that \u2018Caps Lock\u2019 is off.", []),
        ("Click \u201cSubmit RFQ\u201d.", "Click Submit.", ['"submit rfq"']),
        ("Click \u201c\u3002\u3002\u3002\u201d then Mute.", "Open the menu, then Mute.", []),
        ("Pay by T/T to CITIHKHX.", "Pay by T/T.", ["citihkhx"]),
    ],
)
def test_fact_check_keeps_figures_labels_and_codes(source, answer, lost):
    from helpbot.lint import _facts, _lost_facts

    assert _lost_facts(source, answer, _facts(answer)) == lost
