from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"

# Built indexes are cached per run in a throw-away folder, never in the user's cache.
os.environ["HELPBOT_CACHE_DIR"] = tempfile.mkdtemp(prefix="helpbot-test-cache-")


@pytest.fixture(scope="session")
def fixture_kb() -> Path:
    return DATA / "kb"


@pytest.fixture(scope="session")
def fixture_intents() -> Path:
    return DATA / "intents"


@pytest.fixture
def kb_copy(tmp_path: Path, fixture_kb: Path) -> Path:
    """A writable copy of the fixture knowledge base, for tests that break it on purpose."""
    target = tmp_path / "kb"
    shutil.copytree(fixture_kb, target)
    return target


@pytest.fixture(scope="session")
def small_bot(fixture_kb: Path, fixture_intents: Path):
    from helpbot import Bot

    return Bot.load(knowledge_dir=fixture_kb, intents_dir=fixture_intents)


@pytest.fixture(scope="session")
def bot():
    """The bundled knowledge base, built once for the whole run."""
    from helpbot import Bot

    return Bot.load()
