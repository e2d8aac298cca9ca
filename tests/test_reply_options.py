"""A clarify or fallback reply says its options once: they travel as suggestions (buttons in
the widget, a numbered list in the CLI), never again in the text."""

from __future__ import annotations

import pytest

from helpbot.cli import main

# Questions that, with the bundled knowledge, get a reply with options; found by kind at run time.
PROBES = ("payment", "how do i pay the supplier", "what is the capital of peru", "bank details", "supplier fees",
          "how do i pay", "order problem", "account")


def replies_with_options(bot, kind: str):
    found = [(q, r) for q in PROBES for r in [bot.ask(q)] if r.kind == kind and r.suggestions]
    if not found:
        pytest.skip(f"no probe question gets a {kind} reply with options in this knowledge base")
    return found


@pytest.mark.parametrize("kind", ["clarify", "fallback"])
def test_the_text_does_not_list_the_options(bot, kind):
    for _, reply in replies_with_options(bot, kind):
        for option in reply.suggestions:
            assert option.title not in reply.text
        assert "\n" not in reply.text  # one short paragraph


def test_the_fallback_offers_an_agent_without_promising_one(bot):
    for _, reply in replies_with_options(bot, "fallback"):
        assert "talk to an agent" in reply.text
        assert not any(word in reply.text.lower() for word in ("will join", "livechat", 'type "agent"'))


@pytest.mark.parametrize("kind", ["clarify", "fallback"])
def test_the_cli_prints_each_option_once(capsys, bot, kind):
    question, reply = replies_with_options(bot, kind)[0]
    assert main(["ask", question]) == 0
    out = capsys.readouterr().out
    for n, option in enumerate(reply.suggestions, 1):
        assert out.count(option.title) == 1
        assert f"[{n}] {option.title}" in out
