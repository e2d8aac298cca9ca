"""The errors helpbot raises: one base class, one subclass per surface."""

from __future__ import annotations


class HelpbotError(Exception):
    """Base class of every error helpbot raises on purpose."""


class KnowledgeError(HelpbotError):
    """A knowledge or intents file is malformed; the message names file and line."""


class ToolInputError(HelpbotError, ValueError):
    """A tool was given input it cannot use. The message says, in words a buyer reads (the chat
    and the widget show it as it is), what is wrong and how to fix it; ``field`` names the
    parameter for programs (the JSON API returns it beside the message)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ConfigError(HelpbotError, ValueError):
    """A setting has a value that cannot be used; the message names the variable."""
