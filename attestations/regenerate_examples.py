"""Regenerate the example workspace in attestations/examples/workspace/.

Run from the repository root: ``.venv/bin/python attestations/regenerate_examples.py``.

A throwaway ed25519 key is generated in memory for every run; only its public key is written
(``keys/example.pub``). The private key is discarded, so nobody can sign new "examples" with it.
Tests import the constants below to rebuild the same spec chain the examples are bound to.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from ledger.attest.files import attest_build
from ledger.attest.signers import generate_key, load_signer
from ledger.attest.statement import (
    EXEC_LOG_MEDIA_TYPE,
    TRAJECTORY_MEDIA_TYPE,
    BuildInputs,
    Byproduct,
    ChainMemberRef,
    FileRef,
    ModelRef,
    TestOutcome,
)
from ledger.digest import sha256_file, sha256_hex

HERE = Path(__file__).resolve().parent
WORKSPACE = HERE / "examples" / "workspace"
BUILD_ID = "b-20250301-cache-0001"
TARGET = "SPEC/golang/implementation/cache"
CHAIN_CFS = "XuQxoX7N4Aj98THLbJswLEUceXs"
CHAIN_SHA256 = sha256_hex(b"example chain")
MEMBERS = (
    ChainMemberRef("SPEC", "ancestor", "code-from-spec/_node.md", sha256_hex(b"root"), "A" * 27),
    ChainMemberRef("SPEC/golang", "ancestor", "code-from-spec/golang/_node.md", sha256_hex(b"go"), "B" * 27),
    ChainMemberRef(
        TARGET,
        "target",
        "code-from-spec/golang/implementation/cache/_node.md",
        sha256_hex(b"cache"),
        "C" * 27,
    ),
)
ARTIFACT = "internal/cache/cache.go"
ARTIFACT_TEXT = "package cache\n\n// Get returns the cached value for key.\nfunc Get(key string) {}\n"


def main() -> None:
    if WORKSPACE.exists():
        shutil.rmtree(WORKSPACE)
    (WORKSPACE / "internal/cache").mkdir(parents=True)
    (WORKSPACE / ARTIFACT).write_text(ARTIFACT_TEXT)
    with tempfile.TemporaryDirectory() as scratch:
        made = generate_key("ed25519", Path(scratch) / "example.pem", passphrase=None)
        signer = load_signer(made.private_path)
        (WORKSPACE / "keys").mkdir()
        shutil.copyfile(made.public_path, WORKSPACE / "keys/example.pub")
        inputs = BuildInputs(
            build_id=BUILD_ID,
            recipe_name="cache",
            recipe_digest=sha256_hex(b"example recipe"),
            target=TARGET,
            chain_cfs=CHAIN_CFS,
            chain_sha256=CHAIN_SHA256,
            members=MEMBERS,
            model=ModelRef(
                "anthropic",
                "claude-sonnet-4-5-20250929",
                "https://api.anthropic.com",
                seed=7,
                temperature=0.0,
                max_tokens=8192,
            ),
            tools={"go": "1.22.5"},
            prompt=FileRef("prompts/generate.md", sha256_hex(b"example prompt")),
            artifacts=[FileRef(ARTIFACT, sha256_file(WORKSPACE / ARTIFACT))],
            trajectory=Byproduct("trajectory", sha256_hex(b"trajectory"), TRAJECTORY_MEDIA_TYPE),
            exec_log=Byproduct("exec-log", sha256_hex(b"exec log"), EXEC_LOG_MEDIA_TYPE),
            started_on=datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC),
            finished_on=datetime(2025, 3, 1, 12, 4, 30, tzinfo=UTC),
            sandbox="bwrap",
            builder_version="0.1.0",
        )
        outcome = TestOutcome("PASSED", "go test ./internal/cache/...", passed=("TestGet", "TestGetMissing"))
        attest_build(WORKSPACE / "attestations", inputs, outcome, signer)
    (WORKSPACE / "ledger.toml").write_text(
        "[trust]\n"
        'require = ["SIGNED", "BOUND", "TESTED"]\n\n'
        "[[trust.keys]]\n"
        'path = "keys/example.pub"\n'
        f'keyid = "{made.keyid}"\n'
    )
    # the decoded statements, pretty-printed for readers of attestations/README.md
    from ledger.attest.dsse import read_envelope_file

    lines = read_envelope_file(WORKSPACE / "attestations" / f"{BUILD_ID}.intoto.jsonl")
    for name, line in zip(("provenance", "test-result"), lines, strict=True):
        pretty = json.dumps(json.loads(line.envelope.payload), indent=2, sort_keys=True)
        (HERE / "examples" / f"{name}.statement.json").write_text(pretty + "\n")
    print(f"wrote {WORKSPACE.relative_to(HERE.parent)} (keyid {made.keyid})")


if __name__ == "__main__":
    main()
