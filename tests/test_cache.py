"""The index cache: nothing is unpickled that this installation did not write, folders other
users can write to are refused, and old builds are pruned."""

from __future__ import annotations

import logging
import os
import pickle
import time

import pytest

from helpbot import cache
from helpbot.bot import Bot

KEY = b"k" * 32


class Planted:
    """A pickle that runs code when loaded: it creates a marker file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "cache"
    path.mkdir(mode=0o700)
    return path


def test_round_trip_needs_the_same_secret(folder):
    cache.save(folder, "abc", {"x": [1, 2]}, secret_key=KEY)
    assert cache.load(folder, "abc", secret_key=KEY) == {"x": [1, 2]}
    assert cache.load(folder, "abc", secret_key=b"o" * 32) is None  # another installation's file
    assert cache.load(folder, "missing", secret_key=KEY) is None


@pytest.mark.parametrize("contents", [
    "plain pickle",           # the old format, or a file planted by someone who does not know the key
    "magic without hmac",
    "forged hmac",
    "truncated",
])
def test_a_planted_or_damaged_file_never_runs_and_is_ignored(folder, tmp_path, caplog, contents):
    marker = tmp_path / "pwned"
    payload = pickle.dumps(Planted(marker))
    data = {
        "plain pickle": payload,
        "magic without hmac": cache.MAGIC + payload,
        "forged hmac": cache.MAGIC + b"\0" * 32 + payload,
        "truncated": cache.MAGIC[:5],
    }[contents]
    (folder / "index-abc.pickle").write_bytes(data)
    with caplog.at_level(logging.WARNING, logger="helpbot.cache"):
        assert cache.load(folder, "abc", secret_key=KEY) is None
    assert not marker.exists(), "the planted pickle ran"
    assert "ignoring index cache" in caplog.text


@pytest.mark.parametrize("mode, usable", [(0o700, True), (0o755, True), (0o770, False), (0o777, False),
                                          (0o722, False)])
def test_a_folder_others_can_write_to_is_refused(folder, mode, usable, caplog):
    cache.save(folder, "abc", [1], secret_key=KEY)
    os.chmod(folder, mode)
    try:
        with caplog.at_level(logging.WARNING, logger="helpbot.cache"):
            found = cache.load(folder, "abc", secret_key=KEY)
        assert (found == [1]) is usable
        if not usable:
            assert "writable by other users" in caplog.text
    finally:
        os.chmod(folder, 0o700)


def test_the_secret_is_made_once_private_and_kept(tmp_path):
    path = tmp_path / "config" / "helpbot" / "cache.key"
    first = cache.secret(path)
    assert len(first) == 32 and cache.secret(path) == first
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_key_file_others_can_write_is_not_trusted(tmp_path, caplog):
    path = tmp_path / "cache.key"
    path.write_bytes(b"s" * 32)
    os.chmod(path, 0o666)
    with caplog.at_level(logging.WARNING, logger="helpbot.cache"):
        assert cache.secret(path) != b"s" * 32
    assert "writable by other users" in caplog.text


def test_old_builds_are_pruned_but_last_good_ones_kept(folder):
    for n in range(6):
        cache.save(folder, f"b{n}", n, secret_key=KEY, keep=["b0"])
        stamp = time.time() - 100 + n  # distinct modification times, oldest first
        os.utime(folder / f"index-b{n}.pickle", (stamp, stamp))
    left = sorted(p.name for p in folder.glob("index-*.pickle"))
    assert left == ["index-b0.pickle", "index-b3.pickle", "index-b4.pickle", "index-b5.pickle"]


def test_a_planted_cache_is_rebuilt_by_the_bot(fixture_kb, fixture_intents, tmp_path):
    cache_dir = tmp_path / "cache"
    Bot.load(knowledge_dir=fixture_kb, intents_dir=fixture_intents, cache_dir=cache_dir)
    marker = tmp_path / "pwned"
    for path in cache_dir.glob("index-*.pickle"):  # same name the real build has: anyone can compute it
        path.write_bytes(pickle.dumps(Planted(marker)))
    bot = Bot.load(knowledge_dir=fixture_kb, intents_dir=fixture_intents, cache_dir=cache_dir)
    assert not marker.exists()
    assert bot.ask("tt zip code").entry_id == "tt-zip-code"
    assert cache.load(cache_dir, next(cache_dir.glob("index-*.pickle")).stem[len("index-"):]) is not None
