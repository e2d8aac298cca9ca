"""A built index cached on disk, keyed by a hash of the files it was built from.

Building the indexes (and learning the fusion) takes seconds and needs scikit-learn; loading a
cached build takes a few tens of milliseconds with numpy and scipy only. The key covers every
knowledge and intents file's name and bytes, the package version and the source of the modules
that build the index, so any change to the knowledge or to that code rebuilds automatically. The cache holds pickles written by helpbot itself, in the
user's cache folder (``HELPBOT_CACHE_DIR``, else ``$XDG_CACHE_HOME/helpbot``, else
``~/.cache/helpbot``); a damaged or unreadable cache is ignored and rebuilt.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

FORMAT = 3  # bump when the pickled classes change shape


def default_dir(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get("HELPBOT_CACHE_DIR"):
        return Path(env["HELPBOT_CACHE_DIR"])
    base = Path(env["XDG_CACHE_HOME"]) if env.get("XDG_CACHE_HOME") else Path.home() / ".cache"
    return base / "helpbot"


# The modules whose classes are pickled or whose code shapes the index: a change to any of them
# (a new feature, a new field) must never meet an index built by the old code.
INDEX_MODULES = ("bm25.py", "chargrams.py", "classifier.py", "embeddings.py", "semantic.py", "retrieval.py",
                 "fusion.py", "training.py", "index.py", "text.py", "models.py", "intents.py", "knowledge.py",
                 "assets/fusion_prior.json")


def fingerprint(files: Iterable[Path], *, extra: str = "") -> str:
    digest = hashlib.sha256(f"{FORMAT}|{extra}".encode())
    package = Path(__file__).resolve().parent
    for name in INDEX_MODULES:
        path = package / name
        digest.update(path.read_bytes() if path.exists() else b"(absent)")
    # Ordered by folder and file name, not by full path: a copy of the same files elsewhere keys
    # the same (and the knowledge and intents files keep one order wherever the folders are).
    for path in sorted((Path(f) for f in files), key=lambda p: (p.parent.name, p.name)):
        digest.update(f"|{path.parent.name}/{path.name}|".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def load(directory: Path, key: str) -> Any | None:
    path = Path(directory) / f"index-{key}.pickle"
    try:
        with open(path, "rb") as handle:
            return pickle.load(handle)
    except FileNotFoundError:
        return None
    except Exception as exc:  # a damaged cache must never stop the bot: rebuild instead
        log.warning("ignoring unreadable index cache %s: %s", path, exc)
        return None


def save(directory: Path, key: str, state: Any) -> None:
    """Write atomically (temp file, then rename), so a reader never sees half a file."""
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".index-", delete=False) as handle:
            pickle.dump(state, handle, protocol=pickle.HIGHEST_PROTOCOL)
            temporary = handle.name
        os.replace(temporary, directory / f"index-{key}.pickle")
    except OSError as exc:  # a read-only home or full disk: answer anyway, just uncached
        log.warning("could not write index cache in %s: %s", directory, exc)
