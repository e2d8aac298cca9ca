from __future__ import annotations

from helpbot.sessions import SessionStore


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_session_state_is_kept_between_turns():
    store = SessionStore()
    store.get("a").last_tool = "x"
    assert store.get("a").last_tool == "x"
    assert store.get("b").last_tool is None


def test_sessions_expire_after_ttl():
    clock = Clock()
    store = SessionStore(ttl=60, clock=clock)
    store.get("a").last_tool = "x"
    clock.now = 59
    assert store.get("a").last_tool == "x"  # using it renews it
    clock.now = 59 + 61
    assert store.get("a").last_tool is None
    assert len(store) == 1


def test_store_is_bounded_and_drops_least_recently_used():
    store = SessionStore(max_sessions=3)
    for name in "abcd":
        store.get(name).last_tool = name
    assert len(store) == 3
    assert store.get("a").last_tool is None  # "a" was the oldest and was dropped


def test_many_sessions_never_grow_past_the_bound():
    store = SessionStore(max_sessions=100)
    for n in range(10_000):
        store.get(str(n))
    assert len(store) == 100
