"""Which files a command created, modified or deleted in scratch, cheaply enough to run per call.

Each refresh is one ``lstat`` walk; content is hashed only for entries whose stat changed (or
that were changed so recently that an identical stat proves nothing, as in git's "racy clean"
rule). ``ctime`` is part of the stat key because a sandboxed process can forge ``mtime`` with
``utime()`` but cannot forge ``ctime``.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from ledger.sandbox.interface import FileChange

#: An entry whose ctime lies this close to (or after) the moment it was indexed may change
#: again within the same coarse timestamp tick; such entries are re-hashed on the next refresh.
RACY_NS = 50_000_000
_CHUNK = 1 << 20


@dataclass(frozen=True)
class _State:
    kind: str  # "file" | "symlink" | "other"
    size: int
    perms: int
    stamp: tuple[int, int, int]  # inode, mtime_ns, ctime_ns
    sha256: str | None = None
    target: str | None = None

    def same_content(self, other: _State) -> bool:
        return (self.kind, self.size, self.perms, self.sha256, self.target) == (
            other.kind,
            other.size,
            other.perms,
            other.sha256,
            other.target,
        )

    def change(self, path: str) -> FileChange:
        return FileChange(path, self.kind, self.size, self.sha256, self.target)


@dataclass(frozen=True)
class Changes:
    created: tuple[str, ...]
    modified: tuple[str, ...]
    deleted: tuple[str, ...]
    details: tuple[FileChange, ...]  # created + modified, sorted by path


class ScratchIndex:
    """The last known state of every non-directory entry under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._states: dict[str, _State] = {}
        self._indexed_ns = 0

    def refresh(self) -> Changes:
        """Re-read the tree; return what differs from the previous refresh (all new at first)."""
        started_ns = time.time_ns()
        fresh: dict[str, _State] = {}
        created: list[str] = []
        modified: list[str] = []
        details: list[FileChange] = []
        for rel, st in sorted(_walk(self.root)):
            old = self._states.get(rel)
            state = self._state(rel, st, old)
            fresh[rel] = state
            if old is None:
                created.append(rel)
                details.append(state.change(rel))
            elif not old.same_content(state):
                modified.append(rel)
                details.append(state.change(rel))
        deleted = tuple(sorted(set(self._states) - set(fresh)))
        self._states = fresh
        self._indexed_ns = started_ns
        return Changes(tuple(created), tuple(modified), deleted, tuple(details))

    def _state(self, rel: str, st: os.stat_result, old: _State | None) -> _State:
        kind = _kind(st.st_mode)
        stamp = (st.st_ino, st.st_mtime_ns, st.st_ctime_ns)
        perms = stat.S_IMODE(st.st_mode)
        if (
            old is not None
            and (old.kind, old.size, old.perms, old.stamp) == (kind, st.st_size, perms, stamp)
            and st.st_ctime_ns < self._indexed_ns - RACY_NS
        ):
            return old
        path = self.root / rel
        if kind == "file":
            digest, size = _hash_regular(path)
            if digest is None:  # swapped for something else between the walk and the open
                return _State("other", st.st_size, perms, stamp)
            return _State(kind, size, perms, stamp, sha256=digest)
        if kind == "symlink":
            try:
                target = os.readlink(path)
            except OSError:
                return _State("other", st.st_size, perms, stamp)
            return _State(kind, st.st_size, perms, stamp, target=target)
        return _State(kind, st.st_size, perms, stamp)


def _kind(mode: int) -> str:
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISLNK(mode):
        return "symlink"
    return "other"


def _walk(root: Path) -> list[tuple[str, os.stat_result]]:
    """Every non-directory entry under ``root`` with its ``lstat``; symlinks are never followed."""
    found: list[tuple[str, os.stat_result]] = []
    stack: list[tuple[str, str]] = [(str(root), "")]
    while stack:
        directory, prefix = stack.pop()
        try:
            entries = list(os.scandir(directory))
        except FileNotFoundError:
            continue  # removed while we walked; it will show up as deleted
        except PermissionError:
            # a directory the command made unreadable: record it as an opaque entry
            if prefix:
                found.append((prefix.rstrip("/"), os.lstat(directory)))
            continue
        for entry in entries:
            rel = prefix + entry.name
            try:
                st = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            if stat.S_ISDIR(st.st_mode):
                stack.append((entry.path, rel + "/"))
            else:
                found.append((rel, st))
    return found


def _hash_regular(path: Path) -> tuple[str | None, int]:
    """SHA-256 of a regular file without following a symlink or blocking on a FIFO planted there."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None, 0
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None, 0
        h = hashlib.sha256()
        size = 0
        while chunk := os.read(fd, _CHUNK):
            h.update(chunk)
            size += len(chunk)
        return h.hexdigest(), size
    finally:
        os.close(fd)
