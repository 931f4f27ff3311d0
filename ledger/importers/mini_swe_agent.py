"""mini-swe-agent trajectories: the saved ``{"info", "messages", "trajectory_format"}`` object
(``mini-swe-agent-1`` / ``mini-swe-agent-1.1``, docs/usage/output_files.md) and the older bare list
of chat messages.

The agent has one tool, bash: each assistant message holds one fenced ```` ```bash ```` (or
```` ```mswea_bash_command ````) block, and the next user message is its observation
(``<returncode>N</returncode>`` and ``<output>…</output>``). With tool-calling models (v2) the
assistant message carries OpenAI ``tool_calls`` and observations are ``tool`` messages with a
``tool_call_id``. v2 messages may carry ``extra`` (``actions``, ``returncode``, ``timestamp``).

Each assistant turn → ``model_request`` (the messages since the previous turn), ``model_response``,
and per action ``tool_call`` → ``exec`` + ``tool_result``. ``info`` gives ``build_end``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ledger.errors import ImportFormatError
from ledger.importers.api import Importer
from ledger.importers.base import Sink, key, load_json, loads, obj, text_of
from ledger.trajectory.events import EventType

FORMAT = "mini-swe-agent"
MEDIA_TYPE = "application/json"
EXPECTED = "a mini-swe-agent trajectory (an object with 'messages', or a list of chat messages)"
ACTION_RE = re.compile(r"```(?:bash|mswea_bash_command)\s*\n(.*?)\n```", re.DOTALL)
RETURNCODE_RE = re.compile(r"<returncode>\s*(-?\d+)\s*</returncode>")
SUBMIT_MARKERS = ("COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT", "MINI_SWE_AGENT_FINAL_OUTPUT")
_ROLES = frozenset({"system", "user", "assistant", "tool", "exit"})


def _messages(doc: Any) -> list[Any] | None:
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict) and isinstance(doc.get("messages"), list):
        return list(doc["messages"])
    return None


def detect(data: bytes, filename: str) -> float:
    head = data[:4096].lstrip()
    if not head.startswith((b"{", b"[")):
        return 0.0
    try:
        doc = loads(data)
    except (ValueError, UnicodeDecodeError):
        return 0.0
    if isinstance(doc, dict) and str(doc.get("trajectory_format", "")).startswith("mini-swe-agent"):
        return 1.0
    messages = _messages(doc)
    if not messages or not all(isinstance(m, dict) and key(m.get("role")) in _ROLES for m in messages[:20]):
        return 0.0
    text = " ".join(text_of(m.get("content")) for m in messages[:4])
    if "mswea_bash_command" in text or any(marker in text for marker in SUBMIT_MARKERS):
        return 0.9
    if isinstance(doc, dict) and isinstance(doc.get("info"), dict):
        return 0.7
    if any(
        ACTION_RE.search(text_of(m.get("content"))) for m in messages[:10] if m.get("role") == "assistant"
    ):
        return 0.6
    return 0.3


def _model(info: Mapping[str, Any]) -> tuple[str | None, str | None, str | None]:
    config = obj(info.get("config"))
    model = obj(config.get("model"))
    name = model.get("model_name")
    if not isinstance(name, str):
        return None, None, None
    kwargs = obj(model.get("model_kwargs"))
    endpoint = kwargs.get("api_base") or kwargs.get("base_url")
    provider = name.split("/", 1)[0] if "/" in name else None
    return name, provider, endpoint if isinstance(endpoint, str) else None


def _actions(msg: Mapping[str, Any], turn: int) -> list[tuple[str, str, dict[str, Any]]]:
    """(call id, tool name, input) for each action of an assistant message."""
    out: list[tuple[str, str, dict[str, Any]]] = []
    calls = msg.get("tool_calls")
    if isinstance(calls, list) and calls:
        for k, call in enumerate(calls):
            fn = call.get("function") if isinstance(call, dict) else None
            if not isinstance(fn, dict):
                continue
            try:
                args = loads(fn.get("arguments") or "{}")
            except (TypeError, ValueError):
                args = {"arguments": fn.get("arguments")}
            call_id = call.get("id") if isinstance(call.get("id"), str) else f"turn-{turn}-{k}"
            out.append(
                (call_id, str(fn.get("name", "bash")), args if isinstance(args, dict) else {"input": args})
            )
        return out
    extra = obj(msg.get("extra"))
    listed = extra.get("actions")
    if isinstance(listed, list) and listed:
        for k, action in enumerate(listed):
            if isinstance(action, dict) and isinstance(action.get("command"), str):
                call_id = action.get("tool_call_id") or f"turn-{turn}-{k}"
                out.append((str(call_id), "bash", {"command": action["command"]}))
        return out
    for k, command in enumerate(ACTION_RE.findall(text_of(msg.get("content")))):
        out.append((f"turn-{turn}-{k}", "bash", {"command": command.strip()}))
    return out[:1]  # the agent executes exactly one block; more is a format error it reports


def _time(msg: Mapping[str, Any]) -> Any:
    extra = msg.get("extra")
    return extra.get("timestamp") if isinstance(extra, dict) else None


def convert(data: bytes, filename: str, sink: Sink) -> None:
    doc = load_json(data, filename, expected=EXPECTED)
    messages = _messages(doc)
    if messages is None:
        raise ImportFormatError(f"no message list at the top level; expected {EXPECTED}", file=filename)
    info = obj(doc.get("info")) if isinstance(doc, dict) else {}
    model_id, provider, endpoint = _model(info)
    sink.model(model_id, provider, endpoint)
    version = doc.get("trajectory_format") if isinstance(doc, dict) else "bare-message-list"
    config = obj(info.get("config"))
    sink.start(
        {
            "agent": "mini-swe-agent",
            "source_version": info.get("mini_version") or version,
            "trajectory_format": version,
            "session_id": filename.rsplit("/", 1)[-1].removesuffix(".json").removesuffix(".traj"),
            "model": {"id": model_id, "provider": provider, "endpoint": endpoint} if model_id else None,
            "agent_type": config.get("agent_type"),
            "environment_type": config.get("environment_type"),
        },
        _time(messages[0]) if messages and isinstance(messages[0], dict) else None,
    )
    pending: list[Any] = []
    observed = 0  # messages in `pending` that were observations of an action
    open_actions: list[tuple[str, dict[str, Any]]] = []
    turn = 0
    last_command = ""
    last_output = None
    for i, msg in enumerate(messages):
        where = f"messages[{i}]"
        if not isinstance(msg, dict) or key(msg.get("role")) not in _ROLES:
            sink.skip(where, "not a chat message; expected an object with role system/user/assistant/tool")
            continue
        role, when = msg["role"], _time(msg)
        if role == "assistant":
            sink.emit(
                EventType.MODEL_REQUEST,
                {
                    "turn": turn,
                    "model": model_id,
                    "request": {"messages": pending},
                    "request_scope": "new_messages",
                },
                when,
            )
            pending, observed = [], 0
            sink.emit(
                EventType.MODEL_RESPONSE,
                {
                    "turn": turn,
                    "model": model_id,
                    "provider": provider,
                    "response": {
                        "role": "assistant",
                        "content": msg.get("content"),
                        "tool_calls": msg.get("tool_calls"),
                    },
                },
                when,
            )
            open_actions = []
            for call_id, name, args in _actions(msg, turn):
                sink.tool_call(call_id, name, args, when, turn=turn)
                open_actions.append((call_id, args))
                last_command = str(args.get("command", ""))
            turn += 1
            continue
        pending.append(msg)
        if role in ("user", "tool", "exit") and open_actions:
            wanted = msg.get("tool_call_id")
            index = next((k for k, (cid, _) in enumerate(open_actions) if cid == wanted), 0) if wanted else 0
            call_id, args = open_actions.pop(index)
            output = text_of(msg.get("content"))
            extra = obj(msg.get("extra"))
            code_match = RETURNCODE_RE.search(output)
            code = (
                extra.get("returncode")
                if isinstance(extra.get("returncode"), int)
                else (int(code_match.group(1)) if code_match else None)
            )
            if isinstance(args.get("command"), str):
                sink.emit(
                    EventType.EXEC,
                    {"argv": ["bash", "-c", args["command"]], "exit_code": code, "tool_call_id": call_id},
                    when,
                )
            sink.tool_result(call_id, output, bool(code), when)
            last_output = output
            observed += 1
    unanswered = len(pending) - observed if pending else 0
    if unanswered > 0:
        sink.note("trailing_messages", None, count=unanswered, roles=[m.get("role") for m in pending])
    submitted = any(marker in last_command for marker in SUBMIT_MARKERS)
    exit_status = info.get("exit_status")
    status = (
        "success"
        if (exit_status == "Submitted" or (not exit_status and submitted))
        else ("interrupted" if not exit_status else "failed")
    )
    stats = obj(info.get("model_stats"))
    sink.end(
        {
            "status": status,
            "reason": exit_status or ("submitted" if submitted else None),
            "submission": info.get("submission") if info else (last_output if submitted else None),
            "turns": turn,
            "cost_usd": stats.get("instance_cost"),
            "api_calls": stats.get("api_calls"),
        }
    )


IMPORTER = Importer(
    FORMAT, MEDIA_TYPE, "mini-swe-agent .traj.json (1.1 saved format or bare message list)", detect, convert
)
