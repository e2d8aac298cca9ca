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
# The score a search hit needs, besides holding one of the query's words (_entries_holding_a_word):
# between the nonsense queries' best (0.04) and the real queries' intended entries (0.34 and up).
SEARCH_FLOOR = 0.1


def entry_or_404(entry_id: str):
    entry = current_bot().entries.get(entry_id)
    if entry is None:
        raise ApiError(404, "unknown_entry", f"No entry with id {entry_id[:80]!r}; "
                                             "GET /api/entries lists the ids.")
    return entry


@knowledge.get("/search")
@rate_limited
def search():
    """Relevant entries only, best first: a hit needs ``SEARCH_FLOOR`` and one of the query's words
    (``_entries_holding_a_word``), so "xqzv blorp" finds nothing and the list is never padded to k."""
    query = request.args.get("q")
    if query is None:
        raise ApiError(400, "missing_parameter", "The parameter 'q' (the search text) is required.")
    limit = current_app.config["MAX_QUESTION_CHARS"]
    if len(query) > limit:
        raise ApiError(400, "query_too_long", f"The query is {len(query)} characters long; the limit is {limit}.")
    k = query_int("k", 5, 1, MAX_SEARCH_K)
    category = request.args.get("category") or None
    bot = current_bot()
    holding = _entries_holding_a_word(bot, query)
    hits = [{**h.to_dict(), "category": bot.entries[h.entry_id].category}
            for h in bot.search(query, k=len(bot.entries))
            if h.score >= SEARCH_FLOOR and h.entry_id in holding
            and (category is None or bot.entries[h.entry_id].category == category)][:k]
    if category is not None and len(hits) < k:
        hits += _more_in_category(bot, query, category, holding - {h["entry_id"] for h in hits}, k - len(hits))
    return jsonify({"hits": hits})


def _entries_holding_a_word(bot: Any, query: str) -> set[str]:
    """Ids of the entries that hold at least one of the query's words (stop words aside, after
    spelling correction, so "refnd" still finds refunds).

    This is the second half of relevance. The score alone (the ranker's probability that a hit
    is the right entry) is not enough: a made-up word sharing a few letters with one entry
    ("uusbs" and "BSB") scores high because nothing else matches at all. Measured on hand-written
    queries (tests/data/search_relevance.yaml, not eval/cases): the intended entry of every real
    query scores 0.34 or more (all but one above 0.76); no hit of a nonsense query that holds one
    of its words scores above 0.04; without the word test 173 of 400 random letter strings had a
    hit above 0.1, with it 4 (strings one edit from a real word).
    """
    retriever = bot.ranker.index.retriever
    ids = sorted({retriever.term_ids_[t] for t in retriever.query_terms(retriever.analyzer.normalise(query))
                  if t in retriever.term_ids_})
    if not ids:
        return set()
    rows = retriever.doc_terms_[:, ids].getnnz(axis=1).nonzero()[0]
    return {key for key in (bot.docs[i].key for i in rows) if key in bot.entries}


def _more_in_category(bot: Any, query: str, category: str, holding: set[str], limit: int) -> list[dict[str, Any]]:
    """The bot ranks only a pool of likely entries, so a category can have relevant entries
    outside it ("supplier" in rfq): the category's other entries that hold a query word, in
    order of fuzzy similarity, each scored at the floor (below every ranked hit: the ranker
    did not think them likely)."""
    choices = {e.id: " ".join((e.title, *e.questions)) for e in bot.entries.values()
               if e.category == category and e.id in holding}
    found = process.extract(query, choices, scorer=fuzz.token_set_ratio, processor=utils.default_process,
                            limit=limit)
    return [{"entry_id": entry_id, "title": bot.entries[entry_id].title, "answer": bot.entries[entry_id].answer,
             "score": SEARCH_FLOOR, "category": category} for _, _, entry_id in found]


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
