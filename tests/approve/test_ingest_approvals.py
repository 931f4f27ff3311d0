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
    # provenance and test result now; alice's approval was indexed by `ledger approve` itself
    assert (report["accepted"], report["duplicates"]) == (2, 1)

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


def test_the_store_names_approvals_as_the_approve_package_does() -> None:
    from ledger.approve.statement import APPROVAL_TYPE
    from ledger.store.approvals import APPROVAL_TYPE as STORED

    assert STORED == APPROVAL_TYPE  # kept apart so `trace` need not import ledger.approve


def test_trace_and_log_show_an_approval_as_soon_as_it_is_given(workspace: Path) -> None:
    configure(workspace, "[approvals]\n")
    summary = json.loads((workspace / "build.json").read_text())
    assert run_ledger("ingest", cwd=workspace).code == 0
    unapproved = json.loads(run_ledger("log", "--unapproved", "--json", cwd=workspace).stdout)
    assert [e["build_id"] for e in unapproved] == [summary["build_id"]]

    approve_as(workspace, "alice", summary["build_id"])  # indexes the approval itself

    traced = json.loads(run_ledger("trace", "src/textkit/roman.py", "--json", cwd=workspace).stdout)
    (approval,) = traced["builds"][0]["approvals"]
    assert approval["name"] == "alice" and approval["build"] == summary["build_id"]
    assert json.loads(run_ledger("log", "--unapproved", "--json", cwd=workspace).stdout) == []
