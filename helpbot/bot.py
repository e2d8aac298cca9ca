"""``Bot``: route a message, retrieve or run a tool, and decide what to say. The one hub."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

from helpbot import cache, toolchat
from helpbot.index import OUT_OF_SCOPE, Index, build_index, index_key, resolve_folders
from helpbot.intents import Intent, IntentSet, load_intents
from helpbot.knowledge import load_knowledge
from helpbot.models import Entry, Hit, Reply
from helpbot.policy import Thresholds, decide
from helpbot.ranking import MAX_QUESTION_CHARS, Ranker
from helpbot.sessions import Session, SessionStore

LIVECHAT_OFFER = 'If you\'d rather talk to a person, type "agent" to reach a LiveChat agent.'
_ORDINALS = {
    "first": 0, "1": 0, "1st": 0, "one": 0, "second": 1, "2": 1, "2nd": 1, "two": 1,
    "third": 2, "3": 2, "3rd": 2, "three": 2, "last": -1,
}
_CHOICE = re.compile(
    r"^\s*(?:the\s+)?(first|second|third|last|1st|2nd|3rd|one|two|three|[123])(?:\s+one)?(?:\s+please)?[\s.!]*$",
    re.IGNORECASE,
)
__all__ = ["Bot", "Thresholds", "OUT_OF_SCOPE", "resolve_folders", "index_key"]


class Bot:
    """The help-center bot. Build it with :meth:`Bot.load`."""

    def __init__(
        self,
        entries: list[Entry],
        intent_set: IntentSet,
        *,
        thresholds: Thresholds = Thresholds(),
        sessions: SessionStore | None = None,
        today: Callable[[], date] = date.today,
        index: Index | None = None,
        rank_cache_size: int = 4096,
        embeddings: bool = True,
    ) -> None:
        self.entries = {e.id: e for e in entries}
        self.intent_set = intent_set
        self.intents = {i.name: i for i in intent_set.intents}
        self.thresholds = thresholds
        self.sessions = sessions if sessions is not None else SessionStore()
        self.today = today
        self.index = index or build_index(entries, intent_set, embeddings=embeddings)
        self.analyzer = self.index.retriever.analyzer
        self.docs = self.index.docs
        self.retriever = self.index.retriever
        self.fusion = self.index.fusion
        self.n_entries = len(entries)
        self.ranker = Ranker(self.index, cache_size=rank_cache_size)
        self._keys = [d.key for d in self.docs]

    def clear_rank_cache(self) -> None:
        self.ranker.clear_cache()

    @classmethod
    def load(
        cls,
        knowledge_dir: str | Path | None = None,
        intents_dir: str | Path | None = None,
        *,
        cache_dir: str | Path | None = None,
        use_cache: bool = True,
        embeddings: bool = True,
        progress=None,
        **options,
    ) -> Bot:
        """Load a knowledge base (the bundled one by default) and build every index once.

        The built index is cached on disk (see :mod:`helpbot.cache`) and reused while the
        knowledge and intents files are unchanged; ``cache_dir=None`` keeps the default folder,
        ``use_cache=False`` always rebuilds.
        """
        sources = resolve_folders(knowledge_dir, intents_dir)
        key = index_key(sources, embeddings=embeddings) if use_cache else None
        directory = Path(cache_dir) if cache_dir is not None else cache.default_dir()
        if key is not None:
            cached = cls.from_cache(key, cache_dir=directory, **options)
            if cached is not None:
                return cached
        entries = load_knowledge(sources.knowledge)
        intent_set = load_intents(sources.intents, general_only=sources.general_intents)
        index = build_index(entries, intent_set, embeddings=embeddings, progress=progress)
        bot = cls(entries, intent_set, index=index, **options)
        if key is not None:
            cache.save(directory, key, (entries, intent_set, bot.index))
        return bot

    @classmethod
    def from_cache(cls, key: str, *, cache_dir: str | Path | None = None, **options) -> Bot | None:
        """The bot built earlier under ``key`` (see :func:`index_key`), or None."""
        directory = Path(cache_dir) if cache_dir is not None else cache.default_dir()
        state = cache.load(directory, key)
        if not (isinstance(state, tuple) and len(state) == 3 and isinstance(state[2], Index)):
            return None
        entries, intent_set, index = state
        return cls(entries, intent_set, index=index, **options)

    # -- retrieval -----------------------------------------------------------------------------

    def search(self, query: str, k: int = 5) -> list[Hit]:
        """The k best knowledge entries for a query (intents are not returned)."""
        if not isinstance(query, str) or not query.strip() or k <= 0:
            return []
        ranking = self.ranker.rank(query[:MAX_QUESTION_CHARS])
        hits = []
        for index, score in zip(ranking.docs, ranking.scores):
            key = self.docs[index].key
            if key in self.entries:
                entry = self.entries[key]
                hits.append(Hit(entry.id, entry.title, entry.answer, float(self.fusion.probability(score))))
            if len(hits) == k:
                break
        return hits

    # -- conversation --------------------------------------------------------------------------

    def ask(self, question: str, session_id: str | None = None) -> Reply:
        """Answer one message; pass the same ``session_id`` to keep a conversation."""
        if not isinstance(question, str) or not question.strip():
            return Reply("fallback", "Please type a question, for example \"how do I post an RFQ?\"")
        question = question.strip()[:MAX_QUESTION_CHARS]
        session = self.sessions.get(session_id) if session_id else Session()

        chosen = self._chosen_suggestion(question, session)
        if chosen is not None and chosen in self.entries:  # a reload may have removed it
            return self._answer(self.entries[chosen], 1.0, session, question, allow_tool=False)

        follow_up = toolchat.continue_dialogue(self, question, session)
        if follow_up is not None:
            return follow_up

        decision = decide(self.ranker.rank(question), self._keys, self.entries, self.thresholds)
        if decision.action == "intent":
            intent = self.intents[decision.key.removeprefix("intent:")]
            return self._intent_reply(intent, question, session, decision.confidence)
        if decision.action == "answer":
            # A stored question asked word for word is answered by its entry, never pre-empted
            # by a tool that its words happen to trigger.
            return self._answer(self.entries[decision.key], decision.confidence, session, question,
                                allow_tool=not decision.exact)
        if not decision.out_of_scope:
            tool_reply = toolchat.run_if_complete(self, question, session, decision.confidence)
            if tool_reply is not None:
                return tool_reply
        options = [self.entries[k] for k in decision.options]
        if decision.action == "clarify":
            return self._clarify(options, decision.confidence, session)
        return self._fallback(options, decision.confidence, session)

    def _answer(self, entry: Entry, confidence: float, session: Session, question: str,
                *, allow_tool: bool = True) -> Reply:
        if allow_tool:
            tool_reply = toolchat.run_if_complete(self, question, session, confidence, first=entry.tool)
            if tool_reply is not None:
                return tool_reply
        session.last_entry_id = entry.id
        session.suggestions = [{"entry_id": r, "title": self.entries[r].title} for r in entry.related
                               if r in self.entries][:3]
        text = entry.answer
        if entry.tool:
            session.offered_tool = entry.tool
            text = f"{text}\n\n{toolchat.offer_text(entry.tool)}"
        return Reply("answer", text, entry.id, confidence, suggestions=list(session.suggestions))

    def _clarify(self, options: list[Entry], confidence: float, session: Session) -> Reply:
        session.suggestions = [{"entry_id": e.id, "title": e.title} for e in options]
        lines = "\n".join(f"{n}. {e.title}" for n, e in enumerate(options, 1))
        return Reply("clarify", f"Did you mean:\n{lines}", None, confidence, suggestions=list(session.suggestions))

    def _fallback(self, options: list[Entry], confidence: float, session: Session) -> Reply:
        session.suggestions = [{"entry_id": e.id, "title": e.title} for e in options]
        text = "Sorry, I don't know the answer to that one."
        if options:
            text += " These help articles may be related:\n" + "\n".join(
                f"{n}. {e.title}" for n, e in enumerate(options, 1)
            )
        return Reply("fallback", f"{text}\n\n{LIVECHAT_OFFER}", None, confidence,
                     suggestions=list(session.suggestions))

    def _intent_reply(self, intent: Intent, question: str, session: Session, confidence: float) -> Reply:
        if intent.kind == "tool":
            return toolchat.start(self, intent.name, question, session, confidence)
        text = intent.responses[0]
        return Reply(intent.kind, text, None, confidence, intent=intent.name)

    def _chosen_suggestion(self, question: str, session: Session) -> str | None:
        """An entry id when the message picks one of the last suggestions."""
        if not session.suggestions:
            return None
        match = _CHOICE.match(question)
        if match:
            index = _ORDINALS[match.group(1).lower()]
            if -len(session.suggestions) <= index < len(session.suggestions):
                return session.suggestions[index]["entry_id"]
            return None
        folded = question.casefold().strip(" ?.!")
        for suggestion in session.suggestions:
            if suggestion["title"].casefold().strip(" ?.!") == folded:
                return suggestion["entry_id"]
        return None

    def new_session_id(self) -> str:
        return uuid.uuid4().hex
