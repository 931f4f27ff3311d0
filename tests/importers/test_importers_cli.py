"""`ledger import FORMAT FILE` through the real entry point: exit codes, stdout JSON, stderr skips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger.cli import COMMANDS, main

ASSETS = Path(__file__).resolve().parents[1] / "assets" / "trajectories"


@pytest.fixture(autouse=True)
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """Register the group the way the lead will, so `main` dispatches to it."""
    monkeypatch.setitem(COMMANDS, "import", ("ledger.cli.importers", "import_", "Import agent transcripts."))


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "code-from-spec").mkdir()
    return tmp_path


def _run(args: list[str]) -> int:
    with pytest.raises(SystemExit) as info:
        main(args)
    return int(info.value.code or 0)


def test_auto_imports_and_prints_json(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fixture = ASSETS / "openhands/tool_calls_run_write_error.json"
    assert _run(["import", "auto", str(fixture), "-w", str(workspace), "--json"]) == 0
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert report["format"] == "openhands"
    assert report["tool_calls"] == {"paired": 2, "unpaired_calls": 1, "unpaired_results": 1}
    assert "skipped tool_calls_run_write_error.json event[6]: not an event" in err
    blob = (
        workspace
        / ".ledger/objects/sha256"
        / report["original"]["sha256"][:2]
        / report["original"]["sha256"][2:]
    )
    assert blob.read_bytes() == fixture.read_bytes()


def test_named_format_renders_a_table(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fixture = ASSETS / "swe-agent/swe-agent__test-repo-i1.traj"
    assert _run(["import", "swe-agent", str(fixture), "-w", str(workspace)]) == 0
    out, _ = capsys.readouterr()
    assert "5 paired" in out and "swe-agent" in out


def test_garbage_is_rejected_with_exit_2(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    garbage = workspace / "garbage.bin"
    garbage.write_bytes(b"\x89PNG\r\n\x1a\n not a transcript")
    assert _run(["import", "auto", str(garbage), "-w", str(workspace)]) == 2
    _, err = capsys.readouterr()
    assert err.startswith(f"error: {garbage}: not a recognised agent transcript")
    assert "Traceback" not in err


def test_wrong_format_named_is_exit_2(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fixture = ASSETS / "mini-swe-agent/local.traj.json"
    assert _run(["import", "swe-agent", str(fixture), "-w", str(workspace)]) == 2
    assert "no 'trajectory' list" in capsys.readouterr().err


def test_missing_file_is_exit_2(workspace: Path) -> None:
    assert _run(["import", "auto", str(workspace / "nope.jsonl"), "-w", str(workspace)]) == 2
