"""Agents on a real DuckDB file: hashed passwords, refused logins, disabled agents, API tokens, sessions."""

import duckdb
import pytest

from feedback.agents import (AgentDirectory, AgentError, SessionSigner, add_agent, hash_password, issue_api_token,
                             list_agents, set_agent_disabled, token_hash, verify_password)
from feedback.ingest import FeedbackFiles
from feedback.reader import open_reader

PASSWORD = "correct horse battery"


@pytest.fixture
def files(tmp_path):
    return FeedbackFiles.for_home(tmp_path)


def test_passwords_are_stored_as_salted_argon2_hashes_never_in_plain_text(files):
    add_agent(files, "ann", PASSWORD, "admin")
    add_agent(files, "bob", PASSWORD, "admin")
    con = duckdb.connect(str(files.db), read_only=True)
    try:
        hashes = dict(con.execute("SELECT name, password_hash FROM agents").fetchall())
        everything = str(con.execute("SELECT * FROM agents").fetchall()) + str(
            con.execute("SELECT * FROM audit_log").fetchall())
    finally:
        con.close()
    assert PASSWORD not in everything
    assert all(h.startswith("$argon2id$") for h in hashes.values())
    assert hashes["ann"] != hashes["bob"]  # same password, different salt
    assert verify_password(hashes["ann"], PASSWORD) and not verify_password(hashes["ann"], PASSWORD + "x")


def test_agent_admin_is_audited(files):
    add_agent(files, "ann", PASSWORD, "root@cli")
    set_agent_disabled(files, "ann", True, "root@cli")
    issue_api_token(files, "ann", "root@cli")
    with open_reader(files.db) as store:
        actions = sorted((entry.action, entry.actor) for entry in store.audit_entries())
    assert actions == [("agent_add", "root@cli"), ("agent_disable", "root@cli"), ("agent_token", "root@cli")]


@pytest.mark.parametrize("name, password, message", [
    ("ann", "short", "at least 8 characters"),
    ("Ann", PASSWORD, "not allowed"),
    ("an n", PASSWORD, "not allowed"),
    ("-ann", PASSWORD, "not allowed"),
    ("a" * 65, PASSWORD, "not allowed"),
    ("x'); DROP TABLE agents; --", PASSWORD, "not allowed"),
])
def test_bad_names_and_passwords_are_refused(files, name, password, message):
    with pytest.raises(AgentError, match=message):
        add_agent(files, name, password, "admin")


def test_a_name_is_taken_once_and_unknown_agents_are_named(files):
    add_agent(files, "ann", PASSWORD, "admin")
    with pytest.raises(AgentError, match="already exists"):
        add_agent(files, "ann", "another password", "admin")
    with pytest.raises(AgentError, match="no agent named 'zed'"):
        set_agent_disabled(files, "zed", True, "admin")
    assert [agent.name for agent in list_agents(files.db)] == ["ann"]


def test_login_needs_the_right_password_and_an_enabled_agent(files):
    add_agent(files, "ann", PASSWORD, "admin")
    directory = AgentDirectory(files.db, cache_s=0.0)
    agent = directory.login("ann", PASSWORD)
    assert agent is not None and agent.name == "ann" and agent.password_hash == ""
    assert directory.login("ann", "wrong password") is None
    assert directory.login("nobody", PASSWORD) is None
    set_agent_disabled(files, "ann", True, "admin")
    assert directory.login("ann", PASSWORD) is None and directory.active(agent.id) is None
    set_agent_disabled(files, "ann", False, "admin")
    assert directory.active(agent.id).name == "ann"


def test_api_tokens_are_stored_hashed_and_replaced_by_a_new_one(files):
    add_agent(files, "ann", PASSWORD, "admin")
    first = issue_api_token(files, "ann", "admin")
    directory = AgentDirectory(files.db, cache_s=0.0)
    assert directory.by_token(first).name == "ann"
    with open_reader(files.db) as store:
        assert store.agent_by_name("ann").api_token_hash == token_hash(first)
    second = issue_api_token(files, "ann", "admin")
    assert directory.by_token(first) is None and directory.by_token(second).name == "ann"
    assert directory.by_token("slt_guess") is None and directory.by_token("") is None
    set_agent_disabled(files, "ann", True, "admin")
    assert directory.by_token(second) is None


def test_sessions_expire_and_cannot_be_forged():
    signer = SessionSigner("k" * 40, ttl_s=60)
    token = signer.issue("agent-1", now=1_000.0)
    assert signer.agent_id(token, now=1_059.0) == "agent-1"
    assert signer.agent_id(token, now=1_060.0) is None  # expired
    body, _, signature = token.rpartition(".")
    agent, expires, nonce = body.split(".")
    assert signer.agent_id(f"{agent}.{int(expires) + 3600}.{nonce}.{signature}", now=1_000.0) is None  # extended
    assert SessionSigner("other" * 8, ttl_s=60).agent_id(token, now=1_000.0) is None  # another key
    assert signer.agent_id(None) is None and signer.agent_id("a.b.c") is None and signer.agent_id("a.b.c.d") is None
    # without a configured secret each process signs with its own random key
    assert SessionSigner("", 60).agent_id(SessionSigner("", 60).issue("agent-1")) is None


def test_hash_password_refuses_absurd_lengths():
    with pytest.raises(AgentError, match="at most"):
        hash_password("x" * 5000)


def test_the_login_throttle_refuses_after_repeated_failures_and_forgets_them_later():
    from feedback.agents import LoginThrottle

    throttle = LoginThrottle(max_failures=3, window_s=60)
    keys = ("name:ann", "address:10.0.0.1")
    for second in range(3):
        assert throttle.retry_after(keys, now=100.0 + second) == 0
        throttle.failed(keys, now=100.0 + second)
    assert throttle.retry_after(keys, now=103.0) == pytest.approx(57.0)
    assert throttle.retry_after(("name:bob", "address:10.0.0.2"), now=103.0) == 0  # others are not affected
    assert throttle.retry_after(keys, now=160.5) == 0  # the first failure left the window
    throttle.succeeded(keys)
    assert throttle.retry_after(keys, now=161.0) == 0
