"""OpenHands event streams: a JSON list of events (a saved trajectory), or an object holding one
under ``history`` / ``trajectory`` / ``events`` (SWE-bench ``output.jsonl`` rows, exports).

An event is ``{id, timestamp, source: user|agent|environment, message, action | observation,
args | extras, cause, tool_call_metadata, llm_metrics}`` (openhands/events/serialization).
Actions with ``tool_call_metadata`` came from a model response (``model_response`` is the raw
LiteLLM completion, shared by every call of a parallel response); observations answer the action
whose ``id`` is their ``cause`` (and repeat its ``tool_call_id``). Mapped:

- ``message`` from the user → ``model_request``; from the agent → ``model_response``;
- other actions → ``model_response`` (once per completion id) + ``tool_call``;
- observations → ``tool_result`` paired through ``cause`` / ``tool_call_id``;
  ``run`` → also ``exec`` (exit code from ``extras.metadata.exit_code`` or ``extras.exit_code``);
  successful ``write`` / ``edit`` → ``file_write``;
- ``finish`` → ``build_end``; ``agent_state_changed`` and other bookkeeping → ``note``.

OpenHands writes naive local timestamps; they are taken as UTC.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from ledger.errors import ImportFormatError
from ledger.importers.api import Importer
from ledger.importers.base import Sink, key, load_json, loads, obj, str_or
from ledger.trajectory.events import EventType

FORMAT = "openhands"
MEDIA_TYPE = "application/json"
EXPECTED = "an OpenHands event list (objects with id, source and action or observation)"
_SOURCES = frozenset({"agent", "user", "environment"})
_WRAPPERS = ("history", "trajectory", "events")


def _events(doc: Any) -> list[Any] | None:
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        for key in _WRAPPERS:
            if isinstance(doc.get(key), list):
                return list(doc[key])
    return None


def _is_event(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and ("action" in value or "observation" in value)
        and (key(value.get("source")) in _SOURCES or "id" in value)
    )


def detect(data: bytes, filename: str) -> float:
    head = data[:4096].lstrip()
    if not head.startswith((b"[", b"{")) or (b'"action"' not in data and b'"observation"' not in data):
        return 0.0
    try:
        doc = loads(data)
    except (ValueError, UnicodeDecodeError):
        return 0.0
    events = _events(doc)
    if not events:
        return 0.0
    sample = events[:20]
    share = sum(1 for e in sample if _is_event(e)) / len(sample)
    return 0.9 * share if isinstance(doc, list) else 0.8 * share


def _model_of(meta: Mapping[str, Any]) -> tuple[str | None, dict[str, Any] | None]:
    response = meta.get("model_response")
    if not isinstance(response, dict):
        return None, None
    model = response.get("model")
    return (model if isinstance(model, str) else None), response


def convert(data: bytes, filename: str, sink: Sink) -> None:
    doc = load_json(data, filename, expected=EXPECTED)
    events = _events(doc)
    if events is None:
        raise ImportFormatError(f"top level is not an event list; expected {EXPECTED}", file=filename)
    first = next((e for e in events if isinstance(e, dict)), {})
    sink.start(
        {
            "agent": "openhands",
            "session_id": doc.get("instance_id") if isinstance(doc, dict) else None,
            "source_version": None,
        },
        first.get("timestamp"),
    )
    call_for_event: dict[Any, str] = {}  # action event id -> tool_call id
    actions: dict[str, Mapping[str, Any]] = {}  # tool_call id -> action event
    responses_seen: set[str] = set()
    turn = 0
    finished: Mapping[str, Any] | None = None
    last_state: str | None = None
    for i, ev in enumerate(events):
        where = f"event[{i}]" + (f" (id {ev.get('id')})" if isinstance(ev, dict) and "id" in ev else "")
        if not _is_event(ev):
            sink.skip(where, "not an event; expected an object with 'action' or 'observation'")
            continue
        when = ev.get("timestamp")
        source = ev.get("source")
        if "action" in ev:
            action = str(ev["action"])
            args = obj(ev.get("args"))
            meta = obj(ev.get("tool_call_metadata"))
            model, response = _model_of(meta)
            if model:
                sink.model(model, None, None)
            if response is not None and str(response.get("id")) not in responses_seen:
                responses_seen.add(str(response.get("id")))
                sink.emit(
                    EventType.MODEL_RESPONSE,
                    {"turn": turn, "model": model, "response": response, "event_id": ev.get("id")},
                    when,
                )
                turn += 1
            if action == "message":
                content = args.get("content", ev.get("message"))
                if source == "user":
                    sink.emit(
                        EventType.MODEL_REQUEST,
                        {
                            "turn": turn,
                            "request": {"messages": [{"role": "user", "content": content}]},
                            "request_scope": "new_messages",
                            "event_id": ev.get("id"),
                        },
                        when,
                    )
                else:
                    sink.emit(
                        EventType.MODEL_RESPONSE,
                        {
                            "turn": turn,
                            "response": {"role": "assistant", "content": [{"type": "text", "text": content}]},
                            "event_id": ev.get("id"),
                        },
                        when,
                    )
                    turn += 1
                continue
            if action in ("system", "change_agent_state", "recall", "think") and not meta:
                sink.note(
                    f"action:{action}", when, event_id=ev.get("id"), source=source, message=ev.get("message")
                )
                continue
            call_id = str_or(meta.get("tool_call_id"), f"event-{ev.get('id', i)}")
            name = str_or(meta.get("function_name"), action)
            sink.tool_call(call_id, name, args, when, action=action, event_id=ev.get("id"), source=source)
            call_for_event[key(ev.get("id"))] = call_id
            actions[call_id] = ev
            if action == "finish":
                finished = ev
            continue
        observation = str(ev["observation"])
        extras = obj(ev.get("extras"))
        if observation == "agent_state_changed":
            last_state = (
                extras.get("agent_state") if isinstance(extras.get("agent_state"), str) else last_state
            )
            sink.note(
                "agent_state_changed",
                when,
                event_id=ev.get("id"),
                state=extras.get("agent_state"),
                reason=extras.get("reason"),
            )
            continue
        meta = obj(ev.get("tool_call_metadata"))
        result_id: str | None = (
            meta.get("tool_call_id") if isinstance(meta.get("tool_call_id"), str) else None
        )
        if result_id is None or result_id not in actions:
            result_id = call_for_event.get(key(ev.get("cause")), result_id)
        if result_id is None and observation == "null":
            sink.note("observation:null", when, event_id=ev.get("id"), cause=ev.get("cause"))
            continue
        is_error = observation == "error" or bool(extras.get("error"))
        action_ev = actions.get(result_id or "")
        metadata = obj(extras.get("metadata"))
        exit_code = metadata.get("exit_code", extras.get("exit_code"))
        if observation == "run" and isinstance(exit_code, int) and exit_code not in (0, -1):
            is_error = True
        sink.tool_result(
            result_id,
            ev.get("content", ev.get("message", "")),
            is_error,
            when,
            observation=observation,
            event_id=ev.get("id"),
            cause=ev.get("cause"),
        )
        if observation == "run":
            command = extras.get("command")
            if isinstance(command, str):
                sink.emit(
                    EventType.EXEC,
                    {
                        "argv": ["bash", "-c", command],
                        "exit_code": exit_code,
                        "cwd": metadata.get("working_dir"),
                        "tool_call_id": result_id,
                    },
                    when,
                )
        elif observation in ("write", "edit") and not is_error and isinstance(extras.get("path"), str):
            fw: dict[str, Any] = {
                "path": extras["path"],
                "operation": observation,
                "tool_call_id": result_id,
            }
            action_args = obj(action_ev.get("args")) if isinstance(action_ev, Mapping) else {}
            body = action_args.get("content") if observation == "write" else None
            if isinstance(body, str):
                raw = body.encode("utf-8")
                fw["sha256"], fw["size"] = hashlib.sha256(raw).hexdigest(), len(raw)
            sink.emit(EventType.FILE_WRITE, fw, when)
    last_time = next(
        (e.get("timestamp") for e in reversed(events) if isinstance(e, dict) and e.get("timestamp")), None
    )
    if finished is not None:
        args = obj(finished.get("args"))
        sink.end(
            {
                "status": "success",
                "reason": "finish",
                "turns": turn,
                "final_thought": args.get("final_thought") or finished.get("message"),
                "outputs": args.get("outputs"),
            },
            last_time,
        )
    elif last_state in ("error", "rejected"):
        sink.end({"status": "error", "reason": f"agent state {last_state}", "turns": turn}, last_time)
    else:
        sink.end(
            {
                "status": "interrupted",
                "reason": f"no finish action (last agent state {last_state})",
                "turns": turn,
            },
            last_time,
        )


IMPORTER = Importer(FORMAT, MEDIA_TYPE, "OpenHands event list (saved trajectory)", detect, convert)

__all__ = ["FORMAT", "IMPORTER", "convert", "detect"]
