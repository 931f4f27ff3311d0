"""`ledger approve`: what it signs for each kind of TARGET, checked against the JSON Schema."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from ledger.cli.approve import approve
from ledger.digest import sha256_hex
from ledger.spec import load_tree
from tests.approve.conftest import approve_as, configure

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = REPO / "attestations" / "schema"


def _statement(ws: Path, rel: str) -> dict[str, Any]:
    (line,) = (ws / rel).read_text().splitlines()
    envelope = json.loads(line)
    assert envelope["payloadType"] == "application/vnd.in-toto+json"
    statement: dict[str, Any] = json.loads(base64.b64decode(envelope["payload"]))
    jsonschema.validate(statement, json.loads((SCHEMAS / "statement.schema.json").read_text()))
    schema = json.loads((SCHEMAS / "approval-v1.predicate.schema.json").read_text())
    jsonschema.validate(statement["predicate"], schema)
    return statement


def test_a_spec_node_is_approved_by_its_own_content_digests(workspace: Path) -> None:
    configure(
        workspace, '[approvals]\n[[approvals.rules]]\npattern = "SPEC/textkit/**"\nroles = ["security"]\n'
    )
    out = approve_as(workspace, "alice", "SPEC/textkit/roman", "--note", "reviewed in CHG-7")
    assert out["role"] == "security" and out["name"] == "alice"  # the key's only role is the default
    assert out["file"].startswith("attestations/approval-") and out["file"].endswith(".intoto.jsonl")

    statement = _statement(workspace, out["file"])
    node = load_tree(workspace).node("SPEC/textkit/roman").parsed
    public = sha256_hex(node.public_text().encode())
    assert statement["predicateType"] == "https://spec-ledger.dev/approval/v1"
    assert statement["subject"] == [{"name": "spec:SPEC/textkit/roman", "digest": {"sha256": public}}]
    pred = statement["predicate"]
    assert pred["note"] == "reviewed in CHG-7" and pred["approver"]["name"] == "alice"
    content = {c["label"]: c["sha256"] for c in pred["spec"]["content"]}
    assert content["SPEC/textkit/roman"] == public
    assert content["AGENT[SPEC/textkit/roman]"] == sha256_hex(node.agent_text().encode())
    assert {"SPEC/textkit/roman(interface)", "SPEC/textkit/roman(rules)"} <= set(content)
    members = [m["label"] for m in pred["spec"]["members"]]
    assert members == ["SPEC/textkit", "SPEC/textkit/roman", "AGENT[SPEC/textkit/roman]"]


def test_a_build_is_approved_by_id_and_artifacts(workspace: Path) -> None:
    configure(workspace, "[approvals]\n")
    summary = json.loads((workspace / "build.json").read_text())
    out = approve_as(workspace, "alice", summary["build_id"])
    statement = _statement(workspace, out["file"])
    assert statement["predicate"]["build"]["id"] == summary["build_id"]
    assert statement["predicate"]["build"]["target"] == "SPEC/textkit/roman"
    assert {s["name"]: s["digest"]["sha256"] for s in statement["subject"]} == summary["artifacts"]


@pytest.mark.parametrize(
    ("args", "fragment", "code"),
    [
        (["no-such-build"], "is not a spec node (SPEC/…), an existing artifact, or a verified build id", 2),
        (["SPEC/textkit/nope"], "no spec node SPEC/textkit/nope", 2),
        (["SPEC/textkit/roman", "--key", "keys/carol.pem"], "--role is required", 2),
    ],
)
def test_bad_targets_and_missing_roles_are_input_errors(
    workspace: Path, args: list[str], fragment: str, code: int
) -> None:
    configure(workspace, "[approvals]\n")
    args = [str(workspace / a) if a.startswith("keys/") else a for a in args]
    result = CliRunner().invoke(approve, [*args, "-w", str(workspace)])
    assert result.exception is not None and fragment in str(result.exception)
    assert getattr(result.exception, "exit_code", None) == code
    assert not list((workspace / "attestations").glob("approval-*"))
