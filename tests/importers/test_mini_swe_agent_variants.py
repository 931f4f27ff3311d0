"""mini-swe-agent trajectories beyond the sample fixtures: 2.x tool calls, Responses API, format
errors, exit messages, human commands, 1.x timestamps.

Shapes follow mini-swe-agent's sources: agents/default.py (``serialize``: info, messages,
trajectory_format "mini-swe-agent-1.1"; FormatError keeps only the error message; ``exit``
messages), models/utils/actions_toolcall.py (tool messages with tool_call_id, padded "action was
not executed" outputs), models/utils/actions_toolcall_response.py and models/test_models.py
(``make_response_api_output``: the Responses object and ``function_call_output`` items),
models/litellm_model.py (extra.response with usage), agents/interactive.py (human commands),
models/extra/roulette.py (model_kwargs list, per-message model_name), and v1.17's
agents/default.py / run/utils/save.py ("mini-swe-agent-1", top-level message timestamps).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ledger.errors import ImportFormatError
from ledger.importers import ImportResult, detect_format, import_bytes
from ledger.objects import ObjectStore
from ledger.trajectory import Redactor, read_trajectory

OBS = "<returncode>{code}</returncode>\n<output>\n{out}</output>"


def run(tmp_path: Path, doc: Any, name: str = "i1.traj.json") -> tuple[ImportResult, list[dict[str, Any]]]:
    data = json.dumps(doc).encode()
    assert detect_format(data, name)[0][0] == "mini-swe-agent"
    store = ObjectStore(tmp_path / "objects")
    imported = import_bytes(data, name, store, redactor=Redactor(environ={}))
    return imported, [e.to_json() for e in read_trajectory(store.path_for(imported.trajectory_sha256))]


def of(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e["data"] for e in events if e["type"] == kind]


def saved(messages: list[Any], exit_status: str = "Submitted", **info: Any) -> dict[str, Any]:
    return {
        "info": {
            "model_stats": {"instance_cost": 0.2, "api_calls": 3},
            "config": {
                "agent": {"step_limit": 0},
                "agent_type": "minisweagent.agents.default.DefaultAgent",
                "model": {"model_name": "openai/gpt-5", "model_kwargs": {}},
                "model_type": "minisweagent.models.litellm_model.LitellmModel",
                "environment_type": "minisweagent.environments.local.LocalEnvironment",
            },
            "mini_version": "2.4.0",
            "exit_status": exit_status,
            "submission": "diff",
            **info,
        },
        "messages": messages,
        "trajectory_format": "mini-swe-agent-1.1",
    }


START = [
    {"role": "system", "content": "You are a helpful assistant.", "extra": {"timestamp": 1759222800.0}},
    {"role": "user", "content": [{"type": "text", "text": "Fix a.py"}], "extra": {"timestamp": 1759222801.0}},
]


def call(call_id: str, command: str) -> dict[str, Any]:
    return {
        "id": call_id,
        "type": "function",
        "function": {"name": "bash", "arguments": json.dumps({"command": command})},
    }


def test_toolcalls_format_error_and_exit(tmp_path: Path) -> None:
    messages = [
        *START,
        # a billed reply without a tool call: only the error message is kept, the reply in extra.response
        {
            "role": "user",
            "content": "No tool calls found in the response.",
            "extra": {
                "interrupt_type": "FormatError",
                "cost": 0.01,
                "response": {
                    "model": "gpt-5",
                    "choices": [{"message": {"role": "assistant", "content": "I think…"}}],
                    "usage": {"prompt_tokens": 50, "completion_tokens": 5},
                },
            },
        },
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [call("call_1", "pytest"), call("call_2", "ls")],
            "extra": {
                "actions": [
                    {"command": "pytest", "tool_call_id": "call_1"},
                    {"command": "ls", "tool_call_id": "call_2"},
                ],
                "cost": 0.02,
                "timestamp": 1759222803.0,
                "response": {"usage": {"prompt_tokens": 60, "completion_tokens": 9}},
            },
        },
        {
            "role": "tool",
            "tool_call_id": "call_2",
            "content": OBS.format(code=0, out="a.py\n"),
            "extra": {"returncode": 0, "timestamp": 1759222804.0, "raw_output": "a.py\n"},
        },
        {
            "role": "tool",
            "tool_call_id": "call_1",
            "content": OBS.format(code=1, out="1 failed\n"),
            "extra": {"returncode": 1, "timestamp": 1759222805.0},
        },
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                call("call_3", "echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT"),
                call("call_4", "ls"),
            ],
            "extra": {
                "actions": [
                    {"command": "echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT", "tool_call_id": "call_3"},
                    {"command": "ls", "tool_call_id": "call_4"},
                ],
                "timestamp": 1759222806.0,
            },
        },
        # the first command submitted: Submitted was raised, call_4 never ran and has no output
        {"role": "exit", "content": "diff", "extra": {"exit_status": "Submitted", "submission": "diff"}},
    ]
    result, events = run(tmp_path, saved(messages))
    responses = of(events, "model_response")
    assert [r.get("format_error") for r in responses] == [True, None, None]
    assert responses[0]["response"]["content"] == "I think…" and responses[0]["usage"] == {
        "input_tokens": 50,
        "output_tokens": 5,
    }
    assert (
        responses[1]["usage"] == {"input_tokens": 60, "output_tokens": 9} and responses[1]["cost_usd"] == 0.02
    )
    # the second request carries the format error the model was shown
    assert (
        of(events, "model_request")[1]["request"]["messages"][0]["extra"]["interrupt_type"] == "FormatError"
    )
    results = {r["id"]: r for r in of(events, "tool_result")}
    assert (
        results["call_1"]["is_error"]
        and not results["call_2"]["is_error"]
        and results["call_3"]["output"] == "diff"
    )
    assert [(e["tool_call_id"], e["exit_code"]) for e in of(events, "exec")] == [
        ("call_2", 0),
        ("call_1", 1),
        ("call_3", 0),
    ]
    assert result.tool_calls_paired == 3 and result.tool_calls_unpaired == 1  # call_4
    assert [n["exit_status"] for n in of(events, "note") if n["kind"] == "exit"] == ["Submitted"]
    assert of(events, "build_end")[0]["status"] == "success"
    assert next(e["time"] for e in events if e["type"] == "exec").startswith("2025-09-30T09:00:04")


def test_responses_api_turns(tmp_path: Path) -> None:
    messages = [
        *START,
        {
            "object": "response",
            "id": "resp_1",
            "model": "gpt-5-2025",
            "usage": {"input_tokens": 70, "output_tokens": 8},
            "output": [
                {"type": "reasoning", "summary": []},
                {
                    "type": "message",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": "Run tests."}],
                },
                {
                    "type": "function_call",
                    "call_id": "fc_1",
                    "name": "bash",
                    "arguments": '{"command": "pytest"}',
                },
            ],
            "extra": {
                "actions": [{"command": "pytest", "tool_call_id": "fc_1"}],
                "cost": 0.01,
                "timestamp": 1759222802.0,
            },
        },
        {
            "type": "function_call_output",
            "call_id": "fc_1",
            "output": OBS.format(code=0, out="ok\n"),
            "extra": {"returncode": 0, "timestamp": 1759222803.0},
        },
        {"type": "compaction_marker", "note": "unknown shape"},
    ]
    result, events = run(tmp_path, saved(messages, exit_status="LimitsExceeded"))
    response = of(events, "model_response")[0]
    assert response["response"]["content"] == "Run tests." and response["usage"] == {
        "input_tokens": 70,
        "output_tokens": 8,
    }
    assert of(events, "tool_call")[0]["id"] == "fc_1" and result.tool_calls_paired == 1
    assert of(events, "exec")[0]["exit_code"] == 0
    assert [n["message"]["type"] for n in of(events, "note") if n["kind"] == "message"] == [
        "compaction_marker"
    ]
    assert result.skipped_total == 0 and of(events, "build_end")[0]["status"] == "interrupted"


def test_human_commands_interruptions_and_roulette_models(tmp_path: Path) -> None:
    doc = saved(
        [
            *START,
            # interactive human mode: the person's command runs like the model's
            {
                "role": "user",
                "content": "User command: \n```bash\nls\n```",
                "extra": {"actions": [{"command": "ls"}]},
            },
            {"role": "user", "content": OBS.format(code=0, out="a.py\n"), "extra": {"returncode": 0}},
            {
                "role": "assistant",
                "content": "",
                "model_name": "anthropic/claude-sonnet-4-5",
                "tool_calls": [call("call_1", "rm -rf build"), call("call_2", "make")],
                "extra": {
                    "actions": [
                        {"command": "rm -rf build", "tool_call_id": "call_1"},
                        {"command": "make", "tool_call_id": "call_2"},
                    ]
                },
            },
            {
                "role": "tool",
                "tool_call_id": "call_1",
                "content": "<returncode>-1</returncode>",
                "extra": {"returncode": -1, "exception_info": "action was not executed"},
            },
            {
                "role": "tool",
                "tool_call_id": "call_2",
                "content": "<returncode>-1</returncode>",
                "extra": {"returncode": -1, "exception_info": "action was not executed"},
            },
            {
                "role": "user",
                "content": "Interrupted by user: no",
                "extra": {"interrupt_type": "UserInterruption"},
            },
        ],
        exit_status="",
    )
    doc["info"]["config"]["model"] = {
        "model_name": "roulette",
        "model_kwargs": [{"model_name": "anthropic/claude-sonnet-4-5"}, {"model_name": "openai/gpt-5"}],
    }
    result, events = run(tmp_path, doc)
    calls = of(events, "tool_call")
    assert [(c["input"]["command"], c.get("source")) for c in calls] == [
        ("ls", "user"),
        ("rm -rf build", None),
        ("make", None),
    ]
    assert [e["argv"][-1] for e in of(events, "exec")] == ["ls"]  # the refused commands never ran
    assert [r.get("not_executed") for r in of(events, "tool_result")] == [None, True, True]
    assert of(events, "model_response")[0]["model"] == "anthropic/claude-sonnet-4-5"
    assert [m.id for m in result.models] == ["anthropic/claude-sonnet-4-5", "openai/gpt-5"]
    trailing = next(n for n in of(events, "note") if n["kind"] == "trailing_messages")
    assert trailing["count"] == 1 and of(events, "build_end")[0]["status"] == "interrupted"


def test_v1_format_error_and_timestamps(tmp_path: Path) -> None:
    # 1.x: "mini-swe-agent-1", message timestamps at the top level, ```bash blocks; a reply with
    # two blocks is a format error (nothing runs), the next user message says so.
    t = 1754000000.0
    doc = {
        "info": {
            "exit_status": "Submitted",
            "submission": "done\n",
            "mini_version": "1.17.5",
            "model_stats": {"instance_cost": 0.0, "api_calls": 3},
            "config": {
                "model": {"model_name": "claude-sonnet-4-20250514", "model_kwargs": {"temperature": 0.0}}
            },
        },
        "messages": [
            {"role": "system", "content": "sys", "timestamp": t},
            {"role": "user", "content": "task", "timestamp": t + 1},
            {
                "role": "assistant",
                "content": "```bash\nls\n```\n```bash\npwd\n```",
                "timestamp": t + 2,
                "extra": {"response": {"usage": {"prompt_tokens": 10, "completion_tokens": 3}}},
            },
            {
                "role": "user",
                "content": "Please always provide EXACTLY ONE action in triple backticks.",
                "timestamp": t + 3,
            },
            {
                "role": "assistant",
                "content": "```bash\necho COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT && echo done\n```",
                "timestamp": t + 4,
            },
            {"role": "user", "content": "done\n", "timestamp": t + 5},
        ],
        "trajectory_format": "mini-swe-agent-1",
    }
    result, events = run(tmp_path, doc)
    assert [c["input"]["command"] for c in of(events, "tool_call")] == [
        "echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT && echo done"
    ]
    assert of(events, "model_response")[0]["usage"] == {"input_tokens": 10, "output_tokens": 3}
    assert events[0]["time"] == "2025-07-31T22:13:20.000000Z"
    assert of(events, "tool_result")[0]["output"] == "done\n"
    assert [e["time"] for e in events if e["type"] == "tool_result"] == ["2025-07-31T22:13:25.000000Z"]
    assert result.source_version == "1.17.5" and of(events, "build_end")[0]["status"] == "success"


def test_swebench_instance_id_and_predictions(tmp_path: Path) -> None:
    doc = saved([*START], exit_status="RuntimeError", exception_str="boom", traceback="Traceback…")
    doc["instance_id"] = "astropy__astropy-12907"
    doc["future_key"] = [1]
    result, events = run(tmp_path, doc, name="astropy__astropy-12907.traj.json")
    assert result.session_id == "astropy__astropy-12907"
    assert [n["fields"] for n in of(events, "note") if n["kind"] == "unknown_fields"] == [{"future_key": [1]}]
    end = of(events, "build_end")[0]
    assert end["status"] == "error" and end["exception"] == "boom"

    preds = {
        "astropy__astropy-12907": {
            "model_name_or_path": "openai/gpt-5",
            "instance_id": "astropy__astropy-12907",
            "model_patch": "diff",
        }
    }
    with pytest.raises(ImportFormatError, match="predictions file") as info:
        import_bytes(
            json.dumps(preds).encode(),
            "preds.json",
            ObjectStore(tmp_path / "o"),
            format="mini-swe-agent",
            redactor=Redactor(environ={}),
        )
    assert info.value.exit_code == 2


def test_v1_timeout_is_a_failed_command_without_exit_code(tmp_path: Path) -> None:
    # 1.x: ExecutionTimeoutError renders timeout_template (agents/default.py) as the next user
    # message; no <returncode> in it. It read as a command that succeeded.
    t = 1754000000.0
    killed = (
        "The last command <command>sleep 999</command> timed out and has been killed.\n"
        "The output of the command was:\n <output>\n\n</output>\n"
        "Please try another command and make sure to avoid those requiring interactive input."
    )
    doc = {
        "info": {"exit_status": "Submitted", "submission": "", "mini_version": "1.17.5"},
        "messages": [
            {"role": "system", "content": "sys", "timestamp": t},
            {"role": "user", "content": "task", "timestamp": t + 1},
            {"role": "assistant", "content": "```bash\nsleep 999\n```", "timestamp": t + 2},
            {"role": "user", "content": killed, "timestamp": t + 3},
            {"role": "assistant", "content": "```bash\nls\n```", "timestamp": t + 4},
            {"role": "user", "content": OBS.format(code=0, out="a.py\n"), "timestamp": t + 5},
        ],
        "trajectory_format": "mini-swe-agent-1",
    }
    _, events = run(tmp_path, doc)
    execs = of(events, "exec")
    assert [(e["argv"][-1], e.get("exit_code"), e.get("timed_out")) for e in execs] == [
        ("sleep 999", None, True),
        ("ls", 0, None),
    ]
    assert [r["is_error"] for r in of(events, "tool_result")] == [True, False]
