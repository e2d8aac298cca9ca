"""Settings: one table, read from ``HELPBOT_*`` environment variables.

Every setting lives in :data:`SETTINGS` (name, default, help, parser), so the README's
"Configuration" section, the web app and the tests all read the same list; a test fails
when the README misses one. The environment is passed in (``load_settings(environ)``),
never read at import time, so tests build apps from plain dicts.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpbot.errors import ConfigError

PREFIX = "HELPBOT_"
RATE_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*(?:/|per)\s*(second|minute|hour|day)s?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Setting:
    """One setting: ``name`` without the prefix (the Flask config key), its default as
    written in the environment (None: unset), a one-line help and a parser."""

    name: str
    default: str | None
    help: str
    parse: Callable[[str], Any]

    @property
    def env(self) -> str:
        return PREFIX + self.name

    def coerce(self, value: Any) -> Any:
        """Parse a string (from the environment or a test's config); keep parsed values."""
        if value is None or not isinstance(value, str):
            return value
        try:
            return self.parse(value)
        except ValueError as exc:
            raise ConfigError(f"{self.env}={value!r}: {exc}") from None


def _text(value: str) -> str | None:
    return value.strip() or None


def _positive_int(value: str) -> int:
    number = int(value.strip())
    if number <= 0:
        raise ValueError("must be a positive whole number")
    return number


def _origins(value: str) -> tuple[str, ...]:
    """A comma list of origins such as https://shop.example.com, or "*" for any."""
    origins = tuple(o.strip().rstrip("/") for o in value.split(",") if o.strip())
    for origin in origins:
        if origin != "*" and not re.match(r"^https?://[^/\s]+$", origin):
            raise ValueError(f"{origin!r} is not an origin like https://shop.example.com")
    return origins


def parse_rate(value: str) -> tuple[int, int] | None:
    """ "60/minute" -> (60, 60); "off", "0" or "" -> None (no limit)."""
    text = value.strip().lower()
    if text in ("", "0", "off", "none", "unlimited"):
        return None
    match = _RATE.match(text)
    if not match or int(match.group(1)) <= 0:
        raise ValueError('use COUNT/UNIT with UNIT second, minute, hour or day (e.g. "60/minute"), or "off"')
    return int(match.group(1)), RATE_UNITS[match.group(2).lower()]


def _rate(value: str) -> str:
    parse_rate(value)  # validate now; the limiter parses it again when the app starts
    return value.strip()


def _database_url(value: str) -> str | None:
    text = value.strip()
    if not text:
        return None
    if not re.match(r"^(sqlite:///.+|postgres(ql)?://.*)$", text):
        raise ValueError("use sqlite:///PATH or postgresql://USER@HOST:PORT/DBNAME")
    return text


def _session_url(value: str) -> str:
    text = value.strip() or "memory:"
    if text != "memory:" and not re.match(r"^rediss?://", text):
        raise ValueError("use memory: (one process) or redis://HOST:PORT/DB")
    return text


def _public_url(value: str) -> str | None:
    text = value.strip().rstrip("/")
    if text and not re.match(r"^https?://[^/\s?#]+(/[^\s?#]*)?$", text):
        raise ValueError("use the address visitors reach, like https://help.example.com")
    return text or None


def _switch(value: str) -> bool:
    text = value.strip().lower()
    if text in ("on", "true", "yes", "1", ""):  # empty: unset, the default (on)
        return True
    if text in ("off", "false", "no", "0"):
        return False
    raise ValueError('use "on" or "off"')


def _frame_ancestors(value: str) -> str:
    # Goes verbatim into a header: refuse anything that could end the directive.
    if any(c in value for c in ";,\r\n"):
        raise ValueError("use space-separated sources such as 'self' https://shop.example.com")
    return value.strip() or "'none'"


SETTINGS: tuple[Setting, ...] = (
    Setting("KNOWLEDGE_DIR", None, "Folder of knowledge YAML files (default: the bundled knowledge/).", _text),
    Setting("INTENTS_DIR", None, "Folder of intent YAML files (default: the bundled intents/).", _text),
    Setting("EMBEDDINGS", "on", "Sentence-embedding stage of the answer engine (`on` or `off`; off: the "
            "lexical engine alone, faster to build and answer, weaker on paraphrases).", _switch),
    Setting("DB_PATH", None, "SQLite file for feedback, hand-offs and the content-gap log "
            "(default: helpbot/helpbot.sqlite3 in the user's data folder, else ./helpbot.sqlite3).", _text),
    Setting("DATABASE_URL", None, "Where feedback, hand-offs and the content-gap log are kept: "
            "`sqlite:///PATH` or `postgresql://USER@HOST:PORT/DB` (default: the SQLite file of `HELPBOT_DB_PATH`).",
            _database_url),
    Setting("SESSION_URL", "memory:", "Where conversations live: `memory:` (one process) or `redis://HOST:PORT/DB` "
            "(shared by every worker and host; rate limits and reload notices then go through Redis too).",
            _session_url),
    Setting("PUBLIC_URL", None, "The address visitors reach the bot at (e.g. https://help.example.com), used in "
            "the embed snippet of `/embed-demo`; default: relative paths.", _public_url),
    Setting("MAX_QUESTION_CHARS", "500", "Longest question `/api/ask` accepts, in characters.", _positive_int),
    Setting("MAX_BODY_BYTES", "16384", "Largest request body, in bytes; bigger bodies get 413.", _positive_int),
    Setting("CORS_ORIGINS", "", "Comma list of origins whose pages may call the API (the widget's host "
            "sites), or `*` for any; default none.", _origins),
    Setting("ADMIN_TOKEN", None, "Bearer token for `/admin/report`; unset disables the admin endpoints (404).",
            _text),
    Setting("RATE_LIMIT", "60/minute", "Requests per client to `/api/ask`, `/api/search` and `/api/tools/*` "
            '(COUNT/UNIT with UNIT second, minute, hour or day, or "off"); over it: 429 with Retry-After.', _rate),
    Setting("WRITE_RATE_LIMIT", "20/minute", "Feedback votes and hand-off requests per client (across all "
            "workers when `HELPBOT_SESSION_URL` is Redis).", _rate),
    Setting("DAILY_ROWS_PER_CLIENT", "500", "Most rows (votes, hand-offs, logged questions) one client may "
            "add to the database per day; beyond it they are refused (writes) or not logged (questions).",
            _positive_int),
    Setting("FRAME_ANCESTORS", "'self'", "CSP frame-ancestors sources: who may put the pages in a frame "
            "(space-separated, e.g. 'self' https://shop.example.com).", _frame_ancestors),
)
BY_NAME = {s.name: s for s in SETTINGS}


def default_db_path(environ: Mapping[str, str] | None = None) -> Path:
    """helpbot.sqlite3 in the user's data folder (XDG on Linux), else the working folder."""
    environ = os.environ if environ is None else environ
    if sys.platform == "win32" and environ.get("LOCALAPPDATA"):
        base = Path(environ["LOCALAPPDATA"])
    elif environ.get("XDG_DATA_HOME"):
        base = Path(environ["XDG_DATA_HOME"])
    elif environ.get("HOME"):
        base = Path(environ["HOME"]) / ".local" / "share"
    else:
        return Path("helpbot.sqlite3")
    return base / "helpbot" / "helpbot.sqlite3"


def load_settings(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Every setting, parsed, keyed by name without the prefix (the Flask config keys)."""
    environ = os.environ if environ is None else environ
    values = {}
    for setting in SETTINGS:
        raw = environ.get(setting.env, setting.default)
        values[setting.name] = setting.coerce(raw if raw is not None else None)
    if values["DB_PATH"] is None:
        values["DB_PATH"] = str(default_db_path(environ))
    return values


@dataclass(frozen=True)
class Settings:
    """The settings as attributes (``Settings.from_env().db_path``), for the CLI."""

    knowledge_dir: str | None
    intents_dir: str | None
    embeddings: bool
    db_path: str
    max_question_chars: int
    max_body_bytes: int
    cors_origins: tuple[str, ...]
    admin_token: str | None
    rate_limit: str
    frame_ancestors: str
    database_url: str | None = None
    session_url: str = "memory:"
    public_url: str | None = None
    write_rate_limit: str = "20/minute"
    daily_rows_per_client: int = 500

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        return cls(**{name.lower(): value for name, value in load_settings(environ).items()})

    def to_config(self) -> dict[str, Any]:
        """The Flask config keys (``create_app(config=settings.to_config())``)."""
        return {s.name: getattr(self, s.name.lower()) for s in SETTINGS}


def coerce(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Parse the known settings in a config mapping given in code; pass other keys through."""
    return {k: BY_NAME[k].coerce(v) if k in BY_NAME else v for k, v in overrides.items()}


def settings_markdown() -> str:
    """The settings as a Markdown table, for the README's "Configuration" section."""
    lines = ["| Variable | Default | What it does |", "| --- | --- | --- |"]
    for setting in SETTINGS:
        default = "unset" if setting.default is None else (f"`{setting.default}`" if setting.default else "empty")
        lines.append(f"| `{setting.env}` | {default} | {setting.help.replace('|', '&#124;')} |")
    return "\n".join(lines) + "\n"
