"""Verified ingest: idempotent, trust policy first, quarantine apart, parallel, reindex-equivalent."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from ledger.attest.signers import generate_key, load_signer
from ledger.cli.store import ingest, reindex
from ledger.store import duckdb_store, verifier
from tests.store.conftest import Fixture, LedgerWorkspace, invoke, read_all, sign_fixture_builds

TABLES = (
    "envelopes",
    "builds",
    "subjects",
    "spec_members",
    "dependencies",
    "tests",
    "trajectories",
    "events",
    "log",
)


def test_ingest_fills_every_table_from_signed_builds(fixture_ledger: Fixture) -> None:
    store = fixture_ledger.lw.store()
    counts = store.sql(
        "SELECT (SELECT count(*) FROM builds), (SELECT count(*) FROM tests), (SELECT count(*) FROM events), "
        "(SELECT count(*) FROM log), (SELECT count(*) FROM trajectories)"
    ).rows[0]
    # 4 builds, 4 test results, 8 events for each of the 3 builds whose trajectory is stored
    assert counts == (4, 4, 24, 8, 3)


def test_ingesting_the_same_envelopes_twice_changes_nothing(fixture_ledger: Fixture, tmp_path: Path) -> None:
    lw = fixture_ledger.lw
    store = lw.store()
    before = read_all(store, TABLES)
    again = store.ingest([lw.ws.attestations_dir])
    assert (again.accepted, again.duplicates, again.rejected) == (0, 8, ())
    copy = tmp_path / "copy.intoto.jsonl"  # the same envelopes under another name
    shutil.copy(lw.ws.attestations_dir / "b-roman-1.intoto.jsonl", copy)
    assert store.ingest([copy]).duplicates == 2
    assert read_all(store, TABLES) == before


def test_re_ingesting_a_directory_skips_signature_checks_of_what_the_ledger_holds(
    fixture_ledger: Fixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    lw = fixture_ledger.lw
    store = lw.store()
    before = read_all(store, TABLES)
    checked: list[str] = []
    original = verifier._Checker.verify

    def counting(self: verifier._Checker, envelope: object) -> object:
        checked.append("x")
        return original(self, envelope)  # type: ignore[arg-type]

    monkeypatch.setattr(verifier._Checker, "verify", counting)
    monkeypatch.setattr(duckdb_store, "KNOWN_LOOKUP_BYTES", 0)  # the fixture is small; a real re-ingest is not
    again = store.ingest([lw.ws.attestations_dir])
    assert (again.accepted, again.duplicates, again.rejected) == (0, 8, ())
    assert checked == []  # every line hashed to an envelope the ledger already holds

    # a new envelope appended to an ingested file is verified (and only that one)
    target = lw.ws.attestations_dir / "b-roman-1.intoto.jsonl"
    other = next(p for p in sorted(lw.ws.attestations_dir.glob("*.intoto.jsonl")) if p != target)
    foreign_line = other.read_bytes().splitlines()[1]
    target.write_bytes(target.read_bytes() + foreign_line + b"\n")
    third = store.ingest([target])
    assert (third.accepted, third.duplicates) == (0, 3) and len(checked) == 1
    assert read_all(store, TABLES) == before


def test_an_existing_database_file_without_tables_is_filled(lw: LedgerWorkspace) -> None:
    import duckdb

    sign_fixture_builds(lw)
    lw.ws.db_path.parent.mkdir(parents=True, exist_ok=True)
    duckdb.connect(str(lw.ws.db_path)).close()  # e.g. created by the duckdb CLI
    report = lw.store().ingest([lw.ws.attestations_dir])
    assert (report.accepted, report.duplicates, report.rejected) == (8, 0, ())


def test_an_untrusted_signer_is_rejected_with_the_reason_and_adds_nothing(lw: LedgerWorkspace) -> None:
    stranger = generate_key("ed25519", lw.root / "stranger.pem", passphrase=None)
    lw.build("b-evil", "SPEC/textkit/roman", b"evil\n", signer=load_signer(stranger.private_path))
    lw.build("b-good", "SPEC/textkit/roman", b"good\n")
    result = invoke(ingest, "--workspace", str(lw.root))
    assert result.code == 1
    assert "rejected attestations/b-evil.intoto.jsonl:1: signed by key" in result.stderr
    assert "which [trust] does not list" in result.stderr
    store = lw.store()
    assert store.sql("SELECT build_id FROM builds").rows == (("b-good",),)
    assert store.sql("SELECT count(*) FROM quarantine").rows == ((0,),)


def test_quarantine_keeps_unverified_envelopes_apart(lw: LedgerWorkspace) -> None:
    stranger = generate_key("ed25519", lw.root / "stranger.pem", passphrase=None)
    lw.build("b-evil", "SPEC/textkit/roman", b"evil\n", signer=load_signer(stranger.private_path))
    result = invoke(ingest, "--workspace", str(lw.root), "--quarantine", "--json")
    assert result.code == 0
    assert json.loads(result.stdout)["quarantined"] == 2
    store = lw.store()
    assert store.sql("SELECT count(*) FROM envelopes").rows == ((0,),)
    assert store.sql("SELECT count(*), min(signer_keyid) FROM quarantine").rows == ((2, stranger.keyid),)
    assert lw.store().ingest([lw.ws.attestations_dir], quarantine=True).quarantined == 0  # once per digest


def test_a_tampered_payload_is_rejected(lw: LedgerWorkspace) -> None:
    lw.build("b-1", "SPEC/textkit/roman", b"x\n")
    path = lw.ws.attestations_dir / "b-1.intoto.jsonl"
    lines = path.read_bytes().splitlines()
    env = json.loads(lines[0])
    env["payload"] = env["payload"][:-8] + "AAAAAAA="
    path.write_bytes(json.dumps(env).encode() + b"\n" + lines[1] + b"\n")
    report = lw.store().ingest([path])
    assert report.accepted == 1
    assert [r.where for r in report.rejected] == ["attestations/b-1.intoto.jsonl:1"]
    assert "does not verify" in report.rejected[0].reason


def test_a_second_provenance_for_a_build_id_is_rejected(lw: LedgerWorkspace, tmp_path: Path) -> None:
    lw.build("b-1", "SPEC/textkit/roman", b"one\n")
    other = tmp_path / "other"
    other.mkdir()
    lw.build("b-1", "SPEC/textkit/roman", b"two\n", attestation_dir=other, minutes=5)
    store = lw.store()
    store.ingest([lw.ws.attestations_dir])
    report = store.ingest([other])
    assert "already has a different provenance" in report.rejected[0].reason
    assert store.sql("SELECT count(*) FROM builds").rows == ((1,),)


def test_large_batches_verify_in_a_process_pool(lw: LedgerWorkspace, monkeypatch: pytest.MonkeyPatch) -> None:
    sign_fixture_builds(lw)
    monkeypatch.setattr(verifier, "PARALLEL_BYTES", 1)
    monkeypatch.setattr(verifier, "CHUNK_BYTES", 1)  # one file (two envelopes) per pool task
    seen: list[tuple[int, int]] = []
    report = lw.store(workers=2, batch_envelopes=3).ingest(
        [lw.ws.attestations_dir], progress=lambda done, total: seen.append((done, total))
    )
    assert report.accepted == 8 and report.builds == 4
    assert seen[0] == (0, 4) and seen[-1] == (4, 4)  # progress counts attestation files
    assert lw.store().sql("SELECT list(seq ORDER BY seq) FROM envelopes").rows == ((list(range(8)),),)
    pool_tables = read_all(lw.store(), TABLES)
    lw.ws.db_path.unlink()
    monkeypatch.setattr(verifier, "PARALLEL_BYTES", 1 << 40)  # the same ingest in-process
    lw.store().ingest([lw.ws.attestations_dir])
    assert read_all(lw.store(), TABLES) == pool_tables
    assert list(lw.ws.scratch_dir.iterdir()) == []  # pool results are working files, gone after


def test_pool_results_a_killed_ingest_left_behind_are_removed(
    lw: LedgerWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess
    import sys

    sign_fixture_builds(lw)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = lw.ws.scratch_dir / f"chunks-{dead.stdout.strip()}-x1"
    live = lw.ws.scratch_dir / f"chunks-{os.getpid()}-x2"  # a concurrent ingest's: kept
    for d in (stale, live):
        d.mkdir(parents=True)
        (d / "chunk-1.arrows").write_bytes(b"rows")
    monkeypatch.setattr(verifier, "PARALLEL_BYTES", 1)
    assert lw.store(workers=2).ingest([lw.ws.attestations_dir]).accepted == 8
    assert not stale.exists() and (live / "chunk-1.arrows").exists()


def test_reindex_gives_identical_tables_and_answers(fixture_ledger: Fixture) -> None:
    lw = fixture_ledger.lw
    store = lw.store()
    before = read_all(store, TABLES)
    trace_before = store.trace(fixture_ledger.slugify_new).to_json()
    log_before = [e.to_json() for e in store.log()]
    impact_before = [h.to_json() for h in store.impacted("SPEC/textkit")]
    # a ledger built in a different order: reindex keeps the original leaf order
    result = invoke(reindex, "--workspace", str(lw.root), "--json")
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["accepted"] == 8
    assert read_all(store, TABLES) == before
    assert store.trace(fixture_ledger.slugify_new).to_json() == trace_before
    assert [e.to_json() for e in store.log()] == log_before
    assert [h.to_json() for h in store.impacted("SPEC/textkit")] == impact_before
    assert not list(lw.ws.state_dir.glob(".ledger.duckdb.reindex-*"))


def test_reindex_rebuilds_a_deleted_database(fixture_ledger: Fixture) -> None:
    lw = fixture_ledger.lw
    store = lw.store()
    before = read_all(store, [t for t in TABLES if t not in ("envelopes", "log")])
    lw.ws.db_path.unlink()
    assert store.reindex().accepted == 8
    assert read_all(store, [t for t in TABLES if t not in ("envelopes", "log")]) == before
