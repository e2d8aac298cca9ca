"""``Bot``: route a message, retrieve or run a tool, and decide what to say. The one hub."""

from __future__ import annotations

import ctypes
import gc
import re
import uuid
from collections.abc import Callable
from functools import lru_cache
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from helpbot import __version__, cache, toolchat
from helpbot.fusion import Fusion, out_of_fold_examples
from helpbot.intents import Intent, IntentSet, load_intents
from helpbot.knowledge import knowledge_files, load_knowledge
from helpbot.models import Entry, Hit, Reply
from helpbot.paths import data_dir
from helpbot.retrieval import Doc, HybridRetriever
from helpbot.sessions import Session, SessionStore
from helpbot.text import Analyzer

OUT_OF_SCOPE = "intent:out-of-scope"
CLASSIFIER_MAX_DOCS = 1000  # one-vs-rest costs docs x examples to fit and docs x features to keep
FULL_CHAR_MAX_TEXTS = 100_000  # stored questions; see HybridRetriever
LIVECHAT_OFFER = 'If you\'d rather talk to a person, type "agent" to reach a LiveChat agent.'
MAX_QUESTION_CHARS = 2000
_ORDINALS = {
    "first": 0, "1": 0, "1st": 0, "one": 0, "second": 1, "2": 1, "2nd": 1, "two": 1,
    "third": 2, "3": 2, "3rd": 2, "three": 2, "last": -1,
}
_CHOICE = re.compile(
    r"^\s*(?:the\s+)?(first|second|third|last|1st|2nd|3rd|one|two|three|[123])(?:\s+one)?(?:\s+please)?[\s.!]*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Thresholds:
    """Decision thresholds on the calibrated confidence (tuned on the dev split)."""

    answer: float = 0.4
    intent: float = 0.4
    clarify: float = 0.35
    clarify_ratio: float = 0.6  # runner-up's ranker probability / the top one's


@dataclass(frozen=True)
class Index:
    """Everything built from a knowledge base: what the disk cache keeps."""

    docs: list[Doc]
    retriever: HybridRetriever
    fusion: Fusion


def resolve_folders(
    knowledge_dir: str | Path | None, intents_dir: str | Path | None
) -> tuple[Path, Path | None]:
    """The folders Bot.load reads: the bundled ones when neither is given; a knowledge folder
    given alone is read without intents (FAQ only)."""
    knowledge = Path(knowledge_dir) if knowledge_dir is not None else data_dir("knowledge")
    if intents_dir is None and knowledge_dir is None:
        intents_dir = data_dir("intents")
    return knowledge, Path(intents_dir) if intents_dir is not None else None


def index_key(knowledge: Path, intents: Path | None) -> str | None:
    """The disk-cache key of the index built from these folders (None: no files to key on)."""
    files = knowledge_files(knowledge) + (sorted(intents.glob("*.yaml")) if intents and intents.is_dir() else [])
    return cache.fingerprint(files, extra=__version__) if files else None


def build_index(entries: list[Entry], intent_set: IntentSet) -> Index:
    docs = [Doc(e.id, e.title, e.questions, e.answer, e.tags) for e in entries]
    docs += [Doc(f"intent:{i.name}", i.examples[0], i.examples[1:] or i.examples, "", ()) for i in intent_set.intents]
    if intent_set.negatives:
        # Out-of-scope examples compete as one more doc: when it ranks first, the bot says it
        # doesn't know, and the classifier and fusion learn what unanswerable looks like.
        negatives = intent_set.negatives
        docs.append(Doc(OUT_OF_SCOPE, negatives[0], tuple(negatives[1:] or negatives), "", ()))
    analyzer = Analyzer(intent_set.synonyms)
    # The retrievers that train the fusion must compute the same features as the one that
    # serves: when the base is too large for the classifier, theirs is switched off too.
    # Likewise the character index, switched off above FULL_CHAR_MAX_TEXTS stored questions.
    classifier_max_docs = CLASSIFIER_MAX_DOCS if len(docs) <= CLASSIFIER_MAX_DOCS else 0
    n_texts = sum(1 + len(d.questions) for d in docs)
    full_char_max_texts = FULL_CHAR_MAX_TEXTS if n_texts <= FULL_CHAR_MAX_TEXTS else 0

    def new_retriever() -> HybridRetriever:
        return HybridRetriever(analyzer, classifier_max_docs=classifier_max_docs,
                               full_char_max_texts=full_char_max_texts)

    retriever = new_retriever().fit(docs)
    fusion = Fusion().fit(out_of_fold_examples(docs, new_retriever))
    _return_freed_memory()
    return Index(docs, retriever, fusion)


def _return_freed_memory() -> None:
    """Building a large index leaves hundreds of MB of freed scratch space in the allocator's
    arenas; hand it back to the operating system so a worker's resident size is what it uses."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim
        pass


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
    ) -> None:
        self.entries = {e.id: e for e in entries}
        self.intent_set = intent_set
        self.intents = {i.name: i for i in intent_set.intents}
        self.thresholds = thresholds
        self.sessions = sessions if sessions is not None else SessionStore()
        self.today = today
        self.index = index or build_index(entries, intent_set)
        self.analyzer = self.index.retriever.analyzer
        self.docs = self.index.docs
        self.retriever = self.index.retriever
        self.fusion = self.index.fusion
        self.n_entries = len(entries)
        # Help-center traffic repeats itself ("how do I reset my password"): the ranking of a
        # text depends on nothing but the text, so the most recent ones are kept (bounded LRU).
        self._rank = lru_cache(maxsize=rank_cache_size)(self._rank_uncached) if rank_cache_size else self._rank_uncached

    def clear_rank_cache(self) -> None:
        if hasattr(self._rank, "cache_clear"):
            self._rank.cache_clear()

    @classmethod
    def load(
        cls,
        knowledge_dir: str | Path | None = None,
        intents_dir: str | Path | None = None,
        *,
        cache_dir: str | Path | None = None,
        use_cache: bool = True,
        **options,
    ) -> Bot:
        """Load a knowledge base (the bundled one by default) and build every index once.

        The built index is cached on disk (see :mod:`helpbot.cache`) and reused while the
        knowledge and intents files are unchanged; ``cache_dir=None`` keeps the default folder,
        ``use_cache=False`` always rebuilds.
        """
        knowledge, intents = resolve_folders(knowledge_dir, intents_dir)
        key = index_key(knowledge, intents) if use_cache else None
        directory = Path(cache_dir) if cache_dir is not None else cache.default_dir()
        if key is not None:
            cached = cls.from_cache(key, cache_dir=directory, **options)
            if cached is not None:
                return cached
        entries = load_knowledge(knowledge)
        intent_set = load_intents(intents)
        bot = cls(entries, intent_set, **options)
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

    def _rank_uncached(self, text: str) -> tuple[tuple[int, ...], np.ndarray, float]:
        """Doc indices best first, their ranker scores, and the calibrated confidence."""
        candidates = self.retriever.candidates(text)
        scores = self.fusion.scores(candidates.features)
        order = np.lexsort((candidates.indices, -scores))  # ties go to the earlier doc
        ordered = scores[order]
        ordered.flags.writeable = False  # shared through the cache: nobody may change it
        return tuple(int(candidates.indices[i]) for i in order), ordered, self.fusion.confidence(scores, candidates.features)

    def search(self, query: str, k: int = 5) -> list[Hit]:
        """The k best knowledge entries for a query (intents are not returned)."""
        if not isinstance(query, str) or not query.strip() or k <= 0:
            return []
        ranked, scores, _ = self._rank(query[:MAX_QUESTION_CHARS])
        hits = []
        for index, score in zip(ranked, scores):
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

        ranked, scores, confidence = self._rank(question)
        top = self.docs[ranked[0]].key
        if top == OUT_OF_SCOPE:
            entry_ranked = [i for i in ranked if self.docs[i].key in self.entries]
            return self._fallback([self.entries[self.docs[i].key] for i in entry_ranked[:3]], 1.0 - confidence,
                                  session)
        if top.startswith("intent:") and confidence >= self.thresholds.intent:
            intent = self.intents[top.removeprefix("intent:")]
            return self._intent_reply(intent, question, session, confidence)
        entry_ranked = [(i, s) for i, s in zip(ranked, scores) if self.docs[i].key in self.entries]
        runner_up_ratio = 0.0
        if len(entry_ranked) >= 2 and top in self.entries:
            p1, p2 = self.fusion.probability(np.array([entry_ranked[0][1], entry_ranked[1][1]]))
            runner_up_ratio = float(p2 / p1) if p1 > 0 else 0.0
        if confidence >= self.thresholds.answer and top in self.entries:
            return self._answer(self.entries[top], confidence, session, question)
        tool_reply = toolchat.run_if_complete(self, question, session, confidence)
        if tool_reply is not None:
            return tool_reply
        if confidence >= self.thresholds.clarify and runner_up_ratio >= self.thresholds.clarify_ratio:
            return self._clarify([self.entries[self.docs[i].key] for i, _ in entry_ranked[:2]], confidence, session)
        return self._fallback([self.entries[self.docs[i].key] for i, _ in entry_ranked[:3]], confidence, session)

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
