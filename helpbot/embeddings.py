"""Sentence embeddings: all-MiniLM-L6-v2, int8, run by onnxruntime (no PyTorch at run time).

The model file ships inside the package (``helpbot/assets/minilm``, about 23 MB; licence and
provenance in its NOTICE.md; ``scripts/export_embedding_model.py`` rebuilds it). A text becomes a
384-dimensional unit vector, so the cosine of two texts is their dot product.

Three choices that matter, each measured:
- **No padding.** The packaged tokenizer padded every input to 128 tokens: a short query then cost
  as much as a long one, and the padded positions changed the vectors. Inputs are tokenised without
  padding and truncated at 256 tokens (the model's trained maximum).
- **One text per run.** Activations are quantised dynamically, per tensor: in a padded batch the
  scale depends on the other texts, so a stored question would get a slightly different vector
  than the same text typed as a query. Every text is encoded alone (several at once on separate
  threads when building), so ``encode_many(texts)[i] == encode(texts[i])`` exactly.
- **One intra-op thread.** A single short query gains nothing from a thread pool and the pool's
  wake-ups cost more than the work; the server's parallelism is its workers and threads.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cached_property
from pathlib import Path

import numpy as np

from helpbot.text import fold

MODEL_DIR = Path(__file__).resolve().parent / "assets" / "minilm"
MODEL_FILE = "model.int8.onnx"
# Pinned so a changed or damaged file is noticed (tests/test_embeddings.py) and so the index cache
# key follows the model: vectors from one model must never meet a query encoded by another.
MODEL_SHA256 = "263d44d6c892fdc4528610855af6cc0f12adfbb14c1cbb180f05fb31623d50dd"
DIMENSIONS = 384
MAX_TOKENS = 256
MAX_CHARS = 2000  # far beyond 256 tokens; keeps tokenising a pasted essay cheap
_SURROGATES = re.compile("[\ud800-\udfff]")


def prepare(text: str) -> str:
    """What the encoder reads: NFKC, case and invisible characters folded, spaces squeezed.
    Synonyms and stemming are left out on purpose: the model knows words, not our canonical terms.
    Lone surrogates (possible in a Python string, not in UTF-8) become spaces."""
    return " ".join(_SURROGATES.sub(" ", fold(text[:MAX_CHARS])).split())


class Encoder:
    """Encodes texts to unit vectors. Cheap to create; the model loads on first use.

    Safe to share between threads. Pickling keeps only the folder (the index cache stores vectors,
    never a session).
    """

    def __init__(self, model_dir: str | Path | None = None, *, threads: int = 1) -> None:
        self.model_dir = Path(model_dir) if model_dir is not None else MODEL_DIR
        self.threads = threads
        self._lock = threading.Lock()
        self._session = None
        self._tokenizer = None

    def __getstate__(self) -> dict:
        return {"model_dir": self.model_dir, "threads": self.threads}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["model_dir"], threads=state["threads"])

    @cached_property
    def fingerprint(self) -> str:
        """SHA-256 of the model file: part of the index cache key."""
        return hashlib.sha256((self.model_dir / MODEL_FILE).read_bytes()).hexdigest()

    def _load(self) -> None:
        with self._lock:
            if self._session is not None:
                return
            import onnxruntime as ort
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
            tokenizer.no_padding()
            tokenizer.enable_truncation(MAX_TOKENS)
            options = ort.SessionOptions()
            options.intra_op_num_threads = self.threads
            options.inter_op_num_threads = 1
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            options.log_severity_level = 3  # warnings about unused initialisers are noise here
            session = ort.InferenceSession(str(self.model_dir / MODEL_FILE), options,
                                           providers=["CPUExecutionProvider"])
            self._tokenizer = tokenizer
            self._session = session

    def _run(self, ids: Sequence[int]) -> np.ndarray:
        array = np.asarray([ids], dtype=np.int64)
        feeds = {"input_ids": array, "attention_mask": np.ones_like(array), "token_type_ids": np.zeros_like(array)}
        return self._session.run(None, feeds)[0][0].astype(np.float32, copy=False)

    def encode(self, text: str) -> np.ndarray:
        """The unit vector of one text, shape (384,)."""
        if self._session is None:
            self._load()
        return self._run(self._tokenizer.encode(prepare(text)).ids)

    def encode_later(self, text: str) -> Future:
        """``encode(text)`` on a worker thread: a Future of (vector, True). The encoder releases
        the GIL, so the caller's own work (the lexical signals) runs meanwhile on another core."""
        return _pool().submit(lambda: (self.encode(text), True))

    def encode_many(
        self, texts: Sequence[str], *, workers: int | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> np.ndarray:
        """Vectors of many texts, shape (n, 384), each equal to ``encode(text)``.

        Texts run one at a time on ``workers`` threads (default: one per core; onnxruntime releases
        the GIL). ``progress(done, total)`` is called now and then.
        """
        if self._session is None:
            self._load()
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        if not len(texts):
            return out
        encodings = self._tokenizer.encode_batch([prepare(t) for t in texts])  # no padding: lengths kept
        workers = workers or max(1, min(os.cpu_count() or 1, 8))
        done = 0
        step = max(1, len(texts) // 100)

        def one(i: int) -> None:
            out[i] = self._run(encodings[i].ids)

        with ThreadPoolExecutor(max_workers=workers) as pool:
            for _ in pool.map(one, range(len(texts))):
                done += 1
                if progress is not None and (done % step == 0 or done == len(texts)):
                    progress(done, len(texts))
        return out


_shared: dict[str, object] = {}
_shared_lock = threading.Lock()


def _once(name: str, make):
    """One object per process under ``name``, made on first use (thread-safe)."""
    with _shared_lock:
        if name not in _shared:
            _shared[name] = make()
        return _shared[name]


def default_encoder() -> Encoder:
    """The shared encoder of the shipped model (one session per process)."""
    return _once("encoder", Encoder)


def _pool() -> ThreadPoolExecutor:
    """Threads that run query encodings beside the lexical stage (two: one per core here)."""
    return _once("pool", lambda: ThreadPoolExecutor(max_workers=2, thread_name_prefix="helpbot-encode"))
