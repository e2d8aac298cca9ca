"""Real-browser tests: the widget and the agent console in headless Chromium (Playwright).

The app runs for real on a free localhost port (werkzeug in a thread); Chromium is the
Debian package at /usr/bin/chromium (never `playwright install`). Screenshots go to
tests/artifacts/. Every page is also checked for console errors, which is how a CSP
violation (an inline style or script) shows up.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from browser_fixtures import MARKS, Watched, ask, browser, steps_entry, watched  # noqa: F401  (fixtures by name)
from web_fixtures import live_server  # noqa: F401  (fixture used by name)

pytestmark = MARKS

def test_widget_answers_with_numbered_steps(watched, steps_entry):
    page = watched.page
    page.goto("/")
    reply = ask(page, steps_entry.title)
    assert reply.get_attribute("data-kind") == "answer"
    steps = [line for line in steps_entry.answer.splitlines() if re.match(r"^\d+\. ", line)]
    items = reply.locator("ol > li")
    assert items.count() >= len(steps) > 0
    assert items.first.text_content() == steps[0].split(". ", 1)[1].strip()
    live = page.locator(".hb-live")
    assert live.get_attribute("aria-live") == "polite"
    page.wait_for_function("() => document.querySelector('.ecokara-help-host').shadowRoot"
                           ".querySelector('.hb-live').textContent.startsWith('Assistant:')")
    assert steps_entry.answer.split("\n")[0][:30] in live.text_content()
    # Focus stays in the question box for the next question.
    assert page.evaluate("() => document.querySelector('.ecokara-help-host').shadowRoot.activeElement.name") == "question"
    watched.shot("widget-answer")


def test_clicking_a_suggestion_asks_it(watched, steps_entry, bot):
    page = watched.page
    page.goto("/")
    reply = ask(page, steps_entry.title)
    chip = reply.locator(".hb-chip[data-entry-id]").first
    entry_id = chip.get_attribute("data-entry-id")
    before = page.locator(".hb-bot").count()
    chip.click()
    page.locator(".hb-bot:not(.hb-typing)").nth(before).wait_for()
    assert page.locator(".hb-user").last.text_content().endswith(bot.entries[entry_id].title)
    answer = page.locator(".hb-bot:not(.hb-typing)").nth(before)
    assert answer.get_attribute("data-kind") == "answer"
    assert bot.entries[entry_id].answer.splitlines()[0].split(". ", 1)[-1][:25] in answer.text_content()


def test_feedback_is_sent_and_saved(watched, steps_entry, live_server):
    page = watched.page
    page.goto("/")
    before = live_server.store.report()["feedback_total"]
    reply = ask(page, steps_entry.title)
    reply.get_by_role("button", name="Yes").click()
    status = reply.locator(".hb-feedback-status")
    page.wait_for_function("(el) => el.textContent.startsWith('Thanks')", arg=status.element_handle())
    assert reply.get_by_role("button", name="Yes").get_attribute("aria-pressed") == "true"
    assert live_server.store.report()["feedback_total"] == before + 1


def test_xss_payload_is_shown_as_text(watched):
    page = watched.page
    page.goto("/")
    payload = '<img src=x onerror="window.__xss=1;alert(1)"><script>window.__xss=2</script>'
    ask(page, payload)
    assert page.locator(".hb-user .hb-bubble").last.text_content() == payload
    assert page.locator(".ecokara-help-host img, .ecokara-help-host script").count() == 0
    assert page.evaluate("() => window.__xss") is None
    watched.shot("widget-xss-as-text")


def test_tool_form_runs_the_tool(watched):
    page = watched.page
    page.goto("/")
    page.get_by_role("button", name="Estimate fees").click()
    amount = page.get_by_label("Order amount (USD) *")
    assert page.evaluate("() => document.querySelector('.ecokara-help-host').shadowRoot.activeElement.name") == "kind"
    amount.fill("-5")
    page.get_by_role("button", name="Calculate").click()
    alert = page.locator(".hb-form-error")
    page.wait_for_function("(el) => el.textContent.length > 0", arg=alert.element_handle())
    assert "greater than 0" in alert.text_content()
    watched.allow("status of 400")  # Chromium logs the 400 this test asked for
    amount.fill("3,000")
    page.get_by_role("button", name="Calculate").click()
    result = page.locator(".hb-bot[data-kind=tool]").last
    result.wait_for()
    assert "US$30.00" in result.text_content()
    # Changed on purpose (issue 13): the form stays open for the next run, and the transcript
    # shows what was entered above the result.
    assert page.locator(".hb-tool-form").count() == 1
    entered = page.locator(".hb-tool-input").last.text_content()
    assert "Order amount (USD): 3,000" in entered and "Shipping: Ecokara logistics" in entered


def test_dispute_and_password_forms(watched):
    page = watched.page
    page.goto("/")
    page.get_by_role("button", name="Dispute deadlines").click()
    page.get_by_label("Dispute opened on *").fill("2026-03-03")
    page.get_by_role("button", name="Calculate").click()
    result = page.locator(".hb-bot[data-kind=tool]").last
    result.wait_for()
    assert result.locator("ul > li").count() >= 3
    page.get_by_role("button", name="Check a password").click()
    page.get_by_label("Password *").fill("Zq7!vortexPlume")
    page.get_by_role("button", name="Check", exact=True).click()
    page.locator(".hb-bot[data-kind=tool]").nth(1).wait_for()
    assert "Zq7!vortexPlume" not in page.locator(".ecokara-help-host").evaluate("h => h.shadowRoot.textContent")
    assert page.locator(".hb-tool-input .hb-bubble").last.text_content() == "Check a passwordPassword: checked, not shown"
    watched.shot("widget-tools")


def test_talk_to_an_agent(watched, live_server):
    page = watched.page
    page.goto("/")
    before = live_server.store.report()["handoffs"]
    page.get_by_role("button", name="Talk to an agent").first.click()
    note = page.locator(".hb-handoff")
    note.wait_for()
    # Changed on purpose (issue 13): nothing joins at once; the request is queued.
    assert "in the queue" in note.text_content() and "will join" not in note.text_content()
    assert live_server.store.report()["handoffs"] == before + 1


def test_embedded_launcher_opens_closes_and_keeps_focus(watched):
    page = watched.page
    page.goto("/embed-demo")
    launcher = page.get_by_role("button", name="Open Ecokara help chat")
    assert launcher.get_attribute("aria-expanded") == "false"
    assert not page.locator(".hb-panel").is_visible()
    launcher.click()
    assert page.locator(".hb-panel").is_visible()
    assert page.get_by_role("button", name="Close Ecokara help chat").get_attribute("aria-expanded") == "true"
    page.keyboard.type("hello")
    assert page.get_by_label("Your question").input_value() == "hello"  # focus went to the input
    page.keyboard.press("Enter")
    page.locator(".hb-bot").nth(1).wait_for()
    watched.shot("embed-demo-open")
    page.keyboard.press("Escape")
    assert not page.locator(".hb-panel").is_visible()
    assert page.evaluate("() => document.querySelector('.ecokara-help-host').shadowRoot.activeElement"
                         ".classList.contains('hb-launcher')")


def test_widget_on_a_phone(browser, live_server):
    context = browser.new_context(viewport={"width": 375, "height": 700}, is_mobile=True, has_touch=True,
                                  base_url=live_server.url)
    page = Watched(context.new_page())
    try:
        page.page.goto("/embed-demo")
        page.page.get_by_role("button", name="Open Ecokara help chat").click()
        box = page.page.locator(".hb-panel").bounding_box()
        assert box["width"] == pytest.approx(375, abs=1) and box["height"] == pytest.approx(700, abs=1)
        page.shot("widget-phone")
        assert page.errors == []
    finally:
        context.close()


def test_agent_console_search_open_and_copy(watched, bot):
    page = watched.page
    page.goto("/agent")
    page.locator("#category option").nth(1).wait_for(state="attached")
    page.keyboard.type("refund")  # the search box has focus on load
    first = page.locator("#results [role=option]").first
    page.wait_for_function("() => document.getElementById('result-count').textContent.includes('match')")
    assert page.locator("#results [role=option][aria-selected=true]").count() == 1
    page.keyboard.press("ArrowDown")
    second = page.locator("#results [role=option]").nth(1)
    assert second.get_attribute("aria-selected") == "true" and first.get_attribute("aria-selected") == "false"
    entry_id = second.get_attribute("data-entry-id")
    page.keyboard.press("Enter")
    page.wait_for_function("(t) => document.getElementById('detail-title').textContent === t",
                           arg=bot.entries[entry_id].title)
    assert page.locator("#answer").input_value() == bot.entries[entry_id].answer.rstrip()
    assert page.locator("#source pre").count() >= 1
    page.keyboard.press("Control+Enter")
    page.wait_for_function("() => document.getElementById('copy-status').textContent.startsWith('Copied')")
    assert page.evaluate("() => navigator.clipboard.readText()") == bot.entries[entry_id].answer.rstrip()
    watched.shot("agent-console-copied")
    # "/" jumps back to the search box from anywhere; "c" copies when not typing.
    page.locator("#detail-title").click()
    page.keyboard.press("/")
    assert page.evaluate("() => document.activeElement.id") == "q"
    page.locator("#detail-title").click()
    page.evaluate("() => navigator.clipboard.writeText('')")
    page.keyboard.press("c")
    page.wait_for_function("() => navigator.clipboard.readText().then(t => t.length > 0)")


def test_agent_console_category_filter_and_related(watched, bot):
    page = watched.page
    page.goto("/agent")
    page.locator("#category option").nth(1).wait_for(state="attached")
    page.locator("#category").select_option("rfq")
    page.wait_for_function("() => document.getElementById('result-count').textContent.includes('rfq')")
    ids = page.locator("#results [role=option]").evaluate_all("els => els.map(e => e.dataset.entryId)")
    assert ids and {bot.entries[i].category for i in ids} == {"rfq"}
    page.locator("#q").fill("quotation")
    page.wait_for_function("() => document.getElementById('result-count').textContent.includes('match')")
    ids = page.locator("#results [role=option]").evaluate_all("els => els.map(e => e.dataset.entryId)")
    assert ids and {bot.entries[i].category for i in ids} == {"rfq"}
    with_related = next((i for i in ids if bot.entries[i].related), None)
    if with_related is None:
        return  # nothing to follow in this category
    page.locator(f'#results [data-entry-id="{with_related}"]').click()
    page.locator("#related button").first.click()
    related = bot.entries[with_related].related[0]
    page.wait_for_function("(t) => document.getElementById('detail-title').textContent === t",
                           arg=bot.entries[related].title)

