from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ledger.cli.approve import approve
from tests.build.conftest import DEMO, roman_script, sandbox_kind
from tests.conftest import run_ledger

TRUST = """\
[signing]
key = "keys/signing.pem"

[trust]
require = ["SIGNED", "BOUND", "TESTED", "AUTHORIZED"]

[[trust.keys]]
path = "keys/signing.pub"
"""

APPROVERS = """
[[approvals.keys]]
path = "keys/alice.pub"
name = "alice"
roles = ["security"]

[[approvals.keys]]
path = "keys/bob.pub"
name = "bob"
roles = ["docs"]
"""


def build(ws: Path) -> dict[str, Any]:
    """One real signed build of SPEC/textkit/roman with the scripted loopback model (~2 s)."""
    result = run_ledger(
        "build", "recipes/roman.toml", "--no-ingest", "--json", "--sandbox", sandbox_kind(), cwd=ws
    )
    assert result.code == 0, result
    summary: dict[str, Any] = json.loads(result.stdout)
    return summary


@pytest.fixture(scope="module")
def _built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from ledger.attest.signers import generate_key

    ws = tmp_path_factory.mktemp("approve") / "demo"
    shutil.copytree(DEMO, ws)
    for name in ("signing", "alice", "bob", "carol", "mallory"):
        generate_key("ed25519", ws / "keys" / f"{name}.pem", passphrase=None)
    (ws / "scripts").mkdir(exist_ok=True)
    (ws / "scripts" / "roman.json").write_text(json.dumps(roman_script()))
    (ws / "ledger.toml").write_text(TRUST)
    summary = build(ws)
    (ws / "build.json").write_text(json.dumps(summary))
    return ws


@pytest.fixture
def workspace(_built: Path, tmp_path: Path) -> Path:
    """A private copy of a workspace holding one signed, tested build of src/textkit/roman.py."""
    ws = tmp_path / "demo"
    shutil.copytree(_built, ws)
    return ws


def configure(ws: Path, approvals: str) -> None:
    """ledger.toml = trust + the given [approvals] table + the alice/bob approver keys."""
    (ws / "ledger.toml").write_text(TRUST + "\n" + approvals + APPROVERS)


def approve_as(ws: Path, key: str, target: str, *extra: str) -> dict[str, Any]:
    """`ledger approve TARGET --key keys/<key>.pem --json`, through the click command itself."""
    args: Sequence[str] = [target, "--key", str(ws / "keys" / f"{key}.pem"), "-w", str(ws), "--json", *extra]
    result = CliRunner().invoke(approve, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def verify(ws: Path) -> tuple[int, dict[str, Any]]:
    """`ledger verify src/textkit/roman.py --json` in a subprocess: (exit code, the artifact's verdict)."""
    result = run_ledger("verify", "src/textkit/roman.py", "--json", cwd=ws)
    assert result.code in (0, 1), result
    verdict: dict[str, Any] = json.loads(result.stdout)["artifacts"][0]
    return result.code, verdict


def authorized(verdict: dict[str, Any]) -> tuple[str, str]:
    level = verdict["levels"]["AUTHORIZED"]
    return level["status"], level["reason"]
