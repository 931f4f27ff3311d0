"""Reading and writing code-from-spec/.manifest exactly as the reference tooling does."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.errors import SpecError
from ledger.spec import read_manifest, write_manifest
from ledger.spec.manifest import ManifestEntry, parse_manifest, updating_manifest


def test_round_trip_is_byte_identical(framework_workspace: Path) -> None:
    original = (framework_workspace / "code-from-spec" / ".manifest").read_bytes()
    manifest = read_manifest(framework_workspace)
    assert manifest.serialize() == original
    write_manifest(framework_workspace, manifest)
    assert (framework_workspace / "code-from-spec" / ".manifest").read_bytes() == original


def test_updates_keep_entries_sorted_and_replace_by_name(reference_workspace: Path) -> None:
    with updating_manifest(reference_workspace) as updates:
        updates.append(ManifestEntry("ARTIFACT/aaa", "a.txt", "A" * 27, "B" * 27))
        updates.append(ManifestEntry("ARTIFACT/domain/code-from-spec/cache-details", "p", "C" * 27, "D" * 27))
    lines = (reference_workspace / "code-from-spec" / ".manifest").read_text().splitlines()
    assert lines[0] == "code-from-spec: v5"
    assert lines[1] == f"ARTIFACT/aaa;path:a.txt;checksum:{'A' * 27};chain:{'B' * 27}"
    assert lines[2].startswith("ARTIFACT/domain/code-from-spec/cache-details;path:p;")
    assert len(lines) == 4


def test_missing_manifest_reads_as_empty(tmp_path: Path) -> None:
    (tmp_path / "code-from-spec").mkdir()
    assert read_manifest(tmp_path).entries == {}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "expected header"),
        (b"code-from-spec: v4\n", "expected header"),
        (b"code-from-spec: v5\nSPEC/x;path:a;checksum:" + b"A" * 27 + b";chain:" + b"B" * 27, "ARTIFACT/"),
        (b"code-from-spec: v5\nARTIFACT/x;path:a;checksum:short;chain:" + b"B" * 27, "27-character"),
        (b"code-from-spec: v5\nARTIFACT/x;file:a;checksum:" + b"A" * 27 + b";chain:" + b"B" * 27, "path:"),
    ],
)
def test_malformed_manifests_name_the_line(content: bytes, message: str) -> None:
    with pytest.raises(SpecError, match=message) as info:
        parse_manifest(content)
    assert info.value.line in (1, 2)
