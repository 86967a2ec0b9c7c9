"""Version routing, rate limits, message cleaning and context trimming: pure functions, tables of cases."""

import pytest

from eval.registry import Aliases, Canary
from serve.context import trim_to_window
from serve.guards import InputRejected, RateLimiter, clean_message
from serve.routing import adapter_name, canary_bucket, route_new_conversation, routed_versions, versions_to_unload
from serve.supervisor import restart_delay


@pytest.mark.parametrize("aliases, conversation_id, expected", [
    (Aliases(), "any", "base"),
    (Aliases(production="v0003"), "any", "v0003"),
    (Aliases(production="v0003", canary=Canary("v0004", 0.999999)), "any", "v0004"),
    (Aliases(production=None, canary=Canary("v0001", 1e-9)), "any", "base"),
])
def test_route_new_conversation(aliases, conversation_id, expected):
    assert route_new_conversation(aliases, conversation_id) == expected


def test_canary_share_is_respected_and_deterministic():
    aliases = Aliases(production="v0001", canary=Canary("v0002", 0.2))
    ids = [f"conversation-{i}" for i in range(5000)]
    routed = [route_new_conversation(aliases, cid) for cid in ids]
    assert 0.17 < routed.count("v0002") / len(ids) < 0.23
    assert routed == [route_new_conversation(aliases, cid) for cid in ids]
    assert all(0 <= canary_bucket(cid) < 1 for cid in ids)


@pytest.mark.parametrize("version, name", [("base", "base"), ("v0001", "support-v0001"), ("v0123", "support-v0123")])
def test_adapter_name(version, name):
    assert adapter_name(version) == name


@pytest.mark.parametrize("aliases, expected", [
    (Aliases(), ("base",)),
    (Aliases(production="v0002", canary=Canary("v0003", 0.1)), ("v0002", "v0003")),
])
def test_routed_versions(aliases, expected):
    assert routed_versions(aliases) == expected


@pytest.mark.parametrize("loaded, routed, last_used, now, idle_s, expected", [
    ({"v0001", "v0002"}, ["v0002"], {"v0001": 0.0, "v0002": 0.0}, 100.0, 60.0, ["v0001"]),
    ({"v0001", "v0002"}, ["v0002"], {"v0001": 50.0}, 100.0, 60.0, []),  # its conversations are still active
    ({"v0001"}, ["v0001"], {"v0001": 0.0}, 1e9, 60.0, []),  # still routed
    ({"v0001"}, ["v0002"], {}, 0.0, 60.0, ["v0001"]),  # never used
])
def test_versions_to_unload(loaded, routed, last_used, now, idle_s, expected):
    assert versions_to_unload(loaded, routed, last_used, now, idle_s) == expected


@pytest.mark.parametrize("text, expected", [
    ("hello", "hello"),
    ("  hello \n", "hello"),
    ("a\x00b\x07c\x1b[31m", "abc[31m"),
    ("line one\nline two\tend", "line one\nline two\tend"),
    ("ünïcødé ✓ 你好", "ünïcødé ✓ 你好"),
])
def test_clean_message_keeps_text(text, expected):
    assert clean_message(text, 100) == expected


@pytest.mark.parametrize("text, match", [
    ("", "empty"), ("  \t\n", "empty"), ("\x00\x01", "empty"), ("x" * 101, "too long"), (None, "as text"),
    (b"bytes", "as text"),
])
def test_clean_message_refuses(text, match):
    with pytest.raises(InputRejected, match=match):
        clean_message(text, 100)


def test_rate_limiter_sliding_window():
    limiter = RateLimiter(limit=2, window_s=10)
    assert limiter.retry_after("a", 0.0) == 0
    assert limiter.retry_after("a", 1.0) == 0
    assert limiter.retry_after("a", 2.0) == pytest.approx(8.0)
    assert limiter.retry_after("b", 2.0) == 0  # keys are independent
    assert limiter.retry_after("a", 10.5) == 0  # the first event left the window


def word_counter(messages):
    return sum(len(m["content"].split()) + 1 for m in messages)


@pytest.mark.parametrize("history, budget, kept", [
    ([("user", "a b")], 100, [("user", "a b")]),
    ([("user", "one two three"), ("assistant", "four five"), ("user", "six")], 100,
     [("user", "one two three"), ("assistant", "four five"), ("user", "six")]),
    # too long: the oldest exchange goes, whole
    ([("user", "one two three"), ("assistant", "four five"), ("user", "six")], 5, [("user", "six")]),
    ([("user", "a"), ("assistant", "b"), ("user", "c"), ("assistant", "d"), ("user", "e")], 8,
     [("user", "c"), ("assistant", "d"), ("user", "e")]),
])
def test_trim_to_window_keeps_system_prompt_and_newest_turns(history, budget, kept):
    messages = [{"role": role, "content": text} for role, text in history]
    trimmed = trim_to_window("sys", messages, word_counter, budget)
    assert trimmed[0] == {"role": "system", "content": "sys"}
    assert [(m["role"], m["content"]) for m in trimmed[1:]] == kept
    assert word_counter(trimmed) <= budget


def test_trim_to_window_refuses_a_message_that_cannot_fit():
    with pytest.raises(InputRejected, match="too long"):
        trim_to_window("sys", [{"role": "user", "content": "w " * 50}], word_counter, 10)


@pytest.mark.parametrize("attempt, expected", [(1, 1.0), (2, 2.0), (3, 4.0), (6, 30.0), (50, 30.0)])
def test_restart_delay_doubles_up_to_the_cap(attempt, expected):
    assert restart_delay(attempt, max_delay_s=30.0) == expected
