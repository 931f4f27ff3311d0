"""Content-addressed blob store: ``.ledger/objects/sha256/ab/cdef…`` (git-style fan-out).

Trajectories, exec logs, tool outputs and spec texts are stored by the SHA-256 of their bytes,
so an attestation that names a digest names exactly one blob, equal content is stored once,
and tampering is detected by re-hashing. Blobs are written to ``tmp/`` under the store root
(same filesystem), fsynced, then renamed into place read-only; a crash leaves either no blob
or a complete one, never a partial file under its digest.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ledger.digest import CHUNK, sha256_hex
from ledger.errors import CheckFailed, InputError, StoreError
from ledger.fsutil import fsync_dir, open_regular

ALGORITHM = "sha256"
_DIGEST_RE = re.compile(r"\A[0-9a-f]{64}\Z")
_BLOB_MODE = 0o444  # objects never change after they are written


class ObjectNotFound(StoreError):
    """No blob with that digest in the store."""


class ObjectCorrupt(CheckFailed):
    """A stored blob no longer hashes to its name: the store was tampered with or damaged."""


def check_digest(digest: str) -> str:
    """``digest`` if it is 64 lowercase hex characters; InputError otherwise."""
    if not isinstance(digest, str) or not _DIGEST_RE.match(digest):
        raise InputError(
            f"object digest {digest!r} is malformed; expected 64 lowercase hex characters (SHA-256)"
        )
    return digest


class ObjectStore:
    """Blobs under ``root/sha256/``; ``root`` is normally ``Workspace.objects_dir``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def _tmp_dir(self) -> Path:
        return self.root / "tmp"

    def path_for(self, digest: str) -> Path:
        check_digest(digest)
        return self.root / ALGORITHM / digest[:2] / digest[2:]

    def has(self, digest: str) -> bool:
        return self.path_for(digest).is_file()

    def put_bytes(self, data: bytes) -> str:
        """Store ``data``; returns its digest. Storing the same bytes again is a no-op."""
        digest = sha256_hex(data)
        if self.has(digest):
            return digest
        with self._writing():
            fd, tmp = self._mkstemp()
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                self._install(Path(tmp), digest)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
        return digest

    def put_file(self, path: Path, *, move: bool = False) -> str:
        """Store a file's content in one streamed pass (1 MiB chunks); returns its digest.

        ``move=True`` takes the file away from ``path``, as the trajectory writer does on close:
        renamed into the store's temp dir when on the same filesystem and hashed there, so the
        bytes hashed are the bytes installed.
        """
        src = Path(path)
        if not src.is_file():
            raise InputError(f"{src}: not a regular file; cannot store it as an object")
        with self._writing():
            return self._put_file(src, move=move)

    def _put_file(self, src: Path, *, move: bool) -> str:
        fd, tmp_name = self._mkstemp()
        tmp = Path(tmp_name)
        try:
            moved = False
            if move and not src.is_symlink():  # a link is copied through, never installed
                os.close(fd)
                try:
                    os.replace(src, tmp)
                    moved = True
                except OSError:  # another filesystem (EXDEV): copy, then remove the source
                    fd = os.open(tmp, os.O_WRONLY | os.O_TRUNC)
            digest = _hash_and_sync(tmp) if moved else _copy_and_hash(src, fd)
            if not self.has(digest):
                self._install(tmp, digest)
            if move and not moved:
                src.unlink()
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        return digest

    def open(self, digest: str) -> BinaryIO:
        """A binary reader on the blob; not re-hashed (use ``verify`` or ``get_bytes``)."""
        path = self.path_for(digest)
        try:
            return os.fdopen(open_regular(path), "rb")
        except FileNotFoundError:
            raise ObjectNotFound(f"object {digest} is not in the store {self.root}") from None
        except OSError as exc:  # a blob replaced by a link to /dev/zero, a FIFO, a directory
            raise ObjectCorrupt(
                f"object {digest} cannot be read: {exc.strerror or exc}", file=str(path)
            ) from None

    def get_bytes(self, digest: str) -> bytes:
        """The blob's bytes, re-hashed on the way out: a tampered blob raises ObjectCorrupt."""
        with self.open(digest) as fh:
            data = fh.read()
        actual = sha256_hex(data)
        if actual != digest:
            raise ObjectCorrupt(
                f"object {digest} hashes to {actual}: the store was modified",
                file=str(self.path_for(digest)),
            )
        return data

    def verify(self, digest: str) -> bool:
        """True if the blob exists and still hashes to its name."""
        path = self.path_for(digest)
        if not path.is_file():
            return False
        return _hash_file(path) == digest

    def iter_digests(self) -> Iterator[str]:
        """Every stored digest, in sorted order; stray files that are not blobs are skipped."""
        base = self.root / ALGORITHM
        if not base.is_dir():
            return
        for fan in sorted(p for p in base.iterdir() if p.is_dir() and len(p.name) == 2):
            for blob in sorted(fan.iterdir()):
                digest = fan.name + blob.name
                if _DIGEST_RE.match(digest) and blob.is_file():
                    yield digest

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """OS errors while writing (read-only store, disk full) as one-line StoreErrors."""
        try:
            yield
        except OSError as exc:
            where = exc.filename or self.root
            raise StoreError(
                f"cannot write to the object store: {exc.strerror or exc}", file=str(where)
            ) from exc

    def _mkstemp(self) -> tuple[int, str]:
        self._tmp_dir.mkdir(parents=True, exist_ok=True)
        return tempfile.mkstemp(dir=self._tmp_dir, prefix="blob.", suffix=".tmp")

    def _install(self, tmp: Path, digest: str) -> None:
        """Rename a synced temp file into place; losing a race to an equal blob is fine."""
        final = self.path_for(digest)
        final.parent.mkdir(parents=True, exist_ok=True)
        # a fan-out directory (sha256/ab) planted as a symlink would put the blob elsewhere
        root = self.root.resolve()
        if root not in final.parent.resolve().parents:
            raise StoreError(
                f"{final.parent} resolves outside the object store {self.root} (symlink?); "
                "refusing to write there",
                file=str(final.parent),
            )
        os.chmod(tmp, _BLOB_MODE)
        os.replace(tmp, final)
        fsync_dir(final.parent)


def _hash_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _hash_and_sync(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb+") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
        os.fsync(fh.fileno())
    return h.hexdigest()


def _copy_and_hash(src: Path, fd: int) -> str:
    """Copy ``src`` into the open temp file ``fd`` while hashing, then fsync; one read pass."""
    h = hashlib.sha256()
    with open(src, "rb") as inp, os.fdopen(fd, "wb") as out:
        while chunk := inp.read(CHUNK):
            h.update(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    return h.hexdigest()


__all__ = [
    "ALGORITHM",
    "ObjectCorrupt",
    "ObjectNotFound",
    "ObjectStore",
    "check_digest",
]
