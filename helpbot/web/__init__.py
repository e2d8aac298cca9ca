"""The web layer: the JSON API, the chat widget's pages and the agent console.

``create_app()`` is a Flask application factory: it builds the Bot once (per process, so
once per gunicorn worker) and the store, and wires the blueprints. Nothing happens at
import time. Production: ``gunicorn -w 2 -b 127.0.0.1:8000 'helpbot.web:create_app()'``
(see docs/WEB.md); local use: ``helpbot serve`` or :func:`serve`.

The knowledge reloads without a restart on SIGHUP or ``POST /admin/reload`` (see
:mod:`helpbot.web.reload`); views get the Bot through :func:`current_bot`, once per request.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app, g

from helpbot import config as settings
from helpbot.paths import data_dir
from helpbot.store import SqliteStore, Store

if TYPE_CHECKING:
    from helpbot.bot import Bot
    from helpbot.web.reload import Reloader
    from helpbot.web.security import RateLimiter

log = logging.getLogger(__name__)


@dataclass
class Services:
    """What the views need, kept in ``app.extensions["helpbot"]`` (see :func:`services`)."""

    bot: Bot  # replaced whole by a reload; read it through current_bot()
    store: Store
    limiter: RateLimiter | None
    reloader: Reloader | None = None


def create_app(config: Mapping[str, Any] | None = None, bot: Bot | None = None,
               store: Store | None = None) -> Flask:
    """Build the app. ``config`` overrides the HELPBOT_* environment (keys without the
    prefix, e.g. {"DB_PATH": ...}); pass an already built ``bot`` (tests) to skip loading
    one, and a ``store`` to replace the SQLite one. ``RELOAD_ON_SIGHUP`` (a config key, not
    an environment variable; default: on unless ``TESTING``) installs the SIGHUP handler."""
    from helpbot.web import api, pages, security
    from helpbot.web.reload import EarlySighup, Reloader, load_bot

    web = data_dir("web")
    app = Flask(__name__, static_folder=str(web / "static"), static_url_path="/static",
                template_folder=str(web / "templates"))
    app.config.update(settings.load_settings(os.environ))
    app.config.update(settings.coerce(config or {}))
    # Flask refuses bigger bodies with 413 before a view reads them.
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_BODY_BYTES"]
    app.json.sort_keys = False  # keep the documented key order (kind, text, ...)
    reload_on_sighup = app.config.get("RELOAD_ON_SIGHUP", not app.testing)
    early = EarlySighup().install() if reload_on_sighup else None

    if bot is None:
        try:
            bot, _ = load_bot(app.config["KNOWLEDGE_DIR"], app.config["INTENTS_DIR"],
                              embeddings=app.config["EMBEDDINGS"])
        except BaseException:
            if early is not None:
                early.restore()
            raise
    state = Services(
        bot=bot,
        store=store if store is not None else SqliteStore(app.config["DB_PATH"]),
        limiter=security.RateLimiter.from_setting(app.config["RATE_LIMIT"]),
    )
    state.reloader = Reloader(state, app.config,
                              on_swap=lambda: app.extensions.pop("helpbot.source", None))
    app.extensions["helpbot"] = state
    if early is not None:
        state.reloader.install_signal_handler()
        if early.requested:  # a SIGHUP came while the bot was loading
            state.reloader.request_reload("SIGHUP during start-up")

    security.init_app(app)
    api.init_app(app)
    pages.init_app(app)
    _log_through_gunicorn()
    return app


def _log_through_gunicorn() -> None:
    """Under gunicorn, send helpbot's log (reloads, storage failures) to gunicorn's error
    log, with its format and level; elsewhere leave logging to the caller."""
    ours = logging.getLogger("helpbot")
    theirs = logging.getLogger("gunicorn.error")
    if theirs.handlers and not ours.handlers:
        for handler in theirs.handlers:
            ours.addHandler(handler)
        ours.setLevel(theirs.level)
        ours.propagate = False


def services(app: Flask) -> Services:
    return app.extensions["helpbot"]


def current_bot() -> Bot:
    """The Bot this request uses. Read from the app once per request and kept, so a reload
    that swaps the Bot meanwhile never mixes two knowledge bases in one answer."""
    bot = g.get("helpbot_bot")
    if bot is None:
        bot = g.helpbot_bot = services(current_app).bot
    return bot


def serve(host: str = "127.0.0.1", port: int = 8000, config: Mapping[str, Any] | None = None) -> None:
    """Run the app with Werkzeug's threaded server, for local use (not production)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(config)
    print(f"helpbot: chat widget at http://{host}:{port}/ , agent console at http://{host}:{port}/agent")
    app.run(host=host, port=port, threaded=True, use_reloader=False)
