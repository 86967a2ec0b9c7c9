"""Where everything lives under the home directory (`SUPPORTLOOP_HOME`, default ~/.supportloop).

One root drives every other path, so a test or a second deployment only has to point the root elsewhere.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from supportloop.config import SupportloopConfig
from supportloop.errors import HomeError


@dataclass(frozen=True)
class HomePaths:
    root: Path
    feedback_db_name: str = "feedback.duckdb"

    @classmethod
    def from_config(cls, config: SupportloopConfig) -> "HomePaths":
        return cls(root=config.home_path, feedback_db_name=config.feedback.db_file)

    @property
    def feedback_db(self) -> Path:
        return self.root / self.feedback_db_name

    @property
    def registry(self) -> Path:
        return self.root / "registry"

    @property
    def models(self) -> Path:
        return self.root / "models"

    @property
    def runs(self) -> Path:
        return self.root / "runs"

    @property
    def corpus_dir(self) -> Path:
        return self.root / "corpus"

    @property
    def corpus_file(self) -> Path:
        return self.corpus_dir / "corpus.jsonl"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    def ensure_writable(self) -> Path:
        """Create the home directory and prove it is writable, or raise HomeError saying what to do."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.root, prefix=".write-check-"):
                pass
        except OSError as exc:
            raise HomeError(f"home directory {self.root} is not writable ({exc.strerror or exc}); "
                            f"set SUPPORTLOOP_HOME to a writable directory") from None
        return self.root


def publish_directory(staging: Path, final: Path) -> None:
    """Move a fully written directory into place in one rename, so readers never see half of it.

    `staging` must be on the same filesystem as `final` (create it with `staging_directory`).
    """
    if final.exists():
        raise FileExistsError(f"{final} already exists")
    os.replace(staging, final)
    sync_directory(final.parent)


def sync_directory(directory: Path) -> None:
    """Make a rename or new entry in `directory` durable (a file's own fsync does not cover its name)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def staging_directory(final: Path) -> Path:
    """A fresh temporary directory beside `final`, for writing something that appears only when complete."""
    final.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-", dir=final.parent))
