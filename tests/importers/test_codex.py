"""OpenAI Codex CLI rollouts: the claude-code-log fixtures, plus variants built inline.

Fixtures are daaain/claude-code-log's test/test_data/codex/ (see tests/assets/trajectories/
SOURCES.md); the inline rollouts follow openai/codex ``codex-rs/protocol`` (RolloutLine,
ResponseItem) for what those files do not show: the pre-2025 layout without a wrapper, shell
calls with exit codes, apply_patch through the shell, token counts, compaction, broken lines.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ledger.errors import ImportFormatError
from ledger.importers import ImportResult, detect_format, import_bytes, import_file
from ledger.objects import ObjectStore
from ledger.trajectory import Redactor
from tests.conftest import assert_user_error, run_ledger
from tests.importers.helpers import data_of, trajectory_events

ASSETS = Path(__file__).resolve().parents[1] / "assets" / "trajectories"
CODEX = ASSETS / "codex"
MAIN = CODEX / "rollout-2026-01-02T03-04-05-11111111-1111-4111-8111-111111111111.jsonl"
PARENT = CODEX / "rollout-2026-01-03T04-05-06-22222222-2222-4222-8222-222222222222.jsonl"
CHILD = CODEX / "rollout-2026-01-03T04-05-10-33333333-3333-4333-8333-333333333333.jsonl"
LEGACY = CODEX / "rollout-44444444-4444-4444-8444-444444444444.jsonl"
ARCHIVED = CODEX / "rollout-55555555-5555-4555-8555-555555555555.jsonl"
MALFORMED = CODEX / "rollout-66666666-6666-4666-8666-666666666666.jsonl"
T = "2026-03-01T10:00:{:02d}.000Z"





def _file(store: ObjectStore, path: Path) -> ImportResult:
    return import_file(path, store, redactor=Redactor(environ={}))


def _rollout(
    store: ObjectStore, *lines: Any, name: str = "rollout-2026-03-01T10-00-00-x.jsonl"
) -> ImportResult:
    """Import JSONL built from ``lines`` (dicts are dumped; bytes and str kept as they are)."""
    raw = [
        ln if isinstance(ln, bytes) else (ln if isinstance(ln, str) else json.dumps(ln)).encode()
        for ln in lines
    ]
    data = b"\n".join(raw) + b"\n"
    assert detect_format(data, name)[0][0] == "codex"
    return import_bytes(data, name, store, format="codex", redactor=Redactor(environ={}))


def line(n: int, kind: str, payload: Any) -> dict[str, Any]:
    return {"timestamp": T.format(n), "type": kind, "payload": payload}


def meta(n: int = 0, **extra: Any) -> dict[str, Any]:
    body = {"id": "sess-1", "timestamp": T.format(n), "cwd": "/repo", "originator": "codex_cli_rs"}
    return line(n, "session_meta", {**body, "cli_version": "0.46.0", "model_provider": "openai", **extra})


def item(n: int, **payload: Any) -> dict[str, Any]:
    return line(n, "response_item", payload)


def call(n: int, call_id: str, name: str, arguments: Any) -> dict[str, Any]:
    args = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return item(n, type="function_call", name=name, arguments=args, call_id=call_id)


def output(n: int, call_id: str, out: Any) -> dict[str, Any]:
    return item(n, type="function_call_output", call_id=call_id, output=out)


# -- the fixtures ---------------------------------------------------------------------------


def test_main_fixture_maps_messages_calls_patch_and_model(store: ObjectStore) -> None:
    # 14 lines: session_meta; turn_context (synthetic-model); user_message event + the same user
    # message item (one model_request, the event counted as a duplicate); reasoning (summary only)
    # + exec_command call -> model_response + tool_call; its output -> tool_result + exec;
    # apply_patch custom call -> model_response + tool_call; its output -> tool_result +
    # file_write gamma.txt; an MCP call and output; agent_message event + the same assistant
    # message (one model_response); an unknown line type -> skipped.
    result = _file(store, MAIN)
    assert result.format == "codex"
    # (all counts by type: the codex row of test_importers.CASES)
    counts = result.event_counts
    assert (counts["model_request"], counts["model_response"], counts["exec"], counts["file_write"]) == (
        1,
        4,
        1,
        1,
    )
    assert (result.tool_calls_paired, result.tool_calls_unpaired, result.tool_results_unpaired) == (3, 0, 0)
    assert result.session_id == "11111111-1111-4111-8111-111111111111"
    assert result.source_version == "0.0.0-test"
    assert [(m.id, m.provider) for m in result.models] == [("synthetic-model", "synthetic")]
    assert [(s.where, s.reason.split(";")[0]) for s in result.skipped] == [
        ("line 14", "unknown rollout line type 'future_synthetic_record'")
    ]
    assert result.stats["duplicates:user_message"] == 1 and result.stats["duplicates:agent_message"] == 1

    events = trajectory_events(store, result)
    start = events[0]["data"]
    assert (start["agent"], start["cwd"], start["model_provider"]) == (
        "codex",
        "/workspace/synthetic-project",
        "synthetic",
    )
    assert events[0]["time"] == "2026-01-02T03:04:05.000000Z"  # source times are kept
    first = data_of(events, "model_response")[0]["response"]["content"]
    assert first[0] == {"type": "thinking", "thinking": "I will inspect the synthetic directory."}
    calls = {c["id"]: c for c in data_of(events, "tool_call")}
    assert calls["call-structured-001"]["input"]["command"] == "find . -maxdepth 1 -type f"
    assert calls["call-structured-001"]["input"]["argv"] == ["bash", "-lc", "find . -maxdepth 1 -type f"]
    assert calls["call-mcp-001"] == {**calls["call-mcp-001"], "name": "mcp__synthetic__lookup"}
    assert calls["call-mcp-001"]["input"] == {"query": "fixture"}
    (ran,) = data_of(events, "exec")
    assert ran["argv"][-1] == "find . -maxdepth 1 -type f" and ran["cwd"] == "/workspace/synthetic-project"
    assert "exit_code" not in ran  # the unified-exec output here states none
    (written,) = data_of(events, "file_write")
    assert (written["path"], written["operation"], written["size"]) == (
        "gamma.txt",
        "create",
        len("synthetic\n"),
    )
    results = {r["id"]: r["output"] for r in data_of(events, "tool_result")}
    assert results == {
        "call-structured-001": "./alpha.txt\n./beta.txt",
        "call-custom-001": "Done!",
        "call-mcp-001": '{"status":"ok"}',
    }


def test_encrypted_reasoning_never_reaches_the_trajectory(store: ObjectStore) -> None:
    result = _file(store, MAIN)
    trajectory = store.path_for(result.trajectory_sha256).read_bytes()
    assert b"SYNTHETIC_ENCRYPTED_CONTENT_MUST_NOT_RENDER" not in trajectory
    assert b"I will inspect the synthetic directory." in trajectory
    assert result.stats["reasoning_withheld"] == 1


def test_spawning_parent_and_its_sub_agent(store: ObjectStore) -> None:
    # parent: a user_message event with no item behind it -> model_request (from_event_msg);
    # spawn_agent call + output -> paired; the collab_tool_call UI event -> note.
    parent = _file(store, PARENT)
    events = trajectory_events(store, parent)
    assert dict(parent.event_counts) == {
        "build_start": 1,
        "model_request": 1,
        "note": 1,
        "model_response": 1,
        "tool_call": 1,
        "tool_result": 1,
        "build_end": 1,
    }
    assert data_of(events, "model_request")[0]["from_event_msg"] is True
    assert data_of(events, "note")[0]["kind"] == "collab_tool_call"
    assert data_of(events, "tool_call")[0]["input"] == {
        "task_name": "synthetic_researcher",
        "message": "Inspect fixtures.",
    }
    # the sub-agent: its session names the parent thread; the copied spawn call has no output here
    child = _file(store, CHILD)
    start = trajectory_events(store, child)[0]["data"]
    assert start["parent_session_id"] == "22222222-2222-4222-8222-222222222222"
    assert (child.tool_calls_paired, child.tool_calls_unpaired) == (0, 1)
    assert (child.event_counts["model_request"], child.event_counts["model_response"]) == (2, 2)
    assert not parent.models and not child.models  # no turn_context: no model named


def test_legacy_layout_fixture(store: ObjectStore) -> None:
    result = _file(store, LEGACY)
    events = trajectory_events(store, result)
    assert dict(result.event_counts) == {
        "build_start": 1,
        "model_request": 1,
        "model_response": 1,
        "build_end": 1,
    }
    assert result.session_id == "44444444-4444-4444-8444-444444444444" and events[0]["data"]["legacy_layout"]
    assert data_of(events, "model_response")[0]["response"]["content"] == [
        {"type": "text", "text": "The synthetic legacy session is open."}
    ]


def test_archived_and_malformed_fixtures(store: ObjectStore) -> None:
    archived = _file(store, ARCHIVED)
    assert archived.event_counts["model_request"] == 1 and not archived.skipped
    broken = _file(store, MALFORMED)
    assert broken.event_counts["model_request"] == 1
    assert [s.where for s in broken.skipped] == ["line 3"]
    assert "not valid JSON" in broken.skipped[0].reason


@pytest.mark.parametrize("path", sorted(CODEX.glob("*.jsonl")), ids=lambda p: p.name[:20])
def test_every_codex_fixture_is_detected_as_codex(path: Path) -> None:
    best, score = detect_format(path.read_bytes(), str(path))[0]
    assert (best, score >= 0.5) == ("codex", True)


@pytest.mark.parametrize("path", sorted((ASSETS / "claude-code").glob("*.jsonl")), ids=lambda p: p.name)
def test_claude_code_sessions_are_not_taken_for_codex(path: Path) -> None:
    ranked = dict(detect_format(path.read_bytes(), str(path)))
    assert detect_format(path.read_bytes(), str(path))[0][0] == "claude-code"
    assert ranked["codex"] < 0.5


# -- variants built inline --------------------------------------------------------------------


def test_old_layout_header_items_and_state_snapshots(store: ObjectStore) -> None:
    patch = "*** Begin Patch\n*** Update File: src/a.py\n@@\n-x\n+y\n*** End Patch\n"
    result = _rollout(
        store,
        {
            "id": "old-1",
            "timestamp": "2025-04-20T08:00:00Z",
            "instructions": "Be brief.",
            "git": {"branch": "main"},
        },
        {"record_type": "state"},
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "fix a.py"}]},
        {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "gAAAA-old"},
        {
            "type": "function_call",
            "name": "shell",
            "arguments": json.dumps({"command": ["ls", "-la"]}),
            "call_id": "c1",
        },
        {"record_type": "state"},
        {
            "type": "function_call_output",
            "call_id": "c1",
            "output": json.dumps(
                {"output": "total 0", "metadata": {"exit_code": 0, "duration_seconds": 0.25}}
            ),
        },
        {
            "type": "function_call",
            "name": "shell",
            "call_id": "c2",
            "arguments": json.dumps({"command": ["apply_patch", patch], "workdir": "/repo"}),
        },
        {
            "type": "function_call_output",
            "call_id": "c2",
            "output": json.dumps(
                {
                    "output": "Success. Updated the following files:\nM src/a.py\n",
                    "metadata": {"exit_code": 0},
                }
            ),
        },
    )
    events = trajectory_events(store, result)
    assert result.session_id == "old-1" and events[0]["data"]["git"] == {"branch": "main"}
    assert result.stats["legacy_state_records"] == 2 and not result.skipped
    assert (result.tool_calls_paired, result.event_counts["model_response"]) == (2, 2)
    (ran,) = data_of(events, "exec")  # apply_patch through the shell is a patch, not a process
    assert (ran["argv"], ran["exit_code"], ran["duration_ms"]) == (["ls", "-la"], 0, 250)
    assert data_of(events, "tool_call")[0]["input"]["command"] == "ls -la"
    assert data_of(events, "tool_result")[0]["output"] == "total 0"
    (written,) = data_of(events, "file_write")
    assert (written["path"], written["operation"], written["tool_call_id"]) == ("src/a.py", "edit", "c2")
    assert b"gAAAA-old" not in store.path_for(result.trajectory_sha256).read_bytes()


def test_shell_exit_codes_and_failed_patches(store: ObjectStore) -> None:
    failing = "*** Begin Patch\n*** Add File: b.txt\n+b\n*** End Patch"
    moving = (
        "*** Begin Patch\n*** Update File: /repo/old.py\n*** Move to: /repo/new.py\n@@\n-a\n+b\n*** End Patch"
    )
    result = _rollout(
        store,
        meta(),
        line(
            1,
            "turn_context",
            {
                "cwd": "/repo",
                "model": "gpt-5-codex",
                "approval_policy": "on-request",
                "sandbox_policy": {"type": "workspace-write"},
                "effort": "high",
            },
        ),
        item(2, type="message", role="user", content=[{"type": "input_text", "text": "run tests"}]),
        call(3, "c1", "shell_command", {"command": "pytest -q", "workdir": "/repo/pkg"}),
        output(4, "c1", "Exit code: 1\nWall time: 2.5 seconds\nOutput:\n1 failed\n"),
        call(5, "c2", "exec_command", {"cmd": "npm run dev"}),
        output(
            6,
            "c2",
            "Chunk ID: 9\nWall time: 1.0 seconds\nProcess running with session ID 3\nOutput:\nready\n",
        ),
        item(7, type="custom_tool_call", name="apply_patch", input=failing, call_id="p1"),
        item(
            8, type="custom_tool_call_output", call_id="p1", output="apply_patch verification failed: exists"
        ),
        item(9, type="custom_tool_call", name="apply_patch", input=moving, call_id="p2"),
        line(10, "event_msg", {"type": "patch_apply_end", "call_id": "p2", "success": True, "stdout": "M"}),
        item(11, type="custom_tool_call_output", call_id="p2", output="Success."),
        item(
            12,
            type="local_shell_call",
            call_id="l1",
            status="completed",
            action={"type": "exec", "command": ["bash", "-lc", "make"], "working_directory": "/repo"},
        ),
        line(13, "event_msg", {"type": "exec_command_end", "call_id": "l1", "exit_code": 2}),
        output(14, "l1", "make: *** No targets."),
        item(
            15,
            type="web_search_call",
            status="completed",
            action={"type": "search", "query": "codex rollout"},
        ),
    )
    events = trajectory_events(store, result)
    assert [(m.id, m.provider) for m in result.models] == [("gpt-5-codex", "openai")]
    runs = {e["tool_call_id"]: e for e in data_of(events, "exec")}
    assert (runs["c1"]["exit_code"], runs["c1"]["duration_ms"], runs["c1"]["cwd"]) == (1, 2500, "/repo/pkg")
    assert runs["c2"]["background"] is True and runs["c2"]["session"] == "3"
    assert (runs["l1"]["argv"], runs["l1"]["exit_code"]) == (["bash", "-lc", "make"], 2)
    errors = {r["id"]: r["is_error"] for r in data_of(events, "tool_result")}
    assert errors["c1"] and errors["l1"] and errors["p1"] is False and not errors["c2"]
    (moved,) = data_of(events, "file_write")  # p1 failed: no write
    assert (moved["path"], moved["moved_from"], moved["operation"]) == ("new.py", "old.py", "edit")
    search = next(c for c in data_of(events, "tool_call") if c["name"] == "web_search")
    assert search["input"]["query"] == "codex rollout" and search["server_side"] is True
    assert (result.tool_calls_paired, result.tool_calls_unpaired, result.tool_results_unpaired) == (6, 0, 0)
    assert result.stats["merged:patch_apply_end"] == 1 and result.stats["merged:exec_command_end"] == 1


def test_token_counts_compaction_and_turn_events(store: ObjectStore) -> None:
    usage = {"input_tokens": 1200, "cached_input_tokens": 800, "output_tokens": 90, "total_tokens": 1290}
    result = _rollout(
        store,
        meta(),
        line(
            1,
            "turn_context",
            {"cwd": "/repo", "model": "gpt-5", "approval_policy": "never", "sandbox_policy": {}},
        ),
        line(2, "event_msg", {"type": "task_started", "model_context_window": 272000}),
        item(
            3, type="message", role="user", content=[{"type": "input_text", "text": "<environment_context>x"}]
        ),
        item(
            4,
            type="message",
            role="assistant",
            content=[{"type": "output_text", "text": "hi"}],
            phase="final",
        ),
        line(5, "event_msg", {"type": "token_count", "info": None, "rate_limits": {}}),
        line(
            6,
            "event_msg",
            {"type": "token_count", "info": {"total_token_usage": usage, "last_token_usage": usage}},
        ),
        line(
            7,
            "compacted",
            {
                "message": "summary of the work",
                "replacement_history": [
                    {"type": "reasoning", "summary": [], "encrypted_content": "gAAAA-compacted"}
                ],
            },
        ),
        item(8, type="compaction", encrypted_content="gAAAA-item"),
        line(9, "turn_context", {"cwd": "/repo", "model": "gpt-5-mini", "approval_policy": "never"}),
        line(10, "event_msg", {"type": "turn_aborted", "reason": "interrupted"}),
    )
    events = trajectory_events(store, result)
    end = events[-1]["data"]
    assert end["usage"] == {"input_tokens": 1200, "output_tokens": 90} and end["usage_detail"] == usage
    assert (end["last_turn"], end["user_turns"], end["status"]) == ("aborted", 2, "interrupted")
    assert [m.id for m in result.models] == ["gpt-5", "gpt-5-mini"]
    notes = [n["kind"] for n in data_of(events, "note")]
    assert notes == [
        "turn_context",
        "task_started",
        "compacted",
        "compaction",
        "turn_context",
        "turn_aborted",
    ]
    compacted = next(n for n in data_of(events, "note") if n["kind"] == "compacted")
    assert (compacted["text"], compacted["replacement_history_items"]) == ("summary of the work", 1)
    assert data_of(events, "model_request")[0]["injected"] == "environment_context"
    assert data_of(events, "model_response")[0]["response"]["content"] == [
        {"type": "text", "text": "hi", "phase": "final"}
    ]
    trajectory = store.path_for(result.trajectory_sha256).read_bytes()
    assert b"gAAAA" not in trajectory


def test_malformed_lines_are_skipped_with_their_reasons(store: ObjectStore) -> None:
    result = _rollout(
        store,
        meta(),
        b"{not json",
        b"[1, 2]",
        line(3, "response_item", ["not", "an", "object"]),
        line(4, "event_msg", {"message": "no type"}),
        item(5, type="message", role="user", content=7),
        item(6, type="message", role="user", content="a bare string is still text"),
        call(7, "c1", "shell", "{not json"),
        output(8, "c1", "bad arguments"),
        output(9, "c-none", "an output for no call"),
        item(10, type="function_call", name="shell", arguments="{}"),
        item(11, type="function_call_output", call_id="c2", output=3.5),
        {"timestamp": T.format(12), "type": "brand_new_kind", "payload": {}},
        {"something": "else"},
    )
    reasons = {s.where: s.reason for s in result.skipped}
    assert sorted(reasons, key=lambda w: int(w.split()[1])) == [
        "line 2",
        "line 3",
        "line 4",
        "line 5",
        "line 6",
        "line 11",
        "line 12",
        "line 13",
        "line 14",
    ]
    assert "not valid JSON" in reasons["line 2"]
    assert "a JSON list; expected a rollout line object" in reasons["line 3"]
    assert "response_item payload is a JSON list; expected an object" in reasons["line 4"]
    assert "event_msg payload type" in reasons["line 5"]
    assert "message content is a JSON number" in reasons["line 6"]
    assert "function_call without a string call_id" in reasons["line 11"]
    assert "output is a JSON number" in reasons["line 12"]
    assert "unknown rollout line type 'brand_new_kind'" in reasons["line 13"]
    assert "line has no 'type'" in reasons["line 14"]
    assert result.skipped_total == len(result.skipped) == 9
    events = trajectory_events(store, result)
    bad = next(c for c in data_of(events, "tool_call") if c["id"] == "c1")
    assert bad["input"] == {"arguments": "{not json", "arguments_not_json": True}
    assert (result.tool_calls_paired, result.tool_results_unpaired) == (1, 1)  # c1; c-none
    assert (
        data_of(events, "model_request")[0]["request"]["messages"][0]["content"] == "a bare string is still text"
    )


def test_event_only_messages_are_imported_once(store: ObjectStore) -> None:
    text = [{"type": "output_text", "text": "done"}]
    result = _rollout(
        store,
        meta(),
        line(1, "event_msg", {"type": "user_message", "message": "go", "images": []}),
        line(2, "event_msg", {"type": "agent_reasoning", "text": "thinking it over"}),
        line(3, "event_msg", {"type": "agent_message", "message": "done"}),
        item(4, type="message", role="assistant", content=text),
        line(5, "event_msg", {"type": "agent_message", "message": "done"}),  # a second copy: no item left
    )
    events = trajectory_events(store, result)
    assert result.stats["duplicates:agent_message"] == 1
    requests, responses = data_of(events, "model_request"), data_of(events, "model_response")
    assert [r["from_event_msg"] for r in requests] == [True]
    # one response: the reasoning event (no item behind it), the item's message, the extra copy
    assert [r["response"]["content"] for r in responses] == [
        [
            {"type": "thinking", "thinking": "thinking it over"},
            {"type": "text", "text": "done"},
            {"type": "text", "text": "done"},
        ]
    ]
    assert responses[0]["from_event_msg"] is True


def test_a_file_without_any_rollout_line_is_a_format_error(store: ObjectStore) -> None:
    with pytest.raises(ImportFormatError, match="no Codex rollout line"):
        import_bytes(b'{"foo": 1}\n{"bar": 2}\n', "x.jsonl", store, format="codex")
    with pytest.raises(ImportFormatError, match="no JSON record on any line"):
        import_bytes(b"garbage\n", "x.jsonl", store, format="codex")


# -- through the CLI ------------------------------------------------------------------------------


def test_cli_auto_imports_a_rollout_and_lists_what_it_skipped(tmp_path: Path) -> None:
    (tmp_path / "code-from-spec").mkdir()
    result = run_ledger("import", "auto", str(MAIN), "-w", str(tmp_path), "--json", cwd=tmp_path)
    assert result.code == 0, result
    report = json.loads(result.stdout)
    assert (report["format"], report["tool_calls"]["paired"]) == ("codex", 3)
    assert f"skipped {MAIN.name} line 14: unknown rollout line type" in " ".join(result.stderr.split())


def test_cli_refuses_a_non_rollout_with_exit_2(tmp_path: Path) -> None:
    (tmp_path / "code-from-spec").mkdir()
    bogus = tmp_path / "rollout-bogus.jsonl"
    bogus.write_text('{"hello": "world"}\n')
    result = run_ledger("import", "codex", str(bogus), "-w", str(tmp_path), cwd=tmp_path)
    assert_user_error(result, "rollout-bogus.jsonl", "line 1", "no Codex rollout line")


# -- shapes of newer CLIs and other writers ---------------------------------------------------


def ctx(n: int, turn_id: str, model: str = "gpt-5.3-codex") -> dict[str, Any]:
    return line(
        n,
        "turn_context",
        {
            "turn_id": turn_id,
            "cwd": "/repo",
            "approval_policy": "on-request",
            "model": model,
            "summary": "auto",
        },
    )


def test_a_turn_context_per_model_request_counts_one_turn(store: ObjectStore) -> None:
    """0.104 writes a turn_context before every request of a turn (sanitized real rollouts of
    madshn/localpush src-tauri/tests/fixtures/codex/2026-02-23: 81 of them for 5 turn ids)."""
    result = _rollout(
        store,
        meta(),
        line(1, "event_msg", {"type": "task_started", "turn_id": "t1"}),
        item(1, type="message", role="user", content=[{"type": "input_text", "text": "go"}]),
        ctx(2, "t1"),
        call(3, "c1", "exec_command", {"cmd": "ls"}),
        output(4, "c1", "Chunk ID: a\nWall time: 0.1 seconds\nProcess exited with code 0\nOutput:\nx\n"),
        ctx(5, "t1"),
        call(6, "c2", "exec_command", {"cmd": "pwd"}),
        output(7, "c2", "Process exited with code 0\n"),
        ctx(8, "t1", model="gpt-5.4"),  # a setting changed within the turn: kept
        line(9, "event_msg", {"type": "task_complete", "turn_id": "t1"}),
        ctx(10, "t2"),
    )
    events = trajectory_events(store, result)
    notes = [n for n in data_of(events, "note") if n["kind"] == "turn_context"]
    assert [(n["turn_id"], n["model"]) for n in notes] == [
        ("t1", "gpt-5.3-codex"),
        ("t1", "gpt-5.4"),
        ("t2", "gpt-5.3-codex"),
    ]
    assert result.stats["repeated:turn_context"] == 1
    assert data_of(events, "build_end")[0]["user_turns"] == 2


def test_an_event_after_model_output_is_written_after_it(store: ObjectStore) -> None:
    """turn_aborted right after a call that never ran (kvsankar/agent-history
    tests/fixtures/rejections/codex_with_escalation.jsonl): the trajectory keeps file order."""
    result = _rollout(
        store,
        meta(),
        item(1, type="message", role="user", content=[{"type": "input_text", "text": "delete it"}]),
        item(2, type="reasoning", summary=[{"type": "summary_text", "text": "rm"}], encrypted_content=None),
        call(3, "c1", "shell", {"command": ["rm", "x"], "sandbox_permissions": "require_escalated"}),
        line(4, "event_msg", {"type": "turn_aborted", "reason": "interrupted"}),
    )
    events = trajectory_events(store, result)
    kinds = [e["type"] for e in events]
    assert kinds == ["build_start", "model_request", "model_response", "tool_call", "note", "build_end"]
    times = [e["time"] for e in events[1:-1]]
    assert times == sorted(times)


def test_a_shell_call_with_a_script_string_is_an_exec(store: ObjectStore) -> None:
    """``shell`` takes an argv; writers that put a script there (agent-history's fixtures) ran
    it through a shell all the same."""
    result = _rollout(
        store,
        meta(),
        call(1, "c1", "shell", {"command": "cat src/routes.py"}),
        output(2, "c1", "# routes.py"),
    )
    (ran,) = data_of(trajectory_events(store, result), "exec")
    assert ran["argv"] == ["bash", "-lc", "cat src/routes.py"] and ran["cwd"] == "/repo"


def test_multi_agent_rollout_items_are_kept_not_skipped(store: ObjectStore) -> None:
    # codex-rs/protocol RolloutItem (2026) adds world_state, inter_agent_communication and
    # inter_agent_communication_metadata lines; shapes as in jazzyalex/agent-sessions'
    # Resources/Fixtures/stage0/agents/codex/small.jsonl (CLI 0.146.0)
    result = _rollout(
        store,
        meta(0),
        line(1, "world_state", {"full": True, "state": {"agents_md": {"directory": "/repo", "text": "Be brief."}}}),
        line(2, "inter_agent_communication_metadata", {"trigger_turn": False}),
        line(
            3,
            "inter_agent_communication",
            {"author": "/root/worker", "recipient": "/root", "other_recipients": [], "content": "done: 3 files",
             "trigger_turn": True},
        ),
        item(4, type="message", role="user", content=[{"type": "input_text", "text": "go on"}]),
    )
    assert not result.skipped
    notes = {n["kind"]: n for n in data_of(trajectory_events(store, result), "note")}
    assert notes["world_state"]["state"] == {"agents_md": {"directory": "/repo", "text": "Be brief."}}
    assert notes["inter_agent_communication"]["content"] == "done: 3 files"
    assert notes["inter_agent_communication"]["author"] == "/root/worker"
    assert result.stats["inter_agent_communication_metadata"] == 1


def test_an_output_that_is_one_content_item_is_its_text(store: ObjectStore) -> None:
    # a function_call_output whose output is a single input_text item, not a list of them
    # (agent-sessions' codex/small.jsonl line 11): the text, not a skip for "JSON null"
    result = _rollout(
        store,
        meta(0),
        call(1, "c1", "shell", {"command": ["ls"]}),
        output(2, "c1", {"type": "input_text", "text": "a.txt\n", "detail": None, "image_url": None}),
    )
    assert not result.skipped
    events = trajectory_events(store, result)
    assert [r["output"] for r in data_of(events, "tool_result")] == ["a.txt\n"]
    assert [e["argv"] for e in data_of(events, "exec")] == [["ls"]]


def test_a_payload_field_named_like_a_parameter_is_kept_not_a_crash(store: ObjectStore) -> None:
    # transcript fields become note fields: one called "when" or "kind" made note() raise TypeError
    result = _rollout(
        store,
        meta(0),
        line(1, "inter_agent_communication", {"author": "/root/a", "when": "later", "kind": "ping", "content": "x"}),
    )
    notes = [n for n in data_of(trajectory_events(store, result), "note") if n.get("author") == "/root/a"]
    assert len(notes) == 1 and notes[0]["when"] == "later"
    assert (notes[0]["kind"], notes[0]["source_kind"]) == ("inter_agent_communication", "ping")
