"""BOUND against the real spec engine (``ledger.spec.compute_chain``) on the reference tree."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from attest_helpers import PASSED, Result, build_inputs, write_config

from ledger.attest.files import attest_build
from ledger.attest.signers import generate_key, load_signer
from ledger.attest.statement import ChainMemberRef, FileRef
from ledger.digest import sha256_file
from ledger.spec import compute_chain

REFERENCE = Path(__file__).resolve().parents[2] / "examples" / "cfs-reference"
TARGET = "SPEC/domain/code-from-spec/cache-details"


def test_real_chain_is_bound_until_an_input_moves(tmp_path: Path, run_ledger: Callable[..., Result]) -> None:
    root = tmp_path / "ref"
    shutil.copytree(REFERENCE, root)
    chain = compute_chain(root, TARGET)
    assert chain.output is not None
    (root / chain.output).parent.mkdir(parents=True, exist_ok=True)
    (root / chain.output).write_text("# generated cache details\n")
    made = generate_key("ed25519", tmp_path / "k.pem", passphrase=None)
    shutil.copy(made.public_path, root / "ci.pub")
    write_config(root, '[[trust.keys]]\npath = "ci.pub"\n')
    inputs = replace(
        build_inputs(root, artifacts=(chain.output,)),
        target=TARGET,
        chain_cfs=chain.hash,
        chain_sha256=chain.sha256,
        members=[ChainMemberRef(m.label, m.role, m.file, m.sha256, m.cfs_hash) for m in chain.members],
        artifacts=[FileRef(chain.output, sha256_file(root / chain.output))],
    )
    attest_build(root / "attestations", inputs, PASSED, load_signer(made.private_path))
    artifact = str(root / chain.output)

    fresh = run_ledger("verify", "-w", str(root), artifact, chain=None)
    assert fresh.exit_code == 0, fresh.stderr

    moved = next(m for m in chain.members if m.role == "input")
    with open(root / moved.file, "a") as fh:
        fh.write("\nOne more requirement.\n")
    stale = run_ledger("verify", "-w", str(root), artifact, chain=None)

    assert stale.exit_code == 1
    assert "BOUND: STALE: " in stale.stderr
    assert f"{moved.label} (content changed)" in stale.stderr
