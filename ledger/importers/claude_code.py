"""Claude Code sessions: ``~/.claude/projects/<project>/<session>.jsonl``, one record a line.

Claude Code is not open source; the record shapes here follow the parsers that track it
(claude-code-log's models, ccusage's loader, the session schemas of oneryalcin/agent-schemas).
Records: ``type`` user | assistant | summary | system (subtypes local_command, api_error,
compact_boundary, turn_duration, stop_hook_summary, …) | file-history-snapshot | queue-operation |
progress | attachment | custom-title | … with ``uuid``, ``parentUuid``, ``isSidechain``,
``sessionId``, ``timestamp``, ``cwd``, ``version`` and ``message`` (Anthropic Messages content
blocks). Sub-agents write the same records (all ``isSidechain``) to ``agent-<id>.jsonl``.
``claude -p --output-format stream-json`` output is read too: ``session_id``, ``tool_use_result``,
a sub-agent's messages marked by ``parent_tool_use_id`` (flagged ``sidechain``), and a closing
``result`` record that gives ``build_end`` its status, cost and turn count. Mapped:

- user text → ``model_request`` (only the new messages: the file does not keep the full request);
  user ``tool_result`` blocks → ``tool_result`` paired by ``tool_use_id``;
- assistant → one ``model_response`` per ``message.id``: the CLI writes a streamed message as
  several lines sharing that id (one content block each, usage repeated), merged back here
  (blocks that come after a tool result are a ``continued`` response of the same turn);
  each ``tool_use`` block → ``tool_call``; Bash / PowerShell that ran (succeeded, or failed with
  ``Exit code N`` — 1.0.x CLIs give a failure's bare output, exit code unknown, so where no
  result of the session has that prefix any other error counts as run —, or timed out; a refusal
  or ``<tool_use_error>`` never ran) → ``exec``; Write/Edit/MultiEdit/NotebookEdit that
  succeeded → ``file_write``;
  ``server_tool_use`` / ``mcp_tool_use`` and their ``*_tool_result`` blocks → a paired
  ``tool_call`` / ``tool_result`` flagged ``server_side``; API error stand-ins → ``api_error``;
- usage-only lines (``message`` with ``usage`` and no content, ccusage's fixtures) →
  ``model_response`` flagged ``usage_only``;
- every other record type (known or not) → ``note`` keeping its fields.

``parentUuid`` chains: when the session forked (a prompt edited or rewound), records on a
branch the session left are flagged ``abandoned_branch``; sidechain (sub-agent) records are
flagged ``sidechain``. A ``compact_boundary`` has no ``parentUuid``: it continues its
``logicalParentUuid``, or, when a preserved segment re-parented that message under the
boundary's summary (``compactMetadata.preservedSegment``), the record written just before it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ledger.errors import ImportFormatError
from ledger.importers.api import Importer
from ledger.importers.base import (
    Sink,
    head_values,
    key,
    lst,
    obj,
    object_lines,
    record_digest,
    relative_to,
    str_or,
    text_of,
)
from ledger.trajectory.events import EventType

FORMAT = "claude-code"
MEDIA_TYPE = "application/x-ndjson"
KNOWN_TYPES = frozenset({"user", "assistant", "summary", "system"})
# Record types only Claude Code writes (agent-schemas claude-code/v2.1.144/session.schema.json):
# a session may open with several of these before its first message.
META_TYPES = frozenset(
    {
        "file-history-snapshot",
        "queue-operation",
        "progress",
        "attachment",
        "custom-title",
        "ai-title",
        "agent-name",
        "last-prompt",
        "permission-mode",
        "pr-link",
        "agent-setting",
        "bridge-session",
        "worktree-state",
    }
)
# ``claude -p --output-format stream-json``: the same messages with ``session_id``, between a
# ``system``/``init`` and a closing ``result`` record
STREAM_TYPES = KNOWN_TYPES | {"result"}
ENVELOPE = frozenset(
    {"type", "uuid", "parentUuid", "sessionId", "timestamp", "cwd", "version", "gitBranch", "userType"}
    | {"isSidechain", "slug", "entrypoint", "agentId"}
)
FILE_TOOLS = {"Write": "create", "Edit": "edit", "MultiEdit": "edit", "NotebookEdit": "edit"}
SHELL_TOOLS = {"Bash": ["bash", "-c"], "PowerShell": ["powershell", "-Command"]}
SERVER_TOOL_USE = frozenset({"server_tool_use", "mcp_tool_use"})
EXIT_CODE_RE = re.compile(r"\AExit code (-?\d+)")
TIMED_OUT_RE = re.compile(r"\A\s*Command timed out")  # it ran, and was killed
# error results of a shell call that never ran: refused by the user, a permission rule or a hook,
# invalid input (<tool_use_error>), or interrupted by the user; any other error without
# "Exit code N" is a failed command's own output (CLI 1.0.x wrote it bare, is_error set)
NOT_RUN_RE = re.compile(
    r"\A\s*(?:<tool_use_error>|The user doesn't want to|\[Request interrupted by user"
    r"|Permission to use |Claude requested permissions|Error: No such tool|InputValidationError"
    r"|\S*(?:Pre|Post)ToolUse\S* hook|.{0,80}blocked by (?:a |the )?hook)",
    re.IGNORECASE,
)


def _tool_use_result(rec: Mapping[str, Any]) -> Any:
    """The tool's structured result: ``toolUseResult`` in session files, ``tool_use_result``
    in ``claude -p --output-format stream-json`` output."""
    detail = rec.get("toolUseResult")
    return detail if detail is not None else rec.get("tool_use_result")


def _is_server_result(block: Mapping[str, Any]) -> bool:
    """``web_search_tool_result``, ``code_execution_tool_result``, ``mcp_tool_result``, …"""
    kind = block.get("type")
    return isinstance(kind, str) and kind.endswith("_tool_result") and kind != "tool_result"


def detect(data: bytes, filename: str) -> float:
    """High when the first parseable lines look like session records."""
    values = head_values(data)
    hits = 0.0
    for value in values:
        if not isinstance(value, dict):
            continue  # a stray line lowers the score; it does not veto the file
        message = value.get("message")
        if "sessionId" in value and (isinstance(message, dict) or "uuid" in value):
            hits += 1
        elif (
            (value.get("type") == "summary" and "leafUuid" in value)
            or (key(value.get("type")) in KNOWN_TYPES and "uuid" in value)
            or (key(value.get("type")) in META_TYPES and ("sessionId" in value or "snapshot" in value))
            or (key(value.get("type")) in STREAM_TYPES and "session_id" in value)
        ):
            hits += 0.8
    if not values:
        return 0.0
    base = hits / len(values)
    return min(1.0, base * (1.0 if filename.endswith(".jsonl") else 0.95))


def _is_prompt(rec: Mapping[str, Any]) -> bool:
    """A user record that carries something the user typed (not a tool result, meta or summary)."""
    if rec.get("type") != "user" or rec.get("isMeta") or rec.get("isCompactSummary"):
        return False
    content = obj(rec.get("message")).get("content")
    if isinstance(content, str):
        texts: list[Any] = [content]
    else:
        blocks = [b for b in lst(content) if isinstance(b, dict) and b.get("type") != "tool_result"]
        texts = [b.get("text") if b.get("type") == "text" else None for b in blocks]  # images count
    return any(
        not isinstance(t, str) or (t.strip() and not t.startswith("[Request interrupted")) for t in texts
    )


def _abandoned(records: list[tuple[int, dict[str, Any]]]) -> set[str]:
    """uuids of main-thread records on a branch the session left (a prompt edited or rewound).

    A branch is a subtree hanging off the path from the session's last message up to its root.
    Only a branch holding a user prompt was left behind: the CLI also hangs tool results of
    parallel calls, streamed parts and progress/hook records off that path, and the
    conversation went on with them (claude-code-log dag.py ``_stitch_tool_results``).
    """
    parent: dict[str, str | None] = {}
    prompts: set[str] = set()
    leaf: str | None = None
    logical: list[tuple[str, str, str | None]] = []  # boundary, its logicalParentUuid, the record before it
    before: str | None = None
    for _, rec in records:
        uid = rec.get("uuid")
        if not isinstance(uid, str) or rec.get("isSidechain"):
            continue
        p, lp = rec.get("parentUuid"), rec.get("logicalParentUuid")
        parent[uid] = p if isinstance(p, str) and p else None
        if parent[uid] is None and isinstance(lp, str) and lp:
            logical.append((uid, lp, before))
        before = uid
        if rec.get("type") in ("user", "assistant"):
            leaf = uid
        if _is_prompt(rec):
            prompts.add(uid)
    if leaf is None:
        return set()
    for uid, lp, prev in logical:
        # A compaction that keeps a preserved segment re-parents the segment's tail (the logical
        # parent) under the summary, below the boundary itself: the boundary then continues the
        # record written just before it (claude-code-log dag_compact_after_rewind_preserved.jsonl).
        parent[uid] = prev if _descends(lp, uid, parent) else lp
    main: set[str] = set()
    node: str | None = leaf
    while node is not None and node not in main:
        main.add(node)
        node = parent.get(node)
    # Each off-path record's branch: the record whose parent is on the main path, if any.
    branch_of: dict[str, str | None] = {}
    for start in parent:
        path: list[str] = []
        on_path: set[str] = set()
        node = start
        root: str | None = None
        while node is not None and node not in main:
            if node in on_path:  # a parentUuid cycle (malformed file): not part of the main thread
                break
            if node in branch_of:
                root = branch_of[node]
                break
            path.append(node)
            on_path.add(node)
            up = parent.get(node)
            if up is not None and up in main:
                root = node
                break
            node = up
        for item in path:
            branch_of[item] = root
    left = {root for uid, root in branch_of.items() if root is not None and uid in prompts}
    return {uid for uid, root in branch_of.items() if root in left}


def _descends(node: str | None, ancestor: str, parent: Mapping[str, str | None]) -> bool:
    """Whether ``ancestor`` is on the parent chain from ``node`` up (``node`` itself included)."""
    seen: set[str] = set()
    while node is not None and node not in seen:
        if node == ancestor:
            return True
        seen.add(node)
        node = parent.get(node)
    return False


class _Converter:
    def __init__(self, sink: Sink, filename: str) -> None:
        self.sink = sink
        self.filename = filename
        self.turn = 0
        self.cwd: str | None = None
        self.calls: dict[str, tuple[str, dict[str, Any], str | None]] = {}  # id -> name, input, cwd
        self.pending: list[tuple[int, dict[str, Any]]] = []  # assistant lines of one message.id
        self.usage_seen: set[tuple[str, str]] = set()
        self.abandoned: set[str] = set()
        self.last_time: Any = None
        self.usage = {"input_tokens": 0, "output_tokens": 0}
        self.flushed: dict[Any, int] = {}  # message.id -> its turn
        self.server_results: set[str] = set()
        self.result: Mapping[str, Any] | None = None  # stream-json's closing ``result`` record
        self.exit_code_style = False  # set by ``run``: see ``_exit_code_style``

    def flags(self, rec: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"uuid": rec.get("uuid"), "parent_uuid": rec.get("parentUuid")}
        if rec.get("isSidechain"):
            out["sidechain"] = True
            out["agent_id"] = rec.get("agentId")
        if isinstance(rec.get("parent_tool_use_id"), str):  # stream-json: a sub-agent's message
            out["sidechain"] = True
            out["parent_tool_use_id"] = rec["parent_tool_use_id"]
        if key(rec.get("uuid")) in self.abandoned:
            out["abandoned_branch"] = True
        return out

    def run(self, records: list[tuple[int, dict[str, Any]]]) -> None:
        self.exit_code_style = _exit_code_style(records)
        # metadata records (queue-operation, snapshots, titles) may come first and lack the
        # envelope: each field from the first record that has it
        # (``claude -p --output-format stream-json`` writes ``session_id`` and the version in
        # its ``system``/``init`` record)
        first = next(
            (r for _, r in records if r.get("sessionId") or r.get("session_id")),
            records[0][1] if records else {},
        )

        def field(name: str) -> Any:
            return next((r[name] for _, r in records if isinstance(r.get(name), str) and r[name]), None)

        self.cwd = field("cwd")
        self.sink.start(
            {
                "agent": "claude-code",
                "source_version": field("version") or field("claude_code_version"),
                "session_id": first.get("sessionId") or first.get("session_id"),
                "cwd": self.cwd,
                "git_branch": field("gitBranch"),
            },
            first.get("timestamp"),
        )
        self.abandoned = _abandoned(records)
        for lineno, rec in records:
            message = rec.get("message")
            is_assistant = isinstance(message, dict) and (
                rec.get("type") == "assistant"
                or (rec.get("type") is None and message.get("role") == "assistant")
            )
            if self.pending and not (is_assistant and self._same_message(rec)):
                self.flush()
            if rec.get("timestamp") is not None:
                self.last_time = rec.get("timestamp")
            if rec.get("isSidechain"):
                self.sink.stats["sidechain_records"] += 1
            if key(rec.get("uuid")) in self.abandoned:
                self.sink.stats["abandoned_branch_records"] += 1
            try:
                if is_assistant:
                    if not isinstance(message, dict) or not isinstance(message.get("id", ""), str):
                        raise ValueError("assistant message.id is not a string")
                    self.pending.append((lineno, rec))
                elif rec.get("type") == "user":
                    self.user(lineno, rec)
                elif rec.get("type") is None:
                    self.sink.skip(
                        f"line {lineno}",
                        "record has no 'type' and no assistant message; expected a session record",
                    )
                else:
                    self.other(rec)
            except (ValueError, TypeError, AttributeError) as exc:
                self.sink.skip(
                    f"line {lineno}", f"{exc}; expected a Claude Code {rec.get('type', '')} record"
                )
        self.flush()
        self.sink.end(self.outcome(), self.last_time)

    def outcome(self) -> dict[str, Any]:
        """``build_end``: a session file records no exit status; stream-json's ``result``
        record does (subtype success | error_max_turns | error_during_execution, is_error)."""
        done: dict[str, Any] = {"turns": self.turn, "usage": self.usage}
        result = self.result
        if result is None:
            return {"status": "interrupted", "reason": "a Claude Code session records no exit status", **done}
        subtype = str_or(result.get("subtype"), "")
        ok = subtype == "success" and result.get("is_error") is not True
        return {
            "status": "success" if ok else "error",
            "reason": f"result {subtype or 'without subtype'}",
            "final_text": result.get("result") if isinstance(result.get("result"), str) else None,
            "num_turns": result.get("num_turns"),
            "cost_usd": result.get("total_cost_usd"),
            "duration_ms": result.get("duration_ms"),
            **done,
        }

    def _same_message(self, rec: Mapping[str, Any]) -> bool:
        message = rec.get("message")
        first = self.pending[0][1].get("message")
        if not isinstance(message, dict) or not isinstance(first, dict):
            return False
        mid = message.get("id")
        return (
            bool(mid)
            and mid == first.get("id")
            and rec.get("isSidechain") == self.pending[0][1].get("isSidechain")
        )

    def flush(self) -> None:
        """One ``model_response`` for the pending lines of a streamed message, then its tool calls."""
        if not self.pending:
            return
        lines, self.pending = self.pending, []
        head = lines[0][1]
        message: dict[str, Any] = head["message"]
        content: list[Any] = []
        stop_reason = None
        usage = None
        for _, rec in lines:
            part = rec["message"]
            blocks = part.get("content")
            if isinstance(blocks, str):
                blocks = [{"type": "text", "text": blocks}]
            if isinstance(blocks, list):
                content.extend(b for b in blocks if b not in content or not isinstance(b, dict))
            stop_reason = part.get("stop_reason") or stop_reason
            usage = part.get("usage") or usage  # repeated on every part; the last is final
        if len(lines) > 1:
            self.sink.stats["streaming_parts_merged"] += len(lines) - 1
        model = message.get("model")
        response = {
            "id": message.get("id"),
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": content,
            "stop_reason": stop_reason,
            "usage": usage,
        }
        seen = (str(message.get("id")), str(head.get("requestId")))
        if isinstance(usage, dict) and seen not in self.usage_seen:
            self.usage_seen.add(seen)
            for k in ("input_tokens", "output_tokens"):
                if isinstance(usage.get(k), int):
                    self.usage[k] += usage[k]
        self.sink.model(model, "anthropic")
        data: dict[str, Any] = {
            "turn": self.turn,
            "model": model,
            "provider": "anthropic",
            "request_id": head.get("requestId"),
            "response": response,
            "uuids": [rec.get("uuid") for _, rec in lines] if len(lines) > 1 else None,
            **self.flags(head),
        }
        if model == "<synthetic>":
            data["synthetic"] = True
        if "content" not in message and all("content" not in rec["message"] for _, rec in lines):
            data["usage_only"] = True
            self.sink.stats["usage_only_records"] += 1
        if head.get("costUSD") is not None:
            data["cost_usd"] = head.get("costUSD")
        if head.get("isApiErrorMessage") or head.get("apiErrorStatus") is not None:
            data["api_error"] = True  # the CLI's stand-in for a failed request, not model output
            data["error"] = head.get("error")
            data["api_error_status"] = head.get("apiErrorStatus")
        mid = key(message.get("id"))
        continued = mid is not None and mid in self.flushed
        if continued:  # more blocks of a message already seen, after a tool result between them
            data["turn"] = self.flushed[mid]
            data["continued"] = True
        elif mid is not None:
            self.flushed[mid] = self.turn
        self.sink.emit(EventType.MODEL_RESPONSE, data, head.get("timestamp"))
        for lineno, rec in lines:
            blocks = rec["message"].get("content")
            if not isinstance(blocks, list):
                continue
            for block in blocks:
                if isinstance(block, dict) and key(block.get("type")) in SERVER_TOOL_USE:
                    self.server_tool(lineno, rec, block)
                    continue
                if isinstance(block, dict) and _is_server_result(block):
                    self.server_result(rec, block)
                    continue
                if isinstance(block, dict) and block.get("type") == "tool_use":
                    call_id, name = block.get("id"), block.get("name")
                    if not isinstance(call_id, str) or not isinstance(name, str):
                        self.sink.skip(
                            f"line {lineno}", "tool_use block without string id/name; expected both"
                        )
                        continue
                    tool_input = obj(block.get("input"))
                    if call_id in self.calls:
                        continue  # the same block repeated on a later streamed line
                    rec_cwd = rec.get("cwd") if isinstance(rec.get("cwd"), str) else self.cwd
                    self.calls[call_id] = (name, tool_input, rec_cwd)
                    self.sink.tool_call(
                        call_id, name, tool_input, rec.get("timestamp"), turn=data["turn"], **self.flags(rec)
                    )
        if not continued:
            self.turn += 1

    def server_tool(self, lineno: int, rec: Mapping[str, Any], block: Mapping[str, Any]) -> None:
        """``server_tool_use`` / ``mcp_tool_use``: a tool the API ran (web search, code execution,
        advisor, an MCP connector); its result comes back in the same assistant message."""
        call_id, name = block.get("id"), block.get("name")
        if not isinstance(call_id, str) or not isinstance(name, str):
            self.sink.skip(
                f"line {lineno}", f"{block.get('type')} block without string id/name; expected both"
            )
            return
        if call_id in self.calls:
            return
        self.calls[call_id] = (name, obj(block.get("input")), None)
        self.sink.tool_call(
            call_id,
            name,
            obj(block.get("input")),
            rec.get("timestamp"),
            turn=self.turn,
            server_side=True,
            server_name=block.get("server_name"),
            **self.flags(rec),
        )

    def server_result(self, rec: Mapping[str, Any], block: Mapping[str, Any]) -> None:
        call_id = block.get("tool_use_id")
        if not isinstance(call_id, str) or call_id in self.server_results:
            return
        self.server_results.add(call_id)
        content = block.get("content")
        inner = obj(content)
        is_error = bool(block.get("is_error")) or str(inner.get("type", "")).endswith("_error")
        text = text_of(content) if isinstance(content, str | list) else ""
        if isinstance(content, list) and not text:  # web search results: title/url entries
            text = "\n".join(
                f"{r.get('title', '')} {r.get('url', '')}".strip() for r in content if isinstance(r, dict)
            )
        elif isinstance(content, dict):
            text = str_or(inner.get("text"), str_or(inner.get("error_code"), str_or(inner.get("stdout"), "")))
        self.sink.tool_result(
            call_id, text, is_error, rec.get("timestamp"), result_type=block.get("type"), **self.flags(rec)
        )

    def user(self, lineno: int, rec: Mapping[str, Any]) -> None:
        message = rec.get("message")
        if not isinstance(message, dict):
            raise ValueError("user record without a 'message' object")
        content = message.get("content")
        when = rec.get("timestamp")
        blocks = content if isinstance(content, list) else [{"type": "text", "text": content}]
        results = [b for b in blocks if isinstance(b, dict) and b.get("type") == "tool_result"]
        others = [b for b in blocks if not (isinstance(b, dict) and b.get("type") == "tool_result")]
        for block in results:
            call_id = block.get("tool_use_id")
            if not isinstance(call_id, str):
                self.sink.skip(f"line {lineno}", "tool_result block without a string tool_use_id")
                continue
            is_error = bool(block.get("is_error"))
            inner = block.get("content")
            kinds = sorted(
                {str(b.get("type")) for b in lst(inner) if isinstance(b, dict) and b.get("type") != "text"}
            )
            self.sink.tool_result(
                call_id,
                text_of(inner),
                is_error,
                when,
                blocks=kinds or None,  # images, tool references: kept in the original, named here
                spawned_agent_id=obj(_tool_use_result(rec)).get("agentId"),  # agent-<id>.jsonl
                **self.flags(rec),
            )
            self.effects(call_id, rec, is_error, text_of(inner))
        if others and not (
            len(others) == 1
            and isinstance(others[0], dict)
            and others[0].get("text") is None
            and content is None
        ):
            data = {
                "turn": self.turn,
                "request": {"messages": [{"role": "user", "content": content if not results else others}]},
                "request_scope": "new_messages",
                "meta": True if rec.get("isMeta") else None,
                "transcript_only": True if rec.get("isVisibleInTranscriptOnly") else None,
                "compact_summary": True if rec.get("isCompactSummary") else None,
                **self.flags(rec),
            }
            self.sink.emit(EventType.MODEL_REQUEST, data, when)

    def effects(self, call_id: str, rec: Mapping[str, Any], is_error: bool, output: str) -> None:
        """``exec`` for a shell call that ran, ``file_write`` for a successful file tool.

        A failed command comes back as an error whose text starts ``Exit code N`` (CLI 2.x) or as
        its bare output (1.0.x: exit code unknown); a refusal (by the user, a rule or a hook) or
        bad input (``NOT_RUN_RE``) means the command never ran.
        """
        found = self.calls.get(call_id)
        if found is None:
            return
        name, tool_input, cwd = found
        when = rec.get("timestamp")
        detail = _tool_use_result(rec)
        if name in SHELL_TOOLS and isinstance(tool_input.get("command"), str):
            failed = EXIT_CODE_RE.match(output) if is_error else None
            if is_error and failed is None:
                if NOT_RUN_RE.match(output):
                    return
                if self.exit_code_style and not TIMED_OUT_RE.match(output):
                    return  # this CLI prefixes every failure with its exit code: this never ran
            data: dict[str, Any] = {
                "argv": [*SHELL_TOOLS[name], tool_input["command"]],
                "cwd": cwd,
                "tool_use_id": call_id,
                "exit_code": int(failed.group(1)) if failed else None,
            }
            if (isinstance(detail, dict) and detail.get("interrupted")) or (
                is_error and TIMED_OUT_RE.match(output)
            ):
                data["timed_out"] = True
            if isinstance(detail, dict) and detail.get("backgroundTaskId"):
                data["background"] = True  # started, still running when the result came back
            self.sink.emit(EventType.EXEC, data, when)
        elif is_error:
            return
        elif name in FILE_TOOLS:
            path = tool_input.get("file_path") or tool_input.get("notebook_path")
            if not isinstance(path, str):
                return
            operation = FILE_TOOLS[name]
            data = {"path": relative_to(path, self.cwd), "operation": operation, "tool_use_id": call_id}
            if isinstance(detail, dict) and detail.get("type") in ("create", "update"):
                data["operation"] = detail["type"]
            body = tool_input.get("content") if name == "Write" else None
            record_digest(data, body)
            self.sink.emit(EventType.FILE_WRITE, data, when)

    def other(self, rec: Mapping[str, Any]) -> None:
        """Records that are no message: each a ``note`` keeping its own fields."""
        kind = rec.get("type")
        when = rec.get("timestamp")
        rest = {k: v for k, v in rec.items() if k not in ENVELOPE}
        if kind == "summary":
            self.sink.note("summary", None, text=rec.get("summary"), leaf_uuid=rec.get("leafUuid"))
        elif kind == "system":
            # subtypes: local_command, turn_duration, api_error (retries), stop_hook_summary,
            # compact_boundary (compactMetadata), microcompact_boundary, informational, …
            details = {k: v for k, v in rest.items() if k not in ("content", "subtype", "level")}
            self.sink.note(
                "system",
                when,
                text=rec.get("content"),
                subtype=rec.get("subtype"),
                level=rec.get("level"),
                details=details or None,
                **self.flags(rec),
            )
        elif kind == "progress":
            # bash/mcp/hook/agent progress while a tool runs; the accumulated copies of a
            # sub-agent's messages and the full output stay in the original only
            data = {
                k: v for k, v in obj(rec.get("data")).items() if k not in ("normalizedMessages", "fullOutput")
            }
            self.sink.stats[f"records:{kind}"] += 1
            self.sink.note(
                "progress",
                when,
                progress=data.get("type"),
                tool_use_id=rec.get("toolUseID"),
                parent_tool_use_id=rec.get("parentToolUseID"),
                data=data or None,
                **self.flags(rec),
            )
        elif kind == "file-history-snapshot":
            snapshot = obj(rec.get("snapshot"))
            backups = {
                str(path): {k: v for k, v in obj(info).items() if k != "originalContent"}
                for path, info in obj(snapshot.get("trackedFileBackups")).items()
            }
            self.sink.stats[f"records:{kind}"] += 1
            self.sink.note(
                kind,
                when if when is not None else snapshot.get("timestamp"),
                message_id=rec.get("messageId"),
                update=rec.get("isSnapshotUpdate"),
                files=backups or None,
            )
        else:  # queue-operation, attachment, custom-title, pr-link, permission-mode, result, unknown, …
            if kind == "result":
                self.result = rec
            self.sink.stats[f"records:{kind}"] += 1
            rest.pop("type", None)
            self.sink.note(str(kind), when, record=rest or None, **self.flags(rec))


def _exit_code_style(records: list[tuple[int, dict[str, Any]]]) -> bool:
    """Whether this session's CLI reports a failed shell command as ``Exit code N`` (2.x does,
    1.0.x gave the bare output): then an error result without it is a command that never ran,
    whatever its wording (a refusal ``NOT_RUN_RE`` does not know)."""
    for _, rec in records:
        content = obj(rec.get("message")).get("content")
        for block in content if isinstance(content, list) else ():
            if (
                isinstance(block, dict)
                and block.get("type") == "tool_result"
                and block.get("is_error")
                and EXIT_CODE_RE.match(text_of(block.get("content")))
            ):
                return True
    return False


def convert(data: bytes, filename: str, sink: Sink) -> None:
    sink.stats["lines"] = 0
    records = object_lines(data, sink, "record")
    sink.stats["lines"] = len(records) + sink.skipped_total
    if not records:
        raise ImportFormatError(
            "no JSON record on any line; expected Claude Code session JSONL (one record a line)",
            file=filename,
        )
    if detect(data, filename) == 0.0 and not any(
        r.get("sessionId") or r.get("uuid") or r.get("session_id") for _, r in records[:50]
    ):
        raise ImportFormatError(
            f"line {records[0][0]}: no sessionId/uuid in the first records; "
            "expected Claude Code session records",
            file=filename,
        )
    _Converter(sink, filename).run(records)


IMPORTER = Importer(FORMAT, MEDIA_TYPE, "Claude Code session JSONL (~/.claude/projects/…)", detect, convert)

__all__ = ["FORMAT", "IMPORTER", "convert", "detect"]
