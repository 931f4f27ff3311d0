"""Writing a build's evidence: ``attestations/<build-id>.intoto.jsonl`` (+ ``.sigstore.jsonl``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ledger.attest.dsse import ENVELOPE_SUFFIX, PAYLOAD_TYPE, write_envelope_file
from ledger.attest.signers import SignedEnvelope, Signer
from ledger.attest.sigstore import BUNDLE_SUFFIX
from ledger.attest.statement import (
    BuildInputs,
    TestOutcome,
    check_build_id,
    provenance_statement,
    statement_bytes,
    test_result_statement,
)
from ledger.errors import AttestationError
from ledger.fsutil import atomic_write_bytes


@dataclass(frozen=True)
class WrittenAttestations:
    envelope_file: Path
    bundle_file: Path | None
    count: int


def envelope_path(attestation_dir: Path, build_id: str) -> Path:
    return attestation_dir / f"{check_build_id(build_id)}{ENVELOPE_SUFFIX}"


def write_signed(
    attestation_dir: Path, build_id: str, signed: Sequence[SignedEnvelope]
) -> WrittenAttestations:
    """Envelopes to ``<id>.intoto.jsonl`` and any Sigstore bundles to ``<id>.sigstore.jsonl``."""
    path = envelope_path(attestation_dir, build_id)
    if path.exists():
        raise AttestationError(
            "attestations for this build already exist; builds append, never rewrite",
            file=str(path),
        )
    bundles = [s.sigstore_bundle for s in signed if s.sigstore_bundle is not None]
    bundle_path = None
    if bundles:
        # bundles first: a reader that sees the envelope file can also find its bundles
        bundle_path = attestation_dir / f"{build_id}{BUNDLE_SUFFIX}"
        data = b"".join(b.replace("\n", "").encode("utf-8") + b"\n" for b in bundles)
        atomic_write_bytes(bundle_path, data)
    write_envelope_file(path, [s.envelope for s in signed])
    return WrittenAttestations(path, bundle_path, len(signed))


def attest_build(
    attestation_dir: Path, inputs: BuildInputs, outcome: TestOutcome | None, signer: Signer
) -> WrittenAttestations:
    """Sign the provenance (and the test result, when tests ran) and write them for the build."""
    statements = [provenance_statement(inputs)]
    if outcome is not None:
        statements.append(test_result_statement(inputs.build_id, inputs.artifacts, outcome))
    signed = [signer.sign_envelope(PAYLOAD_TYPE, statement_bytes(s)) for s in statements]
    return write_signed(attestation_dir, inputs.build_id, signed)
