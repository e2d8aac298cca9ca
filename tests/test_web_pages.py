"""The HTML pages and static files: served, CSP-clean (no inline script or style) and
building text only through DOM APIs."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from helpbot.paths import data_dir
from web_fixtures import app, clean_env, client, make_app  # noqa: F401  (fixtures are used by name)

PAGES = ["/", "/embed-demo", "/agent"]
STATIC = data_dir("web") / "static"
TEMPLATES = data_dir("web") / "templates"


class Markup(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, style attributes and elements,
    inline event handlers, and javascript: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.blocked: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            self.scripts.append(attributes)
            self._in_script = True
        if tag == "style":
            self.blocked.append("<style> element")
        for name, value in attrs:
            if name == "style":
                self.blocked.append(f"style attribute on <{tag}>")
            if name.startswith("on"):
                self.blocked.append(f"{name} handler on <{tag}>")
            if value and value.strip().lower().startswith("javascript:"):
                self.blocked.append(f"javascript: URL on <{tag}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.blocked.append("inline script")


def parse(html: str) -> Markup:
    parser = Markup()
    parser.feed(html)
    return parser


@pytest.mark.parametrize("path", PAGES)
def test_pages_are_served_without_inline_code(client, path):
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "text/html"
    markup = parse(response.get_data(as_text=True))
    assert markup.blocked == []
    assert markup.scripts and all(s.get("src", "").startswith("/static/") for s in markup.scripts)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_widget_pages_use_the_script_tag(client):
    index = parse(client.get("/").get_data(as_text=True))
    assert index.scripts == [{"src": "/static/widget.js", "data-mode": "inline", "data-target": "helpbot-chat",
                              "defer": None}]
    demo = client.get("/embed-demo").get_data(as_text=True)
    assert parse(demo).scripts == [{"src": "/static/widget.js", "defer": None}]
    # Without HELPBOT_PUBLIC_URL the snippet is relative, escaped as text; the Host header is never used.
    assert "&lt;script src=&#34;/static/widget.js&#34; defer&gt;&lt;/script&gt;" in demo
    forged = client.get("/embed-demo", headers={"Host": "evil.example"}).get_data(as_text=True)
    assert "evil.example" not in forged


@pytest.mark.parametrize("public_url, src", [
    ("https://help.example.com", "https://help.example.com/static/widget.js"),
    ("https://example.com/help/", "https://example.com/help/static/widget.js"),
])
def test_embed_snippet_uses_the_configured_public_url(tmp_path, small_bot, public_url, src):
    app = make_app(tmp_path, small_bot, PUBLIC_URL=public_url)
    demo = app.test_client().get("/embed-demo", headers={"Host": "evil.example"}).get_data(as_text=True)
    assert f"&lt;script src=&#34;{src}&#34; defer&gt;" in demo and "evil.example" not in demo


def test_agent_page_loads_its_own_script(client):
    agent = client.get("/agent").get_data(as_text=True)
    assert parse(agent).scripts == [{"src": "/static/agent.js", "defer": None},
                                    {"src": "/static/handoffs.js", "defer": None}]
    for element_id in ("q", "category", "results", "answer", "copy", "related", "source"):
        assert f'id="{element_id}"' in agent


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_templates_have_no_inline_code(template):
    text = (TEMPLATES / template).read_text(encoding="utf-8")
    markup = parse(re.sub(r"\{[{%#].*?[}%#]\}", "x", text, flags=re.S))
    assert markup.blocked == []


@pytest.mark.parametrize("name, mimetype", [
    ("widget.js", "text/javascript"), ("widget.css", "text/css"), ("agent.js", "text/javascript"),
    ("agent.css", "text/css"), ("page.css", "text/css"), ("favicon.svg", "image/svg+xml"),
])
def test_static_files_are_served(client, name, mimetype):
    response = client.get(f"/static/{name}")
    assert response.status_code == 200
    assert response.mimetype in (mimetype, "application/javascript")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()


@pytest.mark.parametrize("name", ["widget.js", "agent.js"])
def test_scripts_never_write_html(name):
    """Text goes in through textContent / DOM APIs only: no HTML parsing sinks at all."""
    source = (STATIC / name).read_text(encoding="utf-8")
    code = re.sub(r"/\*.*?\*/|//[^\n]*", "", source, flags=re.S)  # comments may name the sinks
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function",
                 "setAttribute(\"style\"", ".style."):
        assert sink not in code, f"{name} uses {sink}"


def test_widget_finds_its_api_from_its_own_src():
    source = (STATIC / "widget.js").read_text(encoding="utf-8")
    assert "document.currentScript" in source
    assert 'new URL("..", script.src)' in source


def test_html_404_for_browsers_and_json_otherwise(client):
    page = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert parse(page.get_data(as_text=True)).blocked == []
    assert client.get("/no-such-page").get_json()["error"]["code"] == "not_found"
    post = client.post("/", headers={"Accept": "text/html"})
    assert post.status_code == 405 and post.mimetype == "text/html"


def test_frame_ancestors_follow_the_setting(tmp_path, bot, clean_env):
    client = make_app(tmp_path, bot, FRAME_ANCESTORS="'self' https://shop.example.com").test_client()
    csp = client.get("/").headers["Content-Security-Policy"]
    assert csp.endswith("frame-ancestors 'self' https://shop.example.com")


def test_pages_are_mobile_ready(client):
    for path in PAGES:
        assert 'name="viewport" content="width=device-width, initial-scale=1"' in client.get(path).get_data(as_text=True)
    css = (STATIC / "widget.css").read_text(encoding="utf-8")
    assert "@media (max-width: 480px)" in css
