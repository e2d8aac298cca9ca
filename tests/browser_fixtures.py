"""Shared by the real-browser tests (import the fixtures by name): headless Chromium (the
Debian package at /usr/bin/chromium, driven by Playwright; never `playwright install`), a page
watched for console errors (which is how a CSP violation shows up), screenshots to
tests/artifacts/ (ignored by git; created here), and helpers to reach into the widget."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"]
ARTIFACTS = Path(__file__).parent / "artifacts"
TIMEOUT_MS = 15_000

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing: apt-get install chromium"),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


class Watched:
    """A page plus what went wrong on it: console errors, page errors, dialogs."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("dialog", self._dialog)
        page.set_default_timeout(TIMEOUT_MS)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def allow(self, text: str) -> None:
        """Forget the console errors a test provoked on purpose (e.g. a 400 it asked for)."""
        self.errors = [e for e in self.errors if text not in e]

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path


@pytest.fixture
def watched(browser, live_server) -> Iterator[Watched]:
    context = browser.new_context(viewport=DESKTOP, base_url=live_server.url)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = Watched(context.new_page())
    yield page
    context.close()
    assert page.errors == [], f"console errors: {page.errors}"
    assert page.dialogs == [], f"dialogs fired: {page.dialogs}"


@pytest.fixture(scope="module")
def steps_entry(bot) -> Any:
    """An entry whose answer has numbered steps and related entries, asked by its title."""
    for entry in sorted(bot.entries.values(), key=lambda e: e.id):
        if entry.tool or not re.search(r"^1\. ", entry.answer, re.M):
            continue
        reply = bot.ask(entry.title, session_id=f"probe-{entry.id}")
        if reply.kind == "answer" and reply.entry_id == entry.id and reply.suggestions:
            return entry
    pytest.skip("no entry with numbered steps and related entries in this knowledge base")


def ask(page: Any, question: str) -> Any:
    """Type a question in the widget and wait for the reply; returns the reply's <li>."""
    before = page.locator(".hb-bot").count()
    box = page.get_by_label("Your question")
    box.fill(question)
    box.press("Enter")
    page.locator(".hb-bot:not(.hb-typing)").nth(before).wait_for()
    return page.locator(".hb-bot:not(.hb-typing)").nth(before)


def in_widget(page: Any, script: str) -> Any:
    """Evaluate ``script`` (an expression over ``root``, the widget's shadow root) in the page."""
    return page.evaluate(f"() => {{ const root = document.querySelector('.ecokara-help-host').shadowRoot; return {script}; }}")


def focused_in_widget(page: Any) -> str:
    """What has the keyboard focus: "tag.class[name]" inside the widget, or "body"."""
    return page.evaluate("""() => {
        const host = document.querySelector('.ecokara-help-host');
        const el = host && document.activeElement === host ? host.shadowRoot.activeElement : document.activeElement;
        if (!el || el === document.body) return 'body';
        return el.tagName.toLowerCase() + '.' + el.className + (el.name ? '[' + el.name + ']' : '');
    }""")


@pytest.fixture
def phone(browser, live_server) -> Iterator[Watched]:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2,
                                  base_url=live_server.url)
    page = Watched(context.new_page())
    yield page
    context.close()
    assert page.errors == [], f"console errors: {page.errors}"
