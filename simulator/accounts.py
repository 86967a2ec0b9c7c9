"""The simulated agent's credentials: given, or created in the feedback store of this host.

A simulated agent needs two things: its API token (ratings and corrections go through the REST API) and
its console password (the REST API cannot list conversations, so the agent reads them in the console).
Given neither, the simulator creates agent `simulator` through feedback/agents.py, exactly as
`supportloop agents add` / `agents token` do while the app runs (a brief exclusive open of the store), and
keeps its password in `<home>/simulator/agent-<name>.json` (mode 0600) so later runs reuse the agent.
That only reaches an app that uses this home directory; for any other app, pass the token and password.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from supportloop.errors import SupportloopError

PASSWORD_ENV = "SUPPORTLOOP_SIMULATOR_PASSWORD"
TOKEN_ENV = "SUPPORTLOOP_SIMULATOR_TOKEN"
DEFAULT_AGENT = "simulator"


@dataclass(frozen=True)
class AgentCredentials:
    name: str
    password: str
    token: str

    def __repr__(self) -> str:  # never print secrets by accident
        return f"AgentCredentials(name={self.name!r}, password='***', token='***')"


def credentials_file(home: Path, name: str) -> Path:
    return home / "simulator" / f"agent-{name}.json"


def resolve_credentials(name: str, token: str, password: str, home: Path, db_path: Path,
                        reader_timeout_s: float) -> AgentCredentials:
    """Use what was given; create or reuse the agent locally for whatever was not."""
    saved = _saved_password(home, name)
    if token:
        password = password or saved
        if not password:
            raise SupportloopError(
                f"the simulated agent {name!r} also reads conversations in the agents' console (the REST API "
                f"cannot list them): set {PASSWORD_ENV} to its password, or leave out --agent-token to let the "
                f"simulator create its own agent")
        return AgentCredentials(name, password, token)
    return provision_agent(name, password or saved, home, db_path, reader_timeout_s)


def provision_agent(name: str, password: str, home: Path, db_path: Path, reader_timeout_s: float) -> AgentCredentials:
    """Create agent `name` if it does not exist (or reuse it when its password is known) and issue a new token."""
    from feedback.agents import add_agent, check_agent_name, issue_api_token, list_agents
    from feedback.errors import FeedbackError
    from feedback.ingest import FeedbackFiles

    files = FeedbackFiles.for_db(db_path)
    try:
        check_agent_name(name)
        existing = {a.name: a for a in list_agents(db_path, reader_timeout_s)} if db_path.exists() else {}
        if name not in existing:
            password = secrets.token_urlsafe(24)
            add_agent(files, name, password, "simulator")
            _save_password(home, name, password)
        elif not password:
            raise SupportloopError(
                f"agent {name!r} exists but its password is not known here: set {PASSWORD_ENV} (and "
                f"--agent-token), or choose another name with --agent")
        elif existing[name].disabled:
            raise SupportloopError(f"agent {name!r} is disabled: `supportloop agents enable {name}` or use another")
        token = issue_api_token(files, name, "simulator")
    except FeedbackError as exc:
        raise SupportloopError(f"could not create the simulated agent in {db_path} ({exc}); pass --agent-token "
                               f"and {PASSWORD_ENV} of an existing agent instead") from None
    return AgentCredentials(name, password, token)


def _saved_password(home: Path, name: str) -> str:
    path = credentials_file(home, name)
    try:
        return str(json.loads(path.read_text()).get("password", ""))
    except (OSError, ValueError):
        return ""


def _save_password(home: Path, name: str, password: str) -> None:
    path = credentials_file(home, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump({"name": name, "password": password}, out)
