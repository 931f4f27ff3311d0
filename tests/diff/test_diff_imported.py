"""`ledger diff` of builds that `ledger import` attested: no recipe, a transcript instead."""

from __future__ import annotations

import json
from pathlib import Path

from ledger.workspace import Workspace
from tests.conftest import run_ledger

SWE_AGENT = Path(__file__).resolve().parents[1] / "assets" / "trajectories" / "swe-agent"


def _import(ws: Path, transcript: Path, artifact_text: str) -> str:
    (ws / "src" / "textkit").mkdir(parents=True, exist_ok=True)
    (ws / "src" / "textkit" / "roman.py").write_text(artifact_text)
    result = run_ledger(
        "import", "auto", str(transcript), "--artifact", "src/textkit/roman.py",
        "--spec", "SPEC/textkit/roman", "--json", cwd=ws,
    )  # fmt: skip
    assert result.code == 0, result
    return str(json.loads(result.stdout)["attestation"]["attestation"])


def test_two_imported_agent_runs_diff_by_transcript_and_trajectory(demo: Workspace) -> None:
    ws = demo.root
    a = _import(ws, SWE_AGENT / "6e44b9__sweagenttestrepo-1c2844.traj", "A = 1\n")
    b = _import(ws, SWE_AGENT / "swe-agent__test-repo-i1.traj", "B = 2\n")

    result = run_ledger("diff", a, b, "--json", cwd=ws)

    assert result.code == 0, result
    report = json.loads(result.stdout)
    pins = {p["field"]: (p["a"], p["b"]) for p in report["pins"]}
    assert pins["source.filename"] == ("6e44b9__sweagenttestrepo-1c2844.traj", "swe-agent__test-repo-i1.traj")
    assert pins["model.id"] == ("gpt-4o", None)  # the second transcript names no model
    assert "recipe.name" not in pins and report["spec_members"] == []
    assert report["trajectory"]["first_divergence"]["type"] == "model_request"
    assert [c["path"] for c in report["artifacts"]["changed"]] == ["src/textkit/roman.py"]

    text = run_ledger("diff", a, b, "--all-steps", cwd=ws, env={"COLUMNS": "300"})
    assert "build_start imported swe-agent transcript 6e44b9__sweagenttestrepo-1c2844.traj" in text.stdout
