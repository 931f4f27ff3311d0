"""The chain hashes and checksums must be the reference tooling's, byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

from ledger.spec import artifact_statuses, compute_chain, read_manifest
from tests.conftest import REFERENCE_EXAMPLE, run_ledger


def test_reference_example_status_json_matches_its_manifest() -> None:
    result = run_ledger("spec", "status", "--json", "--workspace", str(REFERENCE_EXAMPLE))
    assert result.code == 0, result
    rows = json.loads(result.stdout)
    assert rows == [
        {
            "artifact": "ARTIFACT/domain/code-from-spec/cache-details",
            "path": "code-from-spec/domain/code-from-spec/cache-details/output.md",
            "status": "up-to-date",
            "chain": "oDoljFIwq4csZZmAO85OV2xJ7kk",
            "recorded_chain": "oDoljFIwq4csZZmAO85OV2xJ7kk",
            "checksum": "U4WVMo_7iEQ6fzBTeLgm8s1KEJg",
            "recorded_checksum": "U4WVMo_7iEQ6fzBTeLgm8s1KEJg",
        },
        {
            "artifact": "ARTIFACT/domain/code-from-spec/manifest-format",
            "path": "code-from-spec/domain/code-from-spec/manifest-format/output.md",
            "status": "up-to-date",
            "chain": "mtf_auD4sSu2NLF0tiaMYFNu_bk",
            "recorded_chain": "mtf_auD4sSu2NLF0tiaMYFNu_bk",
            "checksum": "rdlaanqStQ2EgZ-GxOPJxj5X4v8",
            "recorded_checksum": "rdlaanqStQ2EgZ-GxOPJxj5X4v8",
        },
    ]


def test_framework_tree_every_artifact_matches_the_reference_manifest(framework_workspace: Path) -> None:
    # 53 artifacts, qualifiers, ARTIFACT inputs and depends_on, code blocks full of '#' lines.
    manifest = read_manifest(framework_workspace)
    statuses = artifact_statuses(framework_workspace)
    assert len(statuses) == len(manifest.entries) == 53
    for status in statuses:
        entry = manifest.entries[status.artifact]
        assert (status.status, status.chain, status.checksum) == ("up-to-date", entry.chain, entry.checksum)


def test_framework_tree_chain_exercises_qualifiers_and_artifact_inputs(framework_workspace: Path) -> None:
    chain = compute_chain(framework_workspace, "SPEC/golang/test/cases/server")
    assert chain.has_input
    assert chain.members[-1].label == "INPUT[ARTIFACT/golang/implementation/server]"
    assert chain.members[-1].file == "cmd/framework-mcp/main.go"
    assert chain.hash == read_manifest(framework_workspace).entries[chain.artifact].chain
    assert len(chain.sha256) == 64
