"""Who may open the admin pages: the bearer token (scripts) or a signed-in browser.

A person signs in at ``/admin/sign-in`` by typing the admin token once; it is exchanged for a
session cookie that is HttpOnly (page scripts cannot read it), SameSite=Strict (no other site's
page can make the browser send it) and, over HTTPS, Secure. The cookie is
``issued.nonce.mac`` with an HMAC keyed by a hash of the admin token, so every worker and host
that shares ``HELPBOT_ADMIN_TOKEN`` can check it without shared state, it expires after
:data:`SESSION_SECONDS`, and changing the token signs everyone out.

Every form post made with the cookie also carries a CSRF token (a hidden field, or the
``X-CSRF-Token`` header for scripts on the admin pages) derived from that cookie; a post without
it is refused. The sign-in form itself is protected the same way by a short-lived cookie of its
own (double submit), so another site cannot sign a browser in to an account of its choosing.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from urllib.parse import urlsplit

from flask import current_app, request

from helpbot.web.errors import ApiError, wants_html
from helpbot.web.security import token_ok

log = logging.getLogger(__name__)

COOKIE = "helpbot_admin"
SIGN_IN_COOKIE = "helpbot_sign_in"
SESSION_SECONDS = 8 * 3600
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SignInRequired(Exception):
    """A browser without a valid session asked for an admin page: send it to the sign-in page."""


def _key(token: str) -> bytes:
    return hashlib.sha256(b"helpbot admin session|" + token.encode("utf-8")).digest()


def _mac(token: str, message: str) -> str:
    return hmac.new(_key(token), message.encode("utf-8"), hashlib.sha256).hexdigest()


def issue_session(token: str, now: float | None = None) -> str:
    body = f"{int(time.time() if now is None else now)}.{secrets.token_hex(12)}"
    return f"{body}.{_mac(token, body)}"


def session_ok(token: str, value: str | None, now: float | None = None) -> bool:
    if not value or value.count(".") != 2:
        return False
    issued, nonce, mac = value.split(".")
    if not hmac.compare_digest(mac, _mac(token, f"{issued}.{nonce}")):
        return False
    try:
        age = (time.time() if now is None else now) - int(issued)
    except ValueError:
        return False
    return 0 <= age <= SESSION_SECONDS


def csrf_for(token: str, cookie: str) -> str:
    """The CSRF token that goes with one session (or sign-in) cookie."""
    return _mac(token, "csrf|" + cookie)[:40]


def csrf_ok(token: str, cookie: str | None) -> bool:
    given = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    return bool(cookie) and hmac.compare_digest(given, csrf_for(token, cookie))


def admin_token() -> str:
    """The configured token, or 404: the admin endpoints are off without one."""
    token = current_app.config["ADMIN_TOKEN"]
    if not token:
        raise ApiError(404, "not_found", "The admin endpoints are off (HELPBOT_ADMIN_TOKEN is not set).")
    return token


def require_admin(*, page: bool = False) -> None:
    """Let the request through with a right bearer token, or a valid session cookie (plus its
    CSRF token on a post). Otherwise: a browser asking for a ``page`` (the report, curation)
    goes to the sign-in page; everything else gets JSON 401 (no token) or 403 (a wrong token or
    a post without its CSRF token)."""
    token = admin_token()
    header = request.headers.get("Authorization")
    if header:
        if token_ok(token, header):
            return
        log.warning("admin request with a wrong token from %s", request.remote_addr)
        raise ApiError(403, "forbidden", "The admin token is wrong.")
    cookie = request.cookies.get(COOKIE)
    if session_ok(token, cookie):
        if request.method in SAFE_METHODS or csrf_ok(token, cookie):
            return
        raise ApiError(403, "csrf_failed", "This form has expired; reload the page and try again.")
    if page and request.method in SAFE_METHODS and wants_html():
        raise SignInRequired()
    raise ApiError(401, "unauthorized", "Send the admin token as Authorization: Bearer <token>, "
                                        "or sign in at /admin/sign-in.",
                   headers={"WWW-Authenticate": 'Bearer realm="helpbot admin"'})


def signed_in() -> bool:
    """Whether this request comes from a signed-in admin browser (for pages that show more then)."""
    token = current_app.config["ADMIN_TOKEN"]
    return bool(token) and session_ok(token, request.cookies.get(COOKIE))


def safe_next(target: str | None) -> str:
    """Where to go after signing in: an admin page or the agent console of this site only (never
    another host)."""
    if target:
        parts = urlsplit(target)
        ours = parts.path.startswith("/admin/") or parts.path == "/agent"  # the admin pages and the console
        if not parts.scheme and not parts.netloc and ours and "\\" not in target:
            return target
    return "/admin/report"
