"""What the views share: the bot, the store, the limiters and the reloader of one app.

Kept in ``app.extensions["helpbot"]``; views reach the bot through :func:`current_bot`, once per
request, so a reload that swaps it meanwhile never mixes two knowledge bases in one answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app, g

from helpbot.store import Store

if TYPE_CHECKING:
    from helpbot.bot import Bot


@dataclass
class Services:
    bot: Bot  # replaced whole by a reload; read it through current_bot()
    store: Store
    limiter: Any | None  # helpbot.limits.RateLimiter: /api/ask, /api/search, /api/tools/*
    write_limiter: Any | None = None  # feedback and hand-offs (WRITE_RATE_LIMIT)
    reloader: Any | None = None  # helpbot.web.reload.Reloader


def services(app: Flask | None = None) -> Services:
    return (app or current_app).extensions["helpbot"]


def current_bot() -> Bot:
    """The Bot this request uses, read from the app once per request and kept."""
    bot = g.get("helpbot_bot")
    if bot is None:
        bot = g.helpbot_bot = services().bot
    return bot
