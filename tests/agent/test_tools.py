"""Every tool stays inside scratch, keeps the spec read-only, and reports problems to the model."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest

from ledger.agent.messages import ToolUse
from ledger.agent.tools import TOOL_DEFINITIONS, ToolBox, ToolLimits, ToolResult
from tests.agent.conftest import ListRecorder, LocalSandbox


def call(box: ToolBox, name: str, **args: Any) -> ToolResult:
    return box.execute(ToolUse(id=f"toolu_{name}", name=name, input=args), time_left_s=30)


@pytest.fixture
def box(sandbox: LocalSandbox, recorder: ListRecorder) -> ToolBox:
    return ToolBox(sandbox, recorder, ToolLimits(command_timeout_s=20))


def test_definitions_are_anthropic_tool_shapes() -> None:
    names = [d["name"] for d in TOOL_DEFINITIONS]
    assert names == ["read_file", "write_file", "list_files", "search_text", "run_command"]
    for d in TOOL_DEFINITIONS:
        assert set(d) == {"name", "description", "input_schema"}
        assert d["input_schema"]["type"] == "object"


def test_write_then_read_records_call_result_and_file_write(
    box: ToolBox, recorder: ListRecorder, scratch: Path
) -> None:
    wrote = call(box, "write_file", path="pkg/mod.py", content="x = 1\n")
    assert not wrote.is_error
    assert (scratch / "pkg" / "mod.py").read_text() == "x = 1\n"
    assert call(box, "read_file", path="./pkg//mod.py").content == "x = 1\n"
    assert recorder.types() == ["tool_call", "file_write", "tool_result", "tool_call", "tool_result"]
    assert recorder.of("file_write") == [{
        "path": "pkg/mod.py", "size": 6, "sha256": hashlib.sha256(b"x = 1\n").hexdigest(),
    }]


@pytest.mark.parametrize("bad", ["/etc/passwd", "../outside/secret.txt", "a/../../outside/x",
                                 "a\x00b", ""])
@pytest.mark.parametrize("tool", ["read_file", "write_file", "list_files", "search_text"])
def test_every_path_tool_refuses_absolute_dotdot_nul(box: ToolBox, tool: str, bad: str) -> None:
    args: dict[str, Any] = {"path": bad}
    if tool == "write_file":
        args["content"] = "pwned"
    if tool == "search_text":
        args["pattern"] = "secret"
    result = call(box, tool, **args)
    assert result.is_error
    assert "absolute" in result.content or ".." in result.content or "NUL" in result.content


def test_run_command_cwd_is_confined_too(box: ToolBox, sandbox: LocalSandbox) -> None:
    for cwd in ("/tmp", "../outside"):
        result = call(box, "run_command", argv=["pwd"], cwd=cwd)
        assert result.is_error and ("absolute" in result.content or ".." in result.content)
    assert sandbox.runs == []


def test_symlink_out_of_scratch_is_refused_by_every_tool(
    box: ToolBox, scratch: Path, tmp_path: Path
) -> None:
    os.symlink(tmp_path / "outside", scratch / "escape")
    os.symlink(tmp_path / "outside" / "secret.txt", scratch / "secret-link")
    assert call(box, "read_file", path="secret-link").is_error
    assert call(box, "read_file", path="escape/secret.txt").is_error
    assert call(box, "write_file", path="escape/new.txt", content="x").is_error
    assert call(box, "write_file", path="secret-link", content="x").is_error
    assert call(box, "list_files", path="escape").is_error
    assert call(box, "run_command", argv=["ls"], cwd="escape").is_error
    assert (tmp_path / "outside" / "secret.txt").read_text() == "host secret\n"
    assert not (tmp_path / "outside" / "new.txt").exists()
    # searching the root skips the link instead of following it out
    found = call(box, "search_text", pattern="host secret")
    assert found.content == "no matches"
    listing = call(box, "list_files").content
    assert "escape -> " in listing and "escape/secret.txt" not in listing


def test_spec_tree_is_read_only(box: ToolBox, scratch: Path) -> None:
    spec = scratch / "code-from-spec" / "SPEC" / "_node.md"
    before = spec.read_bytes()
    refused = call(box, "write_file", path="code-from-spec/SPEC/_node.md", content="changed")
    assert refused.is_error and "read-only" in refused.content
    os.symlink(scratch / "code-from-spec", scratch / "spec-alias")
    assert call(box, "write_file", path="spec-alias/SPEC/_node.md", content="changed").is_error
    assert call(box, "write_file", path=".ledger/ledger.duckdb", content="x").is_error
    assert spec.read_bytes() == before
    assert "Add and multiply" in call(box, "read_file", path="code-from-spec/SPEC/_node.md").content


def test_bad_input_unknown_tool_and_missing_file_are_tool_errors(box: ToolBox) -> None:
    assert "required" in call(box, "read_file").content
    assert "expected string" in call(box, "write_file", path=3, content="x").content
    assert "unexpected" in call(box, "read_file", path="a", mode="rb").content
    assert "unknown tool 'rm_rf'" in call(box, "rm_rf", path=".").content
    missing = call(box, "read_file", path="nope.py")
    assert missing.is_error and "not a file" in missing.content
    assert call(box, "run_command", command="true", argv=["true"]).is_error


def test_reads_and_outputs_are_capped_and_say_so(
    sandbox: LocalSandbox, recorder: ListRecorder, scratch: Path
) -> None:
    box = ToolBox(sandbox, recorder, ToolLimits(max_read_bytes=100, max_output_bytes=200,
                                                max_write_bytes=50))
    (scratch / "big.txt").write_text("".join(f"line {i}\n" for i in range(100)))
    read = call(box, "read_file", path="big.txt")
    assert "[truncated: showing 100 of" in read.content and "start_line=" in read.content
    more = call(box, "read_file", path="big.txt", start_line=99, max_lines=5)
    assert more.content.startswith("line 98\nline 99\n") and "[lines 99..100 of 100]" in more.content
    out = call(box, "run_command", command="seq 1 1000")
    assert "[truncated: 3793 of 3893 bytes omitted]" in out.content
    assert out.content.startswith("exit code 0\n[stdout]\n1\n2\n") and "1000\n\n[stderr]" in out.content
    assert "limit is 50" in call(box, "write_file", path="w.txt", content="y" * 51).content
    (scratch / "blob.bin").write_bytes(b"\xff\xfe\x00")
    assert "not UTF-8" in call(box, "read_file", path="blob.bin").content


def test_list_and_search_are_sorted_and_skip_git(box: ToolBox, scratch: Path) -> None:
    for rel in ("b/x.py", "a/y.py", ".git/config", "a/z.txt"):
        (scratch / rel).parent.mkdir(parents=True, exist_ok=True)
        (scratch / rel).write_text("needle here\n")
    listing = call(box, "list_files").content.splitlines()
    assert listing == sorted(listing)
    assert "a/y.py" in listing and ".git/" in listing and ".git/config" not in listing
    assert call(box, "list_files", max_depth=1).content.splitlines() == [
        ".git/", "a/", "b/", "code-from-spec/"]
    hits = call(box, "search_text", pattern=r"needle", glob="*.py").content.splitlines()
    assert hits == ["a/y.py:1: needle here", "b/x.py:1: needle here"]
    assert "not a valid regex" in call(box, "search_text", pattern="(").content


def test_run_command_goes_through_the_sandbox_and_is_logged(
    box: ToolBox, sandbox: LocalSandbox, recorder: ListRecorder
) -> None:
    ok = call(box, "run_command", command="echo out; echo err >&2")
    assert ok.content == "exit code 0\n[stdout]\nout\n\n[stderr]\nerr\n" and not ok.is_error
    failed = call(box, "run_command", argv=["sh", "-c", "exit 3"])
    assert failed.is_error and failed.content.startswith("exit code 3")
    assert [r.argv for r in sandbox.runs] == [("/bin/sh", "-c", "echo out; echo err >&2"),
                                              ("sh", "-c", "exit 3")]
    assert [e["exit_code"] for e in recorder.of("exec")] == [0, 3]


def test_run_command_timeout_kills_and_reports(box: ToolBox, sandbox: LocalSandbox) -> None:
    result = call(box, "run_command", command="sleep 30", timeout_s=0.3)
    assert result.is_error and "timed out after 0.3 s" in result.content
    assert sandbox.runs[0].duration_s < 10
    spent = box.execute(ToolUse("t", "run_command", {"command": "true"}), time_left_s=0)
    assert spent.is_error and "time budget" in spent.content
