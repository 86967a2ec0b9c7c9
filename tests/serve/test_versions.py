"""Two registry versions on the real engine: promote mid-conversation; the old conversation keeps its version,
a new one gets the new version (read back from the stored turns); a broken adapter leaves routing as it was."""

import time

import httpx
import pytest
from gradio_client import Client

from eval.registry import promote, register_version, rollback
from feedback.reader import open_reader
from tests.serve.adapters import make_adapter

pytestmark = pytest.mark.slow


def wait_for_routing(app, production, timeout_s=2.5):
    """The app picks up an alias change within 2 s (the issue's bound, plus HTTP slack)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        health = httpx.get(f"{app.url}/healthz").json()
        if health["versions"]["routing"]["production"] == production:
            return health
        time.sleep(0.1)
    raise AssertionError(f"routing did not switch to {production}: {health}")


def versions_of(deps, home, customer_id):
    deps.feedback.flush()
    with open_reader(home / "feedback.duckdb") as store:
        turns = [t for t in store.turns_between() if t.customer_id == customer_id and t.turn.role == "assistant"]
    return [(t.turn.version, t.turn.adapter) for t in sorted(turns, key=lambda t: t.turn.turn_index)]


def test_promotion_mid_conversation_keeps_old_conversations_on_their_version(make_app, tiny_model_dir, tmp_path):
    home = tmp_path / "home"
    registry = home / "registry"
    v1 = register_version(registry, make_adapter(tiny_model_dir, tmp_path / "a1", 1), {"note": "first"})
    v2 = register_version(registry, make_adapter(tiny_model_dir, tmp_path / "a2", 2), {"note": "second"})
    assert (v1, v2) == ("v0001", "v0002")
    promote(registry, v1, actor="test", reason="first release")
    app, deps, config = make_app(home, messages_per_minute=200)
    wait_for_routing(app, v1)

    early = Client(app.url, verbose=False)
    early.predict("Where is my order?", api_name="/chat")
    promote(registry, v2, actor="test", reason="better")
    health = wait_for_routing(app, v2)
    assert set(health["versions"]["loaded_adapters"]) >= {"support-v0001", "support-v0002"}
    early.predict("And when will it arrive?", api_name="/chat")
    late = Client(app.url, verbose=False)
    late.predict("Where is my order?", api_name="/chat")

    assert versions_of(deps, home, early.session_hash) == [(v1, "support-v0001")] * 2
    assert versions_of(deps, home, late.session_hash) == [(v2, "support-v0002")]

    rollback(registry, actor="test", reason="back to v1")
    wait_for_routing(app, v1)


def test_a_broken_adapter_leaves_the_current_version_serving(make_app, tiny_model_dir, tmp_path):
    home = tmp_path / "home"
    registry = home / "registry"
    # Start ids at v0101: the session's shared engine already holds support-v0001/v0002 from the test above,
    # and a name already loaded counts as loaded (several app replicas share one engine).
    (registry / "versions" / ".v0100.staging-of-a-crashed-writer").mkdir(parents=True)
    good = register_version(registry, make_adapter(tiny_model_dir, tmp_path / "good", 3), {})
    bad_dir = make_adapter(tiny_model_dir, tmp_path / "bad", 4)
    (bad_dir / "adapter_model.safetensors").write_bytes(b"not a tensor file")
    bad = register_version(registry, bad_dir, {})
    promote(registry, good, actor="test", reason="release")
    app, deps, config = make_app(home)
    wait_for_routing(app, good)
    promote(registry, bad, actor="test", reason="broken release")
    deadline = time.monotonic() + 30  # vLLM takes a while to report a failed load
    while time.monotonic() < deadline and not httpx.get(f"{app.url}/healthz").json()["versions"]["last_adapter_error"]:
        time.sleep(0.1)
    health = httpx.get(f"{app.url}/healthz").json()
    assert bad in (health["versions"]["last_adapter_error"] or "")
    assert health["versions"]["routing"]["production"] == good
    client = Client(app.url, verbose=False)
    client.predict("hello", api_name="/chat")
    assert versions_of(deps, home, client.session_hash) == [(good, f"support-{good}")]


def test_routing_switches_only_once_the_new_adapter_is_loaded(make_app, tiny_model_dir, tmp_path):
    """New conversations never reach a version the engine has not loaded (and warmed up): the watcher loads
    the adapter as soon as the aliases name it and only then routes to it, so no customer pays the load."""
    import threading

    home = tmp_path / "home"
    registry = home / "registry"
    (registry / "versions" / ".v0200.staging-of-a-crashed-writer").mkdir(parents=True)  # names new to the engine
    old = register_version(registry, make_adapter(tiny_model_dir, tmp_path / "old", 5), {})
    new = register_version(registry, make_adapter(tiny_model_dir, tmp_path / "new", 6), {})
    promote(registry, old, actor="test", reason="release")
    app, deps, config = make_app(home)
    wait_for_routing(app, old)
    router, seen, stop = deps.router, [], threading.Event()

    def watch_routing():
        while not stop.is_set():
            routing = router.aliases.production
            seen.append((routing, router.is_loaded(routing)))
            time.sleep(0.001)

    watcher = threading.Thread(target=watch_routing)
    watcher.start()
    try:
        promote(registry, new, actor="test", reason="new release")
        wait_for_routing(app, new)
    finally:
        stop.set()
        watcher.join()
    assert (new, True) in seen
    assert all(loaded for routing, loaded in seen), [s for s in seen if not s[1]][:3]
    models = httpx.get(f"{config.serve.engine_url}/v1/models").json()["data"]
    assert f"support-{new}" in {model["id"] for model in models}


def loaded_adapters(app) -> set[str]:
    return set(httpx.get(f"{app.url}/healthz").json()["versions"]["loaded_adapters"])


@pytest.mark.parametrize("preload", [True, False])
def test_a_newly_registered_version_is_loaded_before_it_is_promoted(make_app, tiny_model_dir, tmp_path, preload):
    """The nightly job registers a candidate before it canaries it: the app loads it meanwhile, so the
    promotion only switches routing. With preloading off, it is loaded when the aliases first name it."""
    home = tmp_path / "home"
    registry = home / "registry"
    current = register_version(registry, make_adapter(tiny_model_dir, tmp_path / "current", 11), {})
    promote(registry, current, actor="test", reason="release")
    app, deps, _ = make_app(home, preload_newest_version=preload)
    wait_for_routing(app, current)
    candidate = register_version(registry, make_adapter(tiny_model_dir, tmp_path / "candidate", 12), {})
    # Loading takes a second or two; without preloading, eight polls (2 s) show it does not happen (waiting
    # the 30 s a slow load may take cost every CI run 30 s)
    deadline = time.monotonic() + (30 if preload else 2)
    while f"support-{candidate}" not in loaded_adapters(app) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(0.6)  # three more polls: a router that would load it has had every chance
    assert (f"support-{candidate}" in loaded_adapters(app)) is preload
    assert httpx.get(f"{app.url}/healthz").json()["versions"]["routing"]["production"] == current
    promote(registry, candidate, actor="test", reason="passed the gate")
    wait_for_routing(app, candidate)
    assert f"support-{candidate}" in loaded_adapters(app)
