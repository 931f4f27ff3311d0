"""Workspace snapshots before and after a recorded command: what it created, modified, deleted.

Git-aware: inside a git work tree the file list is ``git ls-files -co --exclude-standard`` (tracked
plus untracked-but-not-ignored), so build outputs and caches the project ignores are not
attested as the agent's work. Elsewhere the tree is walked. Either way ``.ledger/``, ``.git/``
and ``.venv/`` are skipped and only regular files count (symlinks are not followed: a link
could point outside the workspace).
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from ledger.digest import sha256_file

SKIP_DIRS = frozenset({".ledger", ".git", ".venv"})


@dataclass(frozen=True)
class FileState:
    sha256: str
    size: int


@dataclass(frozen=True)
class Snapshot:
    """Content digests of every regular file, by workspace-relative POSIX path."""

    files: Mapping[str, FileState]
    git: bool
    # Names that are not UTF-8 (shown with \x escapes): no attestation or trajectory can name
    # them (JSON text is Unicode), so they are left out and reported instead of guessed at.
    unnamed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Changes:
    created: tuple[str, ...]
    modified: tuple[str, ...]
    deleted: tuple[str, ...]

    @property
    def written(self) -> tuple[str, ...]:
        """Created or modified: the files a recorded command produced."""
        return tuple(sorted((*self.created, *self.modified)))

    def to_json(self) -> dict[str, list[str]]:
        return {"created": list(self.created), "modified": list(self.modified), "deleted": list(self.deleted)}


def _git_listing(root: Path) -> list[str] | None:
    """Paths from git when ``root`` is inside a work tree, else None (no git, not a repo)."""
    git = shutil.which("git")
    if git is None:
        return None
    probe = subprocess.run(
        [git, "rev-parse", "--is-inside-work-tree"], cwd=root, capture_output=True, check=False
    )
    if probe.returncode != 0 or probe.stdout.strip() != b"true":
        return None
    listed = subprocess.run(
        [git, "ls-files", "-co", "--exclude-standard", "-z"], cwd=root, capture_output=True, check=False
    )
    if listed.returncode != 0:
        return None
    # -z: raw names, no C-style quoting; relative to cwd (= root, even in a sub-directory of the repo)
    return sorted({os.fsdecode(p) for p in listed.stdout.split(b"\0") if p})


def _walk(root: Path) -> Iterator[str]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        rel_dir = Path(dirpath).relative_to(root)
        for name in sorted(filenames):
            yield (rel_dir / name).as_posix()


def take_snapshot(root: Path) -> Snapshot:
    """Hash every regular file of the workspace (git-aware, see the module docstring)."""
    listing = _git_listing(root)
    paths = listing if listing is not None else list(_walk(root))
    files: dict[str, FileState] = {}
    unnamed: list[str] = []
    for rel in paths:
        if any(part in SKIP_DIRS for part in Path(rel).parts):
            continue
        if not _utf8(rel):
            unnamed.append(rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace"))
            continue
        path = root / rel
        try:
            info = path.lstat()
        except FileNotFoundError:  # tracked but deleted from the work tree
            continue
        if not stat.S_ISREG(info.st_mode):
            continue
        try:
            files[Path(rel).as_posix()] = FileState(sha256_file(path), info.st_size)
        except (FileNotFoundError, PermissionError):
            continue
    return Snapshot(files, listing is not None, tuple(unnamed))


def _utf8(name: str) -> bool:
    """Whether a file name (from ``os.fsdecode``: undecodable bytes become surrogates) is UTF-8."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def diff_snapshots(before: Snapshot, after: Snapshot) -> Changes:
    old, new = before.files, after.files
    return Changes(
        created=tuple(sorted(p for p in new if p not in old)),
        modified=tuple(sorted(p for p in new if p in old and new[p].sha256 != old[p].sha256)),
        deleted=tuple(sorted(p for p in old if p not in new)),
    )
