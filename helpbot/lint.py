"""``helpbot kb lint``: the knowledge base checked against its schema and its source text.

Every finding is ``file:line: message``. The run ends with a coverage line: the share of the
source's content lines (placeholder-only lines excepted) that some entry cites, followed by the
lines no entry cites. Deliberate exclusions are listed in ``knowledge/CONFLICTS.md`` under
"## Excluded lines" as ``- 12-14: reason``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from helpbot.knowledge import Problem, collect
from helpbot.models import Entry
from helpbot.text import STOP_WORDS, fold, stem

# Phrasings per entry in the bundled base: buyers ask one thing in many words (five styles, other
# vocabulary, non-native English), and the fusion learns from these phrasings. Another company's
# base can start with one phrasing per entry (`kb lint --min-questions 1`): the shipped fusion prior
# answers for it until it has more.
MIN_QUESTIONS = 20
MIN_WORD_SHARE = 0.5  # of a cited line's content words that the answer must carry
BRAND_LEAK = re.compile(r"alibaba", re.IGNORECASE)
DANGLING = re.compile(
    r"click here|as below|see below|as follows? below|screen\s?shot|…|\.{4,}|。。", re.IGNORECASE
)
_PLACEHOLDER_PARTS = re.compile(
    r"…+|\.{2,}|。+|\[email[^\]]*protected\]|\b(tel|email|e-mail|contact person|contact|phone)\b|[:：]", re.IGNORECASE
)
_WORD = re.compile(r"[a-z0-9]+")
_EXCLUDED = re.compile(r"^\s*-\s*(\d+)(?:\s*-\s*(\d+))?\s*:\s*(.+)$")


@dataclass(frozen=True)
class LintReport:
    problems: list[Problem]
    content_lines: int
    cited_lines: int
    uncited: list[int]
    excluded: dict[int, str]

    @property
    def coverage(self) -> float:
        return self.cited_lines / self.content_lines if self.content_lines else 1.0

    @property
    def ok(self) -> bool:
        return not self.problems and not self.uncited


def is_placeholder_only(line: str) -> bool:
    """A line that holds nothing but a removed contact detail ("Tel: ……….")."""
    return not re.search(r"[A-Za-z0-9]", _PLACEHOLDER_PARTS.sub(" ", line))


def content_words(text: str) -> set[str]:
    folded = BRAND_LEAK.sub("ecokara", fold(text))
    return {stem(w) for w in _WORD.findall(folded) if w not in STOP_WORDS and (len(w) > 2 or w.isdigit())}


def read_exclusions(conflicts_file: Path) -> dict[int, str]:
    """Line numbers excluded on purpose, from the "## Excluded lines" section of CONFLICTS.md."""
    if not conflicts_file.is_file():
        return {}
    excluded: dict[int, str] = {}
    in_section = False
    for line in conflicts_file.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            in_section = line.strip().lower() == "## excluded lines"
            continue
        match = _EXCLUDED.match(line) if in_section else None
        if match:
            first, last = int(match.group(1)), int(match.group(2) or match.group(1))
            for n in range(first, last + 1):
                excluded[n] = match.group(3).strip()
    return excluded


def lint(knowledge_dir: Path, source_file: Path | None = None, *, min_questions: int = MIN_QUESTIONS) -> LintReport:
    knowledge_dir = Path(knowledge_dir)
    source_file = source_file or knowledge_dir / "source" / "help-center.txt"
    entries, problems = collect(knowledge_dir)
    source = source_file.read_text(encoding="utf-8").splitlines() if source_file.is_file() else []
    if not source:
        # One problem, not one per cited line: without the source text there is nothing to check
        # the entries' citations against (give it with --source).
        problems.append(Problem(str(source_file), 0, "source text not found or empty (give it with --source); "
                                                     "the citation checks were skipped"))
    problems.extend(_entry_problems(entries, source, min_questions))
    cited = {n for e in entries for first, last in e.source_lines for n in range(first, last + 1)}
    excluded = read_exclusions(knowledge_dir / "CONFLICTS.md")
    content = [n for n, text in enumerate(source, 1) if text.strip() and not is_placeholder_only(text)]
    uncited = [n for n in content if n not in cited and n not in excluded]
    return LintReport(problems, len(content), len([n for n in content if n in cited]), uncited, excluded)


def _entry_problems(entries: list[Entry], source: list[str], min_questions: int) -> list[Problem]:
    problems: list[Problem] = []
    ids = {e.id for e in entries}
    seen_questions: dict[str, Entry] = {}
    for e in entries:
        def report(message: str, entry: Entry = e) -> None:
            problems.append(Problem(entry.file, entry.line, f"entry '{entry.id}': {message}"))

        if Path(e.file).stem != e.category:
            report(f"category '{e.category}' does not match its file name '{Path(e.file).name}'")
        if len(e.questions) < min_questions:
            report(f"has {len(e.questions)} question(s); at least {min_questions} are required "
                   "(--min-questions sets the floor)")
        for related in e.related:
            if related not in ids:
                report(f"related id '{related}' does not exist")
        for question in e.questions:
            key = " ".join(fold(question).split()).strip(" ?.!")
            other = seen_questions.setdefault(key, e)
            if other is not e:
                report(f"question '{question}' is also in entry '{other.id}'")
        for field_name in ("title", "answer", "note"):
            value = getattr(e, field_name) or ""
            if BRAND_LEAK.search(value):
                report(f"brand leak: '{field_name}' mentions Alibaba (the brand is Ecokara)")
        if any(BRAND_LEAK.search(q) for q in (*e.questions, *e.tags)):
            report("brand leak: a question or tag mentions Alibaba")
        match = DANGLING.search(e.answer)
        if match:
            report(f"dangling reference in answer: '{match.group(0)}'")
        answer_words = content_words(e.answer)
        kept = _facts(e.answer)
        for first, last in e.source_lines if source else ():
            if first < 1 or last > len(source):
                report(f"source_lines [{first}, {last}] out of range (the source has {len(source)} lines)")
                continue
            for n in range(first, last + 1):
                words = content_words(source[n - 1])
                if is_placeholder_only(source[n - 1]) or not words:
                    continue
                share = len(words & answer_words) / len(words)
                if share < MIN_WORD_SHARE:
                    report(f"cites source line {n} but carries only {share:.0%} of its words")
                lost = _lost_facts(source[n - 1], e.answer, kept)
                if lost:
                    report(f"source line {n} says {', '.join(map(repr, lost[:5]))}; the answer must keep it exactly")
    return problems


_FOLD_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'", "\u2013": "-", "\u2014": "-"})
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_QUOTED = re.compile(r'"([^"]{2,80})"')
_CODE = re.compile(r"\b[A-Z][A-Z0-9]{3,}\b")
# List numbering an edited answer may renumber or drop: "1.", "2)", "(3)", "4," at a line's start,
# and a number run into the previous sentence ("...two years4. Files must...").
_LIST_MARKER = re.compile(r"^\s*(?:step\s*)?\(?\d{1,2}\s*[.):,](?!\d)|(?<=[a-z])\d{1,2}\.\s", re.IGNORECASE | re.MULTILINE)


def _plain(text: str) -> str:
    return BRAND_LEAK.sub("Ecokara", _LIST_MARKER.sub(" ", text.translate(_FOLD_QUOTES)))


def _facts(text: str) -> set[str]:
    """What an edited answer must keep of its source, compared mechanically: every figure (list
    numbers aside: steps may be renumbered), every quoted label with a letter or digit in it, every
    code in capitals. A quoted "click here" link is the one thing an answer drops on purpose (see
    DANGLING)."""
    text = _plain(text)
    facts = {n.replace(",", "") for n in _NUMBER.findall(text)}
    facts |= {f'"{q.casefold()}"' for q in _QUOTED.findall(text)
              if "click here" not in q.casefold() and any(c.isalnum() for c in q)}
    facts |= {c.casefold() for c in _CODE.findall(text)}
    return facts


def _lost_facts(source_line: str, answer: str, kept: set[str]) -> list[str]:
    """The source line's facts missing from the answer. A label counts as kept when its words
    appear in the answer at all, whichever quotes the answer puts around them."""
    plain_answer = _plain(answer).casefold()
    return sorted(f for f in _facts(source_line) - kept
                  if not (f.startswith('"') and f.strip('"') in plain_answer))


def format_report(report: LintReport) -> str:
    lines = [str(p) for p in report.problems]
    lines.append(
        f"coverage: {report.coverage:.1%} of {report.content_lines} content lines cited "
        f"({len(report.excluded)} excluded on purpose, see CONFLICTS.md)"
    )
    if report.uncited:
        lines.append("uncited lines: " + ", ".join(str(n) for n in report.uncited))
    lines.append("ok" if report.ok else f"{len(report.problems)} problem(s), {len(report.uncited)} uncited line(s)")
    return "\n".join(lines)
