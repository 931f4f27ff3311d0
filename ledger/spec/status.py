"""Artifact status (MANIFEST.md): up-to-date, stale, modified, missing, orphan."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from ledger.errors import SpecError
from ledger.spec.chain import compute_chain
from ledger.spec.manifest import Manifest, artifact_checksum, read_manifest
from ledger.spec.text import check_line_lengths
from ledger.spec.tree import SpecTree, cfs_path_to_os, load_tree

Status = Literal["up-to-date", "stale", "modified", "missing", "orphan"]


@dataclass(frozen=True)
class ArtifactStatus:
    artifact: str
    path: str
    status: Status
    chain: str | None
    recorded_chain: str | None
    checksum: str | None
    recorded_checksum: str | None
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def artifact_statuses(
    root: Path, *, tree: SpecTree | None = None, manifest: Manifest | None = None
) -> list[ArtifactStatus]:
    """Status of every artifact declared by a node or recorded in the manifest, sorted by name.

    Precedence follows the reference: a chain that moved is ``stale`` (even if the file was
    also edited — ``detail`` says so), then ``missing`` file, then ``modified`` bytes.
    """
    tree = tree if tree is not None else load_tree(root)
    manifest = manifest if manifest is not None else read_manifest(root)
    results: list[ArtifactStatus] = []
    for node in tree.nodes.values():
        if not node.output:
            continue
        entry = manifest.get(node.artifact)
        checksum, unreadable = _checksum(root, node.output)
        try:
            chain: str | None = compute_chain(tree, node.name).hash
        except SpecError as exc:
            results.append(
                ArtifactStatus(
                    node.artifact, node.output, "missing", None,
                    entry.chain if entry else None, checksum,
                    entry.checksum if entry else None, f"chain cannot be computed: {exc}",
                )
            )  # fmt: skip
            continue
        recorded_chain = entry.chain if entry else None
        recorded_checksum = entry.checksum if entry else None
        if entry is None:
            status: Status = "missing"
            detail = "no manifest entry: never generated"
            if checksum is not None and _has_v4_tag(root, node.output):
                detail = V4_TAGGED
        elif entry.chain != chain:
            status, detail = "stale", "the spec chain changed since generation"
            if checksum is not None and checksum != entry.checksum:
                detail += "; the file was also modified"
        elif checksum is None:
            status, detail = "missing", unreadable
        elif checksum != entry.checksum:
            status, detail = "modified", "file changed outside the framework"
        else:
            status, detail = "up-to-date", ""
        results.append(
            ArtifactStatus(
                node.artifact, node.output, status, chain, recorded_chain, checksum, recorded_checksum, detail
            )
        )
    for name, entry in manifest.entries.items():
        generator = tree.nodes.get("SPEC/" + name.removeprefix("ARTIFACT/"))
        if generator is None or not generator.output:
            results.append(
                ArtifactStatus(
                    name, entry.path, "orphan", None, entry.chain,
                    _checksum(root, entry.path)[0], entry.checksum,
                    "manifest entry has no corresponding spec node",
                )
            )  # fmt: skip
    results.sort(key=lambda s: s.artifact)
    return results


V4_TAGGED = "no manifest entry; the file carries a Code from Spec v4 tag"
# How Code from Spec v4 marked a generated file: a comment naming the node and its chain hash
# on one of the first lines (v5 moved both into code-from-spec/.manifest).
_V4_TAG = re.compile(rb"code-from-spec: SPEC/[^\s@]+@[A-Za-z0-9_-]{27}\b")


def _has_v4_tag(root: Path, rel: str) -> bool:
    try:
        with cfs_path_to_os(root, rel).open("rb") as f:
            return _V4_TAG.search(f.read(4096)) is not None
    except (OSError, RuntimeError, SpecError):
        return False


def _checksum(root: Path, rel: str) -> tuple[str | None, str]:
    """(checksum, '') of an output file, or (None, why) when the reference cannot read it.

    As ``computeFileChecksum`` in the reference's validate_specs: the path goes through
    ``CfsPathToOs`` (no ':', '\\', escaping '..' or symlink), and a line over 64 KiB is a
    scanner error there, so such a file is ``missing`` rather than checksummed.
    """
    try:
        path = cfs_path_to_os(root, rel)
        data = path.read_bytes()
        check_line_lengths(data, rel)
    except FileNotFoundError:
        return None, f"{rel} does not exist"
    except SpecError as exc:
        return None, exc.message
    except (OSError, RuntimeError) as exc:
        return None, f"{rel} cannot be read: {getattr(exc, 'strerror', None) or exc}"
    return artifact_checksum(data), ""
