"""OpenHands trajectories beyond the sample fixture: evaluation rows, every action/observation type, V1.

V0 events follow openhands/events/serialization/event.py (event_to_dict: action + args, or
observation + content + extras) with the type strings of openhands/core/schema/{action,observation}.py;
evaluation rows follow evaluation/utils/shared.py (EvalOutput: instance_id, metadata.llm_config,
history, which older rows keep as [action, observation] pairs). V1 events follow the
software-agent-sdk (openhands/sdk/event/*: ``kind`` discriminated ActionEvent, ObservationEvent,
MessageEvent, SystemPromptEvent, …; tools TerminalObservation, FileEditorObservation) and the
benchmarks repository's EvalOutput (metadata.llm.model).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from ledger.errors import ImportFormatError
from ledger.importers import ImportResult, detect_format, import_bytes
from ledger.objects import ObjectStore
from ledger.trajectory import Redactor, read_trajectory

T = "2025-10-01T09:00:{:02d}.000000"


def run(tmp_path: Path, data: bytes, name: str) -> tuple[ImportResult, list[dict[str, Any]]]:
    assert detect_format(data, name)[0][0] == "openhands"
    store = ObjectStore(tmp_path / "objects")
    imported = import_bytes(data, name, store, redactor=Redactor(environ={}))
    return imported, [e.to_json() for e in read_trajectory(store.path_for(imported.trajectory_sha256))]


def of(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e["data"] for e in events if e["type"] == kind]


def meta(call_id: str, name: str, response: str) -> dict[str, Any]:
    """ToolCallMetadata (openhands/events/tool.py) with a LiteLLM completion."""
    completion = {"id": response, "model": "claude-sonnet-4-5-20250929", "choices": []}
    return {
        "function_name": name,
        "tool_call_id": call_id,
        "model_response": completion,
        "total_calls_in_response": 1,
    }


def v0_history() -> list[dict[str, Any]]:
    new = "def f():\n    return 2\n"
    return [
        {"id": 0, "timestamp": T.format(0), "source": "agent", "message": "sys", "action": "system",
         "args": {"content": "You are OpenHands agent.", "tools": [{"type": "function", "function": {"name": "execute_bash"}}],
                  "openhands_version": "0.59.0", "agent_class": "CodeActAgent"}},
        {"id": 1, "timestamp": T.format(1), "source": "user", "message": "fix f", "action": "message",
         "args": {"content": "fix f", "image_urls": None, "file_urls": None, "wait_for_response": False}},
        {"id": 2, "timestamp": T.format(1), "source": "user", "message": "Retrieving content", "action": "recall",
         "args": {"recall_type": "workspace_context", "query": "fix f", "thought": ""}},
        {"id": 3, "timestamp": T.format(2), "source": "environment", "message": "Added workspace context",
         "cause": 2, "observation": "recall", "content": "Added workspace context",
         "extras": {"recall_type": "workspace_context", "repo_name": "r", "microagent_knowledge": []}},
        {"id": 4, "timestamp": T.format(3), "source": "agent", "message": "Running command: pytest",
         "action": "run", "args": {"command": "pytest", "is_input": False, "thought": "", "blocking": False},
         "tool_call_metadata": meta("call_1", "execute_bash", "resp_1"),
         "llm_metrics": {"accumulated_cost": 0.01, "accumulated_token_usage": {
             "model": "claude-sonnet-4-5-20250929", "prompt_tokens": 100, "completion_tokens": 20}}},
        {"id": 5, "timestamp": T.format(4), "source": "agent", "message": "Command `pytest` executed with exit code 2.",
         "cause": 4, "observation": "run", "content": "1 failed",
         "extras": {"command": "pytest", "metadata": {"exit_code": 2, "pid": -1, "working_dir": "/workspace/r"}, "hidden": False},
         "success": False, "tool_call_metadata": meta("call_1", "execute_bash", "resp_1")},
        {"id": 6, "timestamp": T.format(5), "source": "agent", "message": "Reading file: /workspace/r/f.py",
         "action": "edit", "args": {"path": "/workspace/r/f.py", "command": "view", "impl_source": "oh_aci"},
         "tool_call_metadata": meta("call_2", "str_replace_editor", "resp_2")},
        {"id": 7, "timestamp": T.format(6), "source": "agent", "message": "viewed", "cause": 6,
         "observation": "edit", "content": "1\tdef f():", "extras": {"path": "/workspace/r/f.py", "impl_source": "oh_aci"}},
        {"id": 8, "timestamp": T.format(7), "source": "agent", "message": "Editing /workspace/r/f.py",
         "action": "edit", "args": {"path": "/workspace/r/f.py", "command": "str_replace", "old_str": "1", "new_str": "2",
                                    "impl_source": "oh_aci"},
         "tool_call_metadata": meta("call_3", "str_replace_editor", "resp_3")},
        {"id": 9, "timestamp": T.format(8), "source": "agent", "message": "edited", "cause": 8,
         "observation": "edit", "content": "The file has been edited.",
         "extras": {"path": "/workspace/r/f.py", "prev_exist": True, "old_content": "def f():\n    return 1\n",
                    "new_content": new, "impl_source": "oh_aci", "diff": "-1\n+2"}},
        {"id": 10, "timestamp": T.format(9), "source": "agent", "message": "Summary", "action": "condensation",
         "args": {"forgotten_event_ids": None, "forgotten_events_start_id": 2, "forgotten_events_end_id": 3,
                  "summary": "recalled context", "summary_offset": 1}},
        {"id": 11, "timestamp": T.format(9), "source": "agent", "message": "?", "action": "some_future_action", "args": {}},
        {"id": 12, "timestamp": T.format(9), "source": "environment", "observation": "some_future_observation",
         "content": "", "extras": {}},
        {"id": 13, "timestamp": T.format(10), "source": "environment", "message": "", "observation": "agent_state_changed",
         "content": "", "extras": {"agent_state": "finished", "reason": ""}},
    ]  # fmt: skip


def test_an_evaluation_output_jsonl_imports_every_row_and_maps_each_type(tmp_path: Path) -> None:
    rows = [
        {"instance_id": f"repo__{n}", "test_result": {"git_patch": ""}, "instruction": "fix f",
         "metadata": {"agent_class": "CodeActAgent", "llm_config": {"model": "anthropic/claude-sonnet-4-5-20250929"},
                      "max_iterations": 30, "eval_output_dir": "/tmp", "start_time": "t", "git_commit": "abc"},
         "history": v0_history(), "metrics": {}, "error": None}
        for n in (1, 2)
    ]  # fmt: skip
    data = ("\n".join(json.dumps(r) for r in rows) + "\n").encode()
    imported, events = run(tmp_path, data, "output.jsonl")
    assert imported.original_media_type == "application/x-ndjson"
    assert imported.source_version == "0.59.0" and imported.session_id is None
    assert [n["instance_id"] for n in of(events, "note") if n["kind"] == "instance"] == ["repo__1", "repo__2"]
    # per row: run -> exec with its exit code; view -> no write; str_replace -> the file after the edit
    assert [(x["exit_code"], x["cwd"]) for x in of(events, "exec")] == [(2, "/workspace/r")] * 2
    writes = of(events, "file_write")
    new = b"def f():\n    return 2\n"
    assert writes[0] == {
        "path": "f.py",  # relative to the sandbox working dir the run observation reports
        "operation": "edit",
        "tool_call_id": "line1/call_3",  # call ids are scoped to their row
        "sha256": hashlib.sha256(new).hexdigest(),
        "size": len(new),
    }
    assert [w["tool_call_id"] for w in writes] == ["line1/call_3", "line2/call_3"]
    kinds = sorted({n["kind"] for n in of(events, "note")})
    assert kinds == [
        "action:condensation",
        "action:recall",
        "action:some_future_action",
        "action:system",
        "agent_state_changed",
        "instance",
        "observation:recall",
        "observation:some_future_observation",
    ]
    # run, view, str_replace per row: all answered; no bookkeeping became a dangling tool call
    assert (imported.tool_calls_paired, imported.tool_calls_unpaired, imported.tool_results_unpaired) == (
        6,
        0,
        0,
    )
    failed = [r for r in of(events, "tool_result") if r["observation"] == "run"]
    assert all(r["is_error"] for r in failed)
    assert {m.id for m in imported.models} == {
        "claude-sonnet-4-5-20250929",
        "anthropic/claude-sonnet-4-5-20250929",
    }
    end = of(events, "build_end")[0]
    assert end["status"] == "success" and end["usage"] == {"input_tokens": 100, "output_tokens": 20}


def test_an_old_evaluation_row_with_action_observation_pairs_imports(tmp_path: Path) -> None:
    history = v0_history()
    pairs = [[history[4], history[5]], [history[8], history[9]]]
    row = {"instance_id": "repo__9", "test_result": {}, "history": pairs, "error": "agent stuck in a loop"}
    imported, events = run(tmp_path, json.dumps(row).encode(), "output.json")
    assert imported.session_id == "repo__9" and imported.skipped_total == 0
    assert imported.tool_calls_paired == 2 and len(of(events, "file_write")) == 1
    assert of(events, "build_end")[0]["status"] == "error"


def v1_events() -> list[dict[str, Any]]:
    text = "print('hi')\n"
    call = {
        "id": "call_a",
        "name": "terminal",
        "arguments": '{"command": "python -V"}',
        "origin": "completion",
    }
    edit_call = {"id": "call_b", "name": "file_editor", "arguments": "{}", "origin": "completion"}
    return [
        {"kind": "SystemPromptEvent", "id": "e0", "timestamp": T.format(0), "source": "agent",
         "system_prompt": {"type": "text", "text": "You are OpenHands."},
         "tools": [{"name": "terminal"}, {"name": "file_editor"}]},
        {"kind": "ConversationStateUpdateEvent", "id": "e1", "timestamp": T.format(0), "source": "environment",
         "key": "execution_status", "value": "running"},
        {"kind": "MessageEvent", "id": "e2", "timestamp": T.format(1), "source": "user",
         "llm_message": {"role": "user", "content": [{"type": "text", "text": "write hi.py"}]},
         "activated_skills": [], "extended_content": []},
        {"kind": "ActionEvent", "id": "e3", "timestamp": T.format(2), "source": "agent",
         "thought": [{"type": "text", "text": "Check python, write the file."}], "reasoning_content": None,
         "thinking_blocks": [], "action": {"kind": "TerminalAction", "command": "python -V", "is_input": False,
                                           "timeout": None, "reset": False},
         "tool_name": "terminal", "tool_call_id": "call_a", "tool_call": call, "llm_response_id": "resp_1",
         "security_risk": "LOW"},
        {"kind": "ActionEvent", "id": "e4", "timestamp": T.format(2), "source": "agent", "thought": [],
         "action": {"kind": "FileEditorAction", "command": "create", "path": "/workspace/hi.py", "file_text": text},
         "tool_name": "file_editor", "tool_call_id": "call_b", "tool_call": edit_call, "llm_response_id": "resp_1",
         "security_risk": "LOW"},
        {"kind": "ObservationEvent", "id": "e5", "timestamp": T.format(3), "source": "environment",
         "tool_name": "terminal", "tool_call_id": "call_a", "action_id": "e3",
         "observation": {"kind": "TerminalObservation", "content": [{"type": "text", "text": "Python 3.12.1"}],
                         "is_error": False, "command": "python -V", "exit_code": 0, "timeout": False,
                         "metadata": {"exit_code": 0, "pid": -1, "working_dir": "/workspace"}}},
        {"kind": "ObservationEvent", "id": "e6", "timestamp": T.format(3), "source": "environment",
         "tool_name": "file_editor", "tool_call_id": "call_b", "action_id": "e4",
         "observation": {"kind": "FileEditorObservation", "content": [{"type": "text", "text": "File created"}],
                         "is_error": False, "command": "create", "path": "/workspace/hi.py", "prev_exist": False,
                         "old_content": None, "new_content": text}},
        {"kind": "ActionEvent", "id": "e7", "timestamp": T.format(4), "source": "agent", "thought": [],
         "action": None, "tool_name": "nonexistent", "tool_call_id": "call_c",
         "tool_call": {"id": "call_c", "name": "nonexistent", "arguments": "{\"x\": 1}", "origin": "completion"},
         "llm_response_id": "resp_2", "security_risk": "UNKNOWN"},
        {"kind": "AgentErrorEvent", "id": "e8", "timestamp": T.format(4), "source": "agent",
         "tool_name": "nonexistent", "tool_call_id": "call_c", "error": "Tool 'nonexistent' not found."},
        {"kind": "Condensation", "id": "e9", "timestamp": T.format(5), "source": "environment",
         "forgotten_event_ids": ["e3"], "summary": "ran python", "summary_offset": 1, "llm_response_id": "resp_c"},
        {"kind": "ConversationStateUpdateEvent", "id": "e10", "timestamp": T.format(5), "source": "environment",
         "key": "stats", "value": {"usage_to_metrics": {"agent": {
             "model_name": "litellm_proxy/claude-sonnet-4-5", "accumulated_token_usage": {
                 "model": "litellm_proxy/claude-sonnet-4-5", "prompt_tokens": 900, "completion_tokens": 90}}}}},
        {"kind": "ActionEvent", "id": "e11", "timestamp": T.format(6), "source": "agent", "thought": [],
         "action": {"kind": "FinishAction", "message": "hi.py written"}, "tool_name": "finish",
         "tool_call_id": "call_d", "tool_call": {"id": "call_d", "name": "finish", "arguments": "{}"},
         "llm_response_id": "resp_3", "security_risk": "LOW"},
        {"kind": "ObservationEvent", "id": "e12", "timestamp": T.format(6), "source": "environment",
         "tool_name": "finish", "tool_call_id": "call_d", "action_id": "e11",
         "observation": {"kind": "FinishObservation", "content": [{"type": "text", "text": "hi.py written"}],
                         "is_error": False}},
        {"kind": "ConversationStateUpdateEvent", "id": "e13", "timestamp": T.format(7), "source": "environment",
         "key": "execution_status", "value": "finished"},
    ]  # fmt: skip


def test_a_v1_event_stream_maps_messages_actions_and_observations(tmp_path: Path) -> None:
    data = "\n".join(json.dumps(e) for e in v1_events()).encode()  # one event per line, like the SDK's logs
    imported, events = run(tmp_path, data, "events.jsonl")
    counts = dict(imported.event_counts)
    assert counts == {
        "build_start": 1,
        "note": 4,  # system prompt, 2 execution statuses, condensation
        "model_request": 1,
        "model_response": 3,  # resp_1 (two parallel calls), resp_2, resp_3
        "tool_call": 4,
        "tool_result": 4,
        "exec": 1,
        "file_write": 1,
        "build_end": 1,
    }
    assert (imported.tool_calls_paired, imported.tool_calls_unpaired, imported.tool_results_unpaired) == (
        4,
        0,
        0,
    )
    calls = {c["id"]: c for c in of(events, "tool_call")}
    assert calls["call_a"]["input"] == {
        "command": "python -V",
        "is_input": False,
        "timeout": None,
        "reset": False,
    }
    assert calls["call_c"]["input"] == {"x": 1}  # no action: the raw arguments
    assert of(events, "exec")[0]["exit_code"] == 0
    text = b"print('hi')\n"
    write = of(events, "file_write")[0]
    assert (write["operation"], write["sha256"]) == ("create", hashlib.sha256(text).hexdigest())
    assert [r["is_error"] for r in of(events, "tool_result")] == [False, False, True, False]
    assert [m.id for m in imported.models] == ["litellm_proxy/claude-sonnet-4-5"]
    end = of(events, "build_end")[0]
    assert (end["status"], end["usage"]) == ("success", {"input_tokens": 900, "output_tokens": 90})


def test_a_v1_benchmarks_row_names_its_model_and_instance(tmp_path: Path) -> None:
    row = {"instance_id": "django__django-11099", "attempt": 1, "test_result": {},
           "metadata": {"llm": {"model": "anthropic/claude-sonnet-4-5-20250929"}, "dataset": "swe-bench"},
           "history": v1_events()[:6], "metrics": None, "error": None}  # fmt: skip
    imported, events = run(tmp_path, json.dumps(row).encode(), "output.json")
    assert imported.session_id == "django__django-11099"
    assert [m.id for m in imported.models] == ["anthropic/claude-sonnet-4-5-20250929"]
    assert of(events, "build_end")[0]["status"] == "interrupted"


def test_a_broken_line_in_an_output_jsonl_is_skipped_with_its_number(tmp_path: Path) -> None:
    row = json.dumps({"instance_id": "a", "history": v0_history()[:2]})
    imported, _ = run(tmp_path, (row + "\n{oops\n" + row + "\n").encode(), "output.jsonl")
    assert [s.where for s in imported.skipped] == ["line 2"]


def test_resolver_output_rows_with_memory_shaped_events(tmp_path: Path) -> None:
    # openhands/resolver output.jsonl: history events as event_to_memory writes them, arguments
    # at the top level, no id, source or timestamp; an observation answers the action before it
    row = {
        "issue": {"owner": "acme", "repo": "app", "number": 5, "title": "Add a license"},
        "instruction": "Please fix the following issue.",
        "history": [
            {"content": "Please fix the following issue.", "action": "message", "wait_for_response": False},
            {
                "command": "touch LICENSE",
                "thought": "Create it.",
                "action": "run",
                "is_confirmed": "confirmed",
            },
            {
                "content": "",
                "command_id": -1,
                "command": "touch LICENSE",
                "exit_code": 0,
                "observation": "run",
            },
            {"command": "false", "thought": "Check.", "action": "run"},
            {"content": "", "command": "false", "exit_code": 1, "observation": "run"},
            {"outputs": {}, "thought": "Done.", "action": "finish"},
        ],
        "success": True,
        "error": None,
    }
    data = (json.dumps(row) + "\n" + json.dumps(row) + "\n").encode()

    imported, events = run(tmp_path, data, "output.jsonl")

    assert imported.skipped_total == 0
    assert [r["request"]["messages"][0]["content"] for r in of(events, "model_request")] == [
        "Please fix the following issue."
    ] * 2
    assert [(e["argv"][-1], e["exit_code"]) for e in of(events, "exec")] == [
        ("touch LICENSE", 0),
        ("false", 1),
    ] * 2
    results = of(events, "tool_result")
    assert [(r["id"], r["is_error"]) for r in results] == [  # ids restart in each row: kept apart
        ("line1/event-1", False),
        ("line1/event-3", True),
        ("line2/event-1", False),
        ("line2/event-3", True),
    ]
    assert "duplicate_tool_call_ids" not in imported.stats


def test_a_swe_agent_step_list_is_not_taken_for_memory_shaped_openhands_events() -> None:
    # SWE-agent trajectory steps carry both "action" and "observation"
    steps = [{"action": "ls", "observation": "a.py", "response": "ls", "thought": "look"}] * 3
    data = json.dumps({"trajectory": steps, "history": [], "info": {}}).encode()

    assert detect_format(data, "x.traj")[0][0] == "swe-agent"


# -- shapes seen in real files ------------------------------------------------------------------


def test_oh_aci_edits_after_feb_2025_failed_snippets_and_creates(tmp_path: Path) -> None:
    """Since the runtime calls the OH_ACI editor directly (OpenHands #6671), a refused edit is an
    ``edit`` observation whose content starts ``ERROR:``, ``old_content``/``new_content`` are the
    action's ``old_str``/``new_str`` and ``prev_exist`` stays false (shapes of
    evaluation/benchmarks/multi_swe_bench/examples/output.jsonl, OpenHands 0.35)."""

    def edit(i: int, call: str, command: str, content: str, **args: Any) -> list[dict[str, Any]]:
        path = "/workspace/r/src/parser.c"
        action = {
            "id": i,
            "timestamp": T.format(i),
            "source": "agent",
            "message": "",
            "action": "edit",
            "args": {
                "path": path,
                "command": command,
                "file_text": None,
                "old_str": None,
                "new_str": None,
                "insert_line": None,
                "impl_source": "oh_aci",
                **args,
            },
            "tool_call_metadata": meta(call, "str_replace_editor", f"resp_{i}"),
        }
        extras = {
            "path": path,
            "prev_exist": False,
            "old_content": args.get("old_str"),
            "new_content": args.get("new_str"),
            "impl_source": "oh_aci",
            "diff": "",
            "_diff_cache": None,
        }
        observation = {
            "id": i + 1,
            "timestamp": T.format(i + 1),
            "source": "agent",
            "message": f"I edited the file {path}.",
            "cause": i,
            "observation": "edit",
            "content": content,
            "extras": extras,
            "tool_call_metadata": meta(call, "str_replace_editor", f"resp_{i}"),
        }
        return [action, observation]  # fmt: skip

    body = "int main(void) { return 0; }\n"
    history = [
        *edit(1, "toolu_1", "str_replace", "ERROR:\nNo replacement was performed, old_str `x` did not appear "
              "verbatim in /workspace/r/src/parser.c.", old_str="x", new_str="y"),
        *edit(3, "toolu_2", "str_replace", "The file /workspace/r/src/parser.c has been edited.",
              old_str="return 1;", new_str="return 0;"),
        *edit(5, "toolu_3", "insert", "The file /workspace/r/src/parser.c has been edited.",
              insert_line=3, new_str="// note\n"),
        *edit(7, "toolu_4", "create", "File created successfully at: /workspace/r/src/parser.c",
              file_text=body),
    ]  # fmt: skip
    imported, events = run(tmp_path, json.dumps(history).encode(), "trajectory.json")

    results = of(events, "tool_result")
    assert [r["is_error"] for r in results] == [True, False, False, False]
    writes = of(events, "file_write")
    assert [(w["tool_call_id"], w["operation"]) for w in writes] == [
        ("toolu_2", "edit"),  # not "create": prev_exist is never set by this editor
        ("toolu_3", "edit"),
        ("toolu_4", "create"),
    ]
    assert "sha256" not in writes[0] and "sha256" not in writes[1]  # new_str is not the file
    assert writes[2]["sha256"] == hashlib.sha256(body.encode()).hexdigest()
    assert imported.tool_calls_paired == 4


def test_v1_terminal_failure_is_an_error_result(tmp_path: Path) -> None:
    """The SDK keeps ``is_error`` false for a command that exited 1 (real file below)."""
    path = (
        Path(__file__).resolve().parents[1]
        / "assets"
        / "trajectories"
        / "openhands"
        / "v1_sdk_goal_events.jsonl"
    )
    imported, events = run(tmp_path, path.read_bytes(), path.name)

    results = of(events, "tool_result")
    assert [r["is_error"] for r in results] == [True, True, True]  # two refusals, one exit 1
    [ran] = of(events, "exec")
    assert ran["exit_code"] == 1 and ran["cwd"] == "/workspace/project"
    assert {m.id for m in imported.models} == {"litellm_proxy/minimax-m2.7"}
    # the second call's action event is not in the excerpt: its result stays unpaired
    assert (imported.tool_calls_paired, imported.tool_results_unpaired) == (2, 1)


def test_v1_apply_patch_writes_the_files_of_its_commit_or_patch(tmp_path: Path) -> None:
    patch = (
        "*** Begin Patch\n*** Add File: notes.md\n+hi\n*** Update File: src/a.py\n@@\n-1\n+2\n*** End Patch"
    )

    def call(i: int, call_id: str) -> dict[str, Any]:
        return {"kind": "ActionEvent", "id": f"a{i}", "timestamp": T.format(i), "source": "agent", "thought": [],
                "action": {"kind": "ApplyPatchAction", "patch": patch}, "tool_name": "apply_patch",
                "tool_call_id": call_id, "tool_call": {"id": call_id, "name": "apply_patch", "arguments": "{}"},
                "llm_response_id": f"r{i}"}  # fmt: skip

    def result(i: int, call_id: str, **observation: Any) -> dict[str, Any]:
        return {"kind": "ObservationEvent", "id": f"o{i}", "timestamp": T.format(i), "source": "environment",
                "tool_name": "apply_patch", "tool_call_id": call_id, "action_id": f"a{i - 1}",
                "observation": {"kind": "ApplyPatchObservation", "content": [{"type": "text", "text": "Done!"}],
                                "message": "Done!", "fuzz": 0, **observation}}  # fmt: skip

    commit = {"changes": {"notes.md": {"type": "add", "old_content": None, "new_content": "hi\n"},
                          "src/a.py": {"type": "update", "old_content": "1\n", "new_content": "2\n",
                                       "move_path": "src/b.py"},
                          "old.txt": {"type": "delete", "old_content": "x\n"}}}  # fmt: skip
    events_in = [
        call(1, "c1"), result(2, "c1", is_error=False, commit=commit),
        call(3, "c2"), result(4, "c2", is_error=False, commit=None),
        call(5, "c3"), result(6, "c3", is_error=True, commit=None),
    ]  # fmt: skip
    _, events = run(tmp_path, json.dumps(events_in).encode(), "events.json")

    writes = [
        (w["tool_call_id"], w["path"], w["operation"], w.get("moved_from")) for w in of(events, "file_write")
    ]
    assert writes == [
        ("c1", "notes.md", "create", None),
        ("c1", "src/b.py", "edit", "src/a.py"),
        ("c1", "old.txt", "delete", None),
        ("c2", "notes.md", "create", None),  # no commit: the files the patch names
        ("c2", "src/a.py", "edit", None),
    ]
    assert of(events, "file_write")[0]["sha256"] == hashlib.sha256(b"hi\n").hexdigest()


def test_v1_system_prompt_names_tools_by_title(tmp_path: Path) -> None:
    prompt = {"kind": "SystemPromptEvent", "id": "s", "timestamp": T.format(0), "source": "agent",
              "system_prompt": {"type": "text", "text": "You are OpenHands."},
              "tools": [{"title": "terminal", "kind": "TerminalTool", "description": "Run"},
                        {"title": "file_editor", "kind": "FileEditorTool"}]}  # fmt: skip
    _, events = run(tmp_path, json.dumps([prompt]).encode(), "events.json")

    [note] = of(events, "note")
    assert note["tools"] == ["terminal", "file_editor"]


def test_a_wrapper_field_that_is_no_list_is_named_in_the_error(tmp_path: Path) -> None:
    store = ObjectStore(tmp_path / "objects")
    with pytest.raises(ImportFormatError, match=r"field 'history' is not an event list \(a JSON number\)"):
        import_bytes(b'{"instance_id": "x", "history": 5}', "output.json", store, format="openhands")


def test_written_files_are_named_relative_to_the_sandbox_working_dir(tmp_path: Path) -> None:
    # the editor names files by absolute sandbox path; the run observations say where the agent
    # works: inside it a path is relative (as every importer names files), outside it stays as is
    history = [
        {"id": 1, "timestamp": T.format(1), "source": "agent", "action": "write",
         "args": {"path": "/workspace/app/src/x.py", "content": "x = 1\n"}, "tool_call_metadata": meta("c1", "write", "r1")},
        {"id": 2, "timestamp": T.format(2), "source": "agent", "cause": 1, "observation": "write",
         "content": "", "extras": {"path": "/workspace/app/src/x.py"}},
        {"id": 3, "timestamp": T.format(3), "source": "agent", "action": "write",
         "args": {"path": "/tmp/scratch.txt", "content": "s"}, "tool_call_metadata": meta("c2", "write", "r2")},
        {"id": 4, "timestamp": T.format(4), "source": "agent", "cause": 3, "observation": "write",
         "content": "", "extras": {"path": "/tmp/scratch.txt"}},
        {"id": 5, "timestamp": T.format(5), "source": "agent", "action": "run",
         "args": {"command": "ls"}, "tool_call_metadata": meta("c3", "execute_bash", "r3")},
        {"id": 6, "timestamp": T.format(6), "source": "agent", "cause": 5, "observation": "run", "content": "src",
         "extras": {"command": "ls", "metadata": {"exit_code": 0, "working_dir": "/workspace/app"}}},
    ]  # fmt: skip
    _, events = run(tmp_path, json.dumps(history).encode(), "traj.json")
    assert [w["path"] for w in of(events, "file_write")] == ["src/x.py", "/tmp/scratch.txt"]
