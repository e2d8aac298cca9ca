"""Build an index from a knowledge base and its intents, key it, cache it, and keep the last
build that loaded.

An :class:`Index` is everything the bot computes from its files: the docs (entries, intents and
the out-of-scope doc), the fitted retriever with its sentence vectors, and the learned fusion.
Building it takes seconds (the sentence encoder reads every stored text once; the fusion learns
from three out-of-fold retrievers); loading a cached build takes tens of milliseconds.

**The last good build.** Every successful load records which cached build it used, per folder.
``load_index(..., fall_back=True)`` serves that build when the files on disk do not load (a
curator saved a broken YAML file): a server worker started at that moment comes up on the old
knowledge, with an error in the log, instead of failing to boot.
"""

from __future__ import annotations

import ctypes
import gc
import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from helpbot import __version__, cache
from helpbot.embeddings import Encoder, default_encoder
from helpbot.errors import HelpbotError
from helpbot.fusion import Fusion, load_prior
from helpbot.training import informative_questions, out_of_fold_examples
from helpbot.intents import IntentSet, load_intents
from helpbot.knowledge import knowledge_files, load_knowledge
from helpbot.models import Entry
from helpbot.paths import data_dir
from helpbot.retrieval import Doc, HybridRetriever
from helpbot.semantic import VectorTable, passages, texts_to_encode
from helpbot.text import Analyzer

log = logging.getLogger(__name__)

OUT_OF_SCOPE = "intent:out-of-scope"
CLASSIFIER_MAX_DOCS = 1000  # one-vs-rest costs docs x examples to fit and docs x features to keep
FULL_CHAR_MAX_TEXTS = 100_000  # stored questions; see HybridRetriever
# Above this many texts to encode the embedding stage is left off: at about 1.5 ms a text per
# core, 200,000 texts already take minutes to build and 300 MB of vectors to keep.
EMBEDDING_MAX_TEXTS = 200_000
# The linear classifier also reads the sentence vectors when entries average at least this many
# phrasings: on CLINC150 and BANKING77 (100+ each) it adds about a point of accuracy; on the
# bundled base (about 25 each) it added nothing and doubled the build time.
CLASSIFIER_VECTOR_MIN_PHRASINGS = 40

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class Index:
    """Everything built from a knowledge base: what the disk cache keeps."""

    docs: list[Doc]
    retriever: HybridRetriever
    fusion: Fusion

    @property
    def embeddings(self) -> bool:
        return self.retriever.encoder is not None


@dataclass(frozen=True)
class Sources:
    """The folders a bot is built from. ``general_intents``: only the intents files marked
    ``scope: general`` are read (another company's knowledge with the bundled intents folder)."""

    knowledge: Path
    intents: Path | None
    general_intents: bool = False


def resolve_folders(knowledge_dir: str | Path | None, intents_dir: str | Path | None) -> Sources:
    """The folders Bot.load reads: the bundled ones when neither is given. A knowledge folder given
    alone gets the bundled intents that any help center needs (greetings, thanks, asking for a
    person, unrelated topics), not Ecokara's tools, synonyms or near-domain examples."""
    knowledge = Path(knowledge_dir) if knowledge_dir is not None else data_dir("knowledge")
    if intents_dir is not None:
        return Sources(knowledge, Path(intents_dir))
    return Sources(knowledge, data_dir("intents"), general_intents=knowledge_dir is not None)


def index_key(sources: Sources, *, embeddings: bool = True) -> str | None:
    """The disk-cache key of the index built from these folders (None: no files to key on). It
    covers the sentence-encoder model too: vectors never meet a query encoded by another model."""
    intents = sources.intents
    files = knowledge_files(sources.knowledge) + (sorted(intents.glob("*.yaml")) if intents and intents.is_dir() else [])
    if not files:
        return None
    model = default_encoder().fingerprint if embeddings else "lexical"
    return cache.fingerprint(files, extra=f"{__version__}|{model}|general={sources.general_intents}")


@dataclass(frozen=True)
class Loaded:
    """What :func:`load_index` returns; ``stale``: the files did not load and this is the last
    build that did."""

    entries: list[Entry]
    intent_set: IntentSet
    index: Index
    stale: bool = False


def load_index(knowledge_dir: str | Path | None, intents_dir: str | Path | None, *,
               cache_dir: str | Path | None = None, use_cache: bool = True, embeddings: bool = True,
               progress: Progress | None = None, fall_back: bool = False) -> Loaded:
    """The index of these folders: from the disk cache when it holds this build, else built (and
    cached). ``fall_back``: when the files do not load, the last good build, or the error."""
    sources = resolve_folders(knowledge_dir, intents_dir)
    directory = Path(cache_dir) if cache_dir is not None else cache.default_dir()
    key = index_key(sources, embeddings=embeddings) if use_cache else None
    cached = _cached(directory, key) if key is not None else None
    if cached is not None:
        _remember_good(directory, sources, key)
        return cached
    try:
        entries = load_knowledge(sources.knowledge)
        intent_set = load_intents(sources.intents, general_only=sources.general_intents)
    except (HelpbotError, OSError) as exc:
        previous = _last_good(directory, sources) if fall_back else None
        if previous is None:
            raise
        log.error("the knowledge does not load, so this process serves the last build that did "
                  "(%d entries) until it is fixed and reloaded: %s", len(previous.entries), exc)
        return previous
    index = build_index(entries, intent_set, embeddings=embeddings, progress=progress)
    if key is not None:
        cache.save(directory, key, (entries, intent_set, index), keep=_good_keys(directory))
        _remember_good(directory, sources, key)
    return Loaded(entries, intent_set, index)


def _cached(directory: Path, key: str, *, stale: bool = False) -> Loaded | None:
    state = cache.load(directory, key)
    if not (isinstance(state, tuple) and len(state) == 3 and isinstance(state[2], Index)):
        return None
    entries, intent_set, index = state
    return Loaded(entries, intent_set, index, stale)


def _pointer(directory: Path, sources: Sources) -> Path:
    knowledge, intents = sources.knowledge, sources.intents
    name = hashlib.sha256(f"{knowledge.resolve()}|{intents.resolve() if intents else ''}|{sources.general_intents}|"
                          f"{__version__}".encode()).hexdigest()[:24]
    return directory / "last-good" / f"{name}.json"


def _remember_good(directory: Path, sources: Sources, key: str) -> None:
    pointer = _pointer(directory, sources)
    try:
        if pointer.is_file() and json.loads(pointer.read_text()).get("key") == key:
            return
        pointer.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=pointer.parent, delete=False, suffix=".tmp") as handle:
            json.dump({"key": key, "knowledge": str(sources.knowledge), "saved": time.time()}, handle)
        os.replace(handle.name, pointer)
    except (OSError, ValueError) as exc:  # a read-only cache: no fallback, nothing else lost
        log.warning("could not record the last good knowledge build: %s", exc)


def _good_keys(directory: Path) -> set[str]:
    """The builds some knowledge folder falls back on: pruning spares them."""
    keys = set()
    for pointer in (directory / "last-good").glob("*.json"):
        try:
            keys.add(str(json.loads(pointer.read_text())["key"]))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return keys


def _last_good(directory: Path, sources: Sources) -> Loaded | None:
    try:
        key = json.loads(_pointer(directory, sources).read_text())["key"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return _cached(directory, key, stale=True)


def docs_of(entries: list[Entry], intent_set: IntentSet) -> list[Doc]:
    docs = [Doc(e.id, e.title, e.questions, e.answer, e.tags) for e in entries]
    docs += [Doc(f"intent:{i.name}", i.examples[0], i.examples[1:] or i.examples, "", ()) for i in intent_set.intents]
    if intent_set.negatives:
        # Out-of-scope examples compete as one more doc: when it ranks first, the bot says it
        # doesn't know, and the classifier and fusion learn what unanswerable looks like.
        negatives = intent_set.negatives
        docs.append(Doc(OUT_OF_SCOPE, negatives[0], tuple(negatives[1:] or negatives), "", ()))
    return docs


def build_index(entries: list[Entry], intent_set: IntentSet, *, embeddings: bool = True,
                encoder: Encoder | None = None, progress: Progress | None = None) -> Index:
    docs = docs_of(entries, intent_set)
    analyzer = Analyzer(intent_set.synonyms)
    # The retrievers that train the fusion must compute the same features as the one that
    # serves: when the base is too large for the classifier, theirs is switched off too.
    # Likewise the character index, switched off above FULL_CHAR_MAX_TEXTS stored questions.
    classifier_max_docs = CLASSIFIER_MAX_DOCS if len(docs) <= CLASSIFIER_MAX_DOCS else 0
    n_texts = sum(1 + len(d.questions) for d in docs)
    full_char_max_texts = FULL_CHAR_MAX_TEXTS if n_texts <= FULL_CHAR_MAX_TEXTS else 0

    entry_docs = [d for d in docs if not d.key.startswith("intent:")]
    phrasings = sum(len(informative_questions(d)) for d in entry_docs) / max(1, len(entry_docs))
    vectors = None
    if embeddings:
        encoder = encoder or default_encoder()
        texts = texts_to_encode(docs, {d.key: passages(d.body) for d in docs})
        if len(texts) > EMBEDDING_MAX_TEXTS:
            log.warning("embedding stage off: %d texts to encode, more than %d", len(texts), EMBEDDING_MAX_TEXTS)
            embeddings = False
        else:
            report = (lambda done, total: progress("encoding stored texts", done, total)) if progress else None
            vectors = VectorTable(texts, encoder.encode_many(texts, progress=report))

    def new_retriever() -> HybridRetriever:
        return HybridRetriever(analyzer, classifier_max_docs=classifier_max_docs,
                               full_char_max_texts=full_char_max_texts,
                               encoder=encoder if embeddings else None,
                               classifier_vectors=phrasings >= CLASSIFIER_VECTOR_MIN_PHRASINGS)

    if progress:
        progress("indexing", 0, 1)
    retriever = new_retriever().fit(docs, vectors)
    if progress:
        progress("indexing", 1, 1)
    report = (lambda done, total: progress("learning the fusion", done, total)) if progress else None
    examples = out_of_fold_examples(docs, new_retriever, vectors=vectors, progress=report,
                                    is_entry=lambda doc: not doc.key.startswith("intent:"))
    fusion = Fusion(prior=load_prior("hybrid" if embeddings else "lexical")).fit(examples, base_phrasings=phrasings)
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
