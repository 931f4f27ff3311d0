"""Claude Code session records beyond the sample fixtures: newer CLI versions, every record type.

Records are built inline after the session schema published for CLI 2.1.x
(oneryalcin/agent-schemas claude-code/v2.1.144/session.schema.json: UserMessage, AssistantMessage,
SystemMessage, FileHistorySnapshot, QueueOperation, ProgressMessage, AttachmentMessage,
CustomTitleMessage, ServerToolUseBlock, …) and claude-code-log's models (claude_code_log/models.py,
dag.py). Each test imports a small session and reads the trajectory back.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ledger.importers import ImportResult, detect_format, import_bytes
from ledger.objects import ObjectStore
from ledger.trajectory import Redactor, read_trajectory

SESSION = "7f1c2d3e-0000-4000-8000-000000000001"


def rec(kind: str, uid: str | None, parent: str | None, second: int, **fields: Any) -> dict[str, Any]:
    """One record with the envelope every message record carries (UserMessage.required)."""
    out: dict[str, Any] = {
        "type": kind,
        "sessionId": SESSION,
        "timestamp": f"2026-01-20T11:57:{second:02d}.000Z",
    }
    if uid is not None:
        out.update(
            uuid=uid, parentUuid=parent, isSidechain=False, userType="external", cwd="/w", version="2.1.144"
        )
    out.update(fields)
    return out


def user(uid: str, parent: str | None, second: int, content: Any, **fields: Any) -> dict[str, Any]:
    return rec("user", uid, parent, second, message={"role": "user", "content": content}, **fields)


def assistant(
    uid: str, parent: str | None, second: int, mid: str, blocks: list[Any], **fields: Any
) -> dict[str, Any]:
    message = {
        "id": mid,
        "type": "message",
        "role": "assistant",
        "model": "claude-opus-4-5-20251101",
        "content": blocks,
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 5},
    }
    return rec("assistant", uid, parent, second, message=message, requestId=f"req_{mid}", **fields)


def tool_use(call_id: str, name: str, **tool_input: Any) -> dict[str, Any]:
    return {"type": "tool_use", "id": call_id, "name": name, "input": tool_input}


def result(call_id: str, content: Any, is_error: bool = False) -> dict[str, Any]:
    return {"type": "tool_result", "tool_use_id": call_id, "content": content, "is_error": is_error}


def run(tmp_path: Path, records: list[dict[str, Any]]) -> tuple[ImportResult, list[dict[str, Any]]]:
    data = ("\n".join(json.dumps(r) for r in records) + "\n").encode()
    assert detect_format(data, f"{SESSION}.jsonl")[0][0] == "claude-code"
    store = ObjectStore(tmp_path / "objects")
    result_ = import_bytes(data, f"{SESSION}.jsonl", store, redactor=Redactor(environ={}))
    events = [e.to_json() for e in read_trajectory(store.path_for(result_.trajectory_sha256))]
    return result_, events


def of(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e["data"] for e in events if e["type"] == kind]


def test_a_session_opening_with_metadata_records_is_detected_and_every_record_kept(tmp_path: Path) -> None:
    # CLI 2.1.x writes snapshots, queue operations and titles before (and between) messages
    records = [
        rec("queue-operation", None, None, 0, operation="dequeue"),
        {
            "type": "file-history-snapshot",
            "messageId": "u1",
            "isSnapshotUpdate": False,
            "snapshot": {
                "messageId": "u1",
                "timestamp": "2026-01-20T11:57:00.500Z",
                "trackedFileBackups": {"src/a.py": {"backupFileName": "ab12@v1", "version": 1}},
            },
        },
        rec("queue-operation", None, None, 1, operation="enqueue", content="also add tests"),
        user("u1", None, 2, "Fix the bug"),
        rec("attachment", "at1", "u1", 3, attachment={"type": "hook_success", "hookName": "SessionStart"}),
        rec("custom-title", None, None, 4, customTitle="bug fix"),
        rec("permission-mode", None, None, 4, permissionMode="acceptEdits"),
        rec("some-future-record", "fx", "at1", 5, payload={"n": 1}),
    ]
    imported, events = run(tmp_path, records)
    notes = {n["kind"]: n for n in of(events, "note")}
    assert set(notes) == {
        "queue-operation",
        "file-history-snapshot",
        "attachment",
        "custom-title",
        "permission-mode",
        "some-future-record",
    }
    assert notes["file-history-snapshot"]["files"] == {
        "src/a.py": {"backupFileName": "ab12@v1", "version": 1}
    }
    assert notes["attachment"]["record"] == {
        "attachment": {"type": "hook_success", "hookName": "SessionStart"}
    }
    assert notes["some-future-record"]["record"] == {"payload": {"n": 1}}
    assert imported.event_counts["model_request"] == 1
    assert imported.skipped_total == 0 and imported.session_id == SESSION
    assert imported.source_version == "2.1.144"


def test_parallel_tool_calls_are_not_mistaken_for_an_abandoned_branch(tmp_path: Path) -> None:
    # CLI 2.x streams one block per line; the result of the first call and the line carrying the
    # second call are both children of the first call's line (claude-code-log dag.py,
    # _stitch_tool_results) - a fork in the parentUuid graph that no one abandoned
    records = [
        user("u1", None, 0, "Read both files"),
        assistant("a1", "u1", 1, "msg_1", [tool_use("toolu_A", "Read", file_path="/w/a.py")]),
        assistant("a2", "a1", 2, "msg_1", [tool_use("toolu_B", "Read", file_path="/w/b.py")]),
        user("r1", "a1", 3, [result("toolu_A", "a")], sourceToolAssistantUUID="a1"),
        user("r2", "a2", 4, [result("toolu_B", "b")], sourceToolAssistantUUID="a2"),
        rec("progress", "p1", "a2", 4, data={"type": "hook_progress", "hookEvent": "PostToolUse"}),
        assistant("a3", "r2", 5, "msg_2", [{"type": "text", "text": "Both read."}]),
    ]
    imported, events = run(tmp_path, records)
    assert imported.stats.get("abandoned_branch_records", 0) == 0
    assert not [e for e in events if e["data"].get("abandoned_branch")]
    assert imported.tool_calls_paired == 2
    assert [r["turn"] for r in of(events, "model_response")] == [0, 1]


def test_a_rewound_prompt_is_still_flagged_as_an_abandoned_branch(tmp_path: Path) -> None:
    records = [
        user("u1", None, 0, "hello"),
        assistant("a1", "u1", 1, "msg_1", [{"type": "text", "text": "hi"}]),
        user("u2", "a1", 2, [{"type": "text", "text": "write x"}]),
        assistant("a2", "u2", 3, "msg_2", [tool_use("toolu_W", "Write", file_path="/w/x", content="1")]),
        user("r2", "a2", 4, [result("toolu_W", "ok")]),
        user("u3", "a1", 5, "write x differently"),
        assistant("a3", "u3", 6, "msg_3", [{"type": "text", "text": "done"}]),
    ]
    _imported, events = run(tmp_path, records)
    flagged = [e["data"]["uuid"] for e in events if e["data"].get("abandoned_branch")]
    assert sorted(set(flagged)) == ["a2", "r2", "u2"]


@pytest.mark.parametrize("preserved", [False, True], ids=["plain", "preserved-segment"])
def test_a_compaction_after_a_rewind_keeps_the_rewound_prompt_abandoned(
    tmp_path: Path, preserved: bool
) -> None:
    # claude-code-log test/test_data/dag_compact_after_rewind.jsonl and
    # dag_compact_after_rewind_preserved.jsonl: the prompt after "Ready" was rewound, then the
    # session compacted. The boundary has no parentUuid; its logicalParentUuid names the last
    # message before it (b2a2). A compaction that keeps a preserved segment writes that message
    # again after the summary, re-parented under it - the boundary's logical parent then hangs
    # below the boundary itself.
    metadata: dict[str, Any] = {"trigger": "auto", "preTokens": 150000}
    if preserved:
        metadata["preservedSegment"] = {"headUuid": "b2a", "anchorUuid": "cs", "tailUuid": "b2a2"}
    kept_answer = assistant("b2a2", "b2u2", 7, "msg_b2a2", [{"type": "text", "text": "Kept going"}])
    records = [
        user("u1", None, 0, [{"type": "text", "text": "Start"}]),
        assistant("a1", "u1", 1, "msg_a1", [{"type": "text", "text": "Ready"}]),
        user("b1u", "a1", 2, [{"type": "text", "text": "First attempt"}]),
        assistant("b1a", "b1u", 3, "msg_b1a", [{"type": "text", "text": "First answer"}]),
        user("b2u", "a1", 4, [{"type": "text", "text": "Second attempt"}]),
        assistant("b2a", "b2u", 5, "msg_b2a", [{"type": "text", "text": "Second answer"}]),
        user("b2u2", "b2a", 6, [{"type": "text", "text": "Keep going"}]),
        *([] if preserved else [kept_answer]),
        rec(
            "system",
            "cb",
            None,
            8,
            subtype="compact_boundary",
            content="Conversation compacted",
            level="info",
            logicalParentUuid="b2a2",
            compactMetadata=metadata,
        ),
        user(
            "cs",
            "cb",
            9,
            [{"type": "text", "text": "This session is being continued…"}],
            isCompactSummary=True,
        ),
        *([{**kept_answer, "parentUuid": "cs"}] if preserved else []),
        user("p1u", "b2a2" if preserved else "cs", 10, [{"type": "text", "text": "After compaction"}]),
        assistant("p1a", "p1u", 11, "msg_p1a", [{"type": "text", "text": "Final answer"}]),
    ]
    imported, events = run(tmp_path, records)
    flagged = sorted({e["data"]["uuid"] for e in events if e["data"].get("abandoned_branch")})
    assert flagged == ["b1a", "b1u"]
    assert imported.stats["abandoned_branch_records"] == 2


def test_a_failed_bash_command_still_ran_and_a_refused_one_did_not(tmp_path: Path) -> None:
    # A non-zero exit is an error result "Exit code N\n…" (toolUseResult "Error: Exit code N");
    # a refusal is an error too, without an exit code
    records = [
        user("u1", None, 0, "test it"),
        assistant(
            "a1",
            "u1",
            1,
            "msg_1",
            [
                tool_use("toolu_1", "Bash", command="pytest -q"),
                tool_use("toolu_2", "Bash", command="rm -rf /"),
            ],
        ),
        user(
            "r1",
            "a1",
            2,
            [result("toolu_1", "Exit code 1\n1 failed", True)],
            toolUseResult="Error: Exit code 1",
        ),
        user(
            "r2",
            "r1",
            3,
            [result("toolu_2", "The user doesn't want to proceed with this tool use.", True)],
            toolUseResult="User rejected tool use",
        ),
        user("r3", "r2", 4, [result("toolu_3", [{"type": "text", "text": "x"}, {"type": "image"}])]),
    ]
    _imported, events = run(tmp_path, records)
    assert of(events, "exec") == [
        {"argv": ["bash", "-c", "pytest -q"], "cwd": "/w", "exit_code": 1, "tool_use_id": "toolu_1"}
    ]
    orphan = of(events, "tool_result")[-1]
    assert orphan["output"] == "x" and orphan["blocks"] == ["image"] and orphan["unpaired"] is True


def test_server_tools_pair_inside_the_assistant_message(tmp_path: Path) -> None:
    # ServerToolUseBlock + its *_tool_result block come back in the same message (Messages API)
    blocks = [
        {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {"query": "rfc 8785"}},
        {
            "type": "web_search_tool_result",
            "tool_use_id": "srvtoolu_1",
            "content": [
                {
                    "type": "web_search_result",
                    "title": "RFC 8785",
                    "url": "https://rfc-editor.org/rfc/rfc8785",
                }
            ],
        },
        {"type": "redacted_thinking", "data": "opaque"},
        {"type": "text", "text": "Found it."},
    ]
    imported, events = run(
        tmp_path, [user("u1", None, 0, "search"), assistant("a1", "u1", 1, "msg_1", blocks)]
    )
    call = of(events, "tool_call")[0]
    assert (call["id"], call["name"], call["server_side"]) == ("srvtoolu_1", "web_search", True)
    res = of(events, "tool_result")[0]
    assert res["output"] == "RFC 8785 https://rfc-editor.org/rfc/rfc8785" and res["is_error"] is False
    assert imported.tool_calls_paired == 1
    kinds = [b["type"] for b in of(events, "model_response")[0]["response"]["content"]]
    assert kinds == ["server_tool_use", "web_search_tool_result", "redacted_thinking", "text"]


def test_system_subtypes_api_errors_and_progress_keep_their_details(tmp_path: Path) -> None:
    records = [
        user("u1", None, 0, "go"),
        rec(
            "system",
            "s1",
            "u1",
            1,
            subtype="api_error",
            level="error",
            error={"cause": {"code": "ECONNRESET"}},
            retryAttempt=1,
            maxRetries=10,
        ),
        assistant(
            "a1",
            "s1",
            2,
            "9a1f0000-0000-4000-8000-00000000000a",
            [{"type": "text", "text": "API Error: 529 Overloaded"}],
            isApiErrorMessage=True,
            error="server_error",
        ),
        rec(
            "system",
            "s2",
            "a1",
            3,
            subtype="compact_boundary",
            content="Conversation compacted",
            compactMetadata={"trigger": "auto", "preTokens": 155000},
            logicalParentUuid="a1",
        ),
        rec(
            "progress",
            "p1",
            "s2",
            4,
            toolUseID="toolu_9",
            data={
                "type": "bash_progress",
                "output": "…",
                "fullOutput": "long",
                "elapsedTimeSeconds": 3,
                "totalLines": 1,
            },
        ),
    ]
    _imported, events = run(tmp_path, records)
    notes = of(events, "note")
    assert notes[0]["subtype"] == "api_error" and notes[0]["details"]["retryAttempt"] == 1
    assert notes[1]["details"]["compactMetadata"] == {"trigger": "auto", "preTokens": 155000}
    assert notes[2]["progress"] == "bash_progress" and "fullOutput" not in notes[2]["data"]
    assert notes[2]["tool_use_id"] == "toolu_9"
    response = of(events, "model_response")[0]
    assert response["api_error"] is True and response["error"] == "server_error"


def test_blocks_of_one_message_split_by_a_tool_result_stay_one_turn(tmp_path: Path) -> None:
    records = [
        user("u1", None, 0, "go"),
        assistant("a1", "u1", 1, "msg_1", [tool_use("toolu_1", "Bash", command="ls")]),
        user("r1", "a1", 2, [result("toolu_1", "a.py")]),
        assistant("a2", "a1", 3, "msg_1", [tool_use("toolu_2", "Bash", command="pwd")]),
        user("r2", "a2", 4, [result("toolu_2", "/w")]),
        assistant("a3", "r2", 5, "msg_2", [{"type": "text", "text": "done"}]),
    ]
    _imported, events = run(tmp_path, records)
    responses = of(events, "model_response")
    assert [(r["turn"], r.get("continued")) for r in responses] == [(0, None), (0, True), (1, None)]
    assert [c["turn"] for c in of(events, "tool_call")] == [0, 0]
    assert of(events, "build_end")[0]["turns"] == 2


@pytest.mark.parametrize(
    "line",
    [
        {
            "type": "user",
            "uuid": "x",
            "sessionId": SESSION,
            "message": {"role": "user", "content": ["bare", 3]},
        },
        {"type": "assistant", "uuid": "y", "sessionId": SESSION, "message": {"id": None, "content": None}},
        {
            "type": "system",
            "uuid": "z",
            "sessionId": SESSION,
            "content": None,
            "subtype": None,
            "level": None,
        },
        {"type": ["odd"], "uuid": "w", "sessionId": SESSION},
    ],
)
def test_optional_and_null_fields_never_crash_the_import(tmp_path: Path, line: dict[str, Any]) -> None:
    imported, events = run(tmp_path, [user("u0", None, 0, "hi"), line])
    assert events[-1]["type"] == "build_end" and imported.events >= 3


def test_stream_json_output_keeps_session_version_outcome_and_sub_agents(tmp_path: Path) -> None:
    """``claude -p --output-format stream-json``: ``session_id``, a ``system``/``init`` record with
    the CLI version, ``tool_use_result``, ``parent_tool_use_id`` on a sub-agent's messages and a
    closing ``result`` record (shapes of the SDK's documented messages and of transcripts
    quoted in public test suites)."""
    sid = "1b098c96-0158-f1c7-e7da-777c6edcf041"

    def msg(kind: str, content: Any, parent: str | None = None, **extra: Any) -> dict[str, Any]:
        message: dict[str, Any] = {"role": kind, "content": content}
        if kind == "assistant":
            message.update(id=f"msg_{len(content)}_{parent}", model="claude-sonnet-4-5-20250929",
                           usage={"input_tokens": 10, "output_tokens": 2})  # fmt: skip
        return {"type": kind, "message": message, "parent_tool_use_id": parent, "session_id": sid, **extra}

    records = [
        {"type": "system", "subtype": "init", "cwd": "/work/repo", "session_id": sid, "tools": ["Bash", "Task"],
         "model": "claude-sonnet-4-5-20250929", "permissionMode": "bypassPermissions",
         "claude_code_version": "2.0.30"},
        msg("assistant", [tool_use("toolu_t", "Task", description="look", prompt="list files")]),
        msg("assistant", [tool_use("toolu_b", "Bash", command="ls; exit 2")], parent="toolu_t"),
        msg("user", [result("toolu_b", "Exit code 2\na.py", is_error=True)], parent="toolu_t",
            tool_use_result="Error: Exit code 2\na.py"),
        msg("user", [result("toolu_t", [{"type": "text", "text": "a.py"}])],
            tool_use_result={"status": "completed", "agentId": "ag1", "content": []}),
        {"type": "result", "subtype": "error_max_turns", "is_error": True, "num_turns": 3, "session_id": sid,
         "total_cost_usd": 0.02, "duration_ms": 900, "usage": {"input_tokens": 30, "output_tokens": 6}},
    ]  # fmt: skip
    imported, events = run(tmp_path, records)

    assert (imported.session_id, imported.source_version) == (sid, "2.0.30")
    (ran,) = of(events, "exec")
    assert (ran["exit_code"], ran["cwd"]) == (2, "/work/repo")
    calls = {c["id"]: c for c in of(events, "tool_call")}
    assert calls["toolu_b"]["sidechain"] is True and calls["toolu_b"]["parent_tool_use_id"] == "toolu_t"
    assert "sidechain" not in calls["toolu_t"]
    spawned = [r["spawned_agent_id"] for r in of(events, "tool_result") if r["id"] == "toolu_t"]
    assert spawned == ["ag1"]
    end = of(events, "build_end")[0]
    assert (end["status"], end["reason"], end["cost_usd"], end["num_turns"]) == (
        "error",
        "result error_max_turns",
        0.02,
        3,
    )


def test_a_windows_session_names_files_relative_to_its_cwd(tmp_path: Path) -> None:
    """Windows sessions (claude-code-log sidechain_integrated.jsonl: cwd ``e:\\Workspace\\…``)
    name files by drive path, in any letter case."""
    cwd = "e:\\Workspace\\src\\app"
    records = [
        user("u1", None, 1, "write it", cwd=cwd),
        assistant("a1", "u1", 2, "m1", [tool_use("t1", "Write", file_path="E:\\Workspace\\src\\app\\pkg\\x.py",
                                                 content="x = 1\n")], cwd=cwd),
        user("r1", "a1", 3, [result("t1", "File created successfully")], cwd=cwd,
             toolUseResult={"type": "create", "filePath": "E:\\Workspace\\src\\app\\pkg\\x.py"}),
        assistant("a2", "r1", 4, "m2", [tool_use("t2", "Edit", file_path="D:\\other\\y.py",
                                                 old_string="a", new_string="b")], cwd=cwd),
        user("r2", "a2", 5, [result("t2", "ok")], cwd=cwd),
    ]  # fmt: skip
    _, events = run(tmp_path, records)

    assert [w["path"] for w in of(events, "file_write")] == ["pkg/x.py", "D:\\other\\y.py"]


def test_a_record_cut_short_and_glued_to_the_next_keeps_the_next(tmp_path: Path) -> None:
    """A session whose writer died mid-record goes on on the same line; the records after the cut
    are kept (before, the whole line was skipped and the tool call lost its result)."""
    records = [
        user("u1", None, 1, "list the files"),
        assistant("a1", "u1", 2, "m1", [tool_use("t1", "Bash", command="ls")]),
        user("r1", "a1", 3, [result("t1", "a.py\nb.py")]),
        assistant("a2", "r1", 4, "m2", [{"type": "text", "text": "Two files."}]),
        user("u2", "a2", 5, "thanks"),
    ]
    lines = [json.dumps(r) for r in records]
    cut = json.dumps(assistant("a0", "u1", 2, "m0", [{"type": "text", "text": "I will look"}]))[:90]
    lines[2] = cut + lines[2]  # the tool result follows the cut record on its line
    lines[3:5] = [lines[3] + lines[4]]  # two whole records with no newline between them
    data = ("\n".join(lines) + "\n").encode()
    store = ObjectStore(tmp_path / "objects")
    imported = import_bytes(data, f"{SESSION}.jsonl", store, redactor=Redactor(environ={}))
    events = [e.to_json() for e in read_trajectory(store.path_for(imported.trajectory_sha256))]

    assert imported.tool_calls_paired == 1
    assert [s.where for s in imported.skipped] == ["line 3"]
    assert "a record cut short" in imported.skipped[0].reason
    texts = [str(e["request"]) for e in of(events, "model_request")]
    assert any("thanks" in t for t in texts)
    assert "Two files." in str(of(events, "model_response"))


def test_a_1_0_cli_failed_bash_command_without_exit_code_still_ran(tmp_path: Path) -> None:
    # CLI 1.0.x (d-kimuson/claude-code-viewer's mock sessions, chiphuyen/sniffly's): a failed
    # command's result is its bare output with is_error and toolUseResult "Error: <output>", no
    # "Exit code N"; refusals and <tool_use_error> still mean it never ran; a timeout ran
    records = [
        user("u1", None, 0, "look"),
        assistant(
            "a1",
            "u1",
            1,
            "msg_1",
            [
                tool_use("toolu_1", "Bash", command="ls -la types/"),
                tool_use("toolu_2", "Bash", command="git push"),
                tool_use("toolu_3", "Bash", command="cat x"),
                tool_use("toolu_4", "Bash", command="sleep 900"),
            ],
        ),
        user(
            "r1",
            "a1",
            2,
            [result("toolu_1", "ls: cannot access 'types/': No such file or directory", True)],
            toolUseResult="Error: ls: cannot access 'types/': No such file or directory",
        ),
        user(
            "r2",
            "r1",
            3,
            [result("toolu_2", "The user doesn't want to take this action right now. STOP", True)],
            toolUseResult="The user doesn't want to take this action right now. STOP",
        ),
        user(
            "r3",
            "r2",
            4,
            [result("toolu_3", "<tool_use_error>InputValidationError: bad</tool_use_error>", True)],
            toolUseResult="InputValidationError: bad",
        ),
        user("r4", "r3", 5, [result("toolu_4", "Command timed out after 2m 0.0s", True)]),
    ]
    _imported, events = run(tmp_path, records)
    assert of(events, "exec") == [
        {"argv": ["bash", "-c", "ls -la types/"], "cwd": "/w", "tool_use_id": "toolu_1"},
        {
            "argv": ["bash", "-c", "sleep 900"],
            "cwd": "/w",
            "tool_use_id": "toolu_4",
            "timed_out": True,
        },
    ]


def test_where_failures_say_exit_code_an_unknown_error_never_ran(tmp_path: Path) -> None:
    # a CLI that prefixes failures with "Exit code N" (2.x) shows an error without it only for a
    # command that did not run, whatever the wording (here a sandbox refusal no pattern names)
    records = [
        user("u1", None, 0, "go"),
        assistant("a1", "u1", 1, "m1", [tool_use("t1", "Bash", command="false"), tool_use("t2", "Bash", command="rm -rf /")]),
        user("r1", "a1", 2, [result("t1", "Exit code 1", True)]),
        user("r2", "r1", 3, [result("t2", "Sandbox policy denies this command", True)]),
    ]  # fmt: skip
    _imported, events = run(tmp_path, records)
    assert [e["argv"][-1] for e in of(events, "exec")] == ["false"]
