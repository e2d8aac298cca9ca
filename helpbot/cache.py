"""A built index cached on disk, keyed by a hash of the files it was built from.

Building the indexes (and learning the fusion) takes seconds and needs scikit-learn; loading a
cached build takes a few tens of milliseconds with numpy and scipy only. The key covers every
knowledge and intents file's name and bytes, the package version and the source of the modules
that build the index, so any change to the knowledge or to that code rebuilds automatically.

The cache lives in the user's cache folder (``HELPBOT_CACHE_DIR``, else ``$XDG_CACHE_HOME/helpbot``,
else ``~/.cache/helpbot``). Its files are pickles, and unpickling a planted file runs its code, so
nothing is unpickled that this installation did not write: each file carries an HMAC-SHA256 of its
bytes under a per-installation secret kept outside the cache folder (``HELPBOT_CACHE_KEY_FILE``,
else ``$XDG_CONFIG_HOME/helpbot/cache.key``, else ``~/.config/helpbot/cache.key``, mode 0600), and
is checked before it is read. A cache folder (or key file) that other users can write to, or that
another user owns, is not used at all (the bot builds in memory and says why). A damaged, planted
or unreadable file is ignored with a warning and rebuilt. Only the newest :data:`KEEP_BUILDS`
builds are kept (plus the last good one of each knowledge folder), so edits do not fill the disk.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import pickle
import secrets
import stat
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

FORMAT = 4  # bump when the pickled classes change shape (4: files carry an HMAC)
MAGIC = b"HELPBOT-INDEX-4\n"
KEEP_BUILDS = 3
_process_key = secrets.token_bytes(32)  # used when no key file can be kept: this process's cache only


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


def key_file(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get("HELPBOT_CACHE_KEY_FILE"):
        return Path(env["HELPBOT_CACHE_KEY_FILE"])
    base = Path(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else Path.home() / ".config"
    return base / "helpbot" / "cache.key"


def unsafe_reason(path: Path) -> str | None:
    """Why ``path`` (a folder or file) must not be trusted, or None: it is writable by group or
    others, or owned by another user (root's files are trusted: root can write anything anyway)."""
    try:
        info = path.stat()
    except (FileNotFoundError, NotADirectoryError):  # nothing there yet: nothing to distrust
        return None
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"{path} is writable by other users (mode {stat.filemode(info.st_mode)})"
    if hasattr(os, "getuid") and info.st_uid not in (os.getuid(), 0):
        return f"{path} belongs to another user (uid {info.st_uid})"
    return None


def secret(path: Path | None = None) -> bytes:
    """The installation's cache secret, made on first use (0600, never overwritten)."""
    path = key_file() if path is None else path
    try:
        reason = unsafe_reason(path) or unsafe_reason(path.parent)
        if reason:
            raise PermissionError(reason)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            try:
                descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # another worker made it first: read theirs
                pass
            else:
                with os.fdopen(descriptor, "wb") as handle:
                    handle.write(secrets.token_bytes(32))
        value = path.read_bytes()
        if len(value) < 32:
            raise ValueError(f"{path} is too short to be a cache key")
        return value
    except (OSError, ValueError) as exc:
        log.warning("index cache key unavailable (%s); cached builds are shared by this process only", exc)
        return _process_key


def _signature(payload: bytes, key: bytes) -> bytes:
    return hmac.new(key, payload, hashlib.sha256).digest()


def usable(directory: Path) -> bool:
    """Whether the cache folder may be used: not writable by others, not another user's."""
    reason = unsafe_reason(Path(directory))
    if reason:
        log.warning("not using the index cache: %s (make it private: chmod 700)", reason)
    return reason is None


def load(directory: Path, key: str, *, secret_key: bytes | None = None) -> Any | None:
    path = Path(directory) / f"index-{key}.pickle"
    if not usable(directory):
        return None
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("ignoring unreadable index cache %s: %s", path, exc)
        return None
    head, signature, payload = data[:len(MAGIC)], data[len(MAGIC):len(MAGIC) + 32], data[len(MAGIC) + 32:]
    expected = _signature(payload, secret() if secret_key is None else secret_key)
    if head != MAGIC or not hmac.compare_digest(signature, expected):
        # Checked before unpickling: a planted or foreign file never gets to run anything.
        log.warning("ignoring index cache %s: not written by this installation (bad signature); rebuilding", path)
        return None
    try:
        return pickle.loads(payload)
    except Exception as exc:  # a damaged cache must never stop the bot: rebuild instead
        log.warning("ignoring unreadable index cache %s: %s", path, exc)
        return None


def save(directory: Path, key: str, state: Any, *, secret_key: bytes | None = None,
         keep: Iterable[str] = ()) -> None:
    """Write atomically (temp file, then rename), so a reader never sees half a file; then prune
    old builds, sparing ``keep`` (keys still pointed to as a folder's last good build)."""
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not usable(directory):
            return
        payload = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
        signature = _signature(payload, secret() if secret_key is None else secret_key)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".index-", delete=False) as handle:
            handle.write(MAGIC + signature + payload)
            temporary = handle.name
        os.replace(temporary, directory / f"index-{key}.pickle")
        prune(directory, keep={key, *keep})
    except OSError as exc:  # a read-only home or full disk: answer anyway, just uncached
        log.warning("could not write index cache in %s: %s", directory, exc)


def prune(directory: Path, *, keep: Iterable[str] = (), builds: int = KEEP_BUILDS) -> list[Path]:
    """Delete all but the newest ``builds`` cached builds (and any in ``keep``); the removed paths."""
    spared = {f"index-{k}.pickle" for k in keep}
    files = sorted(Path(directory).glob("index-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    removed = []
    for path in files[builds:]:
        if path.name in spared:
            continue
        try:
            path.unlink()
            removed.append(path)
        except FileNotFoundError:  # another worker pruned it first
            pass
    for leftover in Path(directory).glob(".index-*"):  # temp files of a writer killed mid-write
        try:
            if leftover.stat().st_mtime < time.time() - 3600:
                leftover.unlink()
        except FileNotFoundError:
            pass
    return removed

