"""``/admin/sign-in`` and ``/admin/sign-out``: the admin token exchanged for a session cookie
(see helpbot.web.adminauth for the cookie and its CSRF tokens)."""

from __future__ import annotations

import logging
import secrets

from flask import Blueprint, make_response, redirect, render_template, request

from helpbot.web.adminauth import (
    COOKIE, SESSION_SECONDS, SIGN_IN_COOKIE, SignInRequired, admin_token, csrf_for, csrf_ok, issue_session, require_admin,
    safe_next,
)
from helpbot.web.security import rate_limited, token_ok

log = logging.getLogger(__name__)

signin = Blueprint("signin", __name__, url_prefix="/admin")


@signin.app_errorhandler(SignInRequired)
def to_sign_in(exc: SignInRequired):
    return redirect(f"/admin/sign-in?next={request.full_path.rstrip('?')}", code=303)


def _form(status: int = 200, error: str | None = None):
    token = admin_token()
    nonce = secrets.token_hex(16)
    page = render_template("sign_in.html", csrf_token=csrf_for(token, nonce), error=error,
                           next=safe_next(request.values.get("next")))
    response = make_response(page, status)
    response.set_cookie(SIGN_IN_COOKIE, nonce, max_age=600, httponly=True, samesite="Strict",
                        secure=request.is_secure, path="/admin")
    return response


@signin.get("/sign-in")
def sign_in_page():
    return _form()


@signin.post("/sign-in")
@rate_limited  # the token cannot be guessed faster than the API's rate limit
def sign_in():
    token = admin_token()
    if not csrf_ok(token, request.cookies.get(SIGN_IN_COOKIE)):
        return _form(403, "This sign-in form has expired. Please try again.")
    if not token_ok(token, "Bearer " + request.form.get("token", "")):
        log.warning("admin sign-in with a wrong token from %s", request.remote_addr)
        return _form(403, "That token is not right. Check it and try again.")
    response = redirect(safe_next(request.form.get("next")), code=303)
    # Path "/": the agent console (/agent) shows the hand-off queue to signed-in agents.
    response.set_cookie(COOKIE, issue_session(token), max_age=SESSION_SECONDS, httponly=True, samesite="Strict",
                        secure=request.is_secure, path="/")
    response.delete_cookie(SIGN_IN_COOKIE, path="/admin")
    return response


@signin.post("/sign-out")
def sign_out():
    require_admin()  # with the cookie: its CSRF token too
    response = redirect("/admin/sign-in", code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@signin.app_context_processor
def admin_csrf():
    """``admin_csrf()`` in templates: the CSRF token for forms on a signed-in admin page."""
    def token_for_page() -> str:
        cookie = request.cookies.get(COOKIE)
        token = admin_token()
        return csrf_for(token, cookie) if cookie else ""

    return {"admin_csrf": token_for_page}
