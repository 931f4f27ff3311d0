"""Approval statements: what a person with a role approved, by digest, signed like any evidence.

An approval is an in-toto Statement v1 with predicateType ``APPROVAL_TYPE``. For a spec node it
approves the node's own content (its ``# Public`` text, each ``##`` section of it, and its
``# Agent`` text), recorded by SHA-256 together with the node's chain as it stood; for a build it
approves the build id and its artifacts. ``attestations/README.md`` documents every field and
``attestations/schema/approval-v1.predicate.schema.json`` is its JSON Schema.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.attest.statement import STATEMENT_TYPE, rfc3339
from ledger.digest import sha256_hex
from ledger.errors import AttestationError, InputError

if TYPE_CHECKING:
    from ledger.attest.signers import Signer
    from ledger.attest.verify import VerifiedStatement
    from ledger.spec import SpecTree

APPROVAL_TYPE = "https://spec-ledger.dev/approval/v1"
APPROVAL_PREFIX = "approval-"


@dataclass(frozen=True)
class Digested:
    """A label (a chain-member label or a section label) and the SHA-256 of its content."""

    label: str
    sha256: str


@dataclass(frozen=True)
class SpecTarget:
    """A spec node at its current content."""

    node: str
    file: str
    public_sha256: str
    content: tuple[Digested, ...]  # the node's own content: public, sections, agent
    chain_cfs: str
    chain_sha256: str
    members: tuple[Digested, ...]  # the node's whole chain, for the record

    @property
    def subject_name(self) -> str:
        return f"spec:{self.node}"


@dataclass(frozen=True)
class BuildTarget:
    """A verified build: its id, artifacts and the chain it was generated from."""

    build_id: str
    subjects: tuple[Digested, ...]  # artifact path, sha256
    target: str | None
    chain_cfs: str | None
    chain_sha256: str | None


Target = SpecTarget | BuildTarget


def section_label(node: str, heading: str) -> str:
    """``SPEC/x(heading)`` with the heading normalised the way qualifiers are matched."""
    from ledger.spec.text import normalize_heading

    return f"{node}({normalize_heading(heading)})"


def spec_target(tree: SpecTree, node_name: str) -> SpecTarget:
    """The node's own content digests plus its chain, as the tree holds them now."""
    from ledger.spec import compute_chain

    node = tree.node(node_name)
    parsed = node.parsed
    public = parsed.public_text().encode("utf-8")
    content = [Digested(node.name, sha256_hex(public))] if public else []
    if parsed.public is not None:
        for sub in parsed.public.subsections:
            content.append(Digested(section_label(node.name, sub.heading), sha256_hex(sub.render().encode())))
    agent = parsed.agent_text().encode("utf-8")
    if agent:
        content.append(Digested(f"AGENT[{node.name}]", sha256_hex(agent)))
    if not content:
        raise InputError(f"{node.name} has no # Public or # Agent content to approve", file=node.file)
    chain = compute_chain(tree, node.name)
    return SpecTarget(
        node=node.name,
        file=node.file,
        public_sha256=sha256_hex(public),
        content=tuple(content),
        chain_cfs=chain.hash,
        chain_sha256=chain.sha256,
        members=tuple(Digested(m.label, m.sha256) for m in chain.members),
    )


def build_target(prov: VerifiedStatement) -> BuildTarget:
    """A build from its *verified* provenance statement."""
    p = prov.statement.provenance
    if p is None or p.build_id is None:
        raise AttestationError("not a provenance statement with a build id", file=prov.shown, line=prov.line)
    subjects = tuple(
        Digested(s.name, s.sha256) for s in sorted(prov.statement.subjects, key=lambda s: s.name) if s.sha256
    )
    b = p.binding
    return BuildTarget(
        build_id=p.build_id,
        subjects=subjects,
        target=b.target if b else None,
        chain_cfs=b.chain_cfs if b else None,
        chain_sha256=b.chain_sha256 if b else None,
    )


def _pairs(items: Sequence[Digested]) -> list[dict[str, str]]:
    return [{"label": d.label, "sha256": d.sha256} for d in items]


def approval_statement(
    target: Target,
    *,
    keyid: str,
    role: str,
    approved_on: datetime,
    name: str | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """The statement ``ledger approve`` signs (the shape is in attestations/README.md)."""
    if not role:
        raise AttestationError("an approval needs a role")
    approver: dict[str, Any] = {"keyid": keyid}
    if name:
        approver["name"] = name
    predicate: dict[str, Any] = {
        "approver": approver,
        "role": role,
        "approvedOn": rfc3339(approved_on),
    }
    if note:
        predicate["note"] = note
    if isinstance(target, SpecTarget):
        predicate["spec"] = {
            "node": target.node,
            "file": target.file,
            "chain": {"cfs": target.chain_cfs, "sha256": target.chain_sha256},
            "content": _pairs(target.content),
            "members": _pairs(target.members),
        }
        subjects = [{"name": target.subject_name, "digest": {"sha256": target.public_sha256}}]
    else:
        build: dict[str, Any] = {"id": target.build_id}
        if target.target is not None:
            build["target"] = target.target
            build["chain"] = {"cfs": target.chain_cfs, "sha256": target.chain_sha256}
        predicate["build"] = build
        if not target.subjects:
            raise AttestationError(f"build {target.build_id} has no artifacts to approve")
        subjects = [{"name": s.label, "digest": {"sha256": s.sha256}} for s in target.subjects]
    return {
        "_type": STATEMENT_TYPE,
        "subject": subjects,
        "predicateType": APPROVAL_TYPE,
        "predicate": predicate,
    }


def approval_file_name(moment: datetime) -> str:
    """``approval-<UTC time>-<random>.intoto.jsonl``: unique without coordination between approvers."""
    stamp = moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{APPROVAL_PREFIX}{stamp}-{secrets.token_hex(4)}.intoto.jsonl"


def write_approval(attestation_dir: Path, statement: Mapping[str, Any], signer: Signer) -> Path:
    """Sign the statement and write it as a new envelope file (atomically, never over another)."""
    from ledger.attest.dsse import PAYLOAD_TYPE, write_envelope_file
    from ledger.attest.statement import statement_bytes
    from ledger.attest.views import read_statement

    payload = statement_bytes(statement)
    read_statement(payload)  # what we sign must read back as a statement
    signed = signer.sign_envelope(PAYLOAD_TYPE, payload)
    moment = datetime.fromisoformat(str(statement["predicate"]["approvedOn"]).replace("Z", "+00:00"))
    path = attestation_dir / approval_file_name(moment)
    if path.exists():
        raise AttestationError("approval file already exists; approvals are never rewritten", file=str(path))
    write_envelope_file(path, [signed.envelope])
    if signed.sigstore_bundle is not None:
        from ledger.fsutil import atomic_write_bytes

        bundle = path.with_name(path.name.removesuffix(".intoto.jsonl") + ".sigstore.jsonl")
        atomic_write_bytes(bundle, signed.sigstore_bundle.replace("\n", "").encode("utf-8") + b"\n")
    return path
