from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "ledger" / "examples" / "demo"


@pytest.fixture
def signed_workspace(tmp_path: Path) -> Path:
    """The bundled demo workspace (a CfS tree) with a throwaway trusted signing key."""
    from ledger.attest.signers import generate_key

    ws = tmp_path / "ws"
    shutil.copytree(DEMO, ws)
    generate_key("ed25519", ws / "keys" / "signing.pem", passphrase=None)
    (ws / "ledger.toml").write_text(
        '[signing]\nkey = "keys/signing.pem"\n\n[[trust.keys]]\npath = "keys/signing.pub"\n'
    )
    return ws


def assert_imported_schema(build_definition: object) -> None:
    """The buildDefinition follows attestations/schema/imported-v1.parameters.schema.json."""
    import json

    import jsonschema  # type: ignore[import-untyped]

    schema = json.loads((REPO / "attestations" / "schema" / "imported-v1.parameters.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(build_definition, schema, cls=jsonschema.Draft202012Validator)
