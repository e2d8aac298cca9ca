from __future__ import annotations

from pathlib import Path

import pytest

from helpbot.errors import KnowledgeError
from helpbot.knowledge import load_knowledge, read_entries

GOOD = """entries:
  - id: a-one
    title: First?
    category: account
    audience: buyer
    questions: [one, two, three, four]
    answer: The answer.
    source_lines: [[1, 1]]
"""


def write(tmp_path: Path, text: str, name: str = "account.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_loads_the_fixture_base(fixture_kb):
    entries = load_knowledge(fixture_kb)
    assert {e.id for e in entries} == {
        "account-reset-password", "favorites-limit", "tt-zip-code", "tt-swift-code",
        "refund-processing-time", "photo-bank-space",
    }
    reset = next(e for e in entries if e.id == "account-reset-password")
    assert reset.source_lines == ((1, 2),)
    assert reset.answer.startswith("1. Click")
    assert reset.file.endswith("account.yaml") and reset.line == 2


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("entries:\n  - id: [unclosed\n", 3, "malformed YAML"),
        ("entries: {}\n", 1, "expected a mapping with an 'entries:' list"),
        ("- just a list\n", 1, "expected a mapping with an 'entries:' list"),
        (GOOD.replace("    answer: The answer.\n", ""), 2, "entry 'a-one' has no 'answer'"),
        (GOOD.replace("audience: buyer", "audience: shoppers"), 2, "audience 'shoppers' is not one of"),
        (GOOD.replace("id: a-one", "id: A One"), 2, "is not kebab-case"),
        (GOOD.replace("questions: [one, two, three, four]", "questions: plain"), 2, "'questions' must be"),
        (GOOD.replace("[[1, 1]]", "[[3, 1]]"), 2, "'source_lines' must be"),
        (GOOD.replace("[[1, 1]]", "[1, 1]"), 2, "'source_lines' must be"),
        (GOOD + "    colour: blue\n", 2, "unknown field(s): colour"),
        (GOOD + "    tool: teleport\n", 2, "tool 'teleport' is not one of"),
        ("entries:\n  - just text\n", 2, "an entry must be a mapping"),
    ],
)
def test_malformed_input_names_file_and_line(tmp_path, text, line, message):
    path = write(tmp_path, text)
    entries, problems = read_entries(path)
    assert not entries
    assert problems, "a malformed file must report a problem"
    assert problems[0].line == line
    assert message in problems[0].message
    assert str(problems[0]).startswith(f"{path}:{line}: ")


def test_load_knowledge_raises_one_clear_error(tmp_path):
    write(tmp_path, GOOD.replace("    answer: The answer.\n", ""))
    with pytest.raises(KnowledgeError, match=r"account\.yaml:2: entry 'a-one' has no 'answer'"):
        load_knowledge(tmp_path)


def test_duplicate_ids_across_files(tmp_path):
    write(tmp_path, GOOD, "account.yaml")
    write(tmp_path, GOOD.replace("category: account", "category: orders"), "orders.yaml")
    with pytest.raises(KnowledgeError, match=r"orders\.yaml:2: duplicate id 'a-one' \(also at .*account\.yaml:2\)"):
        load_knowledge(tmp_path)


def test_empty_folder_is_an_error(tmp_path):
    with pytest.raises(KnowledgeError, match="no \\*.yaml knowledge files"):
        load_knowledge(tmp_path)


def test_undecodable_file_is_reported(tmp_path):
    (tmp_path / "account.yaml").write_bytes(b"\xff\xfe\x00bad")
    _, problems = read_entries(tmp_path / "account.yaml")
    assert "cannot read file" in problems[0].message
