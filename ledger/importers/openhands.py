"""OpenHands event streams, V0 (``openhands/events/serialization``) and V1 (software-agent-sdk).

Containers: a JSON list of events (a saved trajectory), an object holding one under ``history`` /
``trajectory`` / ``events`` / ``items`` (evaluation ``output.jsonl`` rows, exports, the agent
server's event search page), or JSON Lines of either (an ``output.jsonl`` with one row per
instance, or one event per line). Old evaluation rows keep ``history`` as ``[action,
observation]`` pairs; they are flattened.

V0 event: ``{id, timestamp, source: user|agent|environment, message, action | observation,
args | extras, content, cause, tool_call_metadata, llm_metrics}``. Actions with
``tool_call_metadata`` came from a model response (``model_response`` is the raw LiteLLM
completion, shared by every call of a parallel response); observations answer the action whose
``id`` is their ``cause`` (and repeat its ``tool_call_id``). Mapped:

- ``message`` from the user → ``model_request``; from the agent → ``model_response``;
- tool actions (run, run_ipython, read, write, edit, browse, call_tool_mcp, delegate, finish, …,
  and any action carrying ``tool_call_metadata``) → ``model_response`` (once per completion id)
  + ``tool_call``; bookkeeping actions (system, recall, condensation, change_agent_state, think
  without a tool call, null, pause, unknown types) → ``note``;
- observations → ``tool_result`` paired through ``cause`` / ``tool_call_id``; ``run`` → also
  ``exec``; successful ``write`` / ``edit`` → ``file_write`` (named relative to the first
  ``working_dir`` a run observation reports, when inside it; an ``edit`` whose content starts
  ``ERROR:`` failed; see ``_edit_outcome`` for what its contents mean); observations of bookkeeping
  (agent_state_changed, recall, condense, unknown types without an action) → ``note``.

V1 event (``kind`` names the class): ``MessageEvent`` → ``model_request`` / ``model_response``;
``ActionEvent`` → ``model_response`` (once per ``llm_response_id``) + ``tool_call``;
``ObservationEvent`` / ``UserRejectObservation`` / ``AgentErrorEvent`` → ``tool_result`` by
``tool_call_id`` (terminal → ``exec``, a non-zero exit an error; file editors and
``apply_patch`` → ``file_write``); ``SystemPromptEvent``,
``Condensation*``, ``ConversationStateUpdateEvent`` (status; stats name the models and usage),
``ConversationErrorEvent`` and any other kind → ``note``.

OpenHands writes naive local timestamps; they are taken as UTC.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from ledger.errors import ImportFormatError
from ledger.importers.api import Importer
from ledger.importers.base import (
    Sink,
    iter_json_lines,
    json_type,
    key,
    load_json,
    loads,
    lst,
    obj,
    record_digest,
    relative_to,
    str_or,
)
from ledger.importers.patches import patch_files
from ledger.trajectory.events import EventType

FORMAT = "openhands"
MEDIA_TYPE = "application/json"
EXPECTED = "an OpenHands event list (objects with id, source and action or observation)"
_SOURCES = frozenset({"agent", "user", "environment", "hook"})
_WRAPPERS = ("history", "trajectory", "events", "items")

# openhands/core/schema/action.py: actions that run a tool. Any action with tool_call_metadata is
# a tool call too; the rest (system, recall, condensation, change_agent_state, null, pause,
# resume, stop, loop_recovery, think without a tool call, unknown types) are bookkeeping notes.
_TOOL_ACTIONS = frozenset(
    {
        "run",
        "run_ipython",
        "read",
        "write",
        "edit",
        "browse",
        "browse_interactive",
        "call_tool_mcp",
        "delegate",
        "finish",
        "reject",
        "task_tracking",
        "push",
        "send_pr",
    }
)
# openhands/core/schema/observation.py: observations that answer a tool call; others (null,
# agent_state_changed, recall, condense, loop_detection, unknown) are notes unless paired.
_TOOL_OBSERVATIONS = frozenset(
    {
        "run",
        "run_ipython",
        "read",
        "write",
        "edit",
        "browse",
        "error",
        "success",
        "delegate",
        "mcp",
        "download",
        "task_tracking",
        "user_rejected",
        "think",
        "chat",
        "message",
    }
)
_EDIT_FAILED_RE = re.compile(r"\A\s*ERROR:")
_END_STATES = {"finished": "success", "error": "error", "stuck": "error", "rejected": "error"}


def _rows(doc: Any) -> list[tuple[str, Mapping[str, Any], list[Any]]] | None:
    """``(where, row, events)`` for each trajectory in ``doc``; None if it holds none."""
    if isinstance(doc, list):
        return [("", {}, _flat(doc))]
    if isinstance(doc, dict):
        for name in _WRAPPERS:
            if isinstance(doc.get(name), list):
                return [("", doc, _flat(doc[name]))]
    return None


def _flat(events: list[Any]) -> list[Any]:
    """Old evaluation rows keep ``history`` as ``[action, observation]`` pairs."""
    if events and all(isinstance(e, list) and len(e) == 2 for e in events):
        return _from_memory([item for pair in events for item in pair if item])
    return _from_memory(list(events))


_NOT_MEMORY = frozenset({"id", "source", "args", "extras", "kind", "timestamp", "cause"})


def _is_memory_event(value: Any) -> bool:
    """An event as ``event_to_memory`` writes it (the resolver's ``output.jsonl``, older
    evaluation rows): the arguments or extras at the top level, no id, source or time.
    Exactly one of ``action`` / ``observation``, of a type OpenHands has: a SWE-agent step
    holds both keys and must not read as one."""
    if not isinstance(value, dict) or _NOT_MEMORY & value.keys():
        return False
    action, observation = value.get("action"), value.get("observation")
    if isinstance(action, str) and "observation" not in value:
        return action in _TOOL_ACTIONS or action == "message"
    if isinstance(observation, str) and "action" not in value:
        return observation in _TOOL_OBSERVATIONS or observation == "agent_state_changed"
    return False


def _from_memory(events: list[Any]) -> list[Any]:
    """Memory-shaped events as saved ones: ids by position, each observation caused by the
    action it follows, the messages before the agent's first action from the user (the task).
    A list is converted only if every event in it has that shape; anything else is left as is."""
    if not events or not all(_is_memory_event(e) for e in events):
        return events
    out: list[Any] = []
    pending: int | None = None  # the action awaiting its observation
    agent_started = False
    for i, ev in enumerate(events):
        if "action" in ev:
            action = ev["action"]
            agent_started = agent_started or action != "message"
            source = "agent" if agent_started else "user"
            args = {k: v for k, v in ev.items() if k != "action"}
            out.append({"id": i, "source": source, "action": action, "args": args})
            pending = i if action != "message" else pending
        else:
            extras = {k: v for k, v in ev.items() if k not in ("observation", "content")}
            out.append(
                {
                    "id": i,
                    "source": "environment",
                    "observation": ev["observation"],
                    "content": ev.get("content", ""),
                    "extras": extras,
                    "cause": pending,
                }
            )
            pending = None
    return out


def _is_v1(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("kind"), str) and "id" in value


def _is_event(value: Any) -> bool:
    if _is_v1(value):
        return True
    return (
        isinstance(value, dict)
        and ("action" in value or "observation" in value)
        and (key(value.get("source")) in _SOURCES or "id" in value)
    )


def _jsonl_rows(data: bytes) -> tuple[list[tuple[str, Mapping[str, Any], list[Any]]], list[tuple[int, str]]]:
    """JSON Lines: rows holding a history each, or one event per line; plus the broken lines."""
    rows: list[tuple[str, Mapping[str, Any], list[Any]]] = []
    loose: list[Any] = []
    broken: list[tuple[int, str]] = []
    for lineno, value, error in iter_json_lines(data):
        if error is not None:
            broken.append((lineno, error + "; expected one JSON object per line"))
            continue
        inner = _rows(value) if isinstance(value, dict) else None
        if inner is not None and not _is_event(value):
            rows.extend((f"line {lineno}", row, events) for _, row, events in inner)
        else:
            loose.append(value)
    if loose:
        rows.append(("", {}, loose))
    return rows, broken


def _head_lines(data: bytes, count: int) -> list[bytes]:
    """The first ``count`` non-blank lines, each whole (an evaluation row can be megabytes)."""
    lines: list[bytes] = []
    start = 0
    while len(lines) < count and start < len(data):
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end
        if data[start:end].strip():
            lines.append(data[start:end])
        start = end + 1
    return lines


def _looks_like_jsonl(data: bytes) -> bool:
    lines = _head_lines(data, 2)
    if len(lines) < 2:
        return False
    try:
        first = loads(lines[0])
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(first, dict) and (_is_event(first) or _rows(first) is not None)


def media_type_of(data: bytes) -> str:
    try:
        loads(data)
    except (ValueError, UnicodeDecodeError):
        return "application/x-ndjson" if _looks_like_jsonl(data) else MEDIA_TYPE
    return MEDIA_TYPE


def detect(data: bytes, filename: str) -> float:
    head = data[:4096].lstrip()
    if not head.startswith((b"[", b"{")):
        return 0.0
    if b'"action"' not in data and b'"observation"' not in data and b'"kind"' not in data:
        return 0.0
    try:
        doc = loads(data)
    except (ValueError, UnicodeDecodeError):
        doc = None
    if doc is not None:
        rows = _rows(doc)
        if not rows or not rows[0][2]:
            return 0.0
        events = rows[0][2]
        factor = 0.9 if isinstance(doc, list) else 0.8
    else:
        if not _looks_like_jsonl(data):
            return 0.0
        rows, _ = _jsonl_rows(b"\n".join(_head_lines(data, 20)))
        events = [e for _, _, evs in rows for e in evs]
        factor = 0.8
    sample = events[:20]
    if not sample:
        return 0.0
    share = sum(1 for e in sample if _is_event(e)) / len(sample)
    return factor * share


def _model_of(meta: Mapping[str, Any]) -> tuple[str | None, dict[str, Any] | None]:
    response = meta.get("model_response")
    if not isinstance(response, dict):
        return None, None
    model = response.get("model")
    return (model if isinstance(model, str) else None), response


def _text(content: Any) -> str:
    """Text of a V1 content list (``TextContent`` / ``ImageContent``), or a plain string."""
    if isinstance(content, str):
        return content
    parts = [c.get("text") for c in lst(content) if isinstance(c, dict)]
    return "\n".join(p for p in parts if isinstance(p, str))


class _Converter:
    """One trajectory (a row of an evaluation file, or the whole list) into the sink."""

    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self.turn = 0
        self.finished: Mapping[str, Any] | None = None
        self.last_state: str | None = None
        self.error: str | None = None
        self.usage: dict[str, int] | None = None
        # the sandbox's first working directory (/workspace …): file_write paths are made
        # relative to it, as every importer names files relative to the agent's cwd
        self.cwd: str | None = None
        self.reset()

    def reset(self, where: str = "") -> None:
        # call ids are scoped to their evaluation row (event ids restart in every row, and
        # examples reuse model ids): in a file of several rows, each id gets its row's prefix
        self.id_prefix = where.replace(" ", "") + "/" if where else ""
        self.call_for_event: dict[Any, str] = {}  # action event id -> tool_call id
        self.actions: dict[str, Mapping[str, Any]] = {}  # tool_call id -> action event
        self.responses_seen: set[str] = set()

    def user_message(self, content: Any, when: Any, event_id: Any, **extra: Any) -> None:
        """What the user typed, as a request of only that message (V0 and V1 alike): the event
        stream keeps no full request."""
        request = {"messages": [{"role": "user", "content": content}]}
        self.sink.emit(
            EventType.MODEL_REQUEST,
            {"turn": self.turn, "request": request, "request_scope": "new_messages", "event_id": event_id}
            | extra,
            when,
        )

    def scoped(self, call_id: Any) -> str | None:
        """A tool-call id read from an event, in this row's scope (None if not a string)."""
        return self.id_prefix + call_id if isinstance(call_id, str) else None

    # -- V0 ---------------------------------------------------------------------------------

    def metrics(self, ev: Mapping[str, Any]) -> None:
        """``llm_metrics`` (openhands/llm/metrics.py): models and the accumulated token usage."""
        metrics = obj(ev.get("llm_metrics"))
        for item in lst(metrics.get("token_usages")) + lst(metrics.get("costs")):
            if isinstance(item, dict):
                self.sink.model(item.get("model"))
        acc = obj(metrics.get("accumulated_token_usage"))
        self.sink.model(acc.get("model"))
        ins, outs = acc.get("prompt_tokens"), acc.get("completion_tokens")
        if isinstance(ins, int) and isinstance(outs, int):
            self.usage = {"input_tokens": ins, "output_tokens": outs}

    def action(self, i: int, ev: Mapping[str, Any]) -> None:
        when, source = ev.get("timestamp"), ev.get("source")
        action = ev["action"] if isinstance(ev["action"], str) else json.dumps(ev["action"])
        args = obj(ev.get("args"))
        meta = obj(ev.get("tool_call_metadata"))
        model, response = _model_of(meta)
        if model:
            self.sink.model(model, None, None)
        if response is not None and str(response.get("id")) not in self.responses_seen:
            self.responses_seen.add(str(response.get("id")))
            self.sink.emit(
                EventType.MODEL_RESPONSE,
                {"turn": self.turn, "model": model, "response": response, "event_id": ev.get("id")},
                when,
            )
            self.turn += 1
        if action == "message":
            content = args.get("content", ev.get("message"))
            if source == "user":
                self.user_message(
                    content,
                    when,
                    ev.get("id"),
                    image_urls=args.get("image_urls") or None,
                    file_urls=args.get("file_urls") or None,
                )
            else:
                self.sink.emit(
                    EventType.MODEL_RESPONSE,
                    {
                        "turn": self.turn,
                        "response": {"role": "assistant", "content": [{"type": "text", "text": content}]},
                        "event_id": ev.get("id"),
                    },
                    when,
                )
                self.turn += 1
            return
        if not meta and action not in _TOOL_ACTIONS:
            fields: dict[str, Any] = {
                "event_id": ev.get("id"),
                "source": source,
                "message": ev.get("message"),
            }
            if action == "system":  # SystemMessageAction: the system prompt and tool list
                fields.update(
                    text=args.get("content"),
                    agent_class=args.get("agent_class"),
                    openhands_version=args.get("openhands_version"),
                    tools=[obj(obj(t).get("function")).get("name") for t in lst(args.get("tools"))] or None,
                )
            elif action == "condensation":
                fields.update(
                    summary=args.get("summary"),
                    forgotten_event_ids=args.get("forgotten_event_ids"),
                    forgotten_events_start_id=args.get("forgotten_events_start_id"),
                    forgotten_events_end_id=args.get("forgotten_events_end_id"),
                )
            elif action not in ("change_agent_state", "recall", "think", "null"):
                fields["args"] = args or None
            else:
                fields.update(
                    thought=args.get("thought") or None,
                    agent_state=args.get("agent_state"),
                    query=args.get("query"),
                    recall_type=args.get("recall_type"),
                )
            self.sink.note(f"action:{action}", when, **fields)
            return
        call_id = self.id_prefix + str_or(meta.get("tool_call_id"), f"event-{ev.get('id', i)}")
        name = str_or(meta.get("function_name"), action)
        self.sink.tool_call(call_id, name, args, when, action=action, event_id=ev.get("id"), source=source)
        self.call_for_event[key(ev.get("id"))] = call_id
        self.actions[call_id] = ev
        if action == "finish":
            self.finished = ev

    def observation(self, ev: Mapping[str, Any]) -> None:
        when = ev.get("timestamp")
        observation = (
            ev["observation"] if isinstance(ev["observation"], str) else json.dumps(ev["observation"])
        )
        extras = obj(ev.get("extras"))
        if observation == "agent_state_changed":
            if isinstance(extras.get("agent_state"), str):
                self.last_state = extras["agent_state"]
            self.sink.note(
                "agent_state_changed",
                when,
                event_id=ev.get("id"),
                state=extras.get("agent_state"),
                reason=extras.get("reason"),
            )
            return
        meta = obj(ev.get("tool_call_metadata"))
        result_id = self.scoped(meta.get("tool_call_id"))
        if result_id is None or result_id not in self.actions:
            result_id = self.call_for_event.get(key(ev.get("cause")), result_id)
        if result_id is None and observation not in _TOOL_OBSERVATIONS:
            # bookkeeping: what a recall added to the context, a condensation, a null answer,
            # a loop detection, types this importer does not know
            self.sink.note(
                f"observation:{observation}",
                when,
                event_id=ev.get("id"),
                cause=ev.get("cause"),
                content=ev.get("content") or None,
                extras=extras or None,
            )
            return
        is_error = observation in ("error", "user_rejected") or extras.get("error") is True
        action_ev = self.actions.get(result_id or "")
        action_args = obj(action_ev.get("args")) if isinstance(action_ev, Mapping) else {}
        metadata = obj(extras.get("metadata"))
        exit_code = metadata.get("exit_code", extras.get("exit_code"))
        if observation == "run" and isinstance(exit_code, int) and exit_code not in (0, -1):
            is_error = True
        if observation == "run" and ev.get("success") is False:
            is_error = True
        if observation == "edit" and _EDIT_FAILED_RE.match(str_or(ev.get("content"), "")):
            is_error = True  # the OH_ACI editor reports a refused edit as "ERROR:\n…" content
        self.sink.tool_result(
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
                self.sink.emit(
                    EventType.EXEC,
                    {
                        "argv": ["bash", "-c", command],
                        "exit_code": exit_code if isinstance(exit_code, int) and exit_code != -1 else None,
                        "cwd": metadata.get("working_dir"),
                        "tool_call_id": result_id,
                    },
                    when,
                )
        elif observation in ("write", "edit") and not is_error and isinstance(extras.get("path"), str):
            if observation == "edit" and action_args.get("command") == "view":
                return  # str_replace_editor view: a read
            fw: dict[str, Any] = {
                "path": relative_to(extras["path"], self.cwd),
                "operation": observation,
                "tool_call_id": result_id,
            }
            if observation == "write":
                record_digest(fw, action_args.get("content"))
            else:
                fw["operation"], body = _edit_outcome(action_args, extras)
                record_digest(fw, body)
            self.sink.emit(EventType.FILE_WRITE, fw, when)

    # -- V1 (software-agent-sdk) ------------------------------------------------------------

    def v1(self, ev: Mapping[str, Any]) -> None:
        kind = ev["kind"]
        when = ev.get("timestamp")
        if kind == "MessageEvent":
            message = obj(ev.get("llm_message"))
            content = message.get("content")
            if ev.get("source") == "user" or message.get("role") == "user":
                self.user_message(
                    content, when, ev.get("id"), activated_skills=ev.get("activated_skills") or None
                )
            else:
                self.sink.emit(
                    EventType.MODEL_RESPONSE,
                    {
                        "turn": self.turn,
                        "response": {
                            "id": ev.get("llm_response_id"),
                            "role": message.get("role", "assistant"),
                            "content": content,
                            "reasoning_content": message.get("reasoning_content"),
                        },
                        "event_id": ev.get("id"),
                    },
                    when,
                )
                self.turn += 1
        elif kind == "ActionEvent":
            self.v1_action(ev)
        elif kind in ("ObservationEvent", "UserRejectObservation", "AgentErrorEvent"):
            self.v1_observation(ev)
        elif kind == "ConversationStateUpdateEvent":
            self.v1_state(ev)
        elif kind == "SystemPromptEvent":
            tools = [  # {name}, {function: {name}}, or (newer SDKs) {title, kind: "TerminalTool"}
                obj(t).get("name") or obj(obj(t).get("function")).get("name") or obj(t).get("title")
                for t in lst(ev.get("tools"))
            ]
            self.sink.note(
                "system_prompt",
                when,
                event_id=ev.get("id"),
                text=_text([ev.get("system_prompt")]),
                tools=[t for t in tools if isinstance(t, str)] or None,
            )
        elif kind == "ConversationErrorEvent":
            self.error = str_or(ev.get("detail"), str_or(ev.get("code"), "conversation error"))
            self.sink.note(
                "conversation_error",
                when,
                event_id=ev.get("id"),
                code=ev.get("code"),
                detail=ev.get("detail"),
            )
        else:  # Condensation, CondensationRequest, CondensationSummaryEvent, Pause, hooks, tokens, …
            body = {k: v for k, v in ev.items() if k not in ("kind", "id", "timestamp", "source")}
            self.sink.stats[f"v1:{kind}"] += 1
            self.sink.note(kind, when, event_id=ev.get("id"), source=ev.get("source"), event=body or None)

    def v1_action(self, ev: Mapping[str, Any]) -> None:
        when = ev.get("timestamp")
        response_id = ev.get("llm_response_id")
        thought = _text(ev.get("thought"))
        if key(response_id) not in self.responses_seen:
            self.responses_seen.add(key(response_id))
            content: list[dict[str, Any]] = []
            if ev.get("reasoning_content"):
                content.append({"type": "thinking", "thinking": ev.get("reasoning_content")})
            if thought:
                content.append({"type": "text", "text": thought})
            self.sink.emit(
                EventType.MODEL_RESPONSE,
                {
                    "turn": self.turn,
                    "response": {"id": response_id, "role": "assistant", "content": content},
                    "event_id": ev.get("id"),
                },
                when,
            )
            self.turn += 1
        call = obj(ev.get("tool_call"))
        made_up = f"event-{ev.get('id')}"
        call_id = self.id_prefix + str_or(ev.get("tool_call_id"), str_or(call.get("id"), made_up))
        name = str_or(ev.get("tool_name"), str_or(call.get("name"), "unknown"))
        action = ev.get("action")
        if isinstance(action, dict):
            tool_input: Any = {k: v for k, v in action.items() if k != "kind"}
        else:  # a call the agent could not turn into an action: keep the raw arguments
            try:
                tool_input = loads(call["arguments"]) if isinstance(call.get("arguments"), str) else {}
            except ValueError:
                tool_input = {"arguments": call.get("arguments")}
        self.sink.tool_call(
            call_id,
            name,
            tool_input,
            when,
            action=obj(action).get("kind"),
            event_id=ev.get("id"),
            source=ev.get("source"),
            summary=ev.get("summary"),
        )
        self.actions[call_id] = ev
        if name == "finish" or obj(action).get("kind") == "FinishAction":
            self.finished = {"args": {"final_thought": obj(action).get("message")}, "message": thought}

    def v1_observation(self, ev: Mapping[str, Any]) -> None:
        when, kind = ev.get("timestamp"), ev["kind"]
        call_id = self.scoped(ev.get("tool_call_id"))
        observation = obj(ev.get("observation"))
        if kind == "UserRejectObservation":
            output, is_error = str_or(ev.get("rejection_reason"), "rejected"), True
        elif kind == "AgentErrorEvent":
            output, is_error = str_or(ev.get("error"), ""), True
        else:
            output = _text(observation.get("content"))
            if not output:  # early V1 releases: ``output`` / ``text`` strings
                output = str_or(observation.get("output"), str_or(observation.get("text"), ""))
            is_error = observation.get("is_error") is True or observation.get("error") is True
            code = observation.get("exit_code", obj(observation.get("metadata")).get("exit_code"))
            if isinstance(code, int) and not isinstance(code, bool) and code not in (0, -1):
                is_error = True  # TerminalObservation keeps is_error false for a failed command
        self.sink.tool_result(
            call_id,
            output,
            is_error,
            when,
            name=ev.get("tool_name"),
            observation=observation.get("kind") or kind,
            event_id=ev.get("id"),
            cause=ev.get("action_id"),
        )
        metadata = obj(observation.get("metadata"))
        command = observation.get("command")
        if "exit_code" in observation or ("metadata" in observation and isinstance(command, str)):
            code = observation.get("exit_code")
            if not isinstance(code, int):
                code = metadata.get("exit_code")
            known = isinstance(code, int) and code != -1
            ran = not is_error or known or observation.get("timeout") is True
            if isinstance(command, str) and ran:  # an error without an exit code never ran
                self.sink.emit(
                    EventType.EXEC,
                    {
                        "argv": ["bash", "-c", command],
                        "exit_code": code if known else None,
                        "cwd": metadata.get("working_dir"),
                        "timed_out": True if observation.get("timeout") is True else None,
                        "tool_call_id": call_id,
                    },
                    when,
                )
            return
        if observation.get("kind") == "ApplyPatchObservation" or "commit" in observation:
            if not is_error:
                self.v1_patch(call_id, observation, when)
            return
        path = observation.get("path") or observation.get("file_path")
        body = observation.get("new_content")
        if isinstance(path, str) and isinstance(body, str) and not is_error and command != "view":
            created = observation.get("prev_exist") is False or observation.get("is_new_file") is True
            fw: dict[str, Any] = {
                "path": relative_to(path, self.cwd),
                "operation": "create" if created else "edit",
                "tool_call_id": call_id,
            }
            record_digest(fw, body)
            self.sink.emit(EventType.FILE_WRITE, fw, when)

    def v1_patch(self, call_id: str | None, observation: Mapping[str, Any], when: Any) -> None:
        """``file_write`` per file an ``apply_patch`` changed: from the observation's ``commit``
        (``changes``: path -> type add | update | delete, new_content, move_path), else from the
        action's ``*** Begin Patch`` envelope."""
        changes = obj(obj(observation.get("commit")).get("changes"))
        ops = {"add": "create", "update": "edit", "delete": "delete"}
        if changes:
            for path, change in changes.items():
                change = obj(change)
                fw: dict[str, Any] = {
                    "path": relative_to(str(change.get("move_path") or path), self.cwd),
                    "operation": ops.get(str(change.get("type")), "edit"),
                    "tool_call_id": call_id,
                }
                if change.get("move_path"):
                    fw["moved_from"] = relative_to(path, self.cwd)
                if fw["operation"] != "delete":
                    record_digest(fw, change.get("new_content"))
                self.sink.emit(EventType.FILE_WRITE, fw, when)
            return
        patch = obj(obj(self.actions.get(call_id or "")).get("action")).get("patch")
        for path, operation, extra in patch_files(patch if isinstance(patch, str) else ""):
            self.sink.emit(
                EventType.FILE_WRITE,
                {"path": path, "operation": operation, "tool_call_id": call_id, **extra},
                when,
            )

    def v1_state(self, ev: Mapping[str, Any]) -> None:
        name, value = ev.get("key"), ev.get("value")
        if name == "stats" or name == "full_state":
            state = obj(value)
            if name == "full_state":
                self.sink.model(obj(obj(state.get("agent")).get("llm")).get("model"))
                status = state.get("execution_status")
                if isinstance(status, str):
                    self.last_state = status
                state = obj(state.get("stats"))
            total_in = total_out = 0
            for usage in obj(state.get("usage_to_metrics")).values():
                self.sink.model(obj(usage).get("model_name"))
                acc = obj(obj(usage).get("accumulated_token_usage"))
                if isinstance(acc.get("prompt_tokens"), int) and isinstance(
                    acc.get("completion_tokens"), int
                ):
                    total_in += acc["prompt_tokens"]
                    total_out += acc["completion_tokens"]
            if state.get("usage_to_metrics"):
                self.usage = {"input_tokens": total_in, "output_tokens": total_out}
            self.sink.stats["v1:state_updates"] += 1
            return
        if name == "execution_status" and isinstance(value, str):
            self.last_state = value
            self.sink.note("execution_status", ev.get("timestamp"), event_id=ev.get("id"), state=value)
            return
        self.sink.stats["v1:state_updates"] += 1
        self.sink.note("state_update", ev.get("timestamp"), event_id=ev.get("id"), key=name, value=value)

    # -- one trajectory ---------------------------------------------------------------------

    def events(self, where: str, events: list[Any]) -> None:
        self.reset(where)
        prefix = f"{where}: " if where else ""
        for i, ev in enumerate(events):
            at = (
                prefix
                + f"event[{i}]"
                + (f" (id {ev.get('id')})" if isinstance(ev, dict) and "id" in ev else "")
            )
            if not _is_event(ev):
                self.sink.skip(at, "not an event; expected an object with 'action', 'observation' or 'kind'")
                continue
            try:
                if _is_v1(ev):
                    self.v1(ev)
                elif "action" in ev:
                    self.action(i, ev)
                else:
                    self.observation(ev)
                self.metrics(ev)
            except (ValueError, TypeError, AttributeError) as exc:
                self.sink.skip(at, f"{exc}; expected an OpenHands event")

    def row(self, row: Mapping[str, Any]) -> None:
        """An evaluation row's own fields: the model it ran, and its error."""
        metadata = obj(row.get("metadata"))
        self.sink.model(obj(metadata.get("llm_config")).get("model"))  # V0 EvalMetadata
        self.sink.model(obj(metadata.get("llm")).get("model"))  # V1 (OpenHands/benchmarks)
        if isinstance(row.get("error"), str) and row["error"]:
            self.error = row["error"]

    def end(self, last_time: Any) -> None:
        done = {"turns": self.turn, "usage": self.usage}
        if self.finished is not None:
            args = obj(self.finished.get("args"))
            self.sink.end(
                {
                    "status": "success",
                    "reason": "finish",
                    "final_thought": args.get("final_thought") or self.finished.get("message"),
                    "outputs": args.get("outputs"),
                    **done,
                },
                last_time,
            )
        elif self.error is not None:
            self.sink.end({"status": "error", "reason": self.error, **done}, last_time)
        elif self.last_state in _END_STATES:
            status = _END_STATES[self.last_state]
            self.sink.end({"status": status, "reason": f"agent state {self.last_state}", **done}, last_time)
        else:
            self.sink.end(
                {
                    "status": "interrupted",
                    "reason": f"no finish action (last agent state {self.last_state})",
                    **done,
                },
                last_time,
            )


def _edit_outcome(args: Mapping[str, Any], extras: Mapping[str, Any]) -> tuple[str, str | None]:
    """``(operation, text of the whole file after it)`` of a successful ``edit`` observation.

    Until OpenHands 0.24 (and in LLM-based edits) ``new_content`` is the whole file and
    ``prev_exist`` is set. Since the runtime calls the OH_ACI editor directly (#6671, Feb 2025)
    ``old_content`` / ``new_content`` are the action's ``old_str`` / ``new_str`` and ``prev_exist``
    is never set (always false): the editor ``command`` says what happened, and only a
    ``create`` (its ``file_text``) gives the file's bytes.
    """
    command = args.get("command")
    new_content = extras.get("new_content")
    whole = new_content if isinstance(new_content, str) else None
    if not isinstance(command, str) or not command:  # LLM-based edit
        return ("create" if extras.get("prev_exist") is False else "edit"), whole
    if whole is not None and whole == args.get("new_str"):
        whole = None  # the replacement text, not the file
    if command == "create":
        body = args.get("file_text")
        return "create", body if isinstance(body, str) else whole
    return "edit", whole


def _working_dir(events: list[Any]) -> str | None:
    """The first working directory a command observation reports (V0 ``extras.metadata``,
    V1 ``observation.metadata``), or None."""
    for ev in events:
        if not isinstance(ev, dict):
            continue
        for holder in (obj(ev.get("extras")), obj(ev.get("observation"))):
            found = obj(holder.get("metadata")).get("working_dir")
            if isinstance(found, str) and found.startswith("/"):
                return found
    return None


def _system_version(events: list[Any]) -> str | None:
    for ev in events[:10]:
        if isinstance(ev, dict) and ev.get("action") == "system":
            version = obj(ev.get("args")).get("openhands_version")
            if isinstance(version, str) and version:
                return version
    return None


def convert(data: bytes, filename: str, sink: Sink) -> None:
    try:
        doc = load_json(data, filename, expected=EXPECTED)
    except ImportFormatError:
        if not _looks_like_jsonl(data):
            raise
        rows, broken = _jsonl_rows(data)
        for lineno, reason in broken:
            sink.skip(f"line {lineno}", reason)
    else:
        found = _rows(doc)
        if found is None:
            wrapper = next((n for n in _WRAPPERS if isinstance(doc, dict) and n in doc), None)
            where = f"field '{wrapper}' is" if wrapper else "top level is"
            raise ImportFormatError(
                f"{where} not an event list (a JSON {json_type(doc[wrapper] if wrapper else doc)}); "
                f"expected {EXPECTED}",
                file=filename,
            )
        rows = found
    events = [e for _, _, evs in rows for e in evs]
    first = next((e for e in events if isinstance(e, dict)), {})
    ids = [row.get("instance_id") for _, row, _ in rows if isinstance(row.get("instance_id"), str)]
    sink.start(
        {
            "agent": "openhands",
            "session_id": ids[0] if len(ids) == 1 else None,
            "instances": ids if len(ids) > 1 else None,
            "source_version": _system_version(events),
        },
        first.get("timestamp"),
    )
    converter = _Converter(sink)
    for where, row, row_events in rows:
        if len(rows) > 1:
            sink.note("instance", None, where=where, instance_id=row.get("instance_id"))
        converter.row(row)
        converter.cwd = _working_dir(row_events)
        converter.events(where, row_events)
    last_time = next(
        (e.get("timestamp") for e in reversed(events) if isinstance(e, dict) and e.get("timestamp")), None
    )
    converter.end(last_time)


IMPORTER = Importer(
    FORMAT, MEDIA_TYPE, "OpenHands event list (saved trajectory)", detect, convert, media_type_of
)

__all__ = ["FORMAT", "IMPORTER", "convert", "detect"]
