"""Load and validate the knowledge base: ``knowledge/<category>.yaml`` files of entries.

Each file holds ``entries:``, a list of mappings (see README, "Adding or changing an entry").
Errors name the file and line, never a bare traceback: the loader collects
:class:`Problem` records and ``load_knowledge`` raises one :class:`KnowledgeError` with them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from helpbot.yamlio import SAFE_LOADER
from helpbot.errors import KnowledgeError
from helpbot.models import AUDIENCES, TOOL_NAMES, Entry

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
REQUIRED_FIELDS = ("id", "title", "category", "audience", "questions", "answer", "source_lines")
OPTIONAL_FIELDS = ("tags", "related", "tool", "note", "learned")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a knowledge file, located by file and line."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


def knowledge_files(directory: Path) -> list[Path]:
    """The entry files of a knowledge folder, in a stable order (sub-folders are not read)."""
    return sorted(p for p in Path(directory).glob("*.yaml") if p.is_file())


def read_entries(path: Path, *, display_name: str | None = None) -> tuple[list[Entry], list[Problem]]:
    """Parse one file into entries, collecting every problem instead of stopping at the first."""
    name = display_name or str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [Problem(name, 1, f"cannot read file: {exc}")]
    try:
        root = yaml.compose(text, Loader=SAFE_LOADER)
        data = yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else 1
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return [], [Problem(name, line, f"malformed YAML: {reason}")]
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        return [], [Problem(name, 1, "expected a mapping with an 'entries:' list")]
    entries_node = next(value for key, value in root.value if key.value == "entries")
    entries: list[Entry] = []
    problems: list[Problem] = []
    for raw, node in zip(data["entries"], entries_node.value):
        line = node.start_mark.line + 1
        entry, entry_problems = _build_entry(raw, name, line)
        problems.extend(entry_problems)
        if entry is not None:
            entries.append(entry)
    return entries, problems


def _build_entry(raw: Any, file: str, line: int) -> tuple[Entry | None, list[Problem]]:
    if not isinstance(raw, dict):
        return None, [Problem(file, line, "an entry must be a mapping of fields")]
    label = f"entry '{raw.get('id')}'" if isinstance(raw.get("id"), str) else "entry"
    problems = [Problem(file, line, f"{label} has no '{f}'") for f in REQUIRED_FIELDS if f not in raw]
    unknown = sorted(set(raw) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS))
    if unknown:
        problems.append(Problem(file, line, f"{label} has unknown field(s): {', '.join(unknown)}"))
    if problems:
        return None, problems

    def bad(message: str) -> None:
        problems.append(Problem(file, line, f"{label}: {message}"))

    for f in ("id", "title", "category", "audience", "answer"):
        if not isinstance(raw[f], str) or not raw[f].strip():
            bad(f"'{f}' must be a non-empty string")
    if isinstance(raw["id"], str) and not ID_PATTERN.match(raw["id"]):
        bad(f"id '{raw['id']}' is not kebab-case (lowercase words joined by '-')")
    if raw["audience"] not in AUDIENCES:
        bad(f"audience '{raw['audience']}' is not one of {', '.join(AUDIENCES)}")
    questions = _string_list(raw["questions"])
    if questions is None or not questions:
        bad("'questions' must be a non-empty list of strings")
    source_lines = _ranges(raw["source_lines"])
    if source_lines is None:
        bad("'source_lines' must be a list of [first, last] line pairs, e.g. [[12, 14]]")
    # ``learned``: questions the curator loop added from what buyers asked (helpbot curate); they
    # count as questions like any other and stay listed apart so their origin shows.
    learned = _string_list(raw.get("learned", []) or [])
    if learned is None:
        bad("'learned' must be a list of strings")
    tags = _string_list(raw.get("tags", []))
    related = _string_list(raw.get("related", []))
    if tags is None:
        bad("'tags' must be a list of strings")
    if related is None:
        bad("'related' must be a list of entry ids")
    tool = raw.get("tool")
    if tool is not None and tool not in TOOL_NAMES:
        bad(f"tool '{tool}' is not one of {', '.join(TOOL_NAMES)}")
    note = raw.get("note")
    if note is not None and not isinstance(note, str):
        bad("'note' must be a string")
    if problems:
        return None, problems
    entry = Entry(
        id=raw["id"],
        title=raw["title"].strip(),
        category=raw["category"].strip(),
        audience=raw["audience"],
        questions=tuple(q.strip() for q in [*questions, *learned]),
        learned=tuple(q.strip() for q in learned),
        answer=raw["answer"].strip(),
        source_lines=tuple(source_lines),
        tags=tuple(tags),
        related=tuple(related),
        tool=tool,
        note=note,
        file=file,
        line=line,
    )
    return entry, []


def _string_list(value: Any) -> list[str] | None:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        return None
    return value


def _ranges(value: Any) -> list[tuple[int, int]] | None:
    if not isinstance(value, list) or not value:
        return None
    ranges = []
    for item in value:
        if (
            not isinstance(item, list)
            or len(item) != 2
            or not all(isinstance(n, int) and not isinstance(n, bool) for n in item)
            or item[0] > item[1]
        ):
            return None
        ranges.append((item[0], item[1]))
    return ranges


def collect(directory: Path) -> tuple[list[Entry], list[Problem]]:
    """Read every file of a knowledge folder; also report ids used twice."""
    directory = Path(directory)
    files = knowledge_files(directory)
    if not files:
        return [], [Problem(str(directory), 0, "no *.yaml knowledge files in this folder")]
    entries: list[Entry] = []
    problems: list[Problem] = []
    for path in files:
        found, file_problems = read_entries(path)
        entries.extend(found)
        problems.extend(file_problems)
    first_seen: dict[str, Entry] = {}
    for entry in entries:
        if entry.id in first_seen:
            other = first_seen[entry.id]
            problems.append(
                Problem(entry.file, entry.line, f"duplicate id '{entry.id}' (also at {other.file}:{other.line})")
            )
        else:
            first_seen[entry.id] = entry
    return entries, problems


def load_knowledge(directory: Path) -> list[Entry]:
    """Load a knowledge folder, or raise KnowledgeError listing what is wrong (file:line)."""
    entries, problems = collect(directory)
    if problems:
        shown = "\n".join(str(p) for p in problems[:20])
        more = f"\n... and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise KnowledgeError(f"{len(problems)} problem(s) in knowledge base:\n{shown}{more}")
    return entries
