"""The hand-off as buyer and agent meet it, in two headless Chromium windows: the buyer asks for a
person and is told they are queued; an agent signs in, sees them in the console's queue, claims,
pastes the bot's best answer and sends it; the buyer's widget shows the agent's reply."""

from __future__ import annotations

import pytest

from browser_fixtures import DESKTOP, MARKS, Watched, ask, browser, watched  # noqa: F401
from web_fixtures import live_server  # noqa: F401

pytestmark = MARKS


@pytest.fixture
def agent_page(browser, live_server):
    context = browser.new_context(viewport=DESKTOP, base_url=live_server.url)
    page = Watched(context.new_page())
    yield page
    context.close()
    assert page.errors == [], f"console errors: {page.errors}"


def test_buyer_and_agent_meet_through_the_queue(watched, agent_page):
    buyer = watched.page
    buyer.goto("/")
    asked = ask(buyer, "My refund has not arrived, I want to talk to a human")
    assert asked.get_attribute("data-kind") == "handoff"

    agent = agent_page.page
    agent.goto("/agent")
    assert "Sign in" in agent.locator("#queue-status").text_content()  # not signed in: no queue shown
    agent.get_by_role("link", name="Sign in").click()
    agent.get_by_label("Admin token").fill("browser-admin")
    agent.get_by_role("button", name="Sign in").click()
    agent.wait_for_url("**/agent")
    item = agent.locator(".queue-open", has_text="My refund has not arrived")
    item.first.wait_for()
    item.first.click()
    agent.locator("#handoff-title").wait_for()
    assert "My refund has not arrived" in agent.locator("#handoff-log").text_content()
    agent.get_by_label("Your name (the buyer sees it)").fill("Ana")
    agent.get_by_role("button", name="Claim").click()
    agent.locator("#reply-form").wait_for()
    paste = agent.locator("#handoff-suggested .paste").first
    paste.click()
    assert agent.locator("#reply").input_value()  # the bot's answer, ready to send
    agent.get_by_label("Reply to the buyer").fill("Hello, I am Ana. Your refund is on its way.")
    agent.get_by_role("button", name="Send").click()
    agent.locator(".turn-agent", has_text="Your refund is on its way").wait_for()
    agent_page.shot("agent-console-handoff-queue")

    reply = buyer.locator(".hb-from-agent", has_text="Your refund is on its way")
    reply.wait_for(timeout=20_000)  # the widget polls every few seconds
    assert "Ana" in buyer.locator(".hb-note", has_text="has joined").first.text_content()
    watched.shot("widget-agent-reply")
