"""Building the scratch copy of a workspace that sandboxed commands may write to.

The copy keeps modes and mtimes, skips excluded directories (``.ledger``, ``.git``, ``.venv``)
and special files, and keeps a symlink only if it resolves inside the copy: an escaping link is
removed and reported as a ``SkippedPath``, so host-side readers of scratch never follow it out.
"""

from __future__ import annotations

import contextlib
import fnmatch
import os
import shutil
import stat
from collections.abc import Sequence
from pathlib import Path

from ledger.errors import SandboxError
from ledger.sandbox.interface import SkippedPath


def populate_scratch(
    source: Path, scratch: Path, *, exclude: Sequence[str]
) -> tuple[SkippedPath, ...]:
    """Copy ``source`` into the existing empty directory ``scratch``.

    An ``exclude`` entry without ``/`` matches that name at any depth (``.git`` also skips
    ``vendor/x/.git``); an entry with ``/`` is a glob on the workspace-relative path.
    """
    skipped: list[SkippedPath] = []
    links: list[str] = []
    stack = [""]
    while stack:
        prefix = stack.pop()
        src_dir = source / prefix if prefix else source
        try:
            entries = sorted(os.scandir(src_dir), key=lambda e: e.name)
        except OSError as exc:
            raise SandboxError(
                f"cannot read {src_dir} to copy it into the sandbox scratch: {exc.strerror}"
            ) from exc
        for entry in entries:
            rel = f"{prefix}{entry.name}"
            if _excluded(rel, entry.name, exclude):
                continue
            st = entry.stat(follow_symlinks=False)
            dst = scratch / rel
            if stat.S_ISDIR(st.st_mode):
                dst.mkdir(mode=0o700)
                stack.append(rel + "/")
            elif stat.S_ISLNK(st.st_mode):
                os.symlink(os.readlink(entry.path), dst)
                links.append(rel)
            elif stat.S_ISREG(st.st_mode):
                try:
                    shutil.copy2(entry.path, dst, follow_symlinks=False)
                except OSError as exc:
                    raise SandboxError(
                        f"cannot copy {entry.path} into the sandbox scratch: {exc.strerror}"
                    ) from exc
            else:
                skipped.append(SkippedPath(rel, "special file (fifo, socket or device)"))
    _copy_dir_modes(source, scratch)
    root = scratch.resolve()
    for rel in links:
        # realpath follows the whole chain as the kernel would inside the copy
        resolved = Path(os.path.realpath(scratch / rel))
        if resolved != root and root not in resolved.parents:
            os.unlink(scratch / rel)
            skipped.append(SkippedPath(rel, f"symlink to {os.readlink(source / rel)!r} leaves the workspace"))
    return tuple(sorted(skipped, key=lambda s: s.path))


def _excluded(rel: str, name: str, patterns: Sequence[str]) -> bool:
    for pattern in patterns:
        pattern = pattern.strip("/")
        if "/" in pattern:
            if fnmatch.fnmatchcase(rel, pattern):
                return True
        elif fnmatch.fnmatchcase(name, pattern):
            return True
    return False


def _copy_dir_modes(source: Path, scratch: Path) -> None:
    # directories were created 0700 so the copy could fill them; now give them their own modes
    for dirpath, dirnames, _ in os.walk(scratch, topdown=False):
        for name in dirnames:
            dst = Path(dirpath) / name
            rel = dst.relative_to(scratch)
            with contextlib.suppress(OSError):
                shutil.copystat(source / rel, dst, follow_symlinks=False)


def chown_tree(root: Path, uid: int, gid: int) -> None:
    """Hand the scratch tree to the unprivileged uid the sandbox runs as (symlinks themselves)."""
    os.lchown(root, uid, gid)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in (*dirnames, *filenames):
            os.lchown(os.path.join(dirpath, name), uid, gid)


def remove_tree(root: Path) -> None:
    """Delete scratch even where a command left directories without write or search permission."""
    if not root.exists():
        return
    with contextlib.suppress(OSError):
        os.chmod(root, 0o700)
    for dirpath, dirnames, _ in os.walk(root):
        for name in dirnames:
            path = os.path.join(dirpath, name)
            # never chmod through a symlink: it could point at a host file
            if not os.path.islink(path):
                with contextlib.suppress(OSError):
                    os.chmod(path, 0o700)
    shutil.rmtree(root)
