"""Statements: the exact shape DESIGN.md and attestations/README.md promise, checked two ways."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import jsonschema
import pytest
from attest_helpers import PASSED, TARGET, build_inputs

from ledger.attest import statement as st
from ledger.attest.statement import BUILD_TYPE_CFS, provenance_statement, statement_bytes
from ledger.errors import AttestationError

SCHEMAS = Path(__file__).resolve().parents[2] / "attestations" / "schema"


def schema(name: str) -> dict[str, object]:
    loaded: dict[str, object] = json.loads((SCHEMAS / name).read_text())
    return loaded


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "internal/cache").mkdir(parents=True)
    (tmp_path / "internal/cache/cache.go").write_text("package cache\n")
    (tmp_path / "internal/cache/a.go").write_text("package cache // a\n")
    return tmp_path


def test_provenance_fields_follow_slsa_v1_and_our_build_type(root: Path) -> None:
    stmt = provenance_statement(build_inputs(root, artifacts=("internal/cache/cache.go",)))

    jsonschema.validate(stmt, schema("statement.schema.json"))
    bd = stmt["predicate"]["buildDefinition"]
    jsonschema.validate(bd, schema("cfs-generation-v1.parameters.schema.json"))
    assert stmt["_type"] == "https://in-toto.io/Statement/v1"
    assert bd["buildType"] == BUILD_TYPE_CFS
    assert bd["externalParameters"]["target"] == TARGET
    assert bd["internalParameters"] == {"seed": 7, "temperature": 0.0, "max_tokens": 8192}
    kinds = [d["annotations"]["kind"] for d in bd["resolvedDependencies"]]
    assert kinds == ["spec-member"] * 3 + ["model", "tool", "tool", "prompt"]
    run = stmt["predicate"]["runDetails"]
    assert run["builder"] == {
        "id": "https://spec-ledger.dev/builder/v1",
        "version": {"spec-ledger": "0.1.0"},
    }
    assert run["metadata"] == {
        "invocationId": "b-0001",
        "startedOn": "2025-03-01T12:00:00Z",
        "finishedOn": "2025-03-01T12:04:30Z",
    }
    assert [b["name"] for b in run["byproducts"]] == ["trajectory", "exec-log"]


def test_subjects_are_sorted_by_path_and_bytes_are_canonical(root: Path) -> None:
    inputs = build_inputs(root, artifacts=("internal/cache/cache.go", "internal/cache/a.go"))
    stmt = provenance_statement(inputs)

    assert [s["name"] for s in stmt["subject"]] == ["internal/cache/a.go", "internal/cache/cache.go"]
    raw = statement_bytes(stmt)
    assert raw == statement_bytes(json.loads(raw))  # RFC 8785: a fixed point
    assert b" " not in raw.split(b'"subject"')[0]  # no insignificant whitespace


def test_test_result_follows_in_toto_v01(root: Path) -> None:
    stmt = st.test_result_statement("b-0001", build_inputs(root).artifacts, PASSED)

    jsonschema.validate(stmt, schema("statement.schema.json"))
    pred = stmt["predicate"]
    assert pred["result"] == "PASSED"
    assert pred["passedTests"] == ["TestGet", "TestPut"]
    assert pred["failedTests"] == [] and pred["warnedTests"] == []
    config = pred["configuration"][0]
    assert config["annotations"] == {
        "command": "go test ./internal/cache/...",
        "invocationId": "b-0001",
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"build_id": "../etc"}, "build id"),
        ({"chain_cfs": "short"}, "chain hash"),
        ({"recipe_digest": "ABC"}, "recipe digest"),
        ({"started_on": datetime(2025, 1, 1)}, "no timezone"),
        ({"artifacts": []}, "at least one subject"),
    ],
)
def test_bad_inputs_are_refused_with_the_field(root: Path, change: dict[str, object], message: str) -> None:
    with pytest.raises(AttestationError, match=message):
        provenance_statement(replace(build_inputs(root), **change))  # type: ignore[arg-type]
