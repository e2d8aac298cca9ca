"""Load ``intents/``: smalltalk, handoff and tool intents, out-of-scope examples, synonyms.

Every ``*.yaml`` file with an ``intents:`` list contributes intents; ``negatives:`` lists
out-of-scope messages (training data for the confidence model, never answered from);
``synonyms.yaml`` is read by :mod:`helpbot.text`.

A file marked ``scope: general`` holds what any help center needs (greetings, thanks, asking for a
person, unrelated topics and keyboard mashing). ``load_intents(folder, general_only=True)`` reads
only those, answering with each intent's ``generic_responses`` (brand-free) when it has them: that
is what serves another company's knowledge base when no intents folder is given for it. The
bundled tools, synonyms and near-domain negatives are Ecokara's and stay with Ecokara's base.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from helpbot.errors import KnowledgeError
from helpbot.models import TOOL_NAMES
from helpbot.text import EMPTY_SYNONYMS, SynonymTable, load_synonyms
from helpbot.yamlio import SAFE_LOADER

INTENT_KINDS = ("smalltalk", "handoff", "tool")
SCOPES = ("general", "bundled")


@dataclass(frozen=True)
class Intent:
    name: str
    kind: str
    examples: tuple[str, ...]
    responses: tuple[str, ...] = ()


@dataclass(frozen=True)
class IntentSet:
    intents: tuple[Intent, ...]
    negatives: tuple[str, ...]
    synonyms: SynonymTable


def load_intents(directory: Path | None, *, general_only: bool = False) -> IntentSet:
    """Read an intents folder; ``None`` gives an empty set (FAQ only); ``general_only``: only the
    files marked ``scope: general``, no synonyms (see the module docstring)."""
    if directory is None:
        return IntentSet((), (), EMPTY_SYNONYMS)
    directory = Path(directory)
    if not directory.is_dir():
        raise KnowledgeError(f"{directory}: intents folder not found")
    intents: list[Intent] = []
    negatives: list[str] = []
    for path in sorted(directory.glob("*.yaml")):
        if path.name == "synonyms.yaml":
            continue
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise KnowledgeError(f"{path}:{mark.line + 1 if mark else 1}: malformed YAML: {exc}") from None
        if not isinstance(data, dict):
            raise KnowledgeError(f"{path}:1: expected a mapping with 'intents:' or 'negatives:'")
        if data.get("scope", "bundled") not in SCOPES:
            raise KnowledgeError(f"{path}:1: scope {data.get('scope')!r}; choose from {', '.join(SCOPES)}")
        if general_only and data.get("scope") != "general":
            continue
        for raw in data.get("intents", []) or []:
            intents.append(_intent(raw, path, generic=general_only))
        found = data.get("negatives", []) or []
        if not isinstance(found, list) or not all(isinstance(n, str) for n in found):
            raise KnowledgeError(f"{path}:1: 'negatives' must be a list of strings")
        negatives.extend(found)
    names = [i.name for i in intents]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise KnowledgeError(f"{directory}: intent name(s) defined twice: {', '.join(duplicated)}")
    synonyms_path = directory / "synonyms.yaml"
    synonyms = load_synonyms(synonyms_path) if synonyms_path.exists() and not general_only else EMPTY_SYNONYMS
    return IntentSet(tuple(intents), tuple(negatives), synonyms)


def _intent(raw: object, path: Path, *, generic: bool = False) -> Intent:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        raise KnowledgeError(f"{path}:1: every intent needs a 'name'")
    name = raw["name"]
    kind = raw.get("kind")
    if kind not in INTENT_KINDS:
        raise KnowledgeError(f"{path}:1: intent '{name}' has kind {kind!r}; choose from {', '.join(INTENT_KINDS)}")
    if kind == "tool" and name not in TOOL_NAMES:
        raise KnowledgeError(f"{path}:1: tool intent '{name}' is not one of {', '.join(TOOL_NAMES)}")
    examples = raw.get("examples")
    if not isinstance(examples, list) or not examples or not all(isinstance(e, str) for e in examples):
        raise KnowledgeError(f"{path}:1: intent '{name}' needs a non-empty 'examples' list of strings")
    responses = raw.get("responses", [])
    if kind != "tool" and (not isinstance(responses, list) or not responses):
        raise KnowledgeError(f"{path}:1: intent '{name}' needs at least one response")
    if generic and raw.get("generic_responses"):
        responses = raw["generic_responses"]
        if not isinstance(responses, list) or not all(isinstance(r, str) for r in responses):
            raise KnowledgeError(f"{path}:1: intent '{name}': 'generic_responses' must be a list of strings")
    return Intent(name, kind, tuple(examples), tuple(responses))
