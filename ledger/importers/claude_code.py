"""Claude Code sessions: ``~/.claude/projects/<project>/<session>.jsonl``, one record a line.

Records (as parsed by claude-code-log and ccusage): ``type`` user | assistant | summary | system
| file-history-snapshot | …, with ``uuid``, ``parentUuid``, ``isSidechain``, ``sessionId``,
``timestamp``, ``cwd``, ``version`` and ``message`` (Anthropic Messages content blocks). Mapped:

- user text → ``model_request`` (only the new messages: the file does not keep the full request);
  user ``tool_result`` blocks → ``tool_result`` paired by ``tool_use_id``;
- assistant → one ``model_response`` per ``message.id``: the CLI writes a streamed message as
  several lines sharing that id (one content block each, usage repeated), merged back here;
  each ``tool_use`` block → ``tool_call``; Bash → ``exec``; Write/Edit/MultiEdit → ``file_write``;
- usage-only lines (``message`` with ``usage`` and no content, ccusage's fixtures) →
  ``model_response`` flagged ``usage_only``;
- summary / system / other record types → ``note``.

``parentUuid`` chains: when the session forked (a prompt edited or retried), records on a
branch the session left are flagged ``abandoned_branch``; sidechain (sub-agent) records are
flagged ``sidechain``.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Mapping
from typing import Any

from ledger.errors import ImportFormatError
from ledger.importers.api import Importer
from ledger.importers.base import Sink, iter_json_lines, key, obj, text_of
from ledger.trajectory.events import EventType

FORMAT = "claude-code"
MEDIA_TYPE = "application/x-ndjson"
KNOWN_TYPES = frozenset({"user", "assistant", "summary", "system"})
FILE_TOOLS = {"Write": "create", "Edit": "edit", "MultiEdit": "edit", "NotebookEdit": "edit"}


def detect(data: bytes, filename: str) -> float:
    """High when the first parseable lines look like session records."""
    seen = 0
    hits = 0.0
    for lineno, value, error in iter_json_lines(data[:65536]):
        if lineno > 50 or seen >= 5:
            break
        if error is not None:
            continue
        seen += 1
        if not isinstance(value, dict):
            continue  # a stray line lowers the score; it does not veto the file
        message = value.get("message")
        if "sessionId" in value and (isinstance(message, dict) or "uuid" in value):
            hits += 1
        elif (value.get("type") == "summary" and "leafUuid" in value) or (
            key(value.get("type")) in KNOWN_TYPES and "uuid" in value
        ):
            hits += 0.8
    if not seen:
        return 0.0
    base = hits / seen
    return min(1.0, base * (1.0 if filename.endswith(".jsonl") else 0.95))


def _records(data: bytes, sink: Sink) -> list[tuple[int, dict[str, Any]]]:
    records: list[tuple[int, dict[str, Any]]] = []
    for lineno, value, error in iter_json_lines(data):
        if error is not None:
            sink.skip(f"line {lineno}", error + "; expected one JSON record")
        elif not isinstance(value, dict):
            sink.skip(f"line {lineno}", f"a JSON {type(value).__name__}; expected a record object")
        else:
            records.append((lineno, value))
    return records


def _abandoned(records: list[tuple[int, dict[str, Any]]]) -> set[str]:
    """uuids of main-thread records on a branch that the session's last record does not descend from."""
    parent: dict[str, str | None] = {}
    children: dict[str, int] = {}
    leaf: str | None = None
    for _, rec in records:
        uid = rec.get("uuid")
        if not isinstance(uid, str) or rec.get("isSidechain"):
            continue
        p = rec.get("parentUuid") or rec.get("logicalParentUuid")
        parent[uid] = p if isinstance(p, str) else None
        if isinstance(p, str):
            children[p] = children.get(p, 0) + 1
        if rec.get("type") in ("user", "assistant"):
            leaf = uid
    if leaf is None or not any(n > 1 for n in children.values()):
        return set()
    main: set[str] = set()
    node: str | None = leaf
    while node is not None and node not in main:
        main.add(node)
        node = parent.get(node)
    # A record is abandoned if walking up from it reaches the main path (it forked off it).
    verdict: dict[str, bool] = {}
    for start in parent:
        path: list[str] = []
        on_path: set[str] = set()
        node = start
        result = False
        while node is not None:
            if node in on_path:  # a parentUuid cycle (malformed file): not part of the main thread
                break
            if node in main:
                result = bool(path)
                break
            if node in verdict:
                result = verdict[node]
                break
            path.append(node)
            on_path.add(node)
            node = parent.get(node) if node in parent else None
        for item in path:
            verdict[item] = result
    return {u for u, off in verdict.items() if off}


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

    def flags(self, rec: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"uuid": rec.get("uuid"), "parent_uuid": rec.get("parentUuid")}
        if rec.get("isSidechain"):
            out["sidechain"] = True
            out["agent_id"] = rec.get("agentId")
        if key(rec.get("uuid")) in self.abandoned:
            out["abandoned_branch"] = True
        return out

    def run(self, records: list[tuple[int, dict[str, Any]]]) -> None:
        first = next((r for _, r in records if r.get("sessionId")), records[0][1] if records else {})
        self.cwd = first.get("cwd") if isinstance(first.get("cwd"), str) else None
        self.sink.start(
            {
                "agent": "claude-code",
                "source_version": first.get("version"),
                "session_id": first.get("sessionId"),
                "cwd": self.cwd,
                "git_branch": first.get("gitBranch"),
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
        self.sink.end(
            {
                "status": "interrupted",
                "reason": "a Claude Code session records no exit status",
                "turns": self.turn,
                "usage": self.usage,
            },
            self.last_time,
        )

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
        key = (str(message.get("id")), str(head.get("requestId")))
        if isinstance(usage, dict) and key not in self.usage_seen:
            self.usage_seen.add(key)
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
        self.sink.emit(EventType.MODEL_RESPONSE, data, head.get("timestamp"))
        for lineno, rec in lines:
            blocks = rec["message"].get("content")
            if not isinstance(blocks, list):
                continue
            for block in blocks:
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
                        call_id, name, tool_input, rec.get("timestamp"), turn=self.turn, **self.flags(rec)
                    )
        self.turn += 1

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
            self.sink.tool_result(call_id, text_of(block.get("content")), is_error, when, **self.flags(rec))
            if not is_error:
                self.effects(call_id, rec)
        if others and not (len(others) == 1 and others[0].get("text") is None and content is None):
            data = {
                "turn": self.turn,
                "request": {"messages": [{"role": "user", "content": content if not results else others}]},
                "request_scope": "new_messages",
                "meta": True if rec.get("isMeta") else None,
                "compact_summary": True if rec.get("isCompactSummary") else None,
                **self.flags(rec),
            }
            self.sink.emit(EventType.MODEL_REQUEST, data, when)

    def effects(self, call_id: str, rec: Mapping[str, Any]) -> None:
        """``exec`` for a finished Bash call, ``file_write`` for a successful file tool."""
        found = self.calls.get(call_id)
        if found is None:
            return
        name, tool_input, cwd = found
        when = rec.get("timestamp")
        detail = rec.get("toolUseResult")
        if name == "Bash" and isinstance(tool_input.get("command"), str):
            data: dict[str, Any] = {
                "argv": ["bash", "-c", tool_input["command"]],
                "cwd": cwd,
                "tool_use_id": call_id,
            }
            if isinstance(detail, dict) and detail.get("interrupted"):
                data["timed_out"] = True
            self.sink.emit(EventType.EXEC, data, when)
        elif name in FILE_TOOLS:
            path = tool_input.get("file_path") or tool_input.get("notebook_path")
            if not isinstance(path, str):
                return
            data = {"path": self.relative(path), "operation": FILE_TOOLS[name], "tool_use_id": call_id}
            if isinstance(detail, dict) and detail.get("type") in ("create", "update"):
                data["operation"] = detail["type"]
            body = tool_input.get("content") if name == "Write" else None
            if isinstance(body, str):
                raw = body.encode("utf-8")
                data["sha256"] = hashlib.sha256(raw).hexdigest()
                data["size"] = len(raw)
            self.sink.emit(EventType.FILE_WRITE, data, when)

    def relative(self, path: str) -> str:
        if self.cwd and posixpath.isabs(path):
            rel = posixpath.relpath(path, self.cwd)
            if not rel.startswith(".."):
                return rel
        return path

    def other(self, rec: Mapping[str, Any]) -> None:
        kind = rec.get("type")
        if kind == "summary":
            self.sink.note("summary", None, text=rec.get("summary"), leaf_uuid=rec.get("leafUuid"))
        elif kind == "system":
            self.sink.note(
                "system",
                rec.get("timestamp"),
                text=rec.get("content"),
                subtype=rec.get("subtype"),
                level=rec.get("level"),
                **self.flags(rec),
            )
        else:
            self.sink.stats[f"records:{kind}"] += 1
            self.sink.note(str(kind), rec.get("timestamp"), uuid=rec.get("uuid"))


def convert(data: bytes, filename: str, sink: Sink) -> None:
    sink.stats["lines"] = 0
    records = _records(data, sink)
    sink.stats["lines"] = len(records) + sink.skipped_total
    if not records:
        raise ImportFormatError(
            "no JSON record on any line; expected Claude Code session JSONL (one record a line)",
            file=filename,
        )
    if detect(data, filename) == 0.0 and not any(
        r.get("sessionId") or r.get("uuid") for _, r in records[:50]
    ):
        raise ImportFormatError(
            f"line {records[0][0]}: no sessionId/uuid in the first records; "
            "expected Claude Code session records",
            file=filename,
        )
    _Converter(sink, filename).run(records)


IMPORTER = Importer(FORMAT, MEDIA_TYPE, "Claude Code session JSONL (~/.claude/projects/…)", detect, convert)

__all__ = ["FORMAT", "IMPORTER", "convert", "detect"]
