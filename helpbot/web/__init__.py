"""The web layer: the JSON API, the chat widget's pages and the agent console.

``create_app()`` (helpbot.web.app) is the application factory. Production:
``helpbot serve --production`` (gunicorn with helpbot/web/gunicorn_conf.py; see docs/DEPLOY.md); local use:
``helpbot serve`` or :func:`serve`. The knowledge reloads without a restart on SIGHUP or
``POST /admin/reload`` (see :mod:`helpbot.web.reload`).
"""

from __future__ import annotations

from helpbot.web.app import create_app, serve

__all__ = ["create_app", "serve"]
