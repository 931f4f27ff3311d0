"""SWE-agent ``<instance_id>.traj``: one JSON object (see swe-agent.com, usage/trajectories).

``trajectory[]`` holds one step per model call: ``response`` (model output), ``thought``,
``action`` (a shell command or a SWE-agent tool command, run in the agent's shell),
``observation``, ``state`` (open file, working dir), ``execution_time``, and since 1.1
``query`` (the messages sent). ``history[]`` is the chat; its assistant messages carry
``tool_calls`` with the function-call ids and its ``tool`` messages ``tool_call_ids``.
``info`` has ``exit_status``, ``submission`` and ``model_stats``; ``replay_config`` (a dict, or
a JSON string in older files) the model configuration. The format records no timestamps.

Each step → ``model_request`` (the ``query``, else the history messages since the last
assistant turn), ``model_response``, ``tool_call`` + ``exec`` + ``tool_result`` for the action
(id from the history's tool call when present, else ``step-N``), ``file_write`` for editing
commands, and ``build_end`` from ``info``. A file with only ``history`` (SWE-agent's
demonstrations) is read as the same steps rebuilt from the chat: each assistant turn's
``action``, answered by the next tool or user message; ``tool_calls`` given as text (JSON, or
a Python ``repr`` in older demonstrations) are read as literals.
"""

from __future__ import annotations

import ast
import shlex
from collections.abc import Mapping
from typing import Any

from ledger.errors import ImportFormatError
from ledger.importers.api import Importer
from ledger.importers.base import Sink, load_json, loads, lst, obj, str_or, text_of
from ledger.trajectory.events import EventType

FORMAT = "swe-agent"
MEDIA_TYPE = "application/json"
EXPECTED = "a SWE-agent .traj object with a 'trajectory' list (or, for demonstrations, a chat 'history')"
# Commands that write the file they name (or the open file): SWE-agent's edit tools.
_EDIT_COMMANDS = frozenset({"edit", "create", "insert", "append", "str_replace_editor", "edit_file"})
_EDITOR_WRITES = frozenset({"create", "str_replace", "insert", "undo_edit"})


def _is_chat_message(value: Any) -> bool:
    """A SWE-agent history entry: role plus SWE-agent's own keys (agent, message_type)."""
    return (
        isinstance(value, dict)
        and isinstance(value.get("role"), str)
        and ("message_type" in value or "agent" in value)
    )


def detect(data: bytes, filename: str) -> float:
    head = data[:4096].lstrip()
    if not head.startswith(b"{") or (b'"trajectory"' not in data and b'"history"' not in data):
        return 0.0
    try:
        value = loads(data)
    except (ValueError, UnicodeDecodeError):
        return 0.0
    if not isinstance(value, dict):
        return 0.0
    if not isinstance(value.get("trajectory"), list):
        # a history-only file (SWE-agent's demonstrations): the chat is the whole record
        history = value.get("history")
        if isinstance(history, list) and history and all(_is_chat_message(m) for m in history[:10]):
            return 0.85 if filename.endswith(".traj") else 0.75
        return 0.0
    if str(value.get("trajectory_format", "")).startswith("mini-swe-agent"):
        return 0.0
    steps = value["trajectory"]
    if steps and not all(isinstance(s, dict) and ("action" in s or "response" in s) for s in steps[:5]):
        return 0.2
    score = 0.7
    if "history" in value or "info" in value:
        score = 0.95
    if filename.endswith(".traj"):
        score = min(1.0, score + 0.05)
    return score


def _config(doc: Mapping[str, Any]) -> dict[str, Any]:
    raw = doc.get("replay_config")
    if isinstance(raw, str):
        try:
            raw = loads(raw)
        except ValueError:
            return {}
    return raw if isinstance(raw, dict) else {}


def _model(doc: Mapping[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(model id, provider, endpoint) from replay_config.agent.model (1.x) or .model (0.x)."""
    cfg = _config(doc)
    agent = obj(cfg.get("agent"))
    model = agent.get("model") if isinstance(agent.get("model"), dict) else cfg.get("model")
    if not isinstance(model, dict):
        return None, None, None
    name = model.get("name") or model.get("model_name")
    if not isinstance(name, str):
        return None, None, None
    provider = name.split("/", 1)[0] if "/" in name else None
    base = model.get("api_base") or model.get("host_url")
    return name, provider, base if isinstance(base, str) else None


def _segments(history: list[Any]) -> tuple[list[list[Any]], list[dict[str, Any]]]:
    """Split the chat into the messages preceding each assistant turn, and those turns."""
    before: list[list[Any]] = []
    turns: list[dict[str, Any]] = []
    current: list[Any] = []
    for msg in history:
        if isinstance(msg, dict) and msg.get("role") == "assistant" and not msg.get("is_demo"):
            before.append(current)
            turns.append(msg)
            current = []
        else:
            current.append(msg)
    return before, turns


def _state(step: Mapping[str, Any]) -> dict[str, Any]:
    state = step.get("state")
    if isinstance(state, str):
        try:
            state = loads(state)
        except ValueError:
            return {}
    return state if isinstance(state, dict) else {}


def _edited_path(action: str, state: Mapping[str, Any], call_args: Mapping[str, Any]) -> str | None:
    """The file an editing command writes, or None if the action does not edit."""
    try:
        words = shlex.split(action.splitlines()[0]) if action.strip() else []
    except ValueError:
        words = action.split()
    if not words or words[0] not in _EDIT_COMMANDS:
        return None
    if words[0] == "str_replace_editor":
        if len(words) < 3 or words[1] not in _EDITOR_WRITES:
            return None
        return words[2]
    for key in ("path", "file_name", "filename"):
        if isinstance(call_args.get(key), str):
            return str(call_args[key])
    if words[0] in ("create",) and len(words) > 1:
        return words[1]
    open_file = state.get("open_file")
    return open_file if isinstance(open_file, str) and open_file != "n/a" else None


def _end_status(exit_status: Any) -> str:
    text = str(exit_status or "")
    if text.startswith("submitted"):
        return "success"
    if "error" in text.lower() or "format" in text.lower():
        return "error"
    if text.startswith(("exit_cost", "exit_context", "early_exit", "exit_")):
        return "interrupted"
    return "failed"


def _tool_calls(msg: Mapping[str, Any]) -> list[Any]:
    """An assistant message's tool calls: a list, or (demonstration files) its JSON or Python
    ``repr`` text, read as literals only."""
    raw = msg.get("tool_calls")
    if isinstance(raw, list) or not isinstance(raw, str):
        return lst(raw)
    try:
        return lst(loads(raw))
    except ValueError:
        pass
    try:
        return lst(ast.literal_eval(raw))
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return []


def _steps_from_history(history: list[Any]) -> list[Any]:
    """Steps rebuilt from the chat when a file has no ``trajectory``: each assistant turn with
    its action, and the tool or user message that answered it as the observation."""
    steps: list[Any] = []
    for i, msg in enumerate(history):
        if not (isinstance(msg, dict) and msg.get("role") == "assistant" and not msg.get("is_demo")):
            continue
        answer = history[i + 1] if i + 1 < len(history) else None
        observation = (
            text_of(answer.get("content"))
            if isinstance(answer, dict) and answer.get("role") in ("tool", "user")
            else None
        )
        steps.append(
            {
                "action": msg.get("action"),
                "response": text_of(msg.get("content")),
                "thought": msg.get("thought"),
                "observation": observation,
            }
        )
    return steps


def convert(data: bytes, filename: str, sink: Sink) -> None:
    doc = load_json(data, filename, expected=EXPECTED)
    if not isinstance(doc, dict):
        kind = "a list" if isinstance(doc, list) else f"a JSON {type(doc).__name__}"
        raise ImportFormatError(
            f"top level is {kind} with no 'trajectory' list; expected {EXPECTED}", file=filename
        )
    history = lst(doc.get("history"))
    if isinstance(doc.get("trajectory"), list):
        trajectory = doc["trajectory"]
    elif history and any(_is_chat_message(m) for m in history):
        trajectory = _steps_from_history(history)
        sink.stats["steps_from_history"] = len(trajectory)
    else:
        raise ImportFormatError(
            f"top level has no 'trajectory' list and no chat 'history'; expected {EXPECTED}", file=filename
        )
    info = obj(doc.get("info"))
    model_id, provider, endpoint = _model(doc)
    sink.model(model_id, provider, endpoint)
    cfg = _config(doc)
    env = obj(cfg.get("env"))
    repo = obj(env.get("repo"))
    sink.start(
        {
            "agent": "swe-agent",
            "source_version": info.get("swe_agent_version"),
            "session_id": filename.rsplit("/", 1)[-1].removesuffix(".traj"),
            "environment": doc.get("environment"),
            "repo": repo.get("github_url") or repo.get("path"),
            "model": {"id": model_id, "provider": provider, "endpoint": endpoint} if model_id else None,
            "problem_statement_id": (cfg.get("problem_statement") or {}).get("id")
            if isinstance(cfg.get("problem_statement"), dict)
            else None,
        }
    )
    before, turns = _segments(history)
    for i, step in enumerate(trajectory):
        where = f"trajectory[{i}]"
        if not isinstance(step, dict):
            sink.skip(where, f"a JSON {type(step).__name__}; expected a step object")
            continue
        action = step.get("action")
        if not isinstance(action, str):
            sink.skip(where, "step has no string 'action'; expected action/observation/response")
            continue
        turn_msg = turns[i] if i < len(turns) else {}
        query = step.get("query")
        if isinstance(query, list) and query:
            request, scope = {"messages": query}, "full"
        else:
            request, scope = {"messages": before[i] if i < len(before) else []}, "new_messages"
        sink.emit(
            EventType.MODEL_REQUEST,
            {"turn": i, "model": model_id, "request": request, "request_scope": scope},
        )
        response = step.get("response")
        sink.emit(
            EventType.MODEL_RESPONSE,
            {
                "turn": i,
                "model": model_id,
                "response": {
                    "content": [{"type": "text", "text": response if isinstance(response, str) else ""}],
                    "thought": step.get("thought"),
                    "tool_calls": turn_msg.get("tool_calls"),
                },
            },
        )
        state = _state(step)
        tool_calls = _tool_calls(turn_msg)
        first = tool_calls[0] if tool_calls and isinstance(tool_calls[0], dict) else {}
        function = obj(first.get("function"))
        try:
            args = (
                loads(function.get("arguments") or "{}") if isinstance(function.get("arguments"), str) else {}
            )
        except ValueError:
            args = {}
        call_id = str_or(first.get("id"), f"step-{i}")
        name = str_or(function.get("name"), (action.split() or ["?"])[0])
        sink.tool_call(call_id, name, {"command": action, **(args if isinstance(args, dict) else {})}, turn=i)
        exec_data: dict[str, Any] = {
            "argv": ["bash", "-c", action.rstrip("\n")],
            "cwd": state.get("working_dir"),
            "tool_call_id": call_id,
        }
        if isinstance(step.get("execution_time"), int | float):
            exec_data["duration_ms"] = round(float(step["execution_time"]) * 1000)
        sink.emit(EventType.EXEC, exec_data)
        observation = step.get("observation")
        sink.tool_result(call_id, observation if isinstance(observation, str) else "", False)
        path = _edited_path(action, state, args if isinstance(args, dict) else {})
        if path is not None:
            sink.emit(EventType.FILE_WRITE, {"path": path, "operation": "edit", "tool_call_id": call_id})
    stats = obj(info.get("model_stats"))
    sink.end(
        {
            "status": _end_status(info.get("exit_status")),
            "reason": info.get("exit_status"),
            "submission": info.get("submission"),
            "turns": len(trajectory),
            "usage": {"input_tokens": stats.get("tokens_sent"), "output_tokens": stats.get("tokens_received")}
            if stats
            else None,
            "cost_usd": stats.get("instance_cost"),
            "api_calls": stats.get("api_calls"),
        }
    )


IMPORTER = Importer(FORMAT, MEDIA_TYPE, "SWE-agent .traj (trajectory, history, info)", detect, convert)
