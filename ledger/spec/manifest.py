"""``code-from-spec/.manifest``: which chain hash and checksum each artifact was generated from.

Format (MANIFEST.md): a ``code-from-spec: v5`` header, then one
``ARTIFACT/<name>;path:<path>;checksum:<hash>;chain:<hash>`` line per artifact, sorted by
logical name, LF-terminated. Reads take a shared and writes an exclusive ``flock`` on
``code-from-spec/.manifest.lock`` — the same lock file the reference tooling uses — and
writes replace the file atomically.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ledger.errors import SpecError
from ledger.fsutil import atomic_write_bytes, file_lock
from ledger.spec.names import SPEC_ROOT
from ledger.spec.text import sha1_b64, split_lines

HEADER = "code-from-spec: v5"
MANIFEST_REL = f"{SPEC_ROOT}/.manifest"
LOCK_REL = f"{SPEC_ROOT}/.manifest.lock"
_HASH = re.compile(r"^[A-Za-z0-9_-]{27}$")
_OTHER_VERSION = re.compile(r"code-from-spec: (v\d+)")


@dataclass(frozen=True)
class ManifestEntry:
    artifact: str
    path: str
    checksum: str
    chain: str

    def line(self) -> str:
        for what, value in (("name", self.artifact), ("path", self.path)):
            if "\n" in value or "\r" in value:
                raise SpecError(
                    f"manifest entry {self.artifact!r}: its {what} contains a line break, and the "
                    "manifest holds one entry per line",
                    file=MANIFEST_REL,
                )
        return f"{self.artifact};path:{self.path};checksum:{self.checksum};chain:{self.chain}"


@dataclass(frozen=True)
class Manifest:
    entries: Mapping[str, ManifestEntry]

    def get(self, artifact: str) -> ManifestEntry | None:
        return self.entries.get(artifact)

    def with_entry(self, entry: ManifestEntry) -> Manifest:
        merged = dict(self.entries)
        merged[entry.artifact] = entry
        return Manifest(merged)

    def serialize(self) -> bytes:
        lines = [HEADER] + [self.entries[k].line() for k in sorted(self.entries)]
        return ("\n".join(lines) + "\n").encode("utf-8")


def artifact_checksum(data: bytes) -> str:
    """The manifest checksum of an artifact's bytes: SHA-1 over each line + LF, base64url."""
    return sha1_b64(b"".join(line + b"\n" for line in split_lines(data)))


def parse_manifest(data: bytes, *, file: str = MANIFEST_REL) -> Manifest:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SpecError("manifest is not valid UTF-8", file=file, line=line) from None
    lines = [ln.decode("utf-8") for ln in split_lines(text.encode("utf-8"))]
    if not lines or lines[0] != HEADER:
        found = lines[0] if lines else "an empty file"
        other = _OTHER_VERSION.fullmatch(found) if lines else None
        raise SpecError(
            f"expected header '{HEADER}', found {found!r}",
            file=file,
            line=1,
            hint=(
                f"this manifest was written by Code from Spec {other[1]} tooling; spec-ledger reads "
                "v5 trees (v6 renames depends_on to imports and adds type:)"
                if other is not None
                else None
            ),
        )
    entries: dict[str, ManifestEntry] = {}
    for number, raw in enumerate(lines[1:], start=2):
        if not raw.strip():
            continue
        # The reference writes the path as is (Save), so it may hold ';'. The last two fields
        # have a fixed form: split them off the right, then the name at its ';path:'.
        fields = raw.rsplit(";", 2)
        head = fields[0].split(";path:", 1) if len(fields) == 3 else []
        if len(head) == 2:
            head[1] = "path:" + head[1]
        elif len(fields) == 3 and ";" in fields[0]:
            head = fields[0].split(";", 1)
        if len(head) != 2:
            raise SpecError(
                "malformed entry; expected 'ARTIFACT/<name>;path:<path>;checksum:<hash>;chain:<hash>'",
                file=file,
                line=number,
            )
        (name, path), checksum, chain = head, fields[1], fields[2]
        if not name.startswith("ARTIFACT/") or name == "ARTIFACT/":
            raise SpecError(f"entry name {name!r} does not start with ARTIFACT/", file=file, line=number)
        for value, prefix in ((path, "path:"), (checksum, "checksum:"), (chain, "chain:")):
            if not value.startswith(prefix):
                raise SpecError(f"expected field '{prefix}…', found {value!r}", file=file, line=number)
        checksum, chain = checksum[len("checksum:") :], chain[len("chain:") :]
        for value, what in ((checksum, "checksum"), (chain, "chain")):
            if not _HASH.match(value):
                raise SpecError(
                    f"{what} {value!r} is not a 27-character base64url hash", file=file, line=number
                )
        if name in entries:
            raise SpecError(f"duplicate entry for {name}", file=file, line=number)
        entries[name] = ManifestEntry(name, path[len("path:") :], checksum, chain)
    return Manifest(entries)


def read_manifest(root: Path) -> Manifest:
    """The workspace manifest (empty if the file does not exist yet)."""
    path = root / MANIFEST_REL
    with file_lock(root / LOCK_REL, shared=True):
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return Manifest({})
    return parse_manifest(data)


def write_manifest(root: Path, manifest: Manifest) -> None:
    with file_lock(root / LOCK_REL):
        atomic_write_bytes(root / MANIFEST_REL, manifest.serialize())


@contextmanager
def updating_manifest(root: Path) -> Iterator[list[ManifestEntry]]:
    """Read-modify-write under one exclusive lock: append entries to the yielded list."""
    with file_lock(root / LOCK_REL):
        path = root / MANIFEST_REL
        current = parse_manifest(path.read_bytes()) if path.exists() else Manifest({})
        updates: list[ManifestEntry] = []
        yield updates
        for entry in updates:
            current = current.with_entry(entry)
        atomic_write_bytes(path, current.serialize())
