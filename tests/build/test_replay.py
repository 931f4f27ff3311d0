"""`ledger verify --replay`: the REPRODUCED level."""

from __future__ import annotations

import json
from pathlib import Path

from tests.build.conftest import roman_script, sandbox_kind
from tests.conftest import run_ledger


def build(ws: Path) -> dict[str, object]:
    result = run_ledger("build", "recipes/roman.toml", "--json", "--sandbox", sandbox_kind(), cwd=ws)
    assert result.code == 0, result
    summary: dict[str, object] = json.loads(result.stdout)
    return summary


def levels(result_stdout: str) -> dict[str, dict[str, str]]:
    data = json.loads(result_stdout)
    levels: dict[str, dict[str, str]] = data["artifacts"][0]["levels"]
    return levels


def test_a_hermetic_build_is_reproduced(demo_workspace: Path) -> None:
    build(demo_workspace)
    result = run_ledger("verify", "src/textkit/roman.py", "--replay", "--json", cwd=demo_workspace)
    assert result.code == 0, result
    reproduced = levels(result.stdout)["REPRODUCED"]
    assert reproduced["status"] == "met" and "byte-identical" in reproduced["reason"]


def test_a_tool_that_prints_the_time_is_caught_at_its_event(demo_workspace: Path) -> None:
    script = roman_script(extra_command="date +%s%N")
    (demo_workspace / "scripts" / "roman.json").write_text(json.dumps(script))
    summary = build(demo_workspace)
    objects = demo_workspace / ".ledger" / "objects" / "sha256"
    digest = str(summary["trajectory"])
    events = [json.loads(line) for line in (objects / digest[:2] / digest[2:]).read_text().splitlines()]
    date_result = [e for e in events if e["type"] == "tool_result"][-1]

    result = run_ledger("verify", "src/textkit/roman.py", "--replay", "--json", cwd=demo_workspace)
    assert result.code == 1, result
    reason = levels(result.stdout)["REPRODUCED"]["reason"]
    assert f"event {date_result['seq']} (tool_result of run_command) differs" in reason
    assert date_result["data"]["content"].split("[stdout]\n")[1][:10] in reason  # the recorded value is shown


def test_a_trajectory_edited_after_signing_fails_before_replay(demo_workspace: Path) -> None:
    summary = build(demo_workspace)
    digest = str(summary["trajectory"])
    path = demo_workspace / ".ledger" / "objects" / "sha256" / digest[:2] / digest[2:]
    path.chmod(0o644)
    path.write_text(path.read_text().replace("tests pass", "tests PASS"))
    result = run_ledger("verify", "src/textkit/roman.py", "--replay", "--json", cwd=demo_workspace)
    assert result.code == 1, result
    reason = levels(result.stdout)["REPRODUCED"]["reason"]
    assert "modified after signing" in reason
