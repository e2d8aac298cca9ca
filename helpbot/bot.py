"""``Bot``: one message in, one reply out, as a short sequence of the conversation's parts.

    follow-up?  (a picked article, a figure for a pending calculation, "yes", "and in EUR?")
    rank        (helpbot.ranking: retrieval and fusion)
    decide      (helpbot.policy: answer, intent, clarify or fallback)
    say it      (the entry's answer, a tool's result, or helpbot.replies)
"""

from __future__ import annotations

import copy
import dataclasses
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

from helpbot import forms, replies
from helpbot.followups import chosen
from helpbot.index import Index, build_index, load_index
from helpbot.intents import IntentSet
from helpbot.models import Entry, Hit, Reply, Suggestion
from helpbot.policy import Decision, Thresholds, decide
from helpbot.ranking import MAX_QUESTION_CHARS, Ranker
from helpbot.sessions import MemorySessionStore, Session, SessionStore, note_reply, note_shown, record_turn
from helpbot.tools.spec import TOOLS

__all__ = ["Bot", "Thresholds"]
MAX_SUGGESTIONS = 3


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
        self.sessions = sessions if sessions is not None else MemorySessionStore()
        self.today = today
        self.index = index or build_index(entries, intent_set, embeddings=embeddings)
        self.analyzer = self.index.retriever.analyzer
        self.docs = self.index.docs
        self.retriever = self.index.retriever
        self.fusion = self.index.fusion
        self.ranker = Ranker(self.index, cache_size=rank_cache_size)
        self._keys = [d.key for d in self.docs]
        self.stale = False  # serving the last good build because the files on disk do not load

    def with_sessions(self, sessions: SessionStore) -> Bot:
        """This Bot keeping its conversations in ``sessions``; the index and knowledge are shared
        with this one, not copied (an app given a ready Bot uses it with the configured store)."""
        twin = copy.copy(self)
        twin.sessions = sessions
        return twin

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
        fall_back: bool = False,
        **options,
    ) -> Bot:
        """Load a knowledge base (the bundled one by default) and build every index once.

        The built index is cached on disk (see :mod:`helpbot.index`) and reused while the
        knowledge and intents files are unchanged; ``use_cache=False`` always rebuilds.
        ``progress(stage, done, total)`` is told how a build goes. ``fall_back``: when the files
        do not load, serve the last build that did (``bot.stale`` is then True).
        """
        loaded = load_index(knowledge_dir, intents_dir, cache_dir=cache_dir, use_cache=use_cache,
                            embeddings=embeddings, progress=progress, fall_back=fall_back)
        bot = cls(loaded.entries, loaded.intent_set, index=loaded.index, **options)
        bot.stale = loaded.stale
        return bot

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
        """Answer one message; pass the same ``session_id`` to keep a conversation.

        The session is loaded from the session store first and saved after the reply, so the
        next message may go to any worker or host that shares the store (helpbot.sessions)."""
        if not isinstance(question, str) or not question.strip():
            return Reply("fallback", replies.EMPTY_QUESTION)
        question = question.strip()[:MAX_QUESTION_CHARS]
        if not session_id:
            return self._reply(question, Session(), self.today())
        session = self._usable(self.sessions.load(session_id))
        secret = _expects_secret(session)  # before the reply: answering it clears the prompt
        before = (session.last_kind, session.last_question, list(session.suggestions))
        reply = self._reply(question, session, self.today())
        note_shown(session, [*([reply.entry_id] if reply.entry_id else []), *(s.entry_id for s in reply.suggestions)])
        secret = secret or reply.tool == "password_check"
        record_turn(session, question, reply.text, secret=secret)
        note_reply(session, question, reply.kind, reply.entry_id, secret=secret)
        self.sessions.save(session_id, session)
        learned = _learned(question, reply, *before)
        return dataclasses.replace(reply, learned=learned) if learned else reply

    def _reply(self, question: str, session: Session, today: date) -> Reply:
        picked = chosen(question, session.suggestions)
        if picked is not None and picked.entry_id in self.entries:  # a reload may have removed it
            return self._answer(self.entries[picked.entry_id], 1.0, question, session, today)
        follow_up = forms.follow_up(question, session, today)
        if follow_up is not None:
            return follow_up
        ranking = self.ranker.rank(question)
        decision = decide(ranking, self._keys, self.entries, self.thresholds)
        if decision.action == "intent" and not self._personal(decision.key, question):
            # "What is the fee on orders over $5,000?" sounds like the calculator, but its figure is
            # not the user's own: answer it from the knowledge base instead.
            decision = decide(ranking, self._keys, self.entries, self.thresholds, intents=False)
        return self._act(decision, question, session, today)

    @staticmethod
    def _usable(session: Session) -> Session:
        """A stored session may name a tool this release no longer has (saved by an older
        worker during a rolling deploy): forget that part rather than fail on it."""
        if session.pending_tool not in TOOLS:
            session.pending_tool, session.tool_params = None, {}
        if session.offered_tool not in TOOLS:
            session.offered_tool, session.offer_params = None, {}
        if session.last_tool not in TOOLS:
            session.last_tool, session.last_params = None, {}
        return session

    def _personal(self, intent_key: str, question: str) -> bool:
        spec = TOOLS.get(intent_key.removeprefix("intent:"))
        return spec is None or spec.personal(question)

    def _act(self, decision: Decision, question: str, session: Session, today: date) -> Reply:
        if decision.action == "intent":
            intent = self.intents[decision.key.removeprefix("intent:")]
            if intent.kind == "tool":
                return forms.start(TOOLS[intent.name], question, session, today, decision.confidence)
            return Reply(intent.kind, intent.responses[0], None, decision.confidence, intent=intent.name)
        entry = self.entries.get(decision.key) if decision.action == "answer" else None
        if not decision.exact and not decision.out_of_scope:
            # The user's own figures: run the tool (the answered entry's tool first), even when the
            # message is phrased as a question.
            ran = forms.complete_in_message(question, session, today, decision.confidence,
                                            first=entry.tool if entry else None)
            if ran is not None:
                return ran
        if entry is not None:
            return self._answer(entry, decision.confidence, question, session, today)
        options = [self._suggestion(k) for k in decision.options]
        session.suggestions = options
        text = replies.clarify(options) if decision.action == "clarify" else replies.fallback(options)
        return Reply(decision.action, text, None, decision.confidence, suggestions=tuple(options))

    def _answer(self, entry: Entry, confidence: float, question: str, session: Session, today: date) -> Reply:
        session.suggestions = [self._suggestion(r) for r in entry.related if r in self.entries][:MAX_SUGGESTIONS]
        offer = forms.offer(entry.tool, question, session, today)
        text = f"{entry.answer}\n\n{offer}" if offer else entry.answer
        return Reply("answer", text, entry.id, confidence, suggestions=tuple(session.suggestions))

    def _suggestion(self, entry_id: str) -> Suggestion:
        return Suggestion(entry_id, self.entries[entry_id].title)

    def new_session_id(self) -> str:
        return uuid.uuid4().hex


def _expects_secret(session: Session) -> bool:
    """Whether the session's last reply asked for a password (the next message may be one)."""
    spec = TOOLS.get(session.pending_tool or "")
    return spec is not None and spec.secret is not None and spec.missing(session.tool_params)[:1] == [spec.secret]


def _learned(question: str, reply: Reply, last_kind: str | None, last_question: str | None,
             offered: list) -> tuple[str, str] | None:
    """The curator loop's signal in this message: it picked the entry it got from the options of
    the reply before, a clarify or fallback, so that reply's question meant this entry."""
    if reply.kind != "answer" or last_kind not in ("clarify", "fallback") or not last_question:
        return None
    picked = chosen(question, offered)
    if picked is None or picked.entry_id != reply.entry_id:
        return None
    return last_question, f"{last_kind}_pick"
