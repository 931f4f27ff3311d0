"""Ingest believes an [approvals] key for approval envelopes, and for nothing else."""

from __future__ import annotations

import json
from pathlib import Path

from ledger.attest.dsse import PAYLOAD_TYPE, read_envelope_file, write_envelope_file
from ledger.attest.signers import load_signer
from tests.approve.conftest import approve_as, configure
from tests.conftest import run_ledger


def test_an_approval_signed_by_an_approver_only_key_is_ingested(workspace: Path) -> None:
    configure(workspace, "[approvals]\n")
    summary = json.loads((workspace / "build.json").read_text())
    out = approve_as(workspace, "alice", summary["build_id"])

    result = run_ledger("ingest", "--json", cwd=workspace)
    assert result.code == 0, result
    report = json.loads(result.stdout)
    assert report["rejected"] == []
    assert report["accepted"] == 3  # provenance, test result, alice's approval

    rows = run_ledger(
        "sql", "SELECT signer_keyid, predicate_type FROM envelopes WHERE source = '" + out["file"] + "'",
        "--json", cwd=workspace,
    )
    (row,) = json.loads(rows.stdout)
    assert row["predicate_type"] == "https://spec-ledger.dev/approval/v1"
    audit = run_ledger("audit", "--json", cwd=workspace)
    assert audit.code == 0, audit


def test_a_provenance_signed_by_an_approver_only_key_is_rejected(workspace: Path) -> None:
    configure(workspace, "[approvals]\n")
    summary = json.loads((workspace / "build.json").read_text())
    original = workspace / "attestations" / f"{summary['build_id']}.intoto.jsonl"
    provenance = read_envelope_file(original)[0].envelope
    forged = load_signer(workspace / "keys" / "alice.pem").sign_envelope(PAYLOAD_TYPE, provenance.payload)
    write_envelope_file(workspace / "attestations" / "forged.intoto.jsonl", [forged.envelope])

    result = run_ledger("ingest", "--json", cwd=workspace)
    assert result.code == 1, result
    (rejection,) = json.loads(result.stdout)["rejected"]
    assert rejection["where"] == "attestations/forged.intoto.jsonl:1"
    assert "lists for approvals only" in rejection["reason"]
    assert "https://slsa.dev/provenance/v1" in rejection["reason"]
