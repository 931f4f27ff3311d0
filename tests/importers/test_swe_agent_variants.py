"""SWE-agent .traj files beyond the sample fixtures: requeried steps, autosubmission, RetryAgent
attempts, demonstrations without actions, and files that are not trajectories at all.

Steps follow sweagent/types.py (TrajectoryStep, HistoryItem, AgentInfo, StepOutput's default
``query=[{}]``) and sweagent/agent/agents.py: ``get_trajectory_data`` (trajectory, history, info,
replay_config as a JSON string, environment), ``handle_error_with_retry`` (a requeried step goes
to the trajectory, not the history), ``attempt_autosubmission_after_error`` and
``RetryAgent.get_trajectory_data`` (``attempts`` plus the chosen attempt's keys). Predictions
follow sweagent/run/merge_predictions.py (preds.json: instance id → model_patch).
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

SYSTEM = {"role": "system", "content": "SETTING: …", "agent": "main", "message_type": "system_prompt"}
ISSUE = {"role": "user", "content": "Fix the bug", "agent": "main", "message_type": "observation"}


def run(tmp_path: Path, doc: Any, name: str = "i1.traj") -> tuple[ImportResult, list[dict[str, Any]]]:
    data = json.dumps(doc).encode()
    assert detect_format(data, name)[0][0] == "swe-agent"
    store = ObjectStore(tmp_path / "objects")
    imported = import_bytes(data, name, store, redactor=Redactor(environ={}))
    return imported, [e.to_json() for e in read_trajectory(store.path_for(imported.trajectory_sha256))]


def of(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e["data"] for e in events if e["type"] == kind]


def step(
    action: str, response: str, observation: str, *, query: Any = None, time: float = 0.5
) -> dict[str, Any]:
    return {
        "action": action,
        "observation": observation,
        "response": response,
        "thought": response,
        "execution_time": time,
        "state": {"working_dir": "/repo", "open_file": "n/a"} if time else {},
        "query": query if query is not None else [SYSTEM, ISSUE],
        "extra_info": {},
    }


def turn(action: str, response: str, call_id: str) -> dict[str, Any]:
    call = {
        "id": call_id,
        "type": "function",
        "function": {"name": "bash", "arguments": json.dumps({"command": action})},
    }
    return {
        "role": "assistant",
        "content": response,
        "thought": response,
        "action": action,
        "agent": "main",
        "tool_calls": [call],
        "message_type": "action",
        "thinking_blocks": [{"type": "thinking", "thinking": "hm"}],
    }


def answer(text: str, call_id: str) -> dict[str, Any]:
    return {
        "role": "tool",
        "content": text,
        "agent": "main",
        "message_type": "observation",
        "tool_call_ids": [call_id],
    }


def replay_config(model: str = "claude-sonnet-4-5-20250929") -> str:
    return json.dumps(
        {"agent": {"model": {"name": model, "api_base": None}}, "env": {"repo": {"path": "/repo"}}}
    )


def test_requeried_step_is_an_action_not_run_and_ids_stay_with_their_turns(tmp_path: Path) -> None:
    # step 0 runs `ls`; step 1 proposes `vim a.py`, blocked (not in history, nothing ran);
    # step 2 runs `cat a.py`; step 3 is the autosubmission after the cost limit: query [{}],
    # empty action, added to history as an assistant turn without tool calls.
    doc = {
        "trajectory": [
            step("ls", "look around", "a.py"),
            step("vim a.py", "edit it", "", time=0.0),
            step("cat a.py", "read it instead", "print(1)"),
            {**step("", "Exit due to cost limit", "Exited (autosubmitted)", query=[{}], time=0.0)},
        ],
        "history": [
            SYSTEM,
            ISSUE,
            turn("ls", "look around", "call_ls"),
            answer("a.py", "call_ls"),
            turn("cat a.py", "read it instead", "call_cat"),
            answer("print(1)", "call_cat"),
            {
                "role": "assistant",
                "content": "Exit due to cost limit",
                "thought": "Exit due to cost limit",
                "action": "",
                "agent": "main",
                "tool_calls": None,
                "message_type": "action",
            },
        ],
        "info": {
            "exit_status": "submitted (exit_cost)",
            "submission": "diff",
            "swe_agent_version": "1.1.0",
            "model_stats": {"instance_cost": 0.5, "tokens_sent": 100, "tokens_received": 20, "api_calls": 3},
            "review": {"accept": True},
        },
        "replay_config": replay_config(),
        "environment": "main",
    }
    result, events = run(tmp_path, doc)
    assert [c["id"] for c in of(events, "tool_call")] == ["call_ls", "call_cat"]
    assert [e["argv"][-1] for e in of(events, "exec")] == ["ls", "cat a.py"]
    assert result.tool_calls_paired == 2 and result.tool_calls_unpaired == 0
    notes = {n["kind"]: n for n in of(events, "note")}
    assert notes["action_not_run"]["action"] == "vim a.py"
    assert notes["step_without_action"]["model_called"] is False
    assert notes["step_without_action"]["observation"] == "Exited (autosubmitted)"
    assert notes["info"]["fields"] == {"review": {"accept": True}}
    # three model calls: the autosubmission made none
    assert len(of(events, "model_request")) == 3 and len(of(events, "model_response")) == 3
    assert of(events, "model_response")[0]["response"]["thinking_blocks"] == [
        {"type": "thinking", "thinking": "hm"}
    ]
    assert of(events, "model_request")[0]["request_scope"] == "full"
    assert [m.id for m in result.models] == ["claude-sonnet-4-5-20250929"]
    end = of(events, "build_end")[0]
    assert end["status"] == "success" and end["usage"] == {"input_tokens": 100, "output_tokens": 20}


def test_retry_agent_file_imports_every_attempt(tmp_path: Path) -> None:
    def attempt(cmd: str, call_id: str, status: str) -> dict[str, Any]:
        return {
            "trajectory": [step(cmd, f"run {cmd}", "ok")],
            "history": [SYSTEM, ISSUE, turn(cmd, f"run {cmd}", call_id), answer("ok", call_id)],
            "info": {"exit_status": status, "submission": cmd, "model_stats": {"instance_cost": 0.1}},
            "replay_config": replay_config(),
            "environment": "main",
        }

    first, second = attempt("pytest", "call_a", "submitted"), attempt("make", "call_b", "submitted")
    retry_config = json.dumps(
        {
            "agent": {
                "type": "retry",
                "agent_configs": [{"model": {"name": "gpt-4o"}}],
                "retry_loop": {"type": "chooser", "chooser": {"model": {"name": "o1"}}},
            }
        }
    )
    chosen = {"attempts": [first, second], **second, "replay_config": retry_config}
    chosen["info"] = {**second["info"], "best_attempt_idx": 1, "model_stats": {"instance_cost": 0.3}}
    result, events = run(tmp_path, chosen)
    assert [(n["index"], n.get("chosen")) for n in of(events, "note") if n["kind"] == "attempt"] == [
        (0, False),
        (1, True),
    ]
    assert [c["id"] for c in of(events, "tool_call")] == ["call_a", "call_b"]
    assert result.stats["attempts"] == 2
    assert [m.id for m in result.models] == ["gpt-4o", "o1"]
    assert of(events, "build_end")[0]["cost_usd"] == 0.3

    # saved mid-run (choose=False): only the attempts so far; the run has not ended
    result, events = run(tmp_path / "mid", {"attempts": [{**first, "info": {"exit_status": None}}]})
    assert [e["argv"][-1] for e in of(events, "exec")] == ["pytest"]
    assert of(events, "build_end")[0]["status"] == "interrupted"


def test_old_and_demonstration_layouts(tmp_path: Path) -> None:
    # 0.x: state as a JSON string, no query, no execution_time, history without message_type,
    # replay_config absent; the final step missing from the history (as in 6e44b9…traj).
    old = {
        "environment": "swe_main",
        "trajectory": [
            {
                "action": "create reproduce.py\n",
                "observation": "[File: /r/reproduce.py]",
                "response": "make it",
                "thought": "make it",
                "state": '{"open_file": "/r/reproduce.py", "working_dir": "/r"}',
            },
            {
                "action": "submit\n",
                "observation": "diff --git",
                "response": "done",
                "thought": "done",
                "state": '{"open_file": "n/a", "working_dir": "/r"}',
            },
        ],
        "history": [
            {"role": "system", "content": "SETTING", "agent": "primary"},
            {"role": "user", "content": "issue", "agent": "primary"},
            {
                "role": "assistant",
                "content": "make it",
                "thought": "make it",
                "action": "create reproduce.py\n",
                "agent": "primary",
            },
        ],
        "info": {"exit_status": "submitted", "submission": "diff --git", "model_stats": {"total_cost": 1.0}},
    }
    result, events = run(tmp_path, old)
    assert [e["cwd"] for e in of(events, "exec")] == ["/r", "/r"]
    assert [w["path"] for w in of(events, "file_write")] == ["reproduce.py"]
    assert result.tool_calls_paired == 2 and not [
        n for n in of(events, "note") if n["kind"] == "action_not_run"
    ]

    # a demonstration written from history (run_traj_to_demo keeps content/role/tool_calls only):
    # the assistant turns have tool calls but no `action`, and content as a list of parts
    demo = {
        "history": [
            ISSUE,
            {
                "role": "assistant",
                "content": [{"type": "text", "text": "Create the file."}],
                "agent": "main",
                "message_type": "action",
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {
                            "name": "str_replace_editor",
                            "arguments": '{"command": "create", "path": "/r/a.py", "file_text": "x"}',
                        },
                    }
                ],
            },
            {
                "role": "tool",
                "content": [{"type": "text", "text": "File created"}],
                "agent": "main",
                "message_type": "observation",
                "tool_call_ids": ["call_1"],
            },
        ]
    }
    result, events = run(tmp_path / "demo", demo)
    assert of(events, "tool_call")[0]["input"] == {"command": "create", "path": "/r/a.py", "file_text": "x"}
    assert of(events, "tool_result")[0]["output"] == "File created"
    assert of(events, "exec") == []  # no command line was recorded, so none is made up
    assert [w["path"] for w in of(events, "file_write")] == ["/r/a.py"]


def test_unknown_fields_are_kept_as_notes(tmp_path: Path) -> None:
    doc = {
        "trajectory": [{**step("ls", "look", "a.py"), "future_step_field": 1}],
        "history": [SYSTEM, ISSUE],
        "info": {"exit_status": None, "summarizer": {"calls": 2}},
        "replay_config": "{not json",
        "environment": None,
        "future_top_level": {"x": 1},
    }
    result, events = run(tmp_path, doc)
    notes = {n["kind"]: n for n in of(events, "note")}
    assert notes["unknown_fields"]["fields"] == {"future_top_level": {"x": 1}}
    assert notes["info"]["fields"] == {"summarizer": {"calls": 2}}
    assert of(events, "model_response")[0]["step_fields"] == {"future_step_field": 1}
    assert of(events, "build_end")[0]["status"] == "interrupted" and result.models == ()


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (
            b'{"astropy__astropy-1": {"model_name_or_path": "gpt-4o", "instance_id": "astropy__astropy-1", '
            b'"model_patch": "diff"}}',
            "preds.json",
        ),
        (b'{"model_name_or_path": "gpt-4o", "instance_id": "i1", "model_patch": "diff"}', "i1.pred"),
        (
            b'{"model_name_or_path": "m", "instance_id": "a", "model_patch": "d"}\n'
            b'{"model_name_or_path": "m", "instance_id": "b", "model_patch": "d"}\n',
            "all_preds.jsonl",
        ),
    ],
)
def test_predictions_are_refused_with_what_they_are(tmp_path: Path, data: bytes, name: str) -> None:
    with pytest.raises(ImportFormatError, match="predictions file") as info:
        import_bytes(
            data, name, ObjectStore(tmp_path / "o"), format="swe-agent", redactor=Redactor(environ={})
        )
    assert info.value.exit_code == 2


def test_edits_of_the_open_file_are_relative_to_the_working_dir(tmp_path: Path) -> None:
    # SWE-agent's `edit` writes the open file, named absolute in state.open_file, and
    # str_replace_editor takes an absolute path; `create x` names it relative. All three are
    # paths in the repo (SWE-agent trajectories/demonstrations/ctf/crypto/BabyEncryption.traj,
    # replay__marshmallow…function_calling…traj): file_write paths relative to working_dir alike.
    def step(action: str, open_file: str) -> dict[str, Any]:
        state = json.dumps({"open_file": open_file, "working_dir": "/r"})
        return {"action": action, "observation": "ok", "response": "r", "thought": "t", "state": state}

    doc = {
        "environment": "swe_main",
        "trajectory": [
            step("create decrypt.py\n", "/r/decrypt.py"),
            step("edit 1:1\nprint(1)\nend_of_edit\n", "/r/decrypt.py"),
            step("str_replace_editor str_replace /r/src/a.py --old_str x --new_str y\n", "n/a"),
            step("str_replace_editor create /elsewhere/b.py --file_text z\n", "n/a"),
        ],
        "history": [],
        "info": {"exit_status": "submitted"},
    }
    _result, events = run(tmp_path, doc)
    assert [w["path"] for w in of(events, "file_write")] == [
        "decrypt.py",
        "decrypt.py",
        "src/a.py",
        "/elsewhere/b.py",
    ]
