"""Code from Spec v5: the spec tree, chain assembly and hashing, the manifest, artifact status.

Byte-compatible with the reference tooling (CodeFromSpec/tool-framework-mcp): the chain hash
and checksums computed here are the ones its ``.manifest`` records.
"""

from __future__ import annotations

from ledger.spec.chain import Chain, ChainMember, compute_chain
from ledger.spec.manifest import Manifest, ManifestEntry, read_manifest, write_manifest
from ledger.spec.names import LogicalName, parse_logical_name
from ledger.spec.status import ArtifactStatus, artifact_statuses
from ledger.spec.tree import SpecNode, SpecTree, load_tree

__all__ = [
    "ArtifactStatus",
    "Chain",
    "ChainMember",
    "LogicalName",
    "Manifest",
    "ManifestEntry",
    "SpecNode",
    "SpecTree",
    "artifact_statuses",
    "compute_chain",
    "load_tree",
    "parse_logical_name",
    "read_manifest",
    "write_manifest",
]
