"""The committed examples in attestations/ stay valid: schema, signatures, a passing verify."""

from __future__ import annotations

import importlib.util
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import jsonschema
from attest_helpers import FakeChain, FakeMember, Result
from securesystemslib.dsse import Envelope as SslibEnvelope

from ledger.attest.signers import load_public_key

ATTESTATIONS = Path(__file__).resolve().parents[2] / "attestations"
EXAMPLE = ATTESTATIONS / "examples" / "workspace"


def regenerate_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("regen", ATTESTATIONS / "regenerate_examples.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def envelopes() -> list[dict[str, object]]:
    [path] = (EXAMPLE / "attestations").glob("*.intoto.jsonl")
    return [json.loads(x) for x in path.read_text().splitlines()]


def test_no_private_key_is_committed() -> None:
    for path in ATTESTATIONS.rglob("*"):
        if path.is_file():
            assert b"PRIVATE KEY" not in path.read_bytes(), path


def test_example_statements_validate_against_the_schemas() -> None:
    statement_schema = json.loads((ATTESTATIONS / "schema/statement.schema.json").read_text())
    params = json.loads((ATTESTATIONS / "schema/cfs-generation-v1.parameters.schema.json").read_text())
    key = load_public_key(EXAMPLE / "keys/example.pub")
    statements = []
    for raw in envelopes():
        env = SslibEnvelope.from_dict(raw)
        env.verify([key], threshold=1)
        statements.append(json.loads(env.payload))
    provenance, test_result = statements
    for statement in statements:
        jsonschema.validate(statement, statement_schema)
    jsonschema.validate(provenance["predicate"]["buildDefinition"], params)
    assert test_result["predicate"]["result"] == "PASSED"
    decoded = json.loads((ATTESTATIONS / "examples/provenance.statement.json").read_text())
    assert decoded == provenance


def test_example_workspace_verifies(tmp_path: Path, run_ledger: Callable[..., Result]) -> None:
    regen = regenerate_module()
    ws = tmp_path / "ws"
    shutil.copytree(EXAMPLE, ws)
    chain = FakeChain(
        regen.CHAIN_CFS,
        regen.CHAIN_SHA256,
        tuple(FakeMember(m.label, m.role, m.file, m.sha256, m.cfs_hash) for m in regen.MEMBERS),
    )

    result = run_ledger("verify", "-w", str(ws), str(ws / regen.ARTIFACT), chain=chain)

    assert result.exit_code == 0, result.stderr
