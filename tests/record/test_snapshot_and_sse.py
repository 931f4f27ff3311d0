"""The two pure parts of a recording: workspace snapshots and SSE reassembly."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from ledger.record.snapshot import diff_snapshots, take_snapshot
from ledger.record.sse import MessageAccumulator, SSEParser


def test_walk_snapshot_sees_created_modified_deleted_and_skips_state_dirs(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("a")
    (tmp_path / "gone.txt").write_text("b")
    before = take_snapshot(tmp_path)
    (tmp_path / "keep.txt").write_text("changed")
    (tmp_path / "gone.txt").unlink()
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "file.py").write_text("x")
    for skipped in (".ledger", ".git", ".venv"):
        (tmp_path / skipped).mkdir(exist_ok=True)
        (tmp_path / skipped / "noise").write_text("n")
    changes = diff_snapshots(before, take_snapshot(tmp_path))
    assert changes.to_json() == {
        "created": ["new/file.py"],
        "modified": ["keep.txt"],
        "deleted": ["gone.txt"],
    }


@pytest.mark.parametrize("git", [False, True])
def test_a_file_name_that_is_not_utf8_is_reported_not_attested(tmp_path: Path, git: bool) -> None:
    """JSON cannot name it, so no statement or trajectory could: it is listed instead."""
    if git:
        if shutil.which("git") is None:
            pytest.skip("git not installed")
        subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "ok.py").write_text("x")
    (tmp_path.joinpath(b"caf\xe9.py".decode("utf-8", "surrogateescape"))).write_text("latin-1 name")
    snap = take_snapshot(tmp_path)
    assert list(snap.files) == ["ok.py"]
    assert snap.unnamed == ("caf\\xe9.py",)


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_git_snapshot_ignores_what_the_repo_ignores(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("build/\n")
    before = take_snapshot(tmp_path)
    assert before.git
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "out.o").write_text("ignored")
    (tmp_path / "main.c").write_text("int main(){}")
    changes = diff_snapshots(before, take_snapshot(tmp_path))
    assert changes.created == ("main.c",)


def _stream(events: list[tuple[str, dict[str, object]]], *, crlf: bool = False) -> bytes:
    text = "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events)
    return (text.replace("\n", "\r\n") if crlf else text).encode()


EVENTS: list[tuple[str, dict[str, object]]] = [
    ("message_start", {"type": "message_start", "message": {
        "id": "msg_1", "type": "message", "role": "assistant", "model": "m", "content": [],
        "stop_reason": None, "usage": {"input_tokens": 5, "output_tokens": 1}}}),
    ("ping", {"type": "ping"}),
    ("content_block_start", {"type": "content_block_start", "index": 0,
                             "content_block": {"type": "text", "text": ""}}),
    ("content_block_delta", {"type": "content_block_delta", "index": 0,
                             "delta": {"type": "text_delta", "text": "héllo "}}),
    ("content_block_delta", {"type": "content_block_delta", "index": 0,
                             "delta": {"type": "text_delta", "text": "world"}}),
    ("content_block_stop", {"type": "content_block_stop", "index": 0}),
    ("content_block_start", {"type": "content_block_start", "index": 1, "content_block": {
        "type": "tool_use", "id": "t1", "name": "write_file", "input": {}}}),
    ("content_block_delta", {"type": "content_block_delta", "index": 1,
                             "delta": {"type": "input_json_delta", "partial_json": '{"path": "a'}}),
    ("content_block_delta", {"type": "content_block_delta", "index": 1,
                             "delta": {"type": "input_json_delta", "partial_json": '.py"}'}}),
    ("content_block_stop", {"type": "content_block_stop", "index": 1}),
    ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "tool_use", "stop_sequence": None},
                       "usage": {"output_tokens": 9}}),
    ("message_stop", {"type": "message_stop"}),
]  # fmt: skip


@pytest.mark.parametrize("crlf", [False, True])
@pytest.mark.parametrize("chunk", [1, 7, 4096])
def test_stream_reassembles_into_the_final_message_whatever_the_chunking(crlf: bool, chunk: int) -> None:
    raw = _stream(EVENTS, crlf=crlf)
    parser, acc = SSEParser(), MessageAccumulator()
    for i in range(0, len(raw), chunk):
        for event in parser.feed(raw[i : i + chunk]):
            acc.add(event)
    for event in parser.close():
        acc.add(event)
    assert acc.events == len(EVENTS) and not acc.problems
    assert acc.message == {
        "id": "msg_1", "type": "message", "role": "assistant", "model": "m",
        "content": [{"type": "text", "text": "héllo world"},
                    {"type": "tool_use", "id": "t1", "name": "write_file", "input": {"path": "a.py"}}],
        "stop_reason": "tool_use", "stop_sequence": None,
        "usage": {"input_tokens": 5, "output_tokens": 9},
    }  # fmt: skip


def test_an_error_event_and_a_broken_tool_input_are_reported_not_dropped() -> None:
    events: list[tuple[str, dict[str, object]]] = [
        *EVENTS[:7],
        ("content_block_delta", {"type": "content_block_delta", "index": 1,
                                 "delta": {"type": "input_json_delta", "partial_json": '{"pa'}}),
        ("content_block_stop", {"type": "content_block_stop", "index": 1}),
        ("error", {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
    ]  # fmt: skip
    parser, acc = SSEParser(), MessageAccumulator()
    for event in parser.feed(_stream(events)) + parser.close():
        acc.add(event)
    assert acc.errors == [{"type": "overloaded_error", "message": "Overloaded"}]
    assert any("tool input is not JSON" in p for p in acc.problems)
