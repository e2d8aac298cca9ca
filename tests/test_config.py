"""The settings table: defaults, parsing, errors, the README and the app."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpbot.config import (
    SETTINGS, ConfigError, Settings, coerce, default_db_path, load_settings, parse_rate, settings_markdown,
)
from helpbot.paths import REPO_ROOT
from web_fixtures import clean_env, make_app  # noqa: F401  (fixtures are used by name)


def test_defaults():
    values = load_settings({"HOME": "/home/ana"})
    assert values == {
        "KNOWLEDGE_DIR": None, "INTENTS_DIR": None, "EMBEDDINGS": True,
        "DB_PATH": "/home/ana/.local/share/helpbot/helpbot.sqlite3",
        "MAX_QUESTION_CHARS": 500, "MAX_BODY_BYTES": 16384, "CORS_ORIGINS": (), "ADMIN_TOKEN": None,
        "RATE_LIMIT": "60/minute", "FRAME_ANCESTORS": "'self'",
        "DATABASE_URL": None, "SESSION_URL": "memory:", "PUBLIC_URL": None,
        "WRITE_RATE_LIMIT": "20/minute", "DAILY_ROWS_PER_CLIENT": 500,
    }


@pytest.mark.parametrize(("name", "value", "parsed"), [
    ("DATABASE_URL", "sqlite:////var/lib/helpbot.db", "sqlite:////var/lib/helpbot.db"),
    ("DATABASE_URL", "postgresql://helpbot@db:5432/helpbot", "postgresql://helpbot@db:5432/helpbot"),
    ("DATABASE_URL", "mysql://x", None),
    ("DATABASE_URL", "/var/lib/helpbot.db", None),
    ("SESSION_URL", "redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
    ("SESSION_URL", "memory:", "memory:"),
    ("SESSION_URL", "memcached://x", None),
    ("PUBLIC_URL", "https://help.example.com/", "https://help.example.com"),
    ("PUBLIC_URL", "javascript:alert(1)", None),
    ("PUBLIC_URL", "https://help.example.com/?q=<x>", None),
])
def test_backend_and_public_urls(name, value, parsed):
    if parsed is None:
        with pytest.raises(ConfigError, match=f"HELPBOT_{name}"):
            load_settings({f"HELPBOT_{name}": value, "HOME": "/h"})
    else:
        assert load_settings({f"HELPBOT_{name}": value, "HOME": "/h"})[name] == parsed


def test_environment_overrides():
    values = load_settings({
        "HELPBOT_KNOWLEDGE_DIR": "/kb", "HELPBOT_DB_PATH": "/var/lib/helpbot.db", "HELPBOT_MAX_QUESTION_CHARS": " 300 ",
        "HELPBOT_CORS_ORIGINS": "https://a.example, https://b.example:8443/", "HELPBOT_ADMIN_TOKEN": "tok",
        "HELPBOT_RATE_LIMIT": "5/second", "HELPBOT_FRAME_ANCESTORS": "https://shop.example",
        "KNOWLEDGE_DIR": "/ignored-without-prefix",
    })
    assert values["KNOWLEDGE_DIR"] == "/kb" and values["DB_PATH"] == "/var/lib/helpbot.db"
    assert values["MAX_QUESTION_CHARS"] == 300
    assert values["CORS_ORIGINS"] == ("https://a.example", "https://b.example:8443")
    assert values["ADMIN_TOKEN"] == "tok" and values["RATE_LIMIT"] == "5/second"
    assert values["FRAME_ANCESTORS"] == "https://shop.example"


def test_empty_values_mean_unset():
    values = load_settings({"HELPBOT_ADMIN_TOKEN": "  ", "HELPBOT_KNOWLEDGE_DIR": "", "HOME": "/h"})
    assert values["ADMIN_TOKEN"] is None and values["KNOWLEDGE_DIR"] is None


@pytest.mark.parametrize("name, value", [
    ("MAX_QUESTION_CHARS", "many"), ("MAX_QUESTION_CHARS", "0"), ("MAX_BODY_BYTES", "-1"),
    ("RATE_LIMIT", "fast"), ("RATE_LIMIT", "0/minute"), ("RATE_LIMIT", "10/fortnight"),
    ("CORS_ORIGINS", "shop.example.com"), ("CORS_ORIGINS", "https://a.example/path"),
    ("FRAME_ANCESTORS", "'self'; script-src *"), ("EMBEDDINGS", "maybe"),
])
def test_bad_values_name_the_variable(name, value):
    with pytest.raises(ConfigError, match=f"HELPBOT_{name}"):
        load_settings({f"HELPBOT_{name}": value})


@pytest.mark.parametrize("text, rate", [
    ("60/minute", (60, 60)), ("1 / second", (1, 1)), ("100 per hour", (100, 3600)), ("2/days", (2, 86400)),
    ("off", None), ("0", None), ("", None), ("NONE", None),
])
def test_parse_rate(text, rate):
    assert parse_rate(text) == rate


def test_default_db_path_prefers_the_users_data_folder(monkeypatch):
    monkeypatch.setattr("sys.platform", "linux")
    assert default_db_path({"XDG_DATA_HOME": "/x"}) == Path("/x/helpbot/helpbot.sqlite3")
    assert default_db_path({"HOME": "/h"}) == Path("/h/.local/share/helpbot/helpbot.sqlite3")
    assert default_db_path({}) == Path("helpbot.sqlite3")


def test_coerce_parses_strings_and_keeps_parsed_values():
    assert coerce({"MAX_BODY_BYTES": "100", "CORS_ORIGINS": ("https://a.example",), "TESTING": True}) == {
        "MAX_BODY_BYTES": 100, "CORS_ORIGINS": ("https://a.example",), "TESTING": True}


def test_settings_object_matches_the_table():
    settings = Settings.from_env({"HELPBOT_DB_PATH": "/tmp/x.db"})
    assert settings.db_path == "/tmp/x.db"
    assert set(settings.to_config()) == {s.name for s in SETTINGS}


def test_markdown_table_lists_every_setting():
    table = settings_markdown()
    lines = table.strip().splitlines()
    assert lines[0].startswith("| Variable |") and len(lines) == 2 + len(SETTINGS)
    for setting in SETTINGS:
        assert f"`{setting.env}`" in table
    assert all(line.count("|") == 4 for line in lines)  # no stray pipes breaking the columns


def test_readme_configuration_section_lists_every_setting():
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^#+\s*Configuration\s*$(.*?)(?=^#{1,2}\s|\Z)", text, flags=re.M | re.S)
    assert match, 'README.md has no "Configuration" section; paste helpbot.config.settings_markdown() there'
    missing = [s.env for s in SETTINGS if s.env not in match.group(1)]
    assert not missing, f"README.md's Configuration section misses {missing}; see helpbot.config.settings_markdown()"


def test_create_app_reads_the_environment(tmp_path, bot, clean_env, monkeypatch):
    monkeypatch.setenv("HELPBOT_MAX_QUESTION_CHARS", "12")
    monkeypatch.setenv("HELPBOT_FRAME_ANCESTORS", "https://shop.example")
    app = make_app(tmp_path, bot)
    assert app.config["MAX_QUESTION_CHARS"] == 12
    client = app.test_client()
    assert client.post("/api/ask", json={"question": "x" * 13}).status_code == 400
    assert client.get("/").headers["Content-Security-Policy"].endswith("frame-ancestors https://shop.example")


def test_create_app_refuses_bad_settings(tmp_path, bot, clean_env, monkeypatch):
    monkeypatch.setenv("HELPBOT_RATE_LIMIT", "lots")
    from helpbot.web import create_app

    with pytest.raises(ConfigError, match="HELPBOT_RATE_LIMIT"):
        create_app({"DB_PATH": str(tmp_path / "db")}, bot=bot)


@pytest.mark.parametrize("text, on", [("on", True), ("ON", True), ("true", True), ("1", True), ("yes", True),
                                      ("", True), ("off", False), ("false", False), ("0", False), (" no ", False)])
def test_embeddings_switch(text, on):
    assert load_settings({"HELPBOT_EMBEDDINGS": text, "HOME": "/h"})["EMBEDDINGS"] is on
