"""helpbot: the Ecokara help-center bot. ``from helpbot import Bot``; ``Bot.load()``."""

__version__ = "0.1.0"

from helpbot.bot import Bot, Thresholds  # noqa: E402  (the version is read by helpbot.bot)
from helpbot.errors import HelpbotError, KnowledgeError, ToolInputError  # noqa: E402
from helpbot.models import Entry, Hit, Reply  # noqa: E402

__all__ = ["Bot", "Entry", "Hit", "HelpbotError", "KnowledgeError", "Reply", "Thresholds", "ToolInputError"]
