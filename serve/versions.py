"""Serving registry versions: watching the aliases, loading adapters into the engine, unloading idle ones.

`VersionRouter` is the one place that knows which versions new conversations go to. A background thread
polls `aliases.json` (mtime and content) every `registry_poll_s`; a change is applied only after every
version it routes to has been loaded into the engine, so a broken adapter leaves the current version
serving and shows up in `last_error` (and /healthz) instead of failing chats.

The newest registered version is loaded as soon as it appears (the nightly job registers a candidate minutes
before it may canary it), so a promotion only has to switch routing: loading an adapter into a busy CPU
engine takes seconds, which customers would otherwise wait for on the first answer of the new version.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from pathlib import Path

import httpx

from eval.registry import BASE, Aliases, RegistryError, list_versions, read_aliases, version_dir
from serve.engine import engine_auth_headers
from serve.routing import adapter_name, route_new_conversation, routed_versions, versions_to_unload

log = logging.getLogger(__name__)


class AdapterLoadError(RegistryError):
    """The engine refused to load a version's adapter."""


class VersionRouter:
    """Routes new conversations and keeps the engine's loaded adapters in line with the registry."""

    def __init__(self, registry_root: Path, engine_url: str, *, api_key: str = "", poll_s: float = 0.5,
                 idle_unload_s: float = 900.0, preload_newest: bool = True, max_loaded: int = 4):
        self.registry_root = Path(registry_root)
        self.engine_url = engine_url
        self.headers = engine_auth_headers(api_key)
        self.poll_s = poll_s
        self.idle_unload_s = idle_unload_s
        self.preload_newest = preload_newest
        self.max_loaded = max_loaded  # the engine's max_loras
        self.preloaded: set[str] = set()  # each version at most once: one that idles out unpromoted stays out
        self.aliases = Aliases()  # what new conversations are routed by: only ever a fully loaded set
        self.loaded: set[str] = set()
        self.last_used: dict[str, float] = {}
        self.last_error = ""
        self.changed_at = 0.0
        self._seen_signature: tuple = ()
        self._lock = threading.Lock()  # one load/unload at a time; the engine's adapter API is not re-entrant
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ---- used by chat handlers ------------------------------------------------------------------------
    def route(self, conversation_id: str) -> tuple[str, str]:
        """(version, adapter name) for a new conversation."""
        version = route_new_conversation(self.aliases, conversation_id)
        return version, adapter_name(version)

    def is_loaded(self, version: str) -> bool:
        """Whether `version` answers without loading anything first."""
        return version == BASE or version in self.loaded

    def ensure_loaded(self, version: str) -> str:
        """The engine model name of `version`, loading its adapter first if needed; raise AdapterLoadError."""
        self.last_used[version] = time.monotonic()
        if self.is_loaded(version):
            return adapter_name(version)
        with self._lock:
            if version not in self.loaded:
                self._load(version)
        return adapter_name(version)

    def forget_loaded(self) -> None:
        """The engine restarted: it holds no adapters any more."""
        with self._lock:
            self.loaded.clear()

    # ---- engine adapter API ---------------------------------------------------------------------------
    def _load(self, version: str) -> None:
        path = version_dir(self.registry_root, version)
        if not path.is_dir():
            raise AdapterLoadError(f"version {version} is not in the registry {self.registry_root}")
        try:
            response = httpx.post(f"{self.engine_url}/v1/load_lora_adapter", headers=self.headers, timeout=120,
                                  json={"lora_name": adapter_name(version), "lora_path": str(path)})
        except httpx.HTTPError as exc:
            raise AdapterLoadError(f"could not reach the engine to load {version}: {exc}") from None
        if response.status_code != 200 and "already been loaded" not in response.text:
            raise AdapterLoadError(f"the engine refused the adapter of {version} "
                                   f"(HTTP {response.status_code}: {response.text[:300]})")
        self._warm_up(version)
        self.loaded.add(version)
        log.info("loaded adapter %s from %s", adapter_name(version), path)

    def _warm_up(self, version: str) -> None:
        """One 1-token answer, so the engine's first-use cost of the adapter is paid before customers are routed."""
        try:
            httpx.post(f"{self.engine_url}/v1/completions", headers=self.headers, timeout=120,
                       json={"model": adapter_name(version), "prompt": "Hello", "max_tokens": 1})
        except httpx.HTTPError as exc:  # not fatal: the first customer pays the cost instead
            log.warning("warm-up of %s failed: %s", adapter_name(version), exc)

    def _unload(self, version: str) -> None:
        with self._lock:
            try:
                httpx.post(f"{self.engine_url}/v1/unload_lora_adapter", headers=self.headers, timeout=60,
                           json={"lora_name": adapter_name(version)})
            except httpx.HTTPError as exc:
                log.warning("could not unload %s: %s", adapter_name(version), exc)
                return
            self.loaded.discard(version)
            log.info("unloaded idle adapter %s", adapter_name(version))

    # ---- the watcher ----------------------------------------------------------------------------------
    def _signature(self) -> tuple:
        path = self.registry_root / "aliases.json"
        try:
            stat = path.stat()
            return (stat.st_mtime_ns, stat.st_size, hashlib.sha256(path.read_bytes()).hexdigest())
        except FileNotFoundError:
            return ("missing",)

    def refresh(self) -> bool:
        """Apply the registry's aliases if they changed and all their versions load; True if applied."""
        signature = self._signature()
        if signature == self._seen_signature:
            return False
        try:
            wanted = read_aliases(self.registry_root)
            for version in routed_versions(wanted):
                self.ensure_loaded(version)
        except RegistryError as exc:
            # Keep serving the current aliases; retry on the next change (or the next poll after a restart).
            self.last_error = str(exc)
            self._seen_signature = signature
            log.error("registry change not applied, current versions keep serving: %s", exc)
            return False
        self._seen_signature = signature
        if wanted != self.aliases:
            log.info("routing changed: %s -> %s", self.aliases.to_json(), wanted.to_json())
            self.aliases = wanted
            self.changed_at = time.time()
        self.last_error = ""
        return True

    def unload_idle(self) -> None:
        for version in versions_to_unload(self.loaded, routed_versions(self.aliases), self.last_used,
                                          time.monotonic(), self.idle_unload_s):
            self._unload(version)

    def preload_newest_version(self) -> None:
        """Load the newest registered version before anything routes to it, keeping one adapter slot free."""
        if not self.preload_newest:
            return
        versions = list_versions(self.registry_root)
        newest = versions[-1] if versions else None
        if newest is None or newest in self.loaded or newest in self.preloaded:
            return
        if len(self.loaded) >= self.max_loaded - 1:
            return  # the free slot is for a routed version (a rollback to one no longer loaded)
        self.preloaded.add(newest)
        try:
            self.ensure_loaded(newest)  # its idle clock starts now: unloaded after idle_unload_s if never routed
        except RegistryError as exc:
            log.warning("could not preload %s (it is loaded again if it is ever routed to): %s", newest, exc)

    def start(self) -> None:
        self.refresh()  # routed versions load before the app serves; the newest is preloaded by the watcher
        self._thread = threading.Thread(target=self._watch, name="registry-watcher", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(self.poll_s):
            try:
                self.refresh()
                self.unload_idle()
                self.preload_newest_version()
            except Exception:  # the watcher must outlive any surprise; chats keep their versions meanwhile
                log.exception("registry watcher round failed")

    def retry_after_engine_restart(self) -> None:
        """Adapters are gone after a restart; reload the routed ones on the next poll."""
        self.forget_loaded()
        self._seen_signature = ()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def health(self) -> dict:
        return {"routing": self.aliases.to_json(), "routed_versions": list(routed_versions(self.aliases)),
                "loaded_adapters": sorted(adapter_name(v) for v in self.loaded),
                "last_adapter_error": self.last_error or None}
