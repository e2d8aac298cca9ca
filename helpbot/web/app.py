"""``create_app()``: the Flask application factory. It builds the Bot once (per process, so once
per gunicorn worker) and the store, and wires the blueprints. Nothing happens at import time.

Imports run one way: this factory -> the blueprints (chat, knowledge, tools, feedback, admin,
pages) -> errors, parsing, services, security -> the core (helpbot.bot and below).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from typing import Any

from flask import Flask

from helpbot import config as settings
from helpbot.bot import Bot
from helpbot.broadcast import LocalBroadcast
from helpbot.broadcast_backends import broadcast_for
from helpbot.limits import open_limiter
from helpbot.paths import data_dir
from helpbot.redisconn import connect
from helpbot.sessions import DEFAULT_PREFIX, open_sessions
from helpbot.store import Store, open_store
from helpbot.web import errors, filters, pages, security
from helpbot.web.admin import admin, ops
from helpbot.web.chat import chat
from helpbot.web.curation import curation
from helpbot.web.feedback import feedback
from helpbot.web.handoffs import agent_side, buyer_side
from helpbot.web.knowledge import knowledge
from helpbot.web.reload import DEFAULT_RELOAD_JITTER, EarlySighup, Reloader
from helpbot.web.signin import signin
from helpbot.web.services import Services
from helpbot.web.tools import tools

log = logging.getLogger(__name__)
BLUEPRINTS = (chat, knowledge, tools, feedback, buyer_side, agent_side, ops, admin, signin, curation,
              pages.pages)


def create_app(config: Mapping[str, Any] | None = None, bot: Bot | None = None,
               store: Store | None = None, *, progress: Any = None) -> Flask:
    """Build the app. ``config`` overrides the HELPBOT_* environment (keys without the
    prefix, e.g. {"DB_PATH": ...}); pass an already built ``bot`` (tests) to skip loading
    one, and a ``store`` to replace the one ``DATABASE_URL`` names (nothing is opened yet:
    a database that is down does not stop the start). ``RELOAD_ON_SIGHUP`` (a config key,
    not an environment variable; default: on unless ``TESTING``) installs the SIGHUP handler.
    ``SESSION_URL`` picks where conversations and rate limits live (helpbot.sessions,
    helpbot.limits); ``REDIS_PREFIX`` (a config key, default "helpbot:") starts every Redis key.
    ``progress`` (a helpbot.progress.Progress) draws the first index build on a terminal."""
    web = data_dir("web")
    app = Flask("helpbot.web", static_folder=str(web / "static"), static_url_path="/static",
                template_folder=str(web / "templates"))
    app.config.update(settings.load_settings(os.environ))
    app.config.update(settings.coerce(config or {}))
    # Flask refuses bigger bodies with 413 before a view reads them.
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_BODY_BYTES"]
    app.json.sort_keys = False  # keep the documented key order (kind, text, ...)
    reload_on_sighup = app.config.get("RELOAD_ON_SIGHUP", not app.testing)
    early = EarlySighup().install() if reload_on_sighup else None
    # Reloads published to the fleet (helpbot.broadcast); read the latest before loading, so one
    # published while this worker loads is not missed. Off under TESTING unless asked for.
    listen = app.config.get("RELOAD_BROADCAST", not app.testing)
    broadcast = broadcast_for(app.config) if listen else LocalBroadcast()
    seen = broadcast.safe_latest() if listen else None

    # Conversations and rate limits: in this process (memory:) or in Redis, shared by every
    # worker and host. REDIS_PREFIX (a config key, default "helpbot:") keeps installations apart.
    session_url = app.config["SESSION_URL"]
    prefix = app.config.get("REDIS_PREFIX", DEFAULT_PREFIX)
    client = None if session_url == "memory:" else connect(session_url)
    sessions = open_sessions(session_url, client=client, prefix=prefix)
    if bot is None:
        try:
            # A worker started while the files on disk are broken comes up on the last good
            # build (logged as an error) instead of failing to boot and taking gunicorn down.
            bot = Bot.load(app.config["KNOWLEDGE_DIR"], app.config["INTENTS_DIR"],
                           embeddings=app.config["EMBEDDINGS"], fall_back=True, sessions=sessions,
                           progress=progress)
        except BaseException:
            if early is not None:
                early.restore()
            raise
    elif client is not None:
        bot = bot.with_sessions(sessions)  # a given Bot (tests) keeps its own store unless Redis is set
    state = Services(
        bot=bot,
        store=store if store is not None else open_store(
            app.config["DATABASE_URL"], app.config["DB_PATH"],
            daily_rows_per_client=app.config["DAILY_ROWS_PER_CLIENT"]),
        limiter=open_limiter(app.config["RATE_LIMIT"], name="read", url=session_url, client=client,
                             prefix=prefix),
        write_limiter=open_limiter(app.config["WRITE_RATE_LIMIT"], name="write", url=session_url,
                                   client=client, prefix=prefix),
    )
    state.reloader = Reloader(state, app.config, broadcast=broadcast, name=app.config.get("WORKER_NAME"),
                              jitter=float(app.config.get("RELOAD_JITTER", DEFAULT_RELOAD_JITTER)),
                              on_swap=lambda: app.extensions.pop("helpbot.source", None))
    if listen:
        broadcast.listen(state.reloader.on_published, seen=seen.reload_id if seen else None)
    app.extensions["helpbot"] = state
    if early is not None:
        state.reloader.install_signal_handler()
        if early.requested:  # a SIGHUP came while the bot was loading
            state.reloader.request_reload("SIGHUP during start-up")

    security.init_app(app)
    errors.init_app(app)
    filters.init_app(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
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


def serve(host: str = "127.0.0.1", port: int = 8000, config: Mapping[str, Any] | None = None) -> None:
    """Run the app with Werkzeug's threaded server, for local use (not production)."""
    from helpbot.progress import Progress

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    progress = Progress()
    if progress.enabled:  # the first build of a knowledge base takes a while: say so before it starts
        print("helpbot: loading the knowledge base (a first build takes about 30 s; later starts "
              "read it from the cache)...", file=sys.stderr, flush=True)
    app = create_app(config, progress=progress)
    print(f"helpbot: chat widget at http://{host}:{port}/ , agent console at http://{host}:{port}/agent")
    app.run(host=host, port=port, threaded=True, use_reloader=False)
