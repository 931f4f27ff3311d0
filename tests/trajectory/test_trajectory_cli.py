"""`ledger trajectory verify|show`: exit codes, one-line errors, JSON and table output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger.cli import COMMANDS, main
from ledger.objects import ObjectStore


@pytest.fixture(autouse=True)
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """Register the group as the lead will, so tests go through `main` and its error catch."""
    monkeypatch.setitem(COMMANDS, "trajectory", ("ledger.cli.trajectory", "trajectory", "Trajectories."))


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    code = exc.value.code
    return (code if isinstance(code, int) else 0), out, err


def test_verify_ok(build_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "trajectory", "verify", str(build_file))
    assert code == 0 and err == ""
    assert out.startswith(f"ok: {build_file}: 8 events, head ")
    assert out.rstrip().endswith("(complete)")


def test_verify_broken_names_the_event_on_one_line(
    build_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = build_file.read_bytes().splitlines(keepends=True)
    del lines[2]
    build_file.write_bytes(b"".join(lines))
    code, out, err = run(capsys, "trajectory", "verify", str(build_file))
    assert code == 1 and out == ""
    assert err == (
        f"error: {build_file}: event 2: line 3: seq is 3, expected 2 "
        "(an event was deleted, inserted or moved)\n"
    )


def test_verify_json(build_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "trajectory", "verify", "--json", str(build_file))
    report = json.loads(out)
    assert code == 0 and report["ok"] is True and report["count"] == 8
    assert report["first_broken_seq"] is None

    build_file.write_bytes(build_file.read_bytes()[:-5])
    code, out, err = run(capsys, "trajectory", "verify", "--json", str(build_file))
    report = json.loads(out)
    assert code == 1 and report["ok"] is False and report["first_broken_seq"] == 7
    assert err.count("\n") == 1


def test_verify_expected_head(build_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "trajectory", "verify", "--json", str(build_file))
    head = json.loads(out)["head"]
    assert run(capsys, "trajectory", "verify", "--head", head, str(build_file))[0] == 0
    code, _, err = run(capsys, "trajectory", "verify", "--head", "1" * 64, str(build_file))
    assert code == 1 and "differs from the expected head" in err
    code, _, err = run(capsys, "trajectory", "verify", "--head", "xyz", str(build_file))
    assert code == 2 and "expected 64 lowercase hex" in err


def test_verify_unreadable_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.jsonl"
    code, out, err = run(capsys, "trajectory", "verify", str(missing))
    assert code == 2 and out == ""
    assert err.startswith(f"error: {missing}: cannot read trajectory")
    assert "Traceback" not in err


def test_verify_by_digest_from_the_workspace_store(
    tmp_path: Path, build_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workspace = tmp_path / "ws"
    (workspace / "code-from-spec").mkdir(parents=True)
    digest = ObjectStore(workspace / ".ledger" / "objects").put_file(build_file)
    code, out, _ = run(capsys, "trajectory", "verify", "-w", str(workspace), digest)
    assert code == 0 and "8 events" in out


def test_show_table_and_json(build_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "trajectory", "show", str(build_file))
    assert code == 0
    assert "build_start" in out and "run_command" in out and "PASSED passed=3" in out
    assert err.startswith("chain ok: 8 events")

    code, out, _ = run(capsys, "trajectory", "show", "--json", str(build_file))
    rows = json.loads(out)
    assert [r["seq"] for r in rows] == list(range(8))
    assert rows[3]["summary"] == 'run_command {"argv":["ls"]}'


def test_show_lists_a_broken_trajectory_and_says_so(
    build_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = build_file.read_bytes().splitlines(keepends=True)
    lines[1], lines[2] = lines[2], lines[1]
    build_file.write_bytes(b"".join(lines))
    code, out, err = run(capsys, "trajectory", "show", str(build_file))
    assert code == 0 and "model_response" in out
    assert err.startswith("chain BROKEN at event 1:")


SWE_AGENT = Path(__file__).resolve().parents[1] / "assets" / "trajectories" / "swe-agent"


def _imported(tmp_path: Path, name: str) -> Path:
    from ledger.importers import import_file

    store = ObjectStore(tmp_path / "objects")
    return store.path_for(import_file(SWE_AGENT / name, store).trajectory_sha256)


def test_diff_of_two_imported_runs_names_their_first_divergence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = _imported(tmp_path, "6e44b9__sweagenttestrepo-1c2844.traj")
    b = _imported(tmp_path, "swe-agent__test-repo-i1.traj")

    code, out, _ = run(capsys, "trajectory", "diff", str(a), str(b), "--json")
    report = json.loads(out)
    assert code == 0 and (report["a"], report["b"]) == (str(a), str(b))
    first = report["first_divergence"]
    assert (first["type"], first["a_position"], first["b_position"]) == ("model_request", 1, 1)
    assert 'model: A "gpt-4o" / B null' in first["detail"]

    code, out, _ = run(capsys, "trajectory", "diff", str(a), str(a))
    assert code == 0 and "no divergence" in out and "28 equal" in out


def test_diff_refuses_a_broken_chain(build_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    copy = build_file.with_name("copy.jsonl")
    lines = build_file.read_bytes().splitlines(keepends=True)
    copy.write_bytes(b"".join(lines[:2] + lines[3:]))
    code, out, err = run(capsys, "trajectory", "diff", str(build_file), str(copy))
    assert code == 1 and out == "" and "an event was deleted, inserted or moved" in err
