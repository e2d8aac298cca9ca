"""The shape of the code: imports run one way, modules stay small, importing helpbot is cheap.

The import graph is read from the source (every ``import`` and ``from ... import`` of a helpbot
module, at module level or inside a function), so a function-local import that dodges a cycle
counts as the cycle it is.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "helpbot"
MAX_LINES = 300


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative import
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
            for target in targets:
                if target in modules and target != name:
                    graph[name].add(target)
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_no_import_cycle_between_helpbot_modules():
    graph = _graph()
    # A package's __init__ re-exporting its submodules is not a cycle with them.
    for name in graph:
        graph[name] = {t for t in graph[name] if not name.startswith(t + ".")}
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_core_modules_never_import_the_web_layer():
    graph = _graph()
    core = [name for name in graph if not name.startswith(("helpbot.web", "helpbot.cli"))]
    for name in core:
        assert not any(t.startswith("helpbot.web") for t in graph[name]), name


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_stay_small_or_say_why(path: Path):
    lines = path.read_text(encoding="utf-8").splitlines()
    if len(lines) > MAX_LINES:
        head = "\n".join(lines[:40]).lower()
        assert "longer than" in head and "because" in head, (
            f"{path.name} has {len(lines)} lines (> {MAX_LINES}); split it or say at its top why it is longer")


@pytest.mark.parametrize("statement", ["import helpbot", "import helpbot.errors", "import helpbot.config",
                                       "import helpbot.lint", "import helpbot.cli"])
def test_light_imports_do_not_load_the_engine(statement):
    code = f"{statement}; import sys; print(sorted(m for m in ('numpy', 'scipy', 'sklearn', 'onnxruntime', " \
           "'rapidfuzz', 'helpbot.bot') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", f"{statement} loads {out.strip()}"
