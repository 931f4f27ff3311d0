"""Shared fixtures: a real signed build of the demo workspace, and an in-process ``ledger``."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.build.conftest import DEMO, roman_script, sandbox_kind
from tests.conftest import CliResult, run_ledger


def make_demo(root: Path, script: dict[str, object] | None = None) -> Path:
    """The bundled demo workspace with a throwaway trusted key (as tests/build does)."""
    from ledger.attest.signers import generate_key

    shutil.copytree(DEMO, root)
    generate_key("ed25519", root / "keys" / "signing.pem", passphrase=None)
    (root / "ledger.toml").write_text(
        '[signing]\nkey = "keys/signing.pem"\n\n[[trust.keys]]\npath = "keys/signing.pub"\n\n'
        '[redaction]\nenv = ["DEMO_DB_PASSWORD"]\n'
    )
    (root / "scripts").mkdir(exist_ok=True)
    (root / "scripts" / "roman.json").write_text(json.dumps(script or roman_script()))
    return root


@dataclass(frozen=True)
class BuiltWorkspace:
    """A demo workspace after one real build (bwrap where available) and one checkpoint."""

    root: Path
    build_id: str
    artifact: str
    trajectory: str
    trajectory_head: str
    exec_log: str

    def object_path(self, digest: str) -> Path:
        return self.root / ".ledger" / "objects" / "sha256" / digest[:2] / digest[2:]

    @property
    def attestation(self) -> Path:
        return self.root / "attestations" / f"{self.build_id}.intoto.jsonl"


def build_demo(root: Path) -> BuiltWorkspace:
    make_demo(root)
    result = run_ledger("build", "recipes/roman.toml", "--json", "--sandbox", sandbox_kind(), cwd=root)
    assert result.code == 0, result
    summary = json.loads(result.stdout)
    checkpoint = run_ledger("checkpoint", cwd=root)
    assert checkpoint.code == 0, checkpoint
    return BuiltWorkspace(
        root,
        summary["build_id"],
        "src/textkit/roman.py",
        summary["trajectory"],
        summary["trajectory_head"],
        summary["exec_log"],
    )


@pytest.fixture(scope="module")
def built_demo(tmp_path_factory: pytest.TempPathFactory) -> BuiltWorkspace:
    return build_demo(tmp_path_factory.mktemp("built") / "demo")


def ledger(*args: str) -> CliResult:
    """Run ``ledger`` in this process, exactly as ``ledger.cli.main`` would (no subprocess start-up)."""
    from click.testing import CliRunner

    from ledger.cli import cli
    from ledger.errors import LedgerError

    result = CliRunner(env={"COLUMNS": "250"}).invoke(cli, list(args))
    exc = result.exception
    if isinstance(exc, LedgerError):
        return CliResult(exc.exit_code, result.stdout, result.stderr + exc.diagnostics())
    if exc is not None and not isinstance(exc, SystemExit):
        raise exc
    return CliResult(result.exit_code, result.stdout, result.stderr)
