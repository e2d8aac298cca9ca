"""helpbot: the Ecokara help-center bot. ``from helpbot import Bot``; ``Bot.load()``."""

from helpbot.bot import Bot, Thresholds
from helpbot.errors import HelpbotError, KnowledgeError, ToolInputError
from helpbot.models import Entry, Hit, Reply

__all__ = ["Bot", "Entry", "Hit", "HelpbotError", "KnowledgeError", "Reply", "Thresholds", "ToolInputError"]
__version__ = "0.1.0"
