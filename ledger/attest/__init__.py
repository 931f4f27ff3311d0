"""Signed evidence: in-toto statements, DSSE envelopes, signers, trust policy, verify levels.

Data path: ``statement`` (what a build claims) → ``signers`` / ``sigstore`` (who vouches) →
``dsse`` + ``files`` (how it is stored) → ``policy`` (whom ``verify`` believes) → ``views``
(typed statements, read only after a signature verified) → ``verify`` (levels, verdicts) →
``vsa`` (the verdict as an attestation).
"""

from __future__ import annotations

from ledger.attest.dsse import PAYLOAD_TYPE, Envelope, Signature, pae
from ledger.attest.files import WrittenAttestations, attest_build, write_signed
from ledger.attest.policy import Level, TrustPolicy, load_trust_policy, parse_trust_table
from ledger.attest.signers import KeyFileSigner, SignedEnvelope, Signer, generate_key, load_signer
from ledger.attest.statement import (
    BuildInputs,
    Byproduct,
    ChainMemberRef,
    FileRef,
    ModelRef,
    TestOutcome,
    provenance_statement,
    statement_bytes,
    test_result_statement,
)
from ledger.attest.verify import ArtifactVerdict, CurrentChain, LevelCheck, verify_artifacts

__all__ = [
    "PAYLOAD_TYPE",
    "ArtifactVerdict",
    "BuildInputs",
    "Byproduct",
    "ChainMemberRef",
    "CurrentChain",
    "Envelope",
    "FileRef",
    "KeyFileSigner",
    "Level",
    "LevelCheck",
    "ModelRef",
    "Signature",
    "SignedEnvelope",
    "Signer",
    "TestOutcome",
    "TrustPolicy",
    "WrittenAttestations",
    "attest_build",
    "generate_key",
    "load_signer",
    "load_trust_policy",
    "pae",
    "parse_trust_table",
    "provenance_statement",
    "statement_bytes",
    "test_result_statement",
    "verify_artifacts",
    "write_signed",
]
