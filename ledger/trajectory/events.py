"""The trajectory event model: one JSON object per line, chained by the SHA-256 of its predecessor.

A line is ``{"seq", "time", "type", "data", "prev"}`` serialised as RFC 8785 canonical JSON and
terminated by ``"\\n"``. Because every line *is* its canonical form, hashing the line's bytes
(without the newline) equals hashing the event, and anyone can recompute the chain with a
JCS library and SHA-256 alone.

Digests (all lowercase hex SHA-256):

- ``event.digest``: of the event's canonical bytes; the next event's ``prev``.
- the *head* digest: of the last event (``GENESIS`` for an empty trajectory). Pinning the head
  pins every earlier event through the ``prev`` links.
- the *file* digest: of the whole file (every line including its newline). This is what an
  attestation lists as the trajectory byproduct and the key in the object store.

``data`` is always a JSON object. The keys each type carries are documented in
``EVENT_DATA_KEYS``; they are conventions for writers and importers, not enforced, except for
``redaction`` events which only the writer produces.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from ledger.digest import canonical_json, sha256_hex

GENESIS = "0" * 64
"""``prev`` of event 0 and the head digest of an empty trajectory."""

MEDIA_TYPE = "application/vnd.spec-ledger.trajectory+jsonl"
"""Media type of a trajectory file, as listed among an attestation's byproducts."""

TIME_RE = re.compile(r"\A\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z\Z")
HEX64_RE = re.compile(r"\A[0-9a-f]{64}\Z")


class EventType(StrEnum):
    BUILD_START = "build_start"
    MODEL_REQUEST = "model_request"
    MODEL_RESPONSE = "model_response"
    TOOL_CALL = "tool_call"
    TOOL_RESULT = "tool_result"
    FILE_WRITE = "file_write"
    EXEC = "exec"
    TEST_RESULT = "test_result"
    REDACTION = "redaction"
    BUILD_END = "build_end"
    NOTE = "note"


EVENT_TYPES: frozenset[str] = frozenset(t.value for t in EventType)

# Keys each event type's ``data`` carries by convention (all optional unless marked *).
# Importers of external formats map into these so `ledger diff` and the DuckDB `events`
# table can compare trajectories from any source.
EVENT_DATA_KEYS: Mapping[str, Mapping[str, str]] = {
    "build_start": {
        "build_id": "str: the invocation id, also the attestation's invocationId",
        "recipe": "{name, digest}",
        "target": "str: CfS logical name of the generated node",
        "spec_chain": "str: CfS chain hash of the target",
        "model": "{provider, id, endpoint, seed, temperature, max_tokens}",
        "tools": "{tool name: probed version}",
        "sandbox": "{mode: 'bwrap' | 'none', network: bool}",
        "source": "str: for imported trajectories, the external format",
    },
    "model_request": {
        "turn": "int: 0-based agent turn",
        "model": "str: model id",
        "request": "object: the Messages API request body as sent (no HTTP headers)",
    },
    "model_response": {
        "turn": "int",
        "response": "object: the Messages API response body (id, content, stop_reason, usage)",
        "latency_ms": "int",
    },
    "tool_call": {
        "turn": "int",
        "id": "str: tool_use id linking call and result",
        "name": "str: read_file | write_file | list_files | search_text | run_command | …",
        "input": "object: the tool arguments",
    },
    "tool_result": {
        "id": "str: the tool_use id",
        "name": "str",
        "is_error": "bool",
        "output": "str: what the model was shown",
        "output_sha256": "str: digest of the full output when `output` is truncated",
    },
    "file_write": {
        "path": "str: scratch-relative POSIX path",
        "sha256": "str: digest of the bytes written",
        "size": "int",
    },
    "exec": {
        "argv": "[str]",
        "cwd": "str: scratch-relative",
        "exit_code": "int",
        "duration_ms": "int",
        "stdout_sha256": "str: object-store digest of the (redacted) stdout",
        "stderr_sha256": "str: object-store digest of the (redacted) stderr",
        "files": "{created: [str], modified: [str], deleted: [str]}",
        "timed_out": "bool",
    },
    "test_result": {
        "command": "str",
        "result": "PASSED | WARNED | FAILED",
        "passed": "int",
        "failed": "int",
        "skipped": "int",
        "exit_code": "int",
        "log_sha256": "str",
    },
    "redaction": {
        "event": "int*: seq of the event just before, whose data was redacted",
        "redactions": "[{path*, kind*, marker*}]*: path is an RFC 6901 pointer into its data",
    },
    "build_end": {
        "status": "success | failed | interrupted | error",
        "reason": "str",
        "artifacts": "[{path, sha256}]",
        "turns": "int",
        "usage": "{input_tokens, output_tokens}",
        "duration_ms": "int",
    },
    "note": {
        "text": "str: anything an importer or the agent loop wants kept but has no type for",
    },
}


def format_time(moment: datetime) -> str:
    """RFC 3339 in UTC with microseconds and ``Z``: one spelling, so equal instants hash equally."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("trajectory clock returned a naive datetime; expected a timezone-aware one")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Event:
    """One line of a trajectory."""

    seq: int
    time: str
    type: str
    data: Mapping[str, Any]
    prev: str

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "time": self.time,
            "type": self.type,
            "data": self.data,
            "prev": self.prev,
        }

    def canonical(self) -> bytes:
        """The exact bytes of this event's line, without the newline."""
        return canonical_json(self.to_json())

    @property
    def digest(self) -> str:
        return sha256_hex(self.canonical())


def summarize(event: Event, width: int = 100) -> str:
    """One human line per event for ``ledger trajectory show``; never the full payload."""
    d = event.data
    text: str
    match event.type:
        case "build_start" if "recipe" not in d and isinstance(d.get("source"), Mapping):
            # a transcript `ledger import` read: no recipe, but an agent and a source file
            source = d["source"]
            text = f"imported {source.get('format', '?')} transcript {source.get('filename', '?')}"
            text += f" ({d.get('agent', '?')})"
        case "build_start":
            recipe = d.get("recipe")
            name = recipe.get("name") if isinstance(recipe, Mapping) else recipe
            text = f"build {d.get('build_id', '?')} recipe={name} target={d.get('target', '?')}"
        case "model_request":
            req = d.get("request")
            n = len(req.get("messages", [])) if isinstance(req, Mapping) else "?"
            text = f"turn {d.get('turn', '?')} → {d.get('model', '?')} ({n} messages)"
        case "model_response":
            resp = d.get("response")
            stop = resp.get("stop_reason") if isinstance(resp, Mapping) else None
            blocks = resp.get("content", []) if isinstance(resp, Mapping) else []
            kinds = [b.get("type", "?") for b in blocks if isinstance(b, Mapping)]
            text = f"turn {d.get('turn', '?')} ← {stop} [{', '.join(kinds)}]"
        case "tool_call":
            text = f"{d.get('name', '?')} {_compact(d.get('input', {}))}"
        case "tool_result":
            out = d.get("output", "")
            flag = " ERROR" if d.get("is_error") else ""
            text = f"{d.get('name', '?')}{flag}: {_compact(out)}"
        case "file_write":
            digest = str(d.get("sha256", ""))[:12]
            text = f"{d.get('path', '?')} ({d.get('size', '?')} bytes, sha256 {digest})"
        case "exec":
            argv = d.get("argv", [])
            cmd = " ".join(str(a) for a in argv) if isinstance(argv, list) else str(argv)
            text = f"$ {cmd} → exit {d.get('exit_code', '?')} in {d.get('duration_ms', '?')} ms"
        case "test_result":
            text = (
                f"{d.get('result', '?')} passed={d.get('passed', '?')} "
                f"failed={d.get('failed', '?')} ({d.get('command', '')})"
            )
        case "redaction":
            items = d.get("redactions", [])
            kinds = sorted({str(r.get("kind")) for r in items if isinstance(r, Mapping)})
            text = f"event {d.get('event', '?')}: {len(items)} secret(s) [{', '.join(kinds)}]"
        case "build_end":
            text = f"{d.get('status', '?')} {d.get('reason', '')}".strip()
        case "note":
            text = _compact(d.get("text", d))
        case _:
            text = _compact(d)
    return text if len(text) <= width else text[: width - 1] + "…"


def _compact(value: Any) -> str:
    if isinstance(value, str):
        return " ".join(value.split())
    return " ".join(canonical_json(value).decode("utf-8", "replace").split())
