"""The agent console as an agent meets it (issue 13, item 4), in headless Chromium.

Each test failed before its fix: "/" and "c" typed into the search box, every search said
"25 matches" (nonsense too), and the source pane showed the old brand under the answer.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from browser_fixtures import MARKS, browser, watched  # noqa: F401  (fixtures used by name)
from helpbot.paths import data_dir
from web_fixtures import live_server  # noqa: F401

pytestmark = MARKS


def active_id(page: Any) -> str:
    return page.evaluate("() => document.activeElement.id")


def open_console(page: Any) -> None:
    page.goto("/agent")
    page.locator("#category option").nth(1).wait_for(state="attached")


def test_keyboard_shortcuts_are_shortcuts(watched, bot):
    page = watched.page
    open_console(page)
    page.keyboard.press("/")  # focus is already in the box: nothing is typed
    assert active_id(page) == "q" and page.locator("#q").input_value() == ""
    page.keyboard.type("refund")
    page.keyboard.press("Enter")  # at once, before the debounced search has run
    page.wait_for_function("() => document.getElementById('detail-title').textContent.length > 0")
    first = page.locator("#results [role=option]").first.get_attribute("data-entry-id")
    assert page.locator("#detail-title").text_content() == bot.entries[first].title
    assert active_id(page) == "detail-title"  # focus left the box
    page.keyboard.press("c")
    page.wait_for_function("() => document.getElementById('copy-status').textContent.startsWith('Copied')")
    assert page.evaluate("() => navigator.clipboard.readText()") == bot.entries[first].answer.rstrip()
    assert page.locator("#q").input_value() == "refund"  # no "c" typed
    page.keyboard.press("/")
    assert active_id(page) == "q" and page.locator("#q").input_value() == "refund"  # no "/" typed
    page.keyboard.type("t/t")  # replaces the selected text; a slash inside a query is text
    assert page.locator("#q").input_value() == "t/t"


def test_the_count_is_the_true_number_of_relevant_matches(watched, live_server):
    page = watched.page
    open_console(page)
    page.locator("#q").fill("xqzv blorp")
    page.wait_for_function("() => document.getElementById('result-count').textContent === 'No matches'")
    assert page.locator("#results [role=option]").count() == 0
    page.locator("#q").fill("refund")
    page.wait_for_function("() => /^\\d+ match/.test(document.getElementById('result-count').textContent)")
    shown = page.locator("#results [role=option]").count()
    relevant = page.evaluate("() => fetch('api/search?q=refund&k=50').then(r => r.json()).then(d => d.hits.length)")
    assert page.locator("#result-count").text_content() == f"{shown} matches"
    assert 1 < shown == relevant < 25


def entry_with_old_brand(bot) -> Any:
    lines = (data_dir("knowledge") / "source" / "help-center.txt").read_text(encoding="utf-8").splitlines()
    for entry in sorted(bot.entries.values(), key=lambda e: e.id):
        text = "\n".join(line for start, end in entry.source_lines for line in lines[start - 1:end])
        if re.search("alibaba", text, re.I):
            return entry
    pytest.skip("no entry's source text mentions the old brand")


def test_source_is_rebranded_and_beside_the_answer(watched, bot):
    entry = entry_with_old_brand(bot)
    page = watched.page
    open_console(page)
    page.locator("#q").fill(entry.title)
    page.locator(f'#results [data-entry-id="{entry.id}"]').click()
    page.wait_for_function("(t) => document.getElementById('detail-title').textContent === t", arg=entry.title)
    source = page.locator("#source").text_content()
    assert "alibaba" not in source.lower() and "Ecokara" in source
    assert "old brand shown as Ecokara" in page.locator("#source figcaption").first.text_content()
    answer, pane = page.locator("#answer").bounding_box(), page.locator("#source").bounding_box()
    assert pane["x"] >= answer["x"] + answer["width"]  # side by side, not below
    assert abs(pane["y"] - answer["y"]) < 40
    watched.shot("agent-console")
