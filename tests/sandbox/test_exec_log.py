"""The exec log: what each command created, modified and deleted, with digests, for both backends."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from ledger.digest import canonical_json, sha256_hex
from ledger.errors import PathEscapeError, SandboxError
from ledger.sandbox import Limits, Sandbox, open_sandbox


def test_created_modified_deleted_are_reported_with_digests(any_sandbox: Sandbox) -> None:
    result = any_sandbox.run(
        [
            "sh",
            "-c",
            "mkdir -p pkg && printf 'x = 1\\n' > pkg/mod.py && printf 'more\\n' >> src/app.py"
            " && ln -s mod.py pkg/alias.py && rm code-from-spec/_node.md 2>/dev/null;"
            " echo done",
        ],
        timeout_s=10,
    )
    assert result.exit_code == 0, result.stderr
    assert result.created == ("pkg/alias.py", "pkg/mod.py")
    assert result.modified == ("src/app.py",)
    record = result.log_record()
    assert record["sandbox"] == any_sandbox.kind
    assert record["files"]["created"] == [
        {"path": "pkg/alias.py", "kind": "symlink", "size": 6, "target": "mod.py"},
        {"path": "pkg/mod.py", "kind": "file", "size": 6, "sha256": sha256_hex(b"x = 1\n")},
    ]
    app = (any_sandbox.scratch / "src" / "app.py").read_bytes()
    assert record["files"]["modified"][0]["sha256"] == hashlib.sha256(app).hexdigest()
    if any_sandbox.kind == "bwrap":
        assert result.deleted == ()  # the spec tree is read-only in the sandbox
    else:
        assert result.deleted == ("code-from-spec/_node.md",)


def test_log_record_carries_digests_not_output(any_sandbox: Sandbox) -> None:
    result = any_sandbox.run(
        ["sh", "-c", "cat; echo to-stderr >&2; exit 3"], timeout_s=10, stdin=b"from stdin\n"
    )
    assert (result.exit_code, result.stdout, result.stderr) == (3, b"from stdin\n", b"to-stderr\n")
    record = result.log_record()
    assert record["stdout"] == {
        "sha256": sha256_hex(b"from stdin\n"),
        "size": 11,
        "truncated": False,
    }
    assert b"from stdin" not in canonical_json(record)  # RFC 8785-serialisable, no raw output
    assert record["argv"] == ["sh", "-c", "cat; echo to-stderr >&2; exit 3"]
    assert record["exit_code"] == 3 and record["timed_out"] is False
    assert any_sandbox.exec_log == [record]


def test_explicit_env_is_logged_by_name_only(any_sandbox: Sandbox) -> None:
    result = any_sandbox.run(
        ["sh", "-c", "echo $TOKEN"], timeout_s=10, env={"TOKEN": "value-not-logged"}
    )
    assert result.stdout == b"value-not-logged\n"
    assert result.log_record()["env_keys"] == ["TOKEN"]
    assert b"value-not-logged" not in canonical_json(any_sandbox.exec_log)


def test_output_is_capped_and_truncation_recorded(workspace: Path, kind: str) -> None:
    with open_sandbox(workspace, kind=kind, limits=Limits(output_bytes=1000)) as sandbox:
        result = sandbox.run(["head", "-c", "500000", "/dev/zero"], timeout_s=10)
    assert result.exit_code == 0
    assert len(result.stdout) == 1000 and result.stdout_truncated
    assert result.log_record()["stdout"]["truncated"] is True


def test_cwd_is_relative_to_scratch(any_sandbox: Sandbox) -> None:
    result = any_sandbox.run(["sh", "-c", "pwd; touch here"], cwd="src", timeout_s=10)
    assert result.created == ("src/here",)
    if any_sandbox.kind == "bwrap":
        assert result.stdout == b"/work/src\n"
    assert result.log_record()["cwd"] == "src"


@pytest.mark.parametrize("cwd", ["../", "/etc", "src/../.."])
def test_cwd_outside_scratch_is_refused(any_sandbox: Sandbox, cwd: str) -> None:
    with pytest.raises(PathEscapeError):
        any_sandbox.run(["true"], cwd=cwd, timeout_s=10)
    assert any_sandbox.exec_log == []


def test_missing_cwd_and_empty_argv_are_refused(any_sandbox: Sandbox) -> None:
    with pytest.raises(SandboxError, match="not a directory"):
        any_sandbox.run(["true"], cwd="nope", timeout_s=10)
    with pytest.raises(SandboxError, match="empty"):
        any_sandbox.run([], timeout_s=10)


def test_missing_command_exits_127(any_sandbox: Sandbox) -> None:
    result = any_sandbox.run(["no-such-command-xyz"], timeout_s=10)
    assert result.exit_code == 127


def test_host_side_edits_between_calls_are_not_attributed(any_sandbox: Sandbox) -> None:
    (any_sandbox.scratch / "written-by-a-tool.txt").write_text("agent write_file\n")
    os.unlink(any_sandbox.scratch / "src" / "app.py")
    result = any_sandbox.run(["true"], timeout_s=10)
    assert (result.created, result.modified, result.deleted) == ((), (), ())


def test_background_process_does_not_outlive_the_call(any_sandbox: Sandbox) -> None:
    result = any_sandbox.run(
        ["sh", "-c", "(sleep 1; echo late > late.txt) & echo started"], timeout_s=10
    )
    assert result.stdout == b"started\n" and not result.timed_out
    assert result.duration_s < 1
    again = any_sandbox.run(["sleep", "1.5"], timeout_s=10)
    assert again.created == ()
    assert not (any_sandbox.scratch / "late.txt").exists()
