"""SLSA Verification Summary Attestation v1 for what ``ledger verify`` decided.

One statement per artifact (so each carries its own PASSED/FAILED), signed with the configured
signing key and written as DSSE JSON Lines like every other attestation.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from ledger import __version__
from ledger.attest.dsse import PAYLOAD_TYPE, write_envelope_file
from ledger.attest.policy import LEVEL_ORDER, TrustPolicy
from ledger.attest.signers import Signer
from ledger.attest.statement import STATEMENT_TYPE, VSA_TYPE, rfc3339, statement_bytes
from ledger.attest.verify import ArtifactVerdict
from ledger.digest import sha256_file

VERIFIER_ID = "https://spec-ledger.dev/verifier/v1"
LEVEL_PREFIX = "SPEC_LEDGER_"  # custom SlsaResult values must not start with SLSA_


def vsa_statement(
    verdict: ArtifactVerdict,
    *,
    root: Path,
    policy: TrustPolicy,
    policy_uri: str,
    verified_at: datetime,
) -> dict[str, Any]:
    met = set(verdict.levels_met)
    levels = [LEVEL_PREFIX + lvl.value for lvl in LEVEL_ORDER if lvl in met] if verdict.ok else ["FAILED"]
    artifact = (root / verdict.path) if not Path(verdict.path).is_absolute() else Path(verdict.path)
    return {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": verdict.path, "digest": {"sha256": verdict.digest}}],
        "predicateType": VSA_TYPE,
        "predicate": {
            "verifier": {"id": VERIFIER_ID, "version": {"spec-ledger": __version__}},
            "timeVerified": rfc3339(verified_at),
            "resourceUri": artifact.resolve().as_uri(),
            "policy": {"uri": policy_uri, "digest": {"sha256": policy.digest()}},
            "inputAttestations": [
                {"uri": p.resolve().as_uri(), "digest": {"sha256": sha256_file(p)}} for p in verdict.inputs
            ],
            "verificationResult": "PASSED" if verdict.ok else "FAILED",
            "verifiedLevels": levels,
            "slsaVersion": "1.0",
        },
    }


def write_vsa(
    out: Path,
    verdicts: Sequence[ArtifactVerdict],
    *,
    root: Path,
    policy: TrustPolicy,
    policy_uri: str,
    signer: Signer,
    verified_at: datetime,
) -> None:
    envelopes = [
        signer.sign_envelope(
            PAYLOAD_TYPE,
            statement_bytes(
                vsa_statement(v, root=root, policy=policy, policy_uri=policy_uri, verified_at=verified_at)
            ),
        ).envelope
        for v in verdicts
    ]
    write_envelope_file(out, envelopes)
