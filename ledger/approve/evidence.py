"""Reading approvals: verify each envelope against trust + approver keys, then parse it.

As everywhere else, nothing inside an envelope is read before a signature over it verifies. An
approval envelope that fails (tampered bytes, an unknown key) is recorded as rejected with the
reason and never counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.approve.statement import APPROVAL_PREFIX, APPROVAL_TYPE, section_label
from ledger.attest.verify import Rejected, shown_path
from ledger.errors import LedgerError

if TYPE_CHECKING:
    from securesystemslib.signer import SSlibKey

    from ledger.attest.dsse import Envelope
    from ledger.attest.views import Statement


@dataclass(frozen=True)
class Approval:
    """One verified approval statement."""

    keyid: str  # the key whose signature verified (and which the predicate names)
    name: str | None
    role: str
    approved_on: datetime
    note: str | None
    where: str
    spec_node: str | None = None
    content: Mapping[str, str] = field(default_factory=dict)  # label -> sha256 (spec approvals)
    chain_sha256: str | None = None
    build_id: str | None = None
    subjects: frozenset[str] = frozenset()  # sha256 of each subject

    def to_json(self) -> dict[str, Any]:
        return {
            "keyid": self.keyid,
            "name": self.name,
            "role": self.role,
            "approved_on": self.approved_on.isoformat(),
            "note": self.note,
            "where": self.where,
            "spec": self.spec_node,
            "build": self.build_id,
        }


RejectedApproval = Rejected  # an approval envelope that was not believed, and why


@dataclass(frozen=True)
class ApprovalEvidence:
    approvals: tuple[Approval, ...]
    rejected: tuple[RejectedApproval, ...]
    # (resolved file, line) -> keyids whose signature over that envelope verified, for every
    # envelope read: how the AUTHORIZED check learns which key signed a build (self-approval)
    signers: Mapping[tuple[Path, int], frozenset[str]]


def _verifying_keys(envelope: Envelope, keys: Mapping[str, SSlibKey]) -> tuple[frozenset[str], str]:
    from securesystemslib.exceptions import UnverifiedSignatureError
    from securesystemslib.signer import Signature as SslibSignature

    data = envelope.pae()
    good: set[str] = set()
    reasons: list[str] = []
    for sig in envelope.signatures:
        candidates = [sig.keyid] if sig.keyid in keys else ([] if sig.keyid else list(keys))
        if not candidates:
            reasons.append(f"signed by key {sig.keyid}, which neither [trust] nor [approvals] lists")
            continue
        for keyid in candidates:
            try:
                keys[keyid].verify_signature(SslibSignature(keyid, sig.sig.hex()), data)
            except UnverifiedSignatureError:
                continue
            good.add(keyid)
            break
        else:
            reasons.append(
                f"signature by {sig.keyid or 'an unnamed key'} does not verify (payload or signature altered)"
            )
    return frozenset(good), "; ".join(reasons)


class _Malformed(Exception):
    pass


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise _Malformed(f"field '{where}' is missing or not a non-empty string")
    return value


def approval_from_statement(stmt: Statement, signers: frozenset[str], where: str) -> Approval:
    """An approval statement signed by ``signers``; ValueError names what is malformed."""
    try:
        return _parse(stmt, signers, where)
    except _Malformed as exc:
        raise ValueError(str(exc)) from None


def _parse(stmt: Statement, signers: frozenset[str], where: str) -> Approval:
    pred = stmt.raw.get("predicate")
    if not isinstance(pred, dict):
        raise _Malformed("field 'predicate' is missing or not an object")
    approver = pred.get("approver")
    if not isinstance(approver, dict):
        raise _Malformed("field 'predicate.approver' is missing or not an object")
    keyid = _text(approver.get("keyid"), "predicate.approver.keyid")
    if keyid not in signers:
        raise _Malformed(f"names approver key {keyid} but is signed by {', '.join(sorted(signers))}")
    name = approver.get("name")
    role = _text(pred.get("role"), "predicate.role")
    stamp = _text(pred.get("approvedOn"), "predicate.approvedOn")
    try:
        approved_on = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        raise _Malformed(f"field 'predicate.approvedOn' is not RFC 3339: {stamp!r}") from None
    note = pred.get("note")
    common: dict[str, Any] = {
        "keyid": keyid,
        "name": name if isinstance(name, str) else None,
        "role": role,
        "approved_on": approved_on,
        "note": note if isinstance(note, str) else None,
        "where": where,
        "subjects": stmt.digests(),
    }
    spec, build = pred.get("spec"), pred.get("build")
    if (spec is None) == (build is None):
        raise _Malformed("the predicate must have exactly one of 'spec' and 'build'")
    if isinstance(spec, dict):
        node = _text(spec.get("node"), "predicate.spec.node")
        content: dict[str, str] = {}
        items = spec.get("content")
        if not isinstance(items, list) or not items:
            raise _Malformed("field 'predicate.spec.content' is missing or empty")
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise _Malformed(f"field 'predicate.spec.content[{i}]' is not an object")
            label = _text(item.get("label"), f"predicate.spec.content[{i}].label")
            if not (label == node or label == f"AGENT[{node}]" or label.startswith(f"{node}(")):
                raise _Malformed(f"content label {label!r} is not part of {node}")
            content[label] = _text(item.get("sha256"), f"predicate.spec.content[{i}].sha256")
        chain = spec.get("chain")
        chain_sha = chain.get("sha256") if isinstance(chain, dict) else None
        return Approval(
            **common,
            spec_node=node,
            content=content,
            chain_sha256=chain_sha if isinstance(chain_sha, str) else None,
        )
    if not isinstance(build, dict):
        raise _Malformed("field 'predicate.build' is not an object")
    return Approval(**common, build_id=_text(build.get("id"), "predicate.build.id"))


def read_approvals(
    attestation_dir: Path, keys: Mapping[str, SSlibKey], *, root: Path | None = None
) -> ApprovalEvidence:
    """Every verified approval under ``attestation_dir``, and why the others were not believed."""
    from ledger.attest.dsse import ENVELOPE_SUFFIX, PAYLOAD_TYPE, read_envelope_file
    from ledger.attest.views import read_statement

    approvals: list[Approval] = []
    rejected: list[RejectedApproval] = []
    signers: dict[tuple[Path, int], frozenset[str]] = {}
    if not attestation_dir.is_dir():
        return ApprovalEvidence((), (), {})
    for path in sorted(attestation_dir.glob(f"*{ENVELOPE_SUFFIX}")):
        shown = shown_path(path, root)
        named_as_approval = path.name.startswith(APPROVAL_PREFIX)
        for el in read_envelope_file(path):
            where = f"{shown}:{el.line}"
            good, why = _verifying_keys(el.envelope, keys)
            signers[(path.resolve(), el.line)] = good
            if not good:
                # the payload of an unverified envelope is never read; the file name is only a hint
                if named_as_approval:
                    rejected.append(RejectedApproval(where, why))
                continue
            if el.envelope.payload_type != PAYLOAD_TYPE:
                continue
            try:
                stmt = read_statement(el.envelope.payload, file=shown, line=el.line)
            except LedgerError as exc:
                if named_as_approval:
                    rejected.append(RejectedApproval(where, f"not a statement: {exc.message}"))
                continue
            if stmt.predicate_type != APPROVAL_TYPE:
                continue
            try:
                approvals.append(_parse(stmt, good, where))
            except (_Malformed, LedgerError) as exc:
                rejected.append(RejectedApproval(where, f"malformed approval: {exc}"))
    return ApprovalEvidence(tuple(approvals), tuple(rejected), signers)


def content_label(label: str, role: str) -> tuple[str, str] | None:
    """(node, label as approvals record it) for an attested chain member; None if not spec text.

    ``AGENT[SPEC/x]`` stays as is, ``SPEC/x(Some Heading)`` becomes ``SPEC/x(some heading)``
    (qualifiers match headings case- and space-insensitively), ``INPUT[…]`` is its inner label.
    """
    from ledger.spec import parse_logical_name

    if role == "agent" and label.startswith("AGENT[") and label.endswith("]"):
        return label[6:-1], label
    if role == "input" and label.startswith("INPUT[") and label.endswith("]"):
        label = label[6:-1]
    try:
        ref = parse_logical_name(label)
    except LedgerError:
        return None
    if ref.kind != "SPEC":
        return None
    if ref.qualifier is None:
        return ref.name, ref.name
    return ref.name, section_label(ref.name, ref.qualifier)
