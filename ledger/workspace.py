"""Locating a user's workspace and the well-known paths inside it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ledger.errors import ConfigError, PathEscapeError

SPEC_DIR = "code-from-spec"
CONFIG_FILE = "ledger.toml"

# Everything ledger reads as evidence or writes on its own account under the root. A cloned
# repository can hold any of these as a symlink: `attestations -> ~/.config/autostart`, a
# `.ledger/log/checkpoints` or `.ledger/ledger.lock` pointing elsewhere, would have ledger
# write outside the project. Each must stay inside the root once symlinks are resolved.
CONFINED_ENTRIES = (
    SPEC_DIR,
    f"{SPEC_DIR}/.manifest",
    "attestations",
    "recipes",
    ".ledger",
    ".ledger/objects",
    ".ledger/objects/sha256",
    ".ledger/objects/tmp",
    ".ledger/tmp",
    ".ledger/log",
    ".ledger/log/checkpoints",
    ".ledger/log/checkpoint.vkey",
    ".ledger/duckdb-extensions",
    ".ledger/ledger.duckdb",
    ".ledger/ledger.duckdb.wal",
    ".ledger/ledger.lock",
)


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

    def check_confined(self) -> None:
        """Refuse a workspace whose evidence or state paths are symlinks that leave the root.

        A link that stays inside the root is fine (it is still the project's file); a dangling
        link counts as where it points, since writing through it would create that file.
        """
        from ledger.fsutil import confine

        for rel in CONFINED_ENTRIES:
            if not os.path.lexists(self.root / rel):
                continue
            try:
                confine(self.root, rel, what="workspace path")
            except PathEscapeError:
                raise ConfigError(
                    f"symlink to {(self.root / rel).resolve()}, outside the workspace {self.root}",
                    file=str(self.root / rel),
                    hint="ledger reads evidence and writes state only inside the project; "
                    "replace the link with a directory (or file) of the project",
                ) from None


def find_workspace(start: Path | None = None, explicit: Path | None = None) -> Workspace:
    """The explicit ``--workspace`` if given, else the nearest ancestor of ``start`` with a spec tree."""
    if explicit is not None:
        root = explicit.resolve()
        if not root.is_dir():
            raise ConfigError(
                f"workspace {explicit} is not a directory",
                hint="pass --workspace DIR pointing at a project root",
            )
        workspace = Workspace(root)
        workspace.check_confined()
        return workspace
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / SPEC_DIR).is_dir() or (candidate / CONFIG_FILE).is_file():
            workspace = Workspace(candidate)
            workspace.check_confined()
            return workspace
    raise ConfigError(
        f"no workspace found: neither {here} nor any parent holds {SPEC_DIR}/ or {CONFIG_FILE}",
        hint="run inside a project, pass --workspace DIR, or create one with `ledger init`",
    )
