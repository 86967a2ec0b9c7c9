"""Version routing, as pure functions: which version a new conversation gets, its adapter name, what to unload.

A conversation is routed once, when it starts, and keeps that version to its last turn, even across
promotions: the app stores the version in the conversation's state and never asks again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

from eval.registry import BASE, Aliases

ADAPTER_PREFIX = "support-"


def canary_bucket(conversation_id: str) -> float:
    """A number in [0, 1) fixed by the conversation id, so the canary decision is reproducible."""
    digest = hashlib.sha256(conversation_id.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def route_new_conversation(aliases: Aliases, conversation_id: str) -> str:
    """The version a new conversation is served by: the canary by its share, else production, else base."""
    if aliases.canary is not None and canary_bucket(conversation_id) < aliases.canary.share:
        return aliases.canary.version
    return aliases.production or BASE


def routed_versions(aliases: Aliases) -> tuple[str, ...]:
    """Versions new conversations can be sent to."""
    versions = [aliases.production or BASE]
    if aliases.canary is not None:
        versions.append(aliases.canary.version)
    return tuple(versions)


def adapter_name(version: str) -> str:
    """The engine's model name of a version: a new name per version, so vLLM never serves a stale cache."""
    return BASE if version == BASE else f"{ADAPTER_PREFIX}{version}"


def versions_to_unload(loaded: Iterable[str], routed: Iterable[str], last_used: Mapping[str, float],
                       now: float, idle_s: float) -> list[str]:
    """Loaded versions that no new conversation goes to and whose conversations have been idle `idle_s`."""
    routed_set = set(routed)
    return sorted(version for version in loaded
                  if version not in routed_set and version != BASE
                  and now - last_used.get(version, float("-inf")) >= idle_s)
