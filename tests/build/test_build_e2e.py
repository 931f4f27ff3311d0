"""`ledger build` end to end on the bundled demo workspace, with the loopback scripted model."""

from __future__ import annotations

import json
import re
from pathlib import Path

from ledger.build import BuildOptions, load_replay_events, run_build
from ledger.spec import artifact_statuses
from ledger.trajectory import verify_trajectory
from ledger.workspace import Workspace
from tests.build.conftest import FAKE_KEY, roman_script, sandbox_kind
from tests.conftest import run_ledger


def test_build_installs_artifact_updates_manifest_and_replays_to_the_same_digest(
    demo_workspace: Path,
) -> None:
    result = run_ledger(
        "build", "recipes/roman.toml", "--json", "--sandbox", sandbox_kind(), cwd=demo_workspace
    )
    assert result.code == 0, result
    summary = json.loads(result.stdout)
    digest = summary["artifacts"]["src/textkit/roman.py"]
    assert summary["test_result"] == "PASSED" and summary["tests_passed"] == 2
    assert summary["turns"] == 3 and summary["stop_reason"] == "end_turn"

    # the artifact is installed, the manifest updated, and the spec engine agrees
    assert (demo_workspace / "src/textkit/roman.py").read_text().startswith('"""Roman numerals')
    statuses = {s.artifact: s.status for s in artifact_statuses(demo_workspace)}
    assert statuses["ARTIFACT/textkit/roman"] == "up-to-date"

    # the trajectory is in the object store and its hash chain verifies
    objects = demo_workspace / ".ledger" / "objects" / "sha256"
    trajectory = objects / summary["trajectory"][:2] / summary["trajectory"][2:]
    report = verify_trajectory(trajectory)
    assert report.ok and report.complete and report.head == summary["trajectory_head"]
    assert run_ledger("trajectory", "verify", str(trajectory)).code == 0

    # the attestation verifies offline against ledger.toml's trust policy
    verify = run_ledger("verify", "src/textkit/roman.py", "--json", cwd=demo_workspace)
    assert verify.code == 0, verify

    # replay: recorded model answers, tools re-executed in a fresh sandbox → same bytes
    ws = Workspace(demo_workspace)
    events = load_replay_events(ws, summary["build_id"])
    replayed = run_build(
        ws,
        demo_workspace / "recipes" / "roman.toml",
        BuildOptions(sandbox=sandbox_kind(), sign=False, replay_events=events, update_workspace=False),
    )
    assert replayed.artifacts == {"src/textkit/roman.py": digest}
    assert replayed.test_result == "PASSED"


def test_planted_secrets_never_reach_disk(demo_workspace: Path) -> None:
    db_password = "correct-horse-battery-9"
    script = roman_script(extra_command=f"echo leaked {FAKE_KEY}; echo token={db_password}")
    (demo_workspace / "scripts" / "roman.json").write_text(json.dumps(script))
    env = {"ANTHROPIC_API_KEY": FAKE_KEY, "DEMO_DB_PASSWORD": db_password}
    result = run_ledger(
        "build", "recipes/roman.toml", "--sandbox", sandbox_kind(), cwd=demo_workspace, env=env
    )
    assert result.code == 0, result

    scanned = 0
    for path in demo_workspace.rglob("*"):
        if path.is_file() and "scripts" not in path.parts:  # the script itself holds the plant
            data = path.read_bytes()
            scanned += 1
            assert FAKE_KEY.encode() not in data, path
            assert db_password.encode() not in data, path
    assert scanned > 10
    trajectories = [p for p in (demo_workspace / ".ledger" / "objects").rglob("*") if p.is_file()]
    text = "".join(p.read_text(errors="replace") for p in trajectories)
    assert re.search(
        r"\[REDACTED:env\.DEMO_DB_PASSWORD:[0-9a-f]{8}\]", text
    )  # the redaction happened and is visible
    assert '"type":"redaction"' in text


def test_build_refuses_without_signing_key(demo_workspace: Path) -> None:
    (demo_workspace / "ledger.toml").write_text("")
    result = run_ledger("build", "recipes/roman.toml", "--sandbox", sandbox_kind(), cwd=demo_workspace)
    assert result.code == 2 and "no signing key configured" in result.stderr
    assert not (demo_workspace / "src").exists()
    assert not list((demo_workspace / "code-from-spec").glob(".manifest"))
