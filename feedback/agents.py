"""Support agents: their passwords, API tokens and console sessions.

- Passwords are stored as Argon2id hashes (argon2-cffi: a random salt and the cost parameters live inside
  each hash); never in plain text, never logged.
- API tokens are 256-bit random strings shown once; only their SHA-256 is stored. A fast hash is right
  here: unlike passwords, the tokens carry enough entropy that nobody can guess them from the hash.
- Console sessions are signed cookies: `<agent id>.<expiry>.<nonce>.<HMAC-SHA256>`. They expire on their
  own (the expiry is signed), survive app restarts and work across app processes when every process gets
  the same `SUPPORTLOOP_SESSION_SECRET`; and each request re-checks the agent, so disabling an agent ends
  its sessions and tokens within `feedback.agent_cache_s`.

Agent administration (add, disable, token) writes through `exclusive_store` rather than the journal: it
is rare, must answer at once ("that name is taken"), and the token must be stored before it is shown.
The app itself only reads agents, through `AgentDirectory` (read-only, retrying, cached briefly).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from feedback.errors import FeedbackError
from feedback.ingest import FeedbackFiles, exclusive_store
from feedback.reader import open_reader
from feedback.records import AgentRecord, new_id

AGENT_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_CHARS = 1024
TOKEN_PREFIX = "slt_"
_HASHER = PasswordHasher()  # immutable settings object (argon2-cffi's RFC 9106 low-memory profile)
# Verified when the name is unknown, so a login for a missing agent takes as long as a wrong password.
_DUMMY_HASH = _HASHER.hash("not a real password")


class AgentError(FeedbackError):
    """An agent could not be created, found or changed; the message says why."""


def check_agent_name(name: str) -> str:
    if not isinstance(name, str) or not AGENT_NAME.match(name):
        raise AgentError(f"agent name {name!r:.80} is not allowed: use 1-64 lowercase letters, digits, '.', '_' "
                         f"or '-', starting with a letter or digit")
    return name


def hash_password(password: str) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_CHARS:
        raise AgentError(f"the password must have at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise AgentError(f"the password must have at most {MAX_PASSWORD_CHARS} characters")
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_api_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


# ---- administration (CLI) -------------------------------------------------------------------------------

def add_agent(files: FeedbackFiles, name: str, password: str, actor: str, timeout_s: float = 60.0) -> AgentRecord:
    """Create an enabled agent with this password; AgentError if the name is bad or taken."""
    agent = AgentRecord(id=new_id(), name=check_agent_name(name), password_hash=hash_password(password))
    with exclusive_store(files, timeout_s) as store:
        try:
            store.add_agent(agent, actor)
        except AgentError:
            raise
        except FeedbackError as exc:
            raise AgentError(str(exc)) from None
    return agent


def set_agent_disabled(files: FeedbackFiles, name: str, disabled: bool, actor: str,
                       timeout_s: float = 60.0) -> AgentRecord:
    with exclusive_store(files, timeout_s) as store:
        return _update(store, name, actor, disabled=disabled)


def issue_api_token(files: FeedbackFiles, name: str, actor: str, timeout_s: float = 60.0) -> str:
    """A new API token for the agent, replacing any earlier one; returned once, only its hash is kept."""
    token = new_api_token()
    with exclusive_store(files, timeout_s) as store:
        _update(store, name, actor, api_token_hash=token_hash(token))
    return token


def _update(store, name: str, actor: str, **changes) -> AgentRecord:
    try:
        return store.update_agent(name, actor, **changes)
    except FeedbackError as exc:
        raise AgentError(str(exc)) from None


def list_agents(db_path: Path, timeout_s: float = 30.0) -> list[AgentRecord]:
    with open_reader(db_path, timeout_s=timeout_s) as store:
        return store.agents()


# ---- sessions ---------------------------------------------------------------------------------------------

class SessionSigner:
    """Issues and checks signed, expiring session tokens for agent ids. Pure apart from the clock."""

    def __init__(self, secret: str, ttl_s: float) -> None:
        # An empty secret means "this process only": a random key nobody else knows.
        self._key = hashlib.sha256((secret or secrets.token_hex(32)).encode()).digest()
        self.ttl_s = ttl_s

    def issue(self, agent_id: str, now: Optional[float] = None) -> str:
        expires = int((time.time() if now is None else now) + self.ttl_s)
        agent = base64.urlsafe_b64encode(agent_id.encode()).decode().rstrip("=")
        body = f"{agent}.{expires}.{secrets.token_urlsafe(12)}"
        return f"{body}.{self._sign(body)}"

    def agent_id(self, token: Optional[str], now: Optional[float] = None) -> Optional[str]:
        """The agent id in a valid, unexpired token; None for anything else."""
        parts = (token or "").split(".")
        if len(parts) != 4:
            return None
        body = ".".join(parts[:3])
        if not hmac.compare_digest(parts[3], self._sign(body)):
            return None
        try:
            expires = int(parts[1])
            agent_id = base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)).decode()
        except (ValueError, UnicodeDecodeError):
            return None
        return agent_id if (time.time() if now is None else now) < expires else None

    def _sign(self, body: str) -> str:
        return base64.urlsafe_b64encode(hmac.new(self._key, body.encode(), hashlib.sha256).digest()).decode().rstrip("=")


class LoginThrottle:
    """Refuses logins for a key (an agent name, a client address) after `max_failures` failed attempts
    within `window_s`, until the oldest of them is older than `window_s`: slows password guessing down to a
    handful of tries per window without locking anybody out for long. Per app process; thread-safe."""

    def __init__(self, max_failures: int = 5, window_s: float = 300.0) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self._lock = threading.Lock()
        self._failures: dict[str, list[float]] = {}

    def retry_after(self, keys: tuple[str, ...], now: Optional[float] = None) -> float:
        """Seconds until these keys may try again; 0 when they may try now."""
        now = time.monotonic() if now is None else now
        with self._lock:
            waits = []
            for key in keys:
                recent = [t for t in self._failures.get(key, []) if now - t < self.window_s]
                self._failures[key] = recent
                if len(recent) >= self.max_failures:
                    waits.append(recent[-self.max_failures] + self.window_s - now)
            return max(waits, default=0.0)

    def failed(self, keys: tuple[str, ...], now: Optional[float] = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            for key in keys:
                self._failures.setdefault(key, []).append(now)

    def succeeded(self, keys: tuple[str, ...]) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)


class AgentDirectory:
    """The app's read-only view of the agents, reloaded at most every `cache_s` seconds; thread-safe."""

    def __init__(self, db_path: Path, *, cache_s: float = 5.0, reader_timeout_s: float = 30.0) -> None:
        self._db_path = Path(db_path)
        self._cache_s = cache_s
        self._reader_timeout_s = reader_timeout_s
        self._lock = threading.Lock()
        self._agents: dict[str, AgentRecord] = {}
        self._loaded_at = float("-inf")

    def _current(self, *, missed: bool = False) -> dict[str, AgentRecord]:
        """The cached agents; `missed=True` (a lookup found nothing) reloads sooner, so a new agent can log
        in at once, yet at most once a second, so unknown names cannot hammer the database."""
        with self._lock:
            age = time.monotonic() - self._loaded_at
            if age >= self._cache_s or (missed and age >= 1.0):
                agents = list_agents(self._db_path, self._reader_timeout_s)
                self._agents = {agent.id: agent for agent in agents}
                self._loaded_at = time.monotonic()
            return self._agents

    def active(self, agent_id: Optional[str]) -> Optional[AgentRecord]:
        agent = self._current().get(agent_id or "")
        return agent if agent is not None and not agent.disabled else None

    def login(self, name: str, password: str) -> Optional[AgentRecord]:
        """The agent if the name and password match an enabled agent; None otherwise (same time either way)."""
        agent = next((a for a in self._current().values() if a.name == name), None)
        if agent is None:
            agent = next((a for a in self._current(missed=True).values() if a.name == name), None)
        if agent is None:
            verify_password(_DUMMY_HASH, password)
            return None
        if not verify_password(agent.password_hash, password) or agent.disabled:
            return None
        return replace(agent, password_hash="")

    def by_token(self, token: str) -> Optional[AgentRecord]:
        if not token.startswith(TOKEN_PREFIX):
            return None
        wanted = token_hash(token)
        for agents in (self._current(), self._current(missed=True)):
            for agent in agents.values():
                if agent.api_token_hash and hmac.compare_digest(agent.api_token_hash, wanted):
                    return None if agent.disabled else agent
        return None


class AgentServices:
    """What the agents' console and REST API need, built once per app by `feedback.web.mount_agent_console`."""

    def __init__(self, feedback_log, db_path: Path, *, signer: SessionSigner, directory: AgentDirectory,
                 reader_timeout_s: float = 30.0, cookie_secure: bool = False) -> None:
        self.feedback_log = feedback_log
        self.db_path = Path(db_path)
        self.signer = signer
        self.directory = directory
        self.reader_timeout_s = reader_timeout_s
        self.cookie_secure = cookie_secure
        self.login_throttle = LoginThrottle()

    def session_agent(self, cookie: Optional[str]) -> Optional[AgentRecord]:
        """The enabled agent a session cookie belongs to, or None (missing, forged, expired, disabled)."""
        return self.directory.active(self.signer.agent_id(cookie))
