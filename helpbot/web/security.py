"""Response headers (CSP and friends), CORS for the widget's host sites, the per-client
rate limit and the admin token check."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import threading
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, current_app, request
from werkzeug.wrappers import Response

from helpbot.config import parse_rate
from helpbot.web.errors import ApiError
from helpbot.web.services import services

CORS_METHODS = "GET, POST, OPTIONS"
CORS_HEADERS = "Content-Type"


class RateLimiter:
    """``count`` requests per ``period`` seconds per client, bursts up to ``count``.

    GCRA (the "generic cell rate algorithm"): one timestamp per client, no per-request
    log, so memory stays small however busy a client is. Per process: with gunicorn
    each worker counts on its own, so the effective limit is count x workers.

    At most ``max_clients`` are remembered. Past that, idle clients are forgotten and then
    the oldest, down to 90% of the bound, so a flood of new addresses costs one sweep per
    ``max_clients / 10`` of them rather than one per request.
    """

    def __init__(self, count: int, period: float, *, clock: Callable[[], float] = time.monotonic,
                 max_clients: int = 100_000) -> None:
        self.count = count
        self.period = float(period)
        self.interval = self.period / count
        self.clock = clock
        self.max_clients = max_clients
        self._tat: dict[str, float] = {}  # client -> theoretical arrival time
        self._lock = threading.Lock()

    @classmethod
    def from_setting(cls, value: str | None) -> RateLimiter | None:
        rate = parse_rate(value or "off")
        return None if rate is None else cls(*rate)

    def hit(self, client: str) -> float | None:
        """Count one request; None when allowed, else the seconds to wait before retrying."""
        now = self.clock()
        with self._lock:
            tat = max(self._tat.get(client, now), now)
            wait = tat - now - (self.period - self.interval)
            if wait > 0:
                return wait
            self._tat.pop(client, None)  # re-inserted last: the dict stays oldest-first
            self._tat[client] = tat + self.interval
            if len(self._tat) > self.max_clients:
                self._forget_idle(now)
            return None

    def _forget_idle(self, now: float) -> None:
        # A client whose arrival time has passed has its full burst back: nothing to keep.
        for client in [c for c, t in self._tat.items() if t <= now]:
            del self._tat[client]
        keep = self.max_clients - max(1, self.max_clients // 10)
        while len(self._tat) > keep:  # still too many: drop the least recently seen
            self._tat.pop(next(iter(self._tat)))


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


def rate_limited(view: Callable[..., Any]) -> Callable[..., Any]:
    """Apply the app's rate limit to a view; over it, raise a 429 API error."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        limiter = services().limiter
        if limiter is not None:
            wait = limiter.hit(client_key(request.remote_addr))
            if wait is not None:
                seconds = max(1, math.ceil(wait))
                raise ApiError(429, "rate_limited",
                               f"Too many requests; try again in {seconds} second{'s' if seconds != 1 else ''}.",
                               headers={"Retry-After": str(seconds)})
        return view(*args, **kwargs)

    return wrapper


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
