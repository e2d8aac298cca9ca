"""helpbot: the Ecokara help-center bot. ``from helpbot import Bot``; ``Bot.load()``.

Importing the package is cheap: ``Bot`` (numpy, scipy, the encoder, ...) is imported the first
time it is used, so ``helpbot kb lint`` or ``import helpbot.errors`` never pays for the engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

__all__ = ["Bot", "Entry", "Hit", "HelpbotError", "KnowledgeError", "Reply", "Suggestion", "Thresholds",
           "ToolInputError"]

_LAZY = {
    "Bot": "helpbot.bot", "Thresholds": "helpbot.policy", "Entry": "helpbot.models", "Hit": "helpbot.models",
    "Reply": "helpbot.models", "Suggestion": "helpbot.models", "HelpbotError": "helpbot.errors",
    "KnowledgeError": "helpbot.errors", "ToolInputError": "helpbot.errors",
}

if TYPE_CHECKING:  # for type checkers and editors; at run time the names load lazily
    from helpbot.bot import Bot
    from helpbot.errors import HelpbotError, KnowledgeError, ToolInputError
    from helpbot.models import Entry, Hit, Reply, Suggestion
    from helpbot.policy import Thresholds


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'helpbot' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
