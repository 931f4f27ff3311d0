"""Attesting work an external agent did, in a workspace: bind to a spec node, sign, ingest.

Shared by ``ledger import … --artifact`` and ``ledger record``: both end with the same steps as a
build (``ledger.build``: signer from ``ledger.toml``, ``attestations/<id>.intoto.jsonl``, ledger
ingest), only the statement differs (``ledger.attest.imported``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.attest.imported import ImportedBuildInputs, SpecBinding
from ledger.attest.statement import ChainMemberRef, FileRef
from ledger.digest import sha256_file
from ledger.errors import InputError
from ledger.fsutil import check_relative, confine
from ledger.workspace import Workspace


@dataclass(frozen=True)
class ExternalAttestation:
    """Where the signed provenance of an imported or recorded build went."""

    build_id: str
    attestation: Path
    artifacts: dict[str, str]  # workspace-relative path → sha256
    target: str | None
    chain: str | None
    ingested: bool

    def to_json(self, root: Path) -> dict[str, Any]:
        return {
            "build_id": self.build_id,
            "attestation": self.attestation.relative_to(root).as_posix(),
            "artifacts": dict(sorted(self.artifacts.items())),
            "target": self.target,
            "chain": self.chain,
            "ingested": self.ingested,
        }


def load_signer(workspace: Workspace) -> Any:
    """The workspace signer, loaded before any work so a missing key fails fast (exit 2)."""
    from ledger.build import _signer

    return _signer(workspace)


def spec_binding(workspace: Workspace, spec: str) -> SpecBinding:
    """Today's chain of ``spec`` (a CfS leaf), as the statement records it."""
    from ledger.spec import compute_chain

    chain = compute_chain(workspace.root, spec)
    return SpecBinding(
        target=chain.target,
        chain_cfs=chain.hash,
        chain_sha256=chain.sha256,
        members=tuple(ChainMemberRef(m.label, m.role, m.file, m.sha256, m.cfs_hash) for m in chain.members),
    )


def check_artifact_names(paths: Sequence[str]) -> tuple[str, ...]:
    """``--artifact`` values as workspace-relative POSIX names (syntax only; existence later)."""
    names: list[str] = []
    for raw in paths:
        name = check_relative(raw, what="--artifact").as_posix()
        if name not in names:
            names.append(name)
    return tuple(names)


def artifact_refs(workspace: Workspace, paths: Sequence[str]) -> list[FileRef]:
    """Hash each artifact; each must be a regular file inside the workspace."""
    refs = []
    for name in check_artifact_names(paths):
        path = confine(workspace.root, name, what="--artifact")
        if not path.is_file():
            raise InputError(
                f"--artifact {name}: no such file in {workspace.root}",
                hint="artifact paths are relative to the workspace root",
            )
        refs.append(FileRef(name, sha256_file(path)))
    return refs


def sign_and_ingest(
    workspace: Workspace, inputs: ImportedBuildInputs, signer: Any, *, ingest: bool = True
) -> ExternalAttestation:
    """Write the signed provenance to ``attestations/`` and index it, like a build does."""
    from ledger.attest.imported import attest_imported
    from ledger.build import _ingest

    written = attest_imported(workspace.attestations_dir, inputs, signer)
    ingested = _ingest(workspace, written.envelope_file) if ingest else False
    binding = inputs.binding
    return ExternalAttestation(
        build_id=inputs.build_id,
        attestation=written.envelope_file,
        artifacts={a.path: a.sha256 for a in inputs.artifacts},
        target=binding.target if binding else None,
        chain=binding.chain_cfs if binding else None,
        ingested=ingested,
    )
