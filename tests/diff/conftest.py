"""Real build pairs for diff tests: the bundled demo workspace, the loopback scripted model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from ledger.build import BuildOptions, BuildResult, load_replay_events, run_build
from ledger.workspace import Workspace
from tests.build.conftest import DEMO, roman_script, sandbox_kind

RECIPE = "recipes/roman.toml"
SPEC = "code-from-spec/textkit/roman/_node.md"


@pytest.fixture
def demo(tmp_path: Path) -> Workspace:
    """A copy of the demo workspace with a throwaway ed25519 key trusted in ledger.toml."""
    from ledger.attest.signers import generate_key

    root = tmp_path / "demo"
    shutil.copytree(DEMO, root)
    generate_key("ed25519", root / "keys" / "signing.pem", passphrase=None)
    (root / "ledger.toml").write_text(
        '[signing]\nkey = "keys/signing.pem"\n\n[[trust.keys]]\npath = "keys/signing.pub"\n'
    )
    write_script(Workspace(root), roman_script())
    return Workspace(root)


def write_script(ws: Workspace, script: dict[str, Any]) -> None:
    (ws.root / "scripts").mkdir(exist_ok=True)
    (ws.root / "scripts" / "roman.json").write_text(json.dumps(script))


def build(ws: Workspace, *, replay_of: str | None = None) -> BuildResult:
    """A signed build (not ingested: the diff reads attestations and objects only)."""
    events = load_replay_events(ws, replay_of) if replay_of else None
    return run_build(
        ws,
        ws.root / RECIPE,
        BuildOptions(
            sandbox=sandbox_kind(), ingest=False, replay_events=events, update_workspace=replay_of is None
        ),
    )


def script_with_extra_call(command: str) -> dict[str, Any]:
    """The roman script with one more run_command turn between writing the files and running the tests."""
    script = roman_script()
    turns = list(script["turns"])  # type: ignore[call-overload]
    turns.insert(1, {"content": [{"type": "tool_use", "name": "run_command", "input": {"command": command}}]})
    return {**script, "turns": turns}
