"""Write questions into a knowledge YAML file without disturbing the rest of it.

Curators keep the files by hand: their order, comments, block answers and flow lists must survive
a tool adding a question. So this edits the text, not a parsed copy: it finds the entry's
``questions:`` list and inserts new items after its last one, each emitted by the YAML library
(so quoting is always right), and checks that the result loads to exactly the old data plus the
new questions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml

from helpbot.errors import KnowledgeError

_ENTRY = re.compile(r"^(?P<indent>\s*)-\s+id:\s*(?P<id>\S+)\s*$")


def _item(question: str, indent: str) -> str:
    emitted = yaml.safe_dump([question], allow_unicode=True, width=10**9, default_flow_style=False)
    return "".join(f"{indent}{line}\n" for line in emitted.splitlines())


def _block_end(lines: list[str], header: int, end: int) -> int:
    """The last line of the block list that starts below ``header`` (or the header itself)."""
    key_indent = len(lines[header]) - len(lines[header].lstrip())
    last = header
    for i in range(header + 1, end):
        stripped = lines[i].strip()
        indent = len(lines[i]) - len(lines[i].lstrip())
        if stripped and (indent < key_indent or (indent == key_indent and not stripped.startswith("- "))):
            break
        if stripped:
            last = i
    return last


def add_questions(text: str, additions: Mapping[str, Sequence[str]], *, where: str = "<text>",
                  learned: bool = False) -> str:
    """``text`` with each entry's new questions appended to its ``questions:`` list, or with
    ``learned``, to its ``learned:`` list (made after ``questions:`` when missing): questions the
    curator loop proposed from what buyers asked, kept apart so their origin stays visible."""
    lines = text.splitlines(keepends=True)
    starts = [(i, m.group("id").strip("'\"")) for i, line in enumerate(lines) if (m := _ENTRY.match(line))]
    bounds = {entry_id: (start, starts[n + 1][0] if n + 1 < len(starts) else len(lines))
              for n, (start, entry_id) in enumerate(starts)}
    inserts: list[tuple[int, str]] = []
    for entry_id, questions in additions.items():
        if not questions:
            continue
        if entry_id not in bounds:
            raise KnowledgeError(f"{where}: no entry '{entry_id}' to add questions to")
        start, end = bounds[entry_id]
        header = next((i for i in range(start, end) if re.match(r"^\s*questions:\s*$", lines[i])), None)
        if header is None:
            raise KnowledgeError(f"{where}:{start + 1}: entry '{entry_id}' has no block 'questions:' list")
        key_indent = len(lines[header]) - len(lines[header].lstrip())
        item_line = lines[header + 1] if header + 1 < end else ""
        item_indent = item_line[: len(item_line) - len(item_line.lstrip())] if item_line.lstrip().startswith("- ") \
            else " " * key_indent
        items = "".join(_item(q, item_indent) for q in questions)
        if learned:
            own = next((i for i in range(start, end) if re.match(r"^\s*learned:\s*$", lines[i])), None)
            if own is None:  # a new list right after the questions
                inserts.append((_block_end(lines, header, end) + 1, " " * key_indent + "learned:\n" + items))
            else:
                inserts.append((_block_end(lines, own, end) + 1, items))
            continue
        inserts.append((_block_end(lines, header, end) + 1, items))
    for position, block in sorted(inserts, reverse=True):
        lines.insert(position, block)
    result = "".join(lines)
    _check(text, result, additions, where, "learned" if learned else "questions")
    return result


def _check(before: str, after: str, additions: Mapping[str, Sequence[str]], where: str, key: str) -> None:
    old, new = yaml.safe_load(before), yaml.safe_load(after)
    for entry in old.get("entries", []):
        if entry["id"] in additions and additions[entry["id"]]:
            entry[key] = list(entry.get(key) or []) + list(additions[entry["id"]])
    if old != new:
        raise KnowledgeError(f"{where}: adding questions would change more than the questions; nothing written")


def add_questions_to_file(path: Path, additions: Mapping[str, Sequence[str]], *, learned: bool = False) -> str:
    """Write the questions into the file; the file's text before, for a diff."""
    path = Path(path)
    before = path.read_text(encoding="utf-8")
    path.write_text(add_questions(before, additions, where=str(path), learned=learned), encoding="utf-8")
    return before
