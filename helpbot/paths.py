"""Where the data folders (knowledge/, intents/, web/) are, installed or not.

A checkout (plain or editable install) keeps them at the repository root, next to the
package; a regular install copies them under ``<prefix>/share/helpbot``. Settings can
always point elsewhere (``HELPBOT_KNOWLEDGE_DIR`` and friends, see ``helpbot.config``).
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def data_dir(name: str, *, prefixes: tuple[Path, ...] | None = None) -> Path:
    """Return the folder ``name`` (e.g. "knowledge") from the checkout or the install prefix."""
    candidates = [REPO_ROOT / name]
    for prefix in prefixes if prefixes is not None else (Path(sys.prefix), Path(sys.base_prefix)):
        candidates.append(prefix / "share" / "helpbot" / name)
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    searched = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(f"helpbot data folder '{name}' not found; looked in: {searched}")
