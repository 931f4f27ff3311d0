"""OpenAI Codex CLI rollouts: ``~/.codex/sessions/YYYY/MM/DD/rollout-<time>-<uuid>.jsonl``.

Shapes follow openai/codex ``codex-rs/protocol`` (``RolloutLine`` / ``RolloutItem`` in
protocol.rs, ``ResponseItem`` in models.rs) and the persistence policy in
``core/src/rollout/policy.rs``. A line is ``{"timestamp", "type", "payload"}`` with ``type``
session_meta | turn_context | response_item | event_msg | compacted. Rollouts written before
mid-2025 have no wrapper: a bare session header ``{"id", "timestamp", "instructions"?, "git"?}``,
then bare response items and ``{"record_type": "state"}`` snapshots. Mapped:

- the first ``session_meta`` → ``build_start`` (session id, cwd, cli version, provider, git,
  the parent thread of a sub-agent); a later one (a resumed or forked history) → ``note``;
- ``turn_context`` → the model in use (a ``ModelSeen`` with the session's provider) and a
  ``note`` marking the user turn (cwd, approval and sandbox policy, effort); newer CLIs repeat
  it before every request of a turn: a repeat with the same ``turn_id`` and settings is counted
  (``repeated:turn_context``), not noted;
- response items: user / developer / system ``message`` → ``model_request`` (only the new
  message: the file does not keep the full request); the model's consecutive output items
  (``reasoning`` summaries — never ``encrypted_content`` —, assistant ``message``, calls) → one
  ``model_response``; ``function_call`` / ``custom_tool_call`` / ``local_shell_call`` →
  ``tool_call`` (shell commands with ``input.command`` and ``input.argv``), their outputs →
  ``tool_result`` paired by ``call_id``, plus ``exec`` for a command that ran (exit code from the
  output's metadata, its text or an ``exec_command_end`` event) and ``file_write`` per file of an
  ``apply_patch`` that did not fail; ``web_search_call`` → a server-side call and result; any
  other item (ghost_snapshot, compaction, …) → ``note``;
- ``event_msg`` (UI events): user_message / agent_message / agent_reasoning repeat the response
  items and are counted as ``duplicates:<type>`` in ``stats``, not imported twice; one with no
  response item behind it (clients that persist only events) is imported in its place, flagged
  ``from_event_msg``. ``token_count`` gives the ``build_end`` usage; ``exec_command_end`` /
  ``patch_apply_end`` complete the call they name; every other event → ``note`` (after the
  model output read before it);
- ``compacted`` → ``note`` (the summary; the replacement history only counted);
- multi-agent CLIs (2026): ``world_state`` (what the agent is told of its environment) and
  ``inter_agent_communication`` (a message between agents: author, recipient, content) → ``note``;
  ``inter_agent_communication_metadata`` (a turn-trigger flag) counted in ``stats``.

Records of unknown ``type``, payloads that are not objects and calls without ids are skipped
and listed; ``record_type: state`` snapshots hold nothing and are counted in ``stats``.
"""

from __future__ import annotations

import json
import posixpath
import re
import shlex
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ledger.errors import ImportFormatError
from ledger.importers.api import Importer
from ledger.importers.base import (
    Sink,
    head_values,
    json_type,
    key,
    loads,
    lst,
    obj,
    object_lines,
    relative_to,
    text_of,
)
from ledger.importers.patches import PATCH_FAILED_RE, patch_files
from ledger.trajectory.events import EventType

FORMAT = "codex"
MEDIA_TYPE = "application/x-ndjson"
KINDS = frozenset(
    {
        "session_meta",
        "turn_context",
        "response_item",
        "event_msg",
        "compacted",
        # RolloutItem variants of the multi-agent CLIs (codex-rs/protocol, 2026)
        "world_state",
        "inter_agent_communication",
        "inter_agent_communication_metadata",
    }
)
# ResponseItem variants (models.rs); bare lines of these types make up the old layout
ITEM_TYPES = frozenset(
    {
        "message",
        "reasoning",
        "function_call",
        "function_call_output",
        "custom_tool_call",
        "custom_tool_call_output",
        "local_shell_call",
        "web_search_call",
        "tool_search_call",
        "tool_search_output",
        "image_generation_call",
        "ghost_snapshot",
        "compaction",
        "compaction_summary",
    }
)
OUTPUT_ITEMS = frozenset(
    {"reasoning", "function_call", "custom_tool_call", "local_shell_call", "web_search_call"}
)
# event_msg types that repeat a response item: (the item role or type they repeat)
DUPLICATE_EVENTS = {
    "user_message": "user",
    "agent_message": "assistant",
    "agent_reasoning": "reasoning",
    "agent_reasoning_raw_content": "reasoning_raw",
}
MERGED_EVENTS = frozenset({"exec_command_end", "patch_apply_end", "token_count"})
SHELL_TOOLS = frozenset({"shell", "container.exec", "local_shell"})
COMMAND_TOOLS = frozenset({"shell_command", "exec_command"})
SHELLS = frozenset({"bash", "sh", "zsh", "/bin/bash", "/bin/sh", "/bin/zsh", "/usr/bin/bash", "/usr/bin/zsh"})
# user-role messages Codex writes itself, not the user: named by their opening tag
INJECTED_RE = re.compile(r"\A\s*(?:<(environment_context|user_instructions|user_shell_command|turn_aborted)>"
                         r"|(# AGENTS\.md instructions))")  # fmt: skip
EXIT_CODE_RE = re.compile(r"^(?:Exit code:|Process exited with code) (-?\d+)\s*$", re.MULTILINE)
WALL_TIME_RE = re.compile(r"^Wall time: ([0-9.]+) seconds\s*$", re.MULTILINE)
RUNNING_RE = re.compile(r"^Process running with session ID (\S+)", re.MULTILINE)


def detect(data: bytes, filename: str) -> float:
    """High when the first parseable lines are rollout lines (either layout)."""
    values = head_values(data)
    hits = 0.0
    for index, value in enumerate(values):
        if not isinstance(value, dict):
            continue  # a stray line lowers the score; it does not veto the file
        kind = key(value.get("type"))
        if kind in KINDS and isinstance(value.get("payload"), dict):
            hits += 1
        elif index == 0 and _is_legacy_header(value):
            hits += 1 if "instructions" in value else 0.8
        elif kind in ITEM_TYPES and ("role" in value or "call_id" in value or "summary" in value):
            hits += 0.9
        elif value.get("record_type") == "state":
            hits += 0.8
    if not values:
        return 0.0
    name = posixpath.basename(filename.replace("\\", "/"))
    rollout = name.startswith("rollout-") and name.endswith(".jsonl")
    return min(1.0, hits / len(values) * (1.0 if rollout else 0.95))


def _is_legacy_header(rec: Mapping[str, Any]) -> bool:
    """The first line of an old rollout: the session, with no ``type``/``payload`` wrapper."""
    return "type" not in rec and isinstance(rec.get("id"), str) and isinstance(rec.get("timestamp"), str)


def _lines(
    records: list[tuple[int, dict[str, Any]]], sink: Sink
) -> list[tuple[int, str, dict[str, Any], Any]]:
    """Both layouts as ``(line, kind, payload, timestamp)``; what is neither is skipped here."""
    out: list[tuple[int, str, dict[str, Any], Any]] = []
    for index, (lineno, rec) in enumerate(records):
        kind = rec.get("type")
        where = f"line {lineno}"
        if "payload" in rec:
            payload = rec.get("payload")
            if key(kind) not in KINDS:
                sink.skip(
                    where,
                    f"unknown rollout line type {_show(kind)}; expected one of {', '.join(sorted(KINDS))}",
                )
            elif not isinstance(payload, dict):
                sink.skip(where, f"{kind} payload is a JSON {json_type(payload)}; expected an object")
            else:
                out.append((lineno, str(kind), payload, rec.get("timestamp")))
        elif index == 0 and _is_legacy_header(rec):
            out.append((lineno, "session_meta", {**rec, "legacy": True}, rec.get("timestamp")))
        elif rec.get("record_type") == "state":
            sink.stats["legacy_state_records"] += 1  # an empty state snapshot of the old layout
        elif key(kind) in ITEM_TYPES:
            out.append((lineno, "response_item", rec, rec.get("timestamp")))
        elif kind is None:
            sink.skip(where, "line has no 'type'; expected a rollout line {timestamp, type, payload}")
        else:
            sink.skip(
                where, f"unknown rollout line type {_show(kind)} without a payload; expected a rollout line"
            )
    return out


def _show(value: Any) -> str:
    return repr(value) if isinstance(value, str) else f"of JSON type {json_type(value)}"


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _content_text(content: Any) -> str | None:
    """Text of a message's content (parts list or a bare string); None if it is neither."""
    if isinstance(content, str | list):
        return text_of(content)
    return None


def _summary_texts(item: Mapping[str, Any]) -> list[str]:
    return [
        p["text"] for p in lst(item.get("summary")) if isinstance(p, dict) and isinstance(p.get("text"), str)
    ]


def _raw_texts(item: Mapping[str, Any]) -> list[str]:
    return [
        p["text"] for p in lst(item.get("content")) if isinstance(p, dict) and isinstance(p.get("text"), str)
    ]


def _without_encrypted(value: Any) -> Any:
    """``value`` with every ``encrypted_content`` dropped: opaque to us, never worth keeping."""
    if isinstance(value, dict):
        return {k: _without_encrypted(v) for k, v in value.items() if k != "encrypted_content"}
    if isinstance(value, list):
        return [_without_encrypted(v) for v in value]
    return value


def _arguments(raw: Any) -> tuple[dict[str, Any], bool]:
    """A function call's ``arguments`` (JSON text) as an object; False if it was not JSON."""
    if isinstance(raw, dict):
        return dict(raw), True
    if not isinstance(raw, str):
        return ({} if raw is None else {"arguments": raw}), raw is None
    try:
        value = loads(raw)
    except ValueError:
        return {"arguments": raw}, False
    return (value if isinstance(value, dict) else {"arguments": value}), True


def _command_of(argv: list[str]) -> str:
    """The command a shell argv runs: the script of ``bash -lc SCRIPT``, else the argv quoted."""
    if len(argv) == 3 and argv[0] in SHELLS and argv[1] in ("-c", "-lc", "-l", "-ic"):
        return argv[2]
    return shlex.join(argv)


@dataclass(frozen=True)
class _Call:
    """What a call's result needs to know of it: the command it runs, the patch it applies."""

    name: str
    argv: list[str] | None
    cwd: str | None
    patch: str | None


class _Converter:
    def __init__(self, sink: Sink, lines: list[tuple[int, str, dict[str, Any], Any]]) -> None:
        self.sink = sink
        self.lines = lines
        self.turn = 0
        self.user_turns = 0
        self.cwd: str | None = None
        self.model: str | None = None
        self.provider: str | None = None
        self.pending: list[tuple[int, dict[str, Any], Any, bool]] = []  # model output items
        self.calls: dict[str, _Call] = {}
        self.answered: set[str] = set()
        self.usage: dict[str, int] = {}
        self.usage_totals = False
        self.last_time: Any = None
        self.last_turn: str | None = None
        self.meta_seen = False
        self.turn_ids: set[Any] = set()
        self.last_context: dict[str, Any] | None = None
        # what the response items say, so that event_msg copies of them are not imported twice
        self.item_texts: Counter[tuple[str, str]] = Counter()
        self.exec_ends: dict[str, dict[str, Any]] = {}
        self.patch_ends: dict[str, dict[str, Any]] = {}
        for _, kind, payload, _ in lines:
            if kind == "response_item":
                for label, text in self._item_texts(payload):
                    self.item_texts[(label, text.strip())] += 1
            elif kind == "event_msg" and isinstance(payload.get("call_id"), str):
                if payload.get("type") == "exec_command_end":
                    self.exec_ends[payload["call_id"]] = payload
                elif payload.get("type") == "patch_apply_end":
                    self.patch_ends[payload["call_id"]] = payload

    @staticmethod
    def _item_texts(item: Mapping[str, Any]) -> list[tuple[str, str]]:
        if item.get("type") == "message" and item.get("role") in ("user", "assistant"):
            text = _content_text(item.get("content"))
            return [(str(item["role"]), text)] if text is not None else []
        if item.get("type") == "reasoning":
            return [("reasoning", t) for t in _summary_texts(item)] + [
                ("reasoning_raw", t) for t in _raw_texts(item)
            ]
        return []

    def run(self) -> None:
        first = next(((p, t) for _, k, p, t in self.lines if k == "session_meta"), None)
        self.start(*(first if first is not None else ({}, None)))
        for lineno, kind, payload, when in self.lines:
            if when is not None:
                self.last_time = when
            try:
                if kind == "session_meta":
                    self.session_meta(payload, when)
                elif kind == "turn_context":
                    self.turn_context(payload, when)
                elif kind == "response_item":
                    self.item(lineno, payload, when)
                elif kind == "event_msg":
                    self.event(lineno, payload, when)
                elif kind == "world_state":
                    self.flush()  # a snapshot of what the agent is told of its world: AGENTS.md, envs
                    self.sink.note("world_state", when, full=payload.get("full"), state=payload.get("state"))
                elif kind == "inter_agent_communication":
                    self.flush()
                    self.sink.note("inter_agent_communication", when, **_without_encrypted(payload))
                elif kind == "inter_agent_communication_metadata":
                    self.sink.stats["inter_agent_communication_metadata"] += 1  # a turn trigger flag
                else:  # compacted
                    self.flush()
                    history = payload.get("replacement_history")
                    self.sink.note(
                        "compacted",
                        when,
                        text=_str(payload.get("message")),
                        replacement_history_items=len(history) if isinstance(history, list) else None,
                    )
            except (ValueError, TypeError, AttributeError) as exc:
                self.sink.skip(f"line {lineno}", f"{exc}; expected a Codex {kind} record")
        self.flush()
        usage = {k: v for k, v in self.usage.items() if k in ("input_tokens", "output_tokens")} or None
        self.sink.end(
            {
                "status": "interrupted",
                "reason": "a Codex rollout records no exit status",
                "turns": self.turn,
                "user_turns": self.user_turns,
                "last_turn": self.last_turn,
                "usage": usage,
                "usage_detail": dict(self.usage) if self.usage else None,
            },
            self.last_time,
        )

    # -- session and turns -----------------------------------------------------------------

    def start(self, meta: Mapping[str, Any], when: Any) -> None:
        self.meta_seen = bool(meta)
        self.cwd = _str(meta.get("cwd"))
        self.provider = _str(meta.get("model_provider"))
        source = meta.get("source")
        spawn = obj(obj(obj(source).get("subagent")).get("thread_spawn"))
        git = obj(meta.get("git"))
        self.sink.start(
            {
                "agent": "codex",
                "source_version": meta.get("cli_version"),
                "session_id": meta.get("id"),
                "cwd": self.cwd,
                "originator": meta.get("originator"),
                "model_provider": self.provider,
                "session_source": source if isinstance(source, str | dict) else None,
                "parent_session_id": spawn.get("parent_thread_id"),
                "forked_from_id": meta.get("forked_from_id"),
                "agent_nickname": meta.get("agent_nickname"),
                "agent_role": meta.get("agent_role"),
                "git": {k: git[k] for k in ("commit_hash", "branch", "repository_url") if k in git} or None,
                "legacy_layout": True if meta.get("legacy") else None,
            },
            when if when is not None else meta.get("timestamp"),
        )

    def session_meta(self, meta: Mapping[str, Any], when: Any) -> None:
        if self.meta_seen:  # the first one is build_start
            self.meta_seen = False
            return
        self.sink.stats["later_session_meta"] += 1
        self.sink.note("session_meta", when, session_id=meta.get("id"), cwd=meta.get("cwd"))

    def turn_context(self, ctx: Mapping[str, Any], when: Any) -> None:
        """The settings of a turn. CLIs since ~0.100 write one before every model request of the
        turn (same ``turn_id``): a turn is counted once, and a repeat becomes a note only when
        a setting changed."""
        self.flush()
        model = ctx.get("model")
        if isinstance(model, str) and model:
            self.model = model
            self.sink.model(model, self.provider)
        if isinstance(ctx.get("cwd"), str):
            self.cwd = ctx["cwd"]
        fields = {
            "turn_id": ctx.get("turn_id"),
            "model": model,
            "cwd": ctx.get("cwd"),
            "effort": ctx.get("effort"),
            "summary": ctx.get("summary"),
            "approval_policy": ctx.get("approval_policy"),
            "sandbox_policy": ctx.get("sandbox_policy"),
        }
        turn_id = key(ctx.get("turn_id"))
        if turn_id is None or turn_id not in self.turn_ids:
            self.user_turns += 1
            if turn_id is not None:
                self.turn_ids.add(turn_id)
        elif fields == self.last_context:
            self.sink.stats["repeated:turn_context"] += 1
            return
        self.last_context = fields
        self.sink.note("turn_context", when, **fields)

    # -- response items --------------------------------------------------------------------

    def item(self, lineno: int, item: dict[str, Any], when: Any, from_event: bool = False) -> None:
        kind = item.get("type")
        role = item.get("role")
        if (kind == "message" and role == "assistant") or key(kind) in OUTPUT_ITEMS:
            if kind == "message" and _content_text(item.get("content")) is None:
                raise ValueError(f"message content is a JSON {json_type(item.get('content'))}, not parts")
            self.pending.append((lineno, item, when, from_event))
            return
        self.flush()
        if kind == "message":
            self.request(item, when, from_event)
        elif kind in ("function_call_output", "custom_tool_call_output"):
            self.result(lineno, item, when)
        elif kind in ("ghost_snapshot", "compaction", "compaction_summary"):
            self.sink.stats[f"items:{kind}"] += 1
            fields = _without_encrypted({k: v for k, v in item.items() if k != "type"})
            self.sink.note(
                str(kind), when, item=fields or None, encrypted=True if "encrypted_content" in item else None
            )
        else:  # tool_search_*, image_generation_call, unknown future items: kept as they are
            self.sink.stats[f"items:{kind}"] += 1
            fields = _without_encrypted({k: v for k, v in item.items() if k not in ("type", "result")})
            self.sink.note(f"item:{kind}", when, item=fields or None)

    def request(self, item: Mapping[str, Any], when: Any, from_event: bool) -> None:
        content = item.get("content")
        text = _content_text(content)
        if text is None:
            raise ValueError(f"message content is a JSON {json_type(content)}, not parts")
        role = item.get("role")
        injected = INJECTED_RE.match(text) if role == "user" else None
        self.sink.emit(
            EventType.MODEL_REQUEST,
            {
                "turn": self.turn,
                "model": self.model,
                "request": {"messages": [{"role": role, "content": content}]},
                "request_scope": "new_messages",
                "injected": (injected.group(1) or "agents_md") if injected else None,
                "item_id": item.get("id"),
                "from_event_msg": True if from_event else None,
            },
            when,
        )

    def flush(self) -> None:
        """One ``model_response`` for the model's consecutive output items, then its calls."""
        if not self.pending:
            return
        items, self.pending = self.pending, []
        content: list[dict[str, Any]] = []
        calls: list[tuple[dict[str, Any], Any, tuple[str, str, dict[str, Any]]]] = []
        for lineno, item, when, _ in items:
            kind = item.get("type")
            if kind == "reasoning":
                summary = _summary_texts(item)
                if summary:
                    content.append({"type": "thinking", "thinking": "\n".join(summary)})
                if item.get("encrypted_content") is not None or item.get("content"):
                    self.sink.stats["reasoning_withheld"] += 1  # encrypted or raw: not copied
            elif kind == "message":
                text = _content_text(item.get("content"))
                block: dict[str, Any] = {"type": "text", "text": text}
                if item.get("phase") is not None:
                    block["phase"] = item.get("phase")
                content.append(block)
            else:
                call = self.call(lineno, item)
                if call is not None:
                    content.append({"type": "tool_use", "id": call[0], "name": call[1], "input": call[2]})
                    calls.append((item, when, call))
        from_event = any(f for *_, f in items)
        self.sink.emit(
            EventType.MODEL_RESPONSE,
            {
                "turn": self.turn,
                "model": self.model,
                "provider": self.provider,
                "response": {"role": "assistant", "model": self.model, "content": content},
                "item_ids": [i.get("id") for _, i, _, _ in items if i.get("id") is not None] or None,
                "from_event_msg": True if from_event else None,
            },
            items[0][2],
        )
        for item, when, call in calls:
            self.emit_call(item, when, *call)
        self.turn += 1

    def call(self, lineno: int, item: Mapping[str, Any]) -> tuple[str, str, dict[str, Any]] | None:
        """``(id, name, input)`` of a call item, or None (skipped) if it names no call."""
        kind = item.get("type")
        where = f"line {lineno}"
        if kind == "web_search_call":
            return _str(item.get("id")) or f"web_search@{lineno}", "web_search", obj(item.get("action"))
        call_id = item.get("call_id")
        if kind == "local_shell_call" and not isinstance(call_id, str):
            call_id = item.get("id")
        if not isinstance(call_id, str) or not call_id:
            self.sink.skip(where, f"{kind} without a string call_id; expected one to pair its output")
            return None
        if kind == "local_shell_call":
            action = obj(item.get("action"))
            return call_id, "local_shell", {k: v for k, v in action.items() if k != "type"}
        name = item.get("name")
        if not isinstance(name, str) or not name:
            self.sink.skip(where, f"{kind} without a string name; expected the tool's name")
            return None
        if kind == "custom_tool_call":
            raw = item.get("input")
            return call_id, name, {"input": raw if isinstance(raw, str) else json.dumps(raw)}
        args, ok = _arguments(item.get("arguments"))
        if not ok:
            self.sink.stats["arguments_not_json"] += 1
            args["arguments_not_json"] = True
        return call_id, name, args

    def emit_call(
        self, item: Mapping[str, Any], when: Any, call_id: str, name: str, tool_input: dict[str, Any]
    ) -> None:
        argv, command, cwd, patch = self.command(name, tool_input)
        if command is not None:
            tool_input = {**tool_input, "command": command, "argv": argv}
        self.calls[call_id] = _Call(name, argv, cwd, patch)
        kind = item.get("type")
        extra: dict[str, Any] = {"turn": self.turn, "item_type": kind, "status": item.get("status")}
        if kind == "web_search_call":
            self.sink.tool_call(call_id, name, tool_input, when, server_side=True, **extra)
            if item.get("status") in (None, "completed"):
                self.sink.tool_result(call_id, "", False, when, server_side=True, status=item.get("status"))
            return
        self.sink.tool_call(call_id, name, tool_input, when, **extra)

    def command(
        self, name: str, args: Mapping[str, Any]
    ) -> tuple[list[str] | None, str | None, str | None, str | None]:
        """``(argv, command, cwd, patch)`` of a call: what it runs, or the patch it applies."""
        cwd = args.get("workdir") or args.get("working_directory")
        cwd = cwd if isinstance(cwd, str) else self.cwd
        if name == "apply_patch":
            patch = args.get("input") if isinstance(args.get("input"), str) else args.get("patch")
            return None, None, cwd, patch if isinstance(patch, str) else None
        argv: list[str] | None = None
        if name in SHELL_TOOLS or (isinstance(args.get("command"), list) and name not in COMMAND_TOOLS):
            raw = args.get("command")
            if isinstance(raw, list) and raw and all(isinstance(a, str) for a in raw):
                argv = list(raw)
            elif isinstance(raw, str) and raw.strip() and name in SHELL_TOOLS:
                argv = ["bash", "-lc", raw]  # a script where the schema says argv: run by a shell
        elif name in COMMAND_TOOLS:
            script = args.get("cmd") if name == "exec_command" else args.get("command")
            if isinstance(script, str):
                argv = [
                    _str(args.get("shell")) or "bash",
                    "-c" if args.get("login") is False else "-lc",
                    script,
                ]
        if argv is None:
            return None, None, cwd, None
        command = _command_of(argv)
        first = command.split(None, 1)[0] if command.strip() else ""
        patch = command if first in ("apply_patch", "applypatch") and "*** Begin Patch" in command else None
        return argv, command, cwd, patch

    def result(self, lineno: int, item: Mapping[str, Any], when: Any) -> None:
        call_id = item.get("call_id")
        if not isinstance(call_id, str) or not call_id:
            self.sink.skip(
                f"line {lineno}", f"{item.get('type')} without a string call_id; expected the call's id"
            )
            return
        output = item.get("output")
        is_error = False
        meta: dict[str, Any] = {}
        if isinstance(output, dict) and "content" not in output and isinstance(output.get("type"), str):
            output = [output]  # one content item on its own, not in a list
        elif isinstance(output, dict):  # early Rust CLI: {content, success}
            is_error = output.get("success") is False
            output = output.get("content")
        text = _content_text(output)
        if text is None:
            raise ValueError(f"{item.get('type')} output is a JSON {json_type(output)}, not text or parts")
        if isinstance(output, str) and output.startswith("{"):
            try:
                inner = loads(output)
            except ValueError:
                inner = None
            if (
                isinstance(inner, dict)
                and isinstance(inner.get("output"), str)
                and isinstance(inner.get("metadata"), dict)
            ):
                text, meta = inner["output"], inner["metadata"]  # shell / apply_patch: {output, metadata}
        call = self.calls.get(call_id)
        ended = self.exec_ends.get(call_id, {})
        code = meta.get("exit_code", ended.get("exit_code"))
        if not isinstance(code, int) or isinstance(code, bool):
            found = (
                EXIT_CODE_RE.search(text)
                if call is not None and (call.argv or call.patch is not None)
                else None
            )
            code = int(found.group(1)) if found else None
        if code is not None and code != 0:
            is_error = True
        if call_id in self.answered:
            self.sink.stats["repeated_outputs"] += 1
        self.answered.add(call_id)
        self.sink.tool_result(call_id, text, is_error, when, item_type=item.get("type"))
        if call is not None:
            self.effects(call_id, call, text, code, meta, ended, is_error, when)

    def effects(
        self,
        call_id: str,
        call: _Call,
        text: str,
        code: int | None,
        meta: Mapping[str, Any],
        ended: Mapping[str, Any],
        is_error: bool,
        when: Any,
    ) -> None:
        """``exec`` for a command that ran, ``file_write`` per file of a patch that applied."""
        if call.patch is not None:
            applied = self.patch_ends.get(call_id, {}).get("success")
            failed = (
                applied is False or is_error or (applied is None and PATCH_FAILED_RE.match(text) is not None)
            )
            if failed:
                return
            for path, operation, extra in patch_files(call.patch):
                data = {
                    "path": relative_to(path, call.cwd),
                    "operation": operation,
                    "tool_call_id": call_id,
                }
                if extra.get("moved_from"):
                    extra = {**extra, "moved_from": relative_to(extra["moved_from"], call.cwd)}
                self.sink.emit(EventType.FILE_WRITE, {**data, **extra}, when)
            return
        if call.argv is None:
            return
        running = RUNNING_RE.search(text)
        if code is None and is_error:
            return  # refused or failed to start: it never ran
        seconds = meta.get("duration_seconds")
        if not isinstance(seconds, int | float) or isinstance(seconds, bool):
            wall = WALL_TIME_RE.search(text)
            seconds = float(wall.group(1)) if wall else None
        duration = ended.get("duration")
        if isinstance(duration, dict) and isinstance(duration.get("secs"), int):  # serde's Duration
            nanos = duration.get("nanos")
            seconds = duration["secs"] + (nanos / 1e9 if isinstance(nanos, int) else 0)
        self.sink.emit(
            EventType.EXEC,
            {
                "argv": call.argv,
                "cwd": call.cwd,
                "exit_code": code,
                "duration_ms": round(seconds * 1000) if isinstance(seconds, int | float) else None,
                "background": True if running and code is None else None,
                "session": running.group(1) if running and code is None else None,
                "tool_call_id": call_id,
            },
            when,
        )

    # -- UI events -------------------------------------------------------------------------

    def event(self, lineno: int, ev: dict[str, Any], when: Any) -> None:
        kind = ev.get("type")
        if not isinstance(kind, str):
            self.sink.skip(f"line {lineno}", f"event_msg payload type {_show(kind)}; expected a string")
            return
        if kind in DUPLICATE_EVENTS:
            self.message_event(lineno, kind, ev, when)
        elif kind == "token_count":
            self.token_count(ev)
        elif kind in MERGED_EVENTS:
            self.sink.stats[f"merged:{kind}"] += 1  # read up front: it completes the call it names
        else:
            if kind in ("task_complete", "turn_complete"):
                self.last_turn = "complete"
            elif kind == "turn_aborted":
                self.last_turn = "aborted"
            elif kind in ("task_started", "turn_started"):
                self.last_turn = "started"
            self.sink.stats[f"events:{kind}"] += 1
            self.flush()  # the model output read before this event happened before it
            rest = _without_encrypted({k: v for k, v in ev.items() if k != "type"})
            self.sink.note(kind, when, event=rest or None)

    def message_event(self, lineno: int, kind: str, ev: Mapping[str, Any], when: Any) -> None:
        """A UI copy of a message or reasoning item: counted if the item is there, else imported."""
        label = DUPLICATE_EVENTS[kind]
        text = ev.get("message") if kind in ("user_message", "agent_message") else ev.get("text")
        if not isinstance(text, str):
            self.sink.skip(f"line {lineno}", f"{kind} event without a string text; expected the message")
            return
        if self.item_texts[(label, text.strip())] > 0:
            self.item_texts[(label, text.strip())] -= 1
            self.sink.stats[f"duplicates:{kind}"] += 1
            return
        if kind == "user_message":
            parts: list[dict[str, Any]] = [{"type": "input_text", "text": text}]
            parts += [
                {"type": "input_image", "image_url": u} for u in lst(ev.get("images")) if isinstance(u, str)
            ]
            self.item(lineno, {"type": "message", "role": "user", "content": parts}, when, from_event=True)
        elif kind == "agent_message":
            item = {
                "type": "message",
                "role": "assistant",
                "content": [{"type": "output_text", "text": text}],
            }
            self.item(lineno, item, when, from_event=True)
        elif kind == "agent_reasoning":
            item = {"type": "reasoning", "summary": [{"type": "summary_text", "text": text}]}
            self.item(lineno, item, when, from_event=True)
        else:  # raw reasoning with no item: withheld like the item's own raw content
            self.sink.stats["reasoning_withheld"] += 1

    def token_count(self, ev: Mapping[str, Any]) -> None:
        """The session's usage: the running total when given, else the sum of per-call counts."""
        self.sink.stats["merged:token_count"] += 1
        info = ev.get("info")
        total = obj(obj(info).get("total_token_usage"))
        if total:
            self.usage = {k: v for k, v in total.items() if isinstance(v, int) and not isinstance(v, bool)}
            self.usage_totals = True
        elif not self.usage_totals and info is None and isinstance(ev.get("input_tokens"), int):
            for k, v in ev.items():  # early clients: one response's TokenUsage, flattened
                if isinstance(v, int) and not isinstance(v, bool) and k.endswith("tokens"):
                    self.usage[k] = self.usage.get(k, 0) + v


def convert(data: bytes, filename: str, sink: Sink) -> None:
    records = object_lines(data, sink, "rollout line")
    sink.stats["lines"] = len(records) + sink.skipped_total
    if not records:
        raise ImportFormatError(
            "no JSON record on any line; expected a Codex rollout (JSONL: {timestamp, type, payload} a line)",
            file=filename,
        )
    lines = _lines(records, sink)
    if not lines or not any(kind != "response_item" or _is_codex_item(p) for _, kind, p, _ in lines[:50]):
        raise ImportFormatError(
            f"line {records[0][0]}: no Codex rollout line (type {'/'.join(sorted(KINDS))} with a payload)"
            " in the first records; expected a Codex rollout",
            file=filename,
        )
    _Converter(sink, lines).run()


def _is_codex_item(item: Mapping[str, Any]) -> bool:
    return "role" in item or "call_id" in item or "summary" in item or "action" in item


IMPORTER = Importer(
    FORMAT,
    MEDIA_TYPE,
    "OpenAI Codex CLI rollout JSONL (~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl)",
    detect,
    convert,
)

__all__ = ["FORMAT", "IMPORTER", "convert", "detect"]
