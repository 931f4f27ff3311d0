"""Filesystem primitives every writer uses: atomic replace and workspace confinement."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from ledger.errors import PathEscapeError


def atomic_write_bytes(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Write ``data`` to ``path`` so readers see either the old file or the new one, never half.

    Temp file in the same directory, fsync, rename, fsync of the directory: a crash or
    ``kill -9`` at any point leaves the previous content in place. Without ``mode`` the file
    keeps the mode of the file it replaces, or gets the usual ``0666 & ~umask`` (mkstemp
    alone would make every file 0600).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if mode is None:
        try:
            mode = path.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def open_regular(path: str | os.PathLike[str]) -> int:
    """A read-only descriptor on ``path``, which must be (or link to) a regular file.

    A hostile workspace can name ``/dev/zero``, a FIFO or a directory where a file is expected
    (a symlinked ``attestations/x.intoto.jsonl`` or object blob): reading one would never end or
    eat all memory, opening a FIFO would block. ``O_NONBLOCK`` keeps the open from blocking, the
    ``fstat`` refuses anything else with an ``OSError`` (``EINVAL``, "not a regular file") that
    callers already turn into a one-line error.
    """
    return _open_regular(path)[0]


def _open_regular(path: str | os.PathLike[str]) -> tuple[int, int]:
    """``open_regular``'s descriptor and the file's size (one ``fstat``)."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), os.fspath(path))
        if not stat.S_ISREG(st.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", os.fspath(path))
    except BaseException:
        os.close(fd)
        raise
    return fd, st.st_size


def read_regular(path: str | os.PathLike[str]) -> bytes:
    """A whole regular file (see ``open_regular``; device files, FIFOs and directories refused)."""
    return read_whole(os.fspath(path))


def read_whole(path: str, size: int | None = None) -> bytes:
    """A whole file in three or four system calls (open, [fstat,] read, close) where
    ``open().read()`` makes nine (two fstat, two lseek, an isatty ioctl, a read to see EOF…).
    Ingest reads two small files per build, and a system call costs microseconds in a VM.
    ``size``: the size the caller saw (a stat that said it is a regular file); a file that has
    grown since is still read whole. Without ``size`` the file must be a regular file (a
    ``/dev/zero`` in its place is refused, as ``open_regular`` explains).
    """
    if size is None:
        fd, expected = _open_regular(path)
    else:
        fd, expected = os.open(path, os.O_RDONLY | os.O_CLOEXEC), size
    try:
        data = os.read(fd, expected + 1)
        if len(data) <= expected:  # a regular file reads short only at its end
            return data
        parts = [data]
        while chunk := os.read(fd, 1 << 20):
            parts.append(chunk)
        return b"".join(parts)
    finally:
        os.close(fd)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def atomic_write_text(path: Path, text: str, *, mode: int | None = None) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), mode=mode)


def fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def check_relative(rel: str, *, what: str = "path") -> PurePosixPath:
    """Reject absolute paths, ``..`` components, NUL bytes and empty paths in a relative path."""
    if not rel or "\x00" in rel:
        raise PathEscapeError(f"{what} {rel!r} is empty or contains a NUL byte")
    pure = PurePosixPath(rel.replace("\\", "/"))
    if pure.is_absolute() or rel.startswith(("/", "\\")) or (len(rel) > 1 and rel[1] == ":"):
        raise PathEscapeError(f"{what} {rel!r} is absolute; expected a path relative to the root")
    if any(part == ".." for part in pure.parts):
        raise PathEscapeError(f"{what} {rel!r} contains '..'; expected a path inside the root")
    return pure


def confine(root: Path, rel: str, *, what: str = "path") -> Path:
    """Resolve ``rel`` under ``root``, refusing anything that ends up outside it.

    Symlinks are resolved, so a link inside ``root`` that points out of it is refused too.
    """
    pure = check_relative(rel, what=what)
    root_real = root.resolve()
    candidate = (root_real / pure).resolve()
    if candidate != root_real and root_real not in candidate.parents:
        raise PathEscapeError(f"{what} {rel!r} resolves outside {root} (symlink escape?)")
    return candidate


@contextlib.contextmanager
def file_lock(path: Path, *, shared: bool = False) -> Iterator[None]:
    """An advisory ``flock`` on ``path`` (created if needed); blocks until acquired.

    A caller that has to wait first leaves a ``<path>.wanted.<pid>.<thread>`` file, and takes it
    down once it holds the lock: a holder that keeps the lock across many steps (a long ingest)
    checks ``lock_wanted`` between them and lets go early. A hint whose process died is
    ignored, so none outlives its waiter. A shared (reader) lock on a read-only tree where the
    lock file cannot be created is skipped: nobody can be writing there.
    """
    import errno
    import fcntl

    try:
        if not shared:
            path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        if shared and exc.errno in (errno.EACCES, errno.EROFS, errno.EPERM, errno.ENOENT):
            yield
            return
        raise
    mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
    try:
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
        except BlockingIOError:
            hint = f"{path}{_WANTED}{os.getpid()}.{threading.get_ident()}"
            with contextlib.suppress(OSError):  # only a hint: in a read-only directory, just wait
                os.close(os.open(hint, os.O_WRONLY | os.O_CREAT, 0o644))
            try:
                fcntl.flock(fd, mode)
            finally:
                with contextlib.suppress(OSError):
                    os.unlink(hint)
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


_WANTED = ".wanted."


def lock_wanted(lock: Path) -> bool:
    """Whether a live process is waiting for ``lock`` (see ``file_lock``); hints that dead
    processes left are removed on the way."""
    prefix = lock.name + _WANTED
    try:
        names = [n for n in os.listdir(lock.parent) if n.startswith(prefix)]
    except OSError:
        return False
    for name in names:
        pid = name[len(prefix) :].split(".")[0]
        if pid.isdigit() and process_alive(int(pid)):
            return True
        with contextlib.suppress(OSError):
            os.unlink(lock.parent / name)
    return False


def process_alive(pid: int) -> bool:
    """Whether a process with this id exists (it may belong to another user)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
