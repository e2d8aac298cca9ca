"""The errors helpbot raises: one base class, one subclass per surface."""

from __future__ import annotations


class HelpbotError(Exception):
    """Base class of every error helpbot raises on purpose."""


class KnowledgeError(HelpbotError):
    """A knowledge or intents file is malformed; the message names file and line."""


class ToolInputError(HelpbotError, ValueError):
    """A tool was given input it cannot use; the message says how to fix it."""


class ConfigError(HelpbotError, ValueError):
    """A setting has a value that cannot be used; the message names the variable."""
