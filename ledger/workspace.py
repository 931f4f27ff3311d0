"""Locating a user's workspace and the well-known paths inside it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ledger.errors import ConfigError

SPEC_DIR = "code-from-spec"
CONFIG_FILE = "ledger.toml"


@dataclass(frozen=True)
class Workspace:
    """A project root: the directory holding ``code-from-spec/`` (and usually ``ledger.toml``)."""

    root: Path

    @property
    def spec_dir(self) -> Path:
        return self.root / SPEC_DIR

    @property
    def manifest_path(self) -> Path:
        return self.spec_dir / ".manifest"

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_FILE

    @property
    def state_dir(self) -> Path:
        return self.root / ".ledger"

    @property
    def objects_dir(self) -> Path:
        return self.state_dir / "objects"

    @property
    def scratch_dir(self) -> Path:
        """Working files of a running command (ingest's pool results); never evidence."""
        return self.state_dir / "tmp"

    @property
    def attestations_dir(self) -> Path:
        return self.root / "attestations"

    @property
    def recipes_dir(self) -> Path:
        return self.root / "recipes"

    @property
    def db_path(self) -> Path:
        return self.state_dir / "ledger.duckdb"


def find_workspace(start: Path | None = None, explicit: Path | None = None) -> Workspace:
    """The explicit ``--workspace`` if given, else the nearest ancestor of ``start`` with a spec tree."""
    if explicit is not None:
        root = explicit.resolve()
        if not root.is_dir():
            raise ConfigError(
                f"workspace {explicit} is not a directory",
                hint="pass --workspace DIR pointing at a project root",
            )
        return Workspace(root)
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / SPEC_DIR).is_dir() or (candidate / CONFIG_FILE).is_file():
            return Workspace(candidate)
    raise ConfigError(
        f"no workspace found: neither {here} nor any parent holds {SPEC_DIR}/ or {CONFIG_FILE}",
        hint="run inside a project, pass --workspace DIR, or create one with `ledger init`",
    )
