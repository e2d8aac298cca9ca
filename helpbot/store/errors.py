"""What the store raises: StoreError, and its children a caller tells apart from an outage."""

from __future__ import annotations

from helpbot.errors import HelpbotError


class StoreError(HelpbotError):
    """The store could not read or write; the message says why (never with user text)."""


class StoreQuotaError(StoreError):
    """The client has added its rows for today (``DAILY_ROWS_PER_CLIENT``); nothing was saved."""


class HandoffConflict(StoreError):
    """The hand-off is claimed by another agent, or closed: the action was not done."""


class HandoffNotFound(StoreError):
    """No hand-off has that id."""
