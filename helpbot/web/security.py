"""Response headers (CSP and friends), CORS for the widget's host sites, the per-client
rate limits (the limiters themselves are in helpbot.limits) and the admin token check."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, current_app, request
from werkzeug.wrappers import Response

from helpbot.limits import RateLimiter
from helpbot.web.errors import ApiError
from helpbot.web.services import services

CORS_METHODS = "GET, POST, OPTIONS"
CORS_HEADERS = "Content-Type"


def client_key(address: str | None) -> str:
    """Who a request counts against: the IPv4 address, or the /64 network of an IPv6 one
    (one host usually holds a whole /64, so per-address limits would not hold it back)."""
    if not address:
        return "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def check_limit(limiter: RateLimiter | None) -> None:
    """Count this request against ``limiter`` (None: no limit); over it, raise a 429 API error
    with Retry-After, in words a buyer reads."""
    if limiter is None:
        return
    wait = limiter.hit(client_key(request.remote_addr))
    if wait is not None:
        seconds = max(1, math.ceil(wait))
        raise ApiError(429, "rate_limited",
                       f"Too many requests; try again in {seconds} second{'s' if seconds != 1 else ''}.",
                       headers={"Retry-After": str(seconds)})


def rate_limited(view: Callable[..., Any]) -> Callable[..., Any]:
    """Apply the app's RATE_LIMIT to a view (asking, searching, the calculators)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        check_limit(services().limiter)
        return view(*args, **kwargs)

    return wrapper


def write_limited(view: Callable[..., Any]) -> Callable[..., Any]:
    """Apply the app's WRITE_RATE_LIMIT to a view that adds rows (votes, hand-offs)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        check_limit(services().write_limiter)
        return view(*args, **kwargs)

    return wrapper


def within_write_limit() -> bool:
    """Count one write of this client (a hand-off asked for in the chat); False when over the
    write limit, so the caller skips the write but still answers."""
    limiter = services().write_limiter
    return limiter is None or limiter.hit(client_key(request.remote_addr)) is None


def token_ok(expected: str, header: str | None) -> bool:
    """Whether an Authorization header carries the bearer token. Constant time: both sides
    are hashed first (so not even the token's length shows in the timing), then compared
    with hmac.compare_digest."""
    if not header or not header.startswith("Bearer "):
        return False
    given = header.removeprefix("Bearer ").strip()
    return hmac.compare_digest(hashlib.sha256(given.encode("utf-8", "surrogateescape")).digest(),
                               hashlib.sha256(expected.encode("utf-8")).digest())


def content_security_policy(frame_ancestors: str) -> str:
    # Everything comes from this origin; the markup has no inline script or style, so
    # no 'unsafe-inline' is needed anywhere.
    return ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
            f"frame-ancestors {frame_ancestors}")


def add_headers(response: Response) -> Response:
    config = current_app.config
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy(config["FRAME_ANCESTORS"]))
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.path.startswith(("/api/", "/admin/")):
        headers.setdefault("Cache-Control", "no-store")  # replies and reports are per visitor
    _add_cors(response, config["CORS_ORIGINS"])
    return response


def _add_cors(response: Response, allowed: tuple[str, ...]) -> None:
    origin = request.headers.get("Origin")
    if not origin or not request.path.startswith("/api/"):
        return
    response.vary.add("Origin")
    if "*" in allowed:
        response.headers["Access-Control-Allow-Origin"] = "*"
    elif origin.rstrip("/") in allowed:
        response.headers["Access-Control-Allow-Origin"] = origin
    else:
        return  # the browser then blocks the call; nothing else to say
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = CORS_METHODS
        response.headers["Access-Control-Allow-Headers"] = CORS_HEADERS
        response.headers["Access-Control-Max-Age"] = "600"
    response.headers["Access-Control-Expose-Headers"] = "Retry-After"


def init_app(app: Flask) -> None:
    app.after_request(add_headers)
