"""The web layer: the JSON API, the chat widget's pages and the agent console.

``create_app()`` (helpbot.web.app) is the application factory. Production:
``gunicorn -w 2 -b 127.0.0.1:8000 'helpbot.web:create_app()'`` (see docs/WEB.md); local use:
``helpbot serve`` or :func:`serve`. The knowledge reloads without a restart on SIGHUP or
``POST /admin/reload`` (see :mod:`helpbot.web.reload`).
"""

from __future__ import annotations

from helpbot.web.app import create_app, serve

__all__ = ["create_app", "serve"]
