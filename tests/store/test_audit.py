"""Checkpoints and audit: tampering with rows, envelopes or history is found and named."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from ledger.attest.signers import generate_key, load_signer
from ledger.cli.store import audit, checkpoint
from ledger.store.audit import audit as run_audit
from ledger.store.audit import make_checkpoint
from tests.store.conftest import Fixture, LedgerWorkspace, invoke


def tamper(lw: LedgerWorkspace, *statements: str) -> None:
    """What an attacker with write access to .ledger/ledger.duckdb could do."""
    con = duckdb.connect(str(lw.ws.db_path))
    try:
        for s in statements:
            con.execute(s).fetchall()
    finally:
        con.close()


@pytest.fixture
def checkpointed(fixture_ledger: Fixture) -> LedgerWorkspace:
    lw = fixture_ledger.lw
    result = invoke(checkpoint, "-w", str(lw.root), "--json")
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["tree_size"] == 8
    return lw


def problems(lw: LedgerWorkspace) -> tuple[str, ...]:
    return run_audit(lw.store(), lw.ws).problems


def test_an_untouched_ledger_passes_audit(checkpointed: LedgerWorkspace) -> None:
    lw = checkpointed
    result = invoke(audit, "-w", str(lw.root), "--json")
    assert result.code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] and report["envelopes"] == 8 and len(report["checkpoints_verified"]) == 1
    notes = list((lw.ws.state_dir / "log" / "checkpoints").glob("*.note"))
    assert notes[0].read_text().splitlines()[1] == "8"
    assert lw.store().sql("SELECT tree_size FROM checkpoints").rows == ((8,),)


def test_audit_finds_an_inserted_row(checkpointed: LedgerWorkspace) -> None:
    tamper(
        checkpointed, f"INSERT INTO subjects VALUES ('b-roman-1', '{'e' * 64}', 'src/evil.py', '{'0' * 64}')"
    )
    found = problems(checkpointed)
    assert len(found) == 1
    assert found[0].startswith("subjects: row not derived from any verified envelope (inserted or altered)")
    assert "src/evil.py" in found[0]
    result = invoke(audit, "-w", str(checkpointed.root))
    assert result.code == 1 and "audit failed" in result.stderr


def test_audit_finds_a_deleted_row(checkpointed: LedgerWorkspace) -> None:
    tamper(checkpointed, "DELETE FROM spec_members WHERE build_id = 'b-roman-1' AND position = 0")
    found = problems(checkpointed)
    assert len(found) == 1
    assert found[0].startswith(
        "spec_members: row derived from a verified envelope is missing (deleted or altered)"
    )


def test_audit_finds_an_altered_row(checkpointed: LedgerWorkspace) -> None:
    tamper(checkpointed, "UPDATE builds SET model_id = 'some-other-model' WHERE build_id = 'b-roman-1'")
    found = problems(checkpointed)
    assert [p.split(":")[0] for p in found] == ["builds", "builds"]
    assert "some-other-model" in found[0] and "claude-opus-4-1-20250805" in found[1]


def test_audit_finds_an_envelope_no_trusted_key_signed(checkpointed: LedgerWorkspace, tmp_path: Path) -> None:
    lw = checkpointed
    stranger = generate_key("ed25519", tmp_path / "stranger.pem", passphrase=None)
    lw.build(
        "b-evil",
        "SPEC/textkit/roman",
        b"evil\n",
        signer=load_signer(stranger.private_path),
        attestation_dir=tmp_path,
    )
    raw = (tmp_path / "b-evil.intoto.jsonl").read_text().splitlines()[0].replace("'", "''")
    tamper(
        lw,
        f"INSERT INTO envelopes VALUES (8, '{'f' * 64}', '{'f' * 64}', 'application/vnd.in-toto+json', NULL, "
        f"'b-evil', '{stranger.keyid}', 'key', 'verified', '{raw}', NULL, NULL)",
    )
    found = problems(lw)
    assert any("row seq=8" in p and "is not a verified envelope" in p and "does not list" in p for p in found)


def test_audit_finds_a_rewritten_history(checkpointed: LedgerWorkspace) -> None:
    lw = checkpointed
    # drop a build's evidence and rebuild the index "cleanly": every row derives, but the log
    # no longer extends what was signed
    (lw.ws.attestations_dir / "b-roman-1.intoto.jsonl").unlink()
    lw.store().reindex()
    assert any("covers 8 envelopes but the log has 6 (history truncated)" in p for p in problems(lw))
    lw.build("b-late-1", "SPEC/textkit/roman", b"late 1\n", minutes=50)
    lw.build("b-late-2", "SPEC/textkit/roman", b"late 2\n", minutes=60)
    lw.store().ingest([lw.ws.attestations_dir])
    found = problems(lw)
    assert len(found) == 1 and "history rewritten" in found[0], found


def test_audit_rejects_an_edited_checkpoint(checkpointed: LedgerWorkspace) -> None:
    note = next((checkpointed.ws.state_dir / "log" / "checkpoints").glob("*.note"))
    note.chmod(0o644)
    note.write_text(note.read_text().replace("\n8\n", "\n7\n", 1))
    found = problems(checkpointed)
    assert len(found) == 1 and "signature does not verify" in found[0]


def test_reindex_keeps_the_ledger_order_so_checkpoints_stay_valid(lw: LedgerWorkspace) -> None:
    from tests.store.conftest import sign_fixture_builds

    sign_fixture_builds(lw)
    store = lw.store()
    files = sorted(lw.ws.attestations_dir.glob("*.intoto.jsonl"), reverse=True)
    for f in files:  # one file at a time, in reverse name order
        store.ingest([f])
    cp = make_checkpoint(store, lw.ws)
    assert cp.tree_size == 8
    store.reindex()
    assert store.sql("SELECT source FROM envelopes WHERE seq = 0").rows == (
        (files[0].relative_to(lw.root).as_posix(),),
    )
    assert run_audit(store, lw.ws).ok


def test_checkpoint_needs_an_ed25519_signing_key(lw: LedgerWorkspace) -> None:
    ecdsa = generate_key("ecdsa-p256", lw.root / "keys" / "p256.pem", passphrase=None)
    config = lw.ws.config_path.read_text().replace(
        'key = "keys/signing.pem"', f'key = "{ecdsa.private_path}"'
    )
    lw.ws.config_path.write_text(config)
    lw.store().ingest([lw.ws.attestations_dir])
    result = invoke(checkpoint, "-w", str(lw.root))
    assert result.code == 2 and "need an Ed25519 key" in result.stderr
