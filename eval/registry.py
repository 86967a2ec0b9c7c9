"""The model registry: immutable version directories, the aliases that say which version serves, and their history.

Layout under `<home>/registry/`:
    versions/vNNNN/      one PEFT adapter (adapter_config.json, adapter_model.safetensors) + manifest.json; never changed
    aliases.json         {"production": "v0003"|null, "canary": {"version": "v0004", "share": 0.2}|null, "previous": ...}
    history.jsonl        one line per promotion or rollback: who, when, why, from -> to

Every write is crash-safe: a version appears by renaming a complete staging directory, aliases.json is replaced
in one `os.replace` of an fsync'd temporary file, so a reader (the serving app polls this file) sees the old or
the new aliases, never half of them. Writers take an exclusive lock file so two promotions do not interleave.
The eval issue grows this module (gate decisions, reports); serve/ only reads aliases and version paths.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

from supportloop.errors import SupportloopError
from supportloop.paths import sync_directory

VERSION_PATTERN = re.compile(r"^v(\d{4,})$")
ADAPTER_FILES = ("adapter_config.json",)
BASE = "base"  # the base model without an adapter: what serves when nothing is promoted


class RegistryError(SupportloopError):
    """The registry is missing a version, holds an invalid one, or was asked for an impossible change."""


@dataclass(frozen=True)
class Canary:
    version: str
    share: float


@dataclass(frozen=True)
class Aliases:
    """Which versions serve. `production` None means the base model serves."""
    production: Optional[str] = None
    canary: Optional[Canary] = None
    previous: Optional[str] = None

    def to_json(self) -> dict[str, Any]:
        canary = {"version": self.canary.version, "share": self.canary.share} if self.canary else None
        return {"production": self.production, "canary": canary, "previous": self.previous}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Aliases":
        canary = data.get("canary")
        return cls(production=data.get("production"),
                   canary=Canary(canary["version"], float(canary["share"])) if canary else None,
                   previous=data.get("previous"))


def versions_dir(root: Path) -> Path:
    return Path(root) / "versions"


def version_dir(root: Path, version: str) -> Path:
    return versions_dir(root) / version


def aliases_file(root: Path) -> Path:
    return Path(root) / "aliases.json"


def history_file(root: Path) -> Path:
    return Path(root) / "history.jsonl"


def format_version(number: int) -> str:
    return f"v{number:04d}"


def parse_version(version: str) -> int:
    match = VERSION_PATTERN.match(version)
    if not match:
        raise RegistryError(f"'{version}' is not a version id (expected v0001, v0002, ...)")
    return int(match.group(1))


def next_version(existing: list[str]) -> str:
    """The id after the highest one ever used (staging leftovers count, so ids are never reused)."""
    return format_version(max((parse_version(v) for v in existing), default=0) + 1)


def list_versions(root: Path) -> list[str]:
    """Published versions, oldest first."""
    directory = versions_dir(root)
    if not directory.is_dir():
        return []
    return sorted((p.name for p in directory.iterdir() if VERSION_PATTERN.match(p.name)), key=parse_version)


def read_manifest(root: Path, version: str) -> dict[str, Any]:
    path = version_dir(root, version) / "manifest.json"
    if not path.is_file():
        raise RegistryError(f"version {version} does not exist in {root} (known: {', '.join(list_versions(root)) or 'none'})")
    return json.loads(path.read_text())


def read_aliases(root: Path) -> Aliases:
    """The current aliases; no file means nothing was ever promoted (the base model serves)."""
    path = aliases_file(root)
    try:
        return Aliases.from_json(json.loads(path.read_text()))
    except FileNotFoundError:
        return Aliases()
    except (ValueError, KeyError, TypeError) as exc:
        raise RegistryError(f"{path} is not valid ({exc}); restore it from history.jsonl or promote again") from None


@contextmanager
def _locked(root: Path) -> Iterator[None]:
    """One writer at a time (a crashed writer's lock is released by the kernel)."""
    Path(root).mkdir(parents=True, exist_ok=True)
    with open(Path(root) / ".lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)




def write_json_atomically(path: Path, data: Any) -> None:
    """Replace `path` with `data` so a reader or a crash sees the old content or the new, never a mix."""
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(data, handle, indent=2, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    sync_directory(path.parent)


def register_version(root: Path, adapter_dir: Path, manifest: Mapping[str, Any]) -> str:
    """Copy a PEFT adapter into the registry as the next version; return its id ("v0001", ...)."""
    adapter_dir = Path(adapter_dir)
    missing = [name for name in ADAPTER_FILES if not (adapter_dir / name).is_file()]
    if missing or not any(adapter_dir.glob("adapter_model.*")):
        raise RegistryError(f"{adapter_dir} is not a PEFT adapter (needs adapter_config.json and adapter_model.*)")
    with _locked(root):
        versions_dir(root).mkdir(parents=True, exist_ok=True)
        used = [p.name.split(".")[1] for p in versions_dir(root).glob(".v*.staging*")]  # ids of crashed writers
        version = next_version(list_versions(root) + [v for v in used if VERSION_PATTERN.match(v)])
        staging = Path(tempfile.mkdtemp(prefix=f".{version}.staging-", dir=versions_dir(root)))
        for item in adapter_dir.iterdir():  # the adapter only (peft also writes a README model card)
            if item.is_file() and (item.name in ADAPTER_FILES or item.name.startswith("adapter_model.")):
                shutil.copy2(item, staging / item.name)
        full_manifest = {**manifest, "version": version,
                         "registered_at": datetime.now(timezone.utc).isoformat()}
        (staging / "manifest.json").write_text(json.dumps(full_manifest, indent=2, sort_keys=True, default=str))
        os.replace(staging, version_dir(root, version))
        sync_directory(versions_dir(root))
    return version


def plan_promotion(current: Aliases, version: str, canary_share: Optional[float]) -> Aliases:
    """Pure: the aliases after promoting `version` to production (share None) or to canary (0 < share < 1)."""
    if canary_share is None:
        if current.production == version:
            raise RegistryError(f"{version} is already in production")
        canary = current.canary if current.canary and current.canary.version != version else None
        return Aliases(production=version, canary=canary, previous=current.production)
    if not 0.0 < canary_share < 1.0:
        raise RegistryError(f"canary share must be between 0 and 1 (exclusive), not {canary_share}")
    if current.production == version:
        raise RegistryError(f"{version} is in production already; it cannot also be the canary")
    return Aliases(production=current.production, canary=Canary(version, canary_share), previous=current.previous)


def plan_rollback(current: Aliases) -> Aliases:
    """Pure: drop the canary if there is one, else put `previous` back in production."""
    if current.canary is not None:
        return Aliases(production=current.production, canary=None, previous=current.previous)
    if current.production is None:
        raise RegistryError("nothing to roll back: the base model is serving and no canary is set")
    return Aliases(production=current.previous, canary=None, previous=None)


def plan_rollback_to(current: Aliases, version: str) -> Aliases:
    """Pure: put an older `version` back in production (dropping any canary); production becomes `previous`."""
    if current.production == version:
        raise RegistryError(f"{version} is already in production")
    return Aliases(production=version, canary=None, previous=current.production)


def _change_aliases(root: Path, plan, *, actor: str, reason: str, action: str) -> Aliases:
    if not actor or not reason:
        raise RegistryError("every alias change needs an actor and a reason (they go into history.jsonl)")
    with _locked(root):
        current = read_aliases(root)
        updated = plan(current)
        for version in filter(None, (updated.production, updated.canary and updated.canary.version)):
            if not version_dir(root, version).is_dir():
                raise RegistryError(f"version {version} does not exist in {root}")
        entry = {"at": datetime.now(timezone.utc).isoformat(), "actor": actor, "reason": reason, "action": action,
                 "from": current.to_json(), "to": updated.to_json()}
        # History first: a crash between the two leaves a logged intent, never an unlogged change.
        with open(history_file(root), "a") as handle:
            handle.write(json.dumps(entry, sort_keys=True) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        write_json_atomically(aliases_file(root), updated.to_json())
    return updated


def promote(root: Path, version: str, *, canary_share: Optional[float] = None, actor: str, reason: str) -> Aliases:
    """Make `version` production (or the canary with `canary_share`); atomic and logged."""
    read_manifest(root, version)  # a clear error for an unknown version
    return _change_aliases(root, lambda current: plan_promotion(current, version, canary_share),
                           actor=actor, reason=reason, action="canary" if canary_share is not None else "promote")


def rollback(root: Path, *, actor: str, reason: str, to: Optional[str] = None) -> Aliases:
    """Drop the canary, or return production to the previous version (or to `to`); atomic and logged."""
    if to is None:
        return _change_aliases(root, plan_rollback, actor=actor, reason=reason, action="rollback")
    if to != BASE:
        read_manifest(root, to)
    target = None if to == BASE else to
    return _change_aliases(root, lambda current: plan_rollback_to(current, target), actor=actor, reason=reason,
                           action="rollback")


def evaluation_file(root: Path, version: str) -> Path:
    return Path(root) / "evaluations" / f"{version}.json"


def record_evaluation(root: Path, version: str, evaluation: Mapping[str, Any], *, actor: str) -> None:
    """Store the gate's decision and its numbers with the version (version directories stay immutable, so they
    live beside them), and log a rejection in the history, where alias changes are logged."""
    read_manifest(root, version)
    with _locked(root):
        evaluation_file(root, version).parent.mkdir(parents=True, exist_ok=True)
        write_json_atomically(evaluation_file(root, version), dict(evaluation))
        if evaluation.get("verdict") == "reject":
            current = read_aliases(root).to_json()
            entry = {"at": datetime.now(timezone.utc).isoformat(), "actor": actor, "action": "reject",
                     "version": version, "reason": "; ".join(evaluation.get("reasons", [])) or "rejected by the gate",
                     "from": current, "to": current}
            with open(history_file(root), "a") as handle:
                handle.write(json.dumps(entry, sort_keys=True) + "\n")
                handle.flush()
                os.fsync(handle.fileno())


def read_evaluation(root: Path, version: str) -> Optional[dict[str, Any]]:
    path = evaluation_file(root, version)
    return json.loads(path.read_text()) if path.is_file() else None


def read_history(root: Path) -> list[dict[str, Any]]:
    path = history_file(root)
    if not path.is_file():
        return []
    entries = []
    for line in path.read_text().splitlines():
        try:
            entries.append(json.loads(line))
        except ValueError:  # a writer killed mid-line: its alias change never happened (history is written first)
            continue
    return entries
