"""Reading the knowledge base: ``GET /api/search``, ``/api/entries`` and ``/api/entries/<id>``."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from rapidfuzz import fuzz, process, utils

from helpbot.paths import data_dir
from helpbot.web.errors import ApiError
from helpbot.web.parsing import query_int
from helpbot.web.security import rate_limited
from helpbot.web.services import current_bot

log = logging.getLogger(__name__)

knowledge = Blueprint("knowledge", __name__, url_prefix="/api")
MAX_SEARCH_K = 50


def entry_or_404(entry_id: str):
    entry = current_bot().entries.get(entry_id)
    if entry is None:
        raise ApiError(404, "unknown_entry", f"No entry with id {entry_id[:80]!r}; "
                                             "GET /api/entries lists the ids.")
    return entry


@knowledge.get("/search")
@rate_limited
def search():
    query = request.args.get("q")
    if query is None:
        raise ApiError(400, "missing_parameter", "The parameter 'q' (the search text) is required.")
    limit = current_app.config["MAX_QUESTION_CHARS"]
    if len(query) > limit:
        raise ApiError(400, "query_too_long", f"The query is {len(query)} characters long; the limit is {limit}.")
    k = query_int("k", 5, 1, MAX_SEARCH_K)
    category = request.args.get("category") or None
    bot = current_bot()
    if category is None:
        hits = [{**h.to_dict(), "category": bot.entries[h.entry_id].category} for h in bot.search(query, k=k)]
    else:
        hits = _search_in_category(bot, query, category, k)
    return jsonify({"hits": hits})


def _search_in_category(bot: Any, query: str, category: str, k: int) -> list[dict[str, Any]]:
    """The bot's hits of that category, then (the bot only ranks a pool of likely entries)
    the category's other entries by fuzzy similarity, scored no higher than the hits above."""
    results = [{**h.to_dict(), "category": category} for h in bot.search(query, k=len(bot.entries))
               if bot.entries[h.entry_id].category == category][:k]
    if len(results) < k and query.strip():
        seen = {r["entry_id"] for r in results}
        choices = {e.id: " ".join((e.title, *e.questions)) for e in bot.entries.values()
                   if e.category == category and e.id not in seen}
        ceiling = results[-1]["score"] if results else 1.0
        for _, similarity, entry_id in process.extract(query, choices, scorer=fuzz.token_set_ratio,
                                                       processor=utils.default_process, limit=k - len(results)):
            entry = bot.entries[entry_id]
            results.append({"entry_id": entry.id, "title": entry.title, "answer": entry.answer,
                            "score": round(min(ceiling, similarity / 100), 4), "category": category})
    return results


@knowledge.get("/entries")
def entries():
    category = request.args.get("category") or None
    all_entries = current_bot().entries.values()
    categories: dict[str, int] = {}
    for entry in all_entries:
        categories[entry.category] = categories.get(entry.category, 0) + 1
    chosen = [e for e in all_entries if category is None or e.category == category]
    return jsonify({
        "entries": [{"id": e.id, "title": e.title, "category": e.category, "audience": e.audience,
                     "tool": e.tool} for e in chosen],
        "categories": [{"name": name, "count": n} for name, n in sorted(categories.items())],
    })


@knowledge.get("/entries/<entry_id>")
def entry(entry_id: str):
    found = entry_or_404(entry_id)
    known = current_bot().entries
    return jsonify({
        **found.public_dict(),
        "related_entries": [{"entry_id": r, "title": known[r].title} for r in found.related if r in known],
        "source_text": _source_text(found.source_lines),
    })


def _source_text(ranges) -> list[dict[str, Any]]:
    """The help-center lines an entry was written from, so agents can check the wording."""
    lines = _source_lines()
    return [{"start": start, "end": end, "text": "\n".join(lines[start - 1:end])} for start, end in ranges]


def _source_lines() -> list[str]:
    cache = current_app.extensions.setdefault("helpbot.source", {})
    if "lines" not in cache:
        folder = current_app.config["KNOWLEDGE_DIR"]
        path = (Path(folder) if folder else data_dir("knowledge")) / "source" / "help-center.txt"
        try:
            cache["lines"] = path.read_text(encoding="utf-8").splitlines()
        except OSError:
            log.warning("no help-center source text at %s", path)
            cache["lines"] = []
    return cache["lines"]
