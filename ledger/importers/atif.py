"""Agent Trajectory Interchange Format (ATIF): the ``trajectory.json`` Harbor writes for every agent.

Harbor (laude-institute/harbor, the harness of Terminal-Bench 2.0) converts each agent's run —
Claude Code, Codex, OpenHands, mini-swe-agent, Gemini CLI, Terminus-2, … — into one JSON object,
defined by its RFC 0001 (docs/rfcs/0001-trajectory-format.md) and the pydantic models in
``src/harbor/models/trajectories/``::

    {schema_version: "ATIF-v1.N", session_id, trajectory_id, notes, extra,
     agent: {name, version, model_name, tool_definitions, extra},
     steps: [{step_id, timestamp, source: system | user | agent, model_name, reasoning_effort,
              message (text or content parts), reasoning_content, llm_call_count,
              is_copied_context, extra, metrics: {prompt_tokens, completion_tokens,
              cached_tokens, cost_usd, prompt_token_ids, completion_token_ids, logprobs, extra},
              tool_calls: [{tool_call_id, function_name, arguments, extra}],
              observation: {results: [{source_call_id, content, subagent_trajectory_ref, extra}]}}],
     final_metrics: {total_prompt_tokens, total_completion_tokens, total_cached_tokens,
                     total_cost_usd, total_steps, extra},
     continued_trajectory_ref, subagent_trajectories: [<embedded trajectories>]}

Versions (the RFC's history): v1.0 the base; v1.1 root ``extra``; v1.2 observations on system
steps, ``prompt_tokens`` including ``cached_tokens``; v1.3 ``completion_token_ids``; v1.4
``prompt_token_ids``; v1.5 ``agent.tool_definitions`` (and ``is_copied_context``); v1.6 content
parts (text / image) in ``message`` and result ``content``; v1.7 ``trajectory_id``, embedded
``subagent_trajectories``, ``extra`` on calls and results, ``llm_call_count``, an optional
``session_id``, the ``context_management`` convention for system steps; v1.8 audio parts. All
read alike: a field a file lacks is absent, not an error; a version this importer does not
know is imported the same way. Mapped:

- the root → ``build_start`` (agent name and version, schema version, session and trajectory
  ids, default model, tool names); ``notes`` → ``note``; fields of no version → ``unknown_fields``;
- user step → ``model_request`` holding that message only (ATIF keeps no full request);
- system step → ``note`` ``system`` (the system prompt, or a system operation; ``context_management``
  when its ``extra`` says it replaced or trimmed the context);
- agent step → ``model_response``: ``reasoning_content`` as a thinking block, the message as text
  (or its content parts), the calls as tool_use blocks; the step's model (else the agent's);
  ``metrics`` → ``usage`` (input = ``prompt_tokens``, output = ``completion_tokens``),
  ``cached_tokens``, ``cost_usd``, ``metrics.extra``; token-id and logprob arrays are counted,
  not copied (the stored original keeps them). ``llm_call_count: 0`` (deterministic dispatch)
  → no response: a ``dispatch`` note, then its calls;
- ``tool_calls`` → ``tool_call``; one without a string ``tool_call_id`` or ``function_name`` is
  skipped; ``observation.results`` naming a call (``source_call_id``) → ``tool_result`` paired by
  id (a call of an earlier step too; an id no call had → an unpaired result, flagged, as every
  importer flags them); a result naming no call → ``note`` ``observation``: the RFC's output of an
  action that was no tool call, or of a system operation (Terminus-2 gives a batch of keystrokes
  one shared terminal output so; it is never guessed onto a call);
- ``subagent_trajectory_ref`` → kept on the result; an embedded subagent (v1.7
  ``subagent_trajectories``, found by ``trajectory_id``) is imported in place, its events
  flagged ``subagent`` and its call ids prefixed ``<trajectory_id>/``; one never referenced is
  imported at the end. A ``trajectory_path`` stays a reference: import that file on its own;
- ``exec`` for a shell tool (Bash, bash, execute_bash, terminal, run_shell_command, shell,
  shell_command, exec_command, local_shell, PowerShell) whose result came back, its exit code
  from the result's ``extra`` or text; a result flagged as an error with no exit code never ran.
  Terminus-2's ``bash_command`` sends keystrokes to a terminal (a command, a key, a REPL line):
  a tool call, not an ``exec``;
- ``file_write`` for a file tool (Claude Code's Write / Edit / MultiEdit / NotebookEdit,
  OpenHands' str_replace_editor create / str_replace / insert, Gemini CLI's write_file / replace,
  Codex's apply_patch) whose result came back and is no error; whole-file content gets a digest;
- ``is_copied_context`` steps (context carried over from an earlier trajectory) are imported
  flagged ``copied_context``, without ``exec`` / ``file_write``: those happened back then;
- ``final_metrics`` → the ``build_end`` usage (else the steps' sum); ``continued_trajectory_ref``
  → its reason: the run goes on in that file. ATIF records no exit status.

Steps that are not objects, name no known ``source`` or hold a message of another type are
skipped and listed, as are calls and results of the wrong shape.

Harbor writes one trajectory per file (``agent/trajectory.json``, ``.cont-N.json`` for each
continuation, a file per subagent); a data set of runs holds one trajectory a line (JSON Lines).
Such a file is imported whole: each line in order, its events flagged ``trajectory: "line N"``
and its call ids prefixed ``line N/`` (ids restart in every run), the lines after the first
opened by a ``trajectory`` note; ``build_end`` adds up their ``final_metrics``. A broken line or
one holding no trajectory is skipped and listed; lines of anything else (a step a line) are refused.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
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
    parse_time,
    record_digest,
    relative_to,
)
from ledger.importers.patches import PATCH_FAILED_RE, patch_files
from ledger.trajectory.events import EventType

FORMAT = "atif"
MEDIA_TYPE = "application/json"
EXPECTED = "an ATIF trajectory (an object with schema_version 'ATIF-v1.x', agent and a steps list)"
SOURCES = frozenset({"system", "user", "agent"})
MAX_DEPTH = 16
"""Embedded subagents inside embedded subagents: deeper than this is skipped, not recursed."""

ROOT_KEYS = frozenset(
    {
        "schema_version",
        "session_id",
        "trajectory_id",
        "agent",
        "steps",
        "notes",
        "final_metrics",
        "continued_trajectory_ref",
        "extra",
        "subagent_trajectories",
    }
)
AGENT_KEYS = frozenset({"name", "version", "model_name", "tool_definitions", "extra"})
STEP_KEYS = frozenset(
    {
        "step_id",
        "timestamp",
        "source",
        "model_name",
        "reasoning_effort",
        "message",
        "reasoning_content",
        "tool_calls",
        "observation",
        "metrics",
        "extra",
        "llm_call_count",
        "is_copied_context",
    }
)
CALL_KEYS = frozenset({"tool_call_id", "function_name", "arguments", "extra"})
RESULT_KEYS = frozenset({"source_call_id", "content", "subagent_trajectory_ref", "extra"})
METRIC_INTS = ("prompt_tokens", "completion_tokens", "cached_tokens")
METRIC_ARRAYS = ("prompt_token_ids", "completion_token_ids", "logprobs")
FINAL_INTS = ("total_prompt_tokens", "total_completion_tokens", "total_cached_tokens", "total_steps")

# shell tools of the agents Harbor converts: name -> the argv a command string runs under
SHELL_TOOLS: dict[str, list[str]] = {
    "Bash": ["bash", "-c"],  # Claude Code
    "bash": ["bash", "-c"],  # mini-swe-agent (tool calling), SWE-agent
    "execute_bash": ["bash", "-c"],  # OpenHands CodeAct
    "terminal": ["bash", "-c"],  # OpenHands software-agent-sdk
    "run_shell_command": ["bash", "-c"],  # Gemini CLI
    "shell": ["bash", "-lc"],  # Codex (argv list)
    "local_shell": ["bash", "-lc"],  # Codex
    "shell_command": ["bash", "-lc"],  # Codex
    "exec_command": ["bash", "-lc"],  # Codex (unified exec: `cmd`)
    "PowerShell": ["powershell", "-Command"],  # Claude Code on Windows
}
# file tools -> the operation they perform (None: it depends on the arguments)
FILE_TOOLS: dict[str, str | None] = {
    "Write": "create",
    "Edit": "edit",
    "MultiEdit": "edit",
    "NotebookEdit": "edit",
    "write_file": "create",
    "replace": "edit",
    "str_replace_editor": None,
    "file_editor": None,
    "edit_file": None,
    "apply_patch": None,
}
EDITOR_COMMANDS = {"create": "create", "str_replace": "edit", "insert": "edit", "undo_edit": "edit"}
EXIT_CODE_RES = (
    re.compile(r"<returncode>\s*(-?\d+)\s*</returncode>"),  # mini-swe-agent
    re.compile(r"^(?:Exit code:|Process exited with code) (-?\d+)\s*$", re.MULTILINE),  # Codex
    re.compile(r"^\[exit_code\] (-?\d+)\s*$", re.MULTILINE),  # Harbor's Claude Code results
    re.compile(r"\AExit code (-?\d+)"),  # Claude Code
    re.compile(r"\[The command completed with exit code (-?\d+)\.\]"),  # OpenHands
)
FAILED_TEXT_RE = re.compile(
    r"\A\s*(?:ERROR\b|Error:|error:|<tool_use_error>|\[error\])|\[error\] tool reported failure"
)
ERROR_FLAGS = ("is_error", "tool_result_is_error", "error")
EXIT_KEYS = ("exit_code", "exitCode", "returncode", "return_code")


def detect(data: bytes, filename: str) -> float:
    """1.0 for ``schema_version: "ATIF-…"`` with a ``steps`` list; less for the bare shape."""
    head = data[:4096].lstrip().removeprefix(b"\xef\xbb\xbf").lstrip()
    if not head.startswith(b"{") or b'"steps"' not in data:
        return 0.0
    lines = 1.0
    try:
        doc = loads(data)
    except (ValueError, UnicodeDecodeError):
        try:  # JSON Lines, one trajectory a line: read the first line whole (it may be megabytes)
            doc = loads(data.lstrip().removeprefix(b"\xef\xbb\xbf").split(b"\n", 1)[0])
        except (ValueError, UnicodeDecodeError):
            return 0.0
        lines = 0.95
    if not isinstance(doc, dict) or not isinstance(doc.get("steps"), list):
        return 0.0
    version = doc.get("schema_version")
    if isinstance(version, str) and version.startswith("ATIF-"):
        return lines
    if isinstance(version, str) and version.upper().startswith("ATIF"):
        return 0.9
    steps = doc["steps"][:20]
    shaped = steps and all(
        isinstance(s, dict) and key(s.get("source")) in SOURCES and "message" in s for s in steps
    )
    if shaped and isinstance(doc.get("agent"), dict):
        return 0.7  # no version, but the ATIF shape: steps of source + message, an agent
    return 0.0


# -- small readers ----------------------------------------------------------------------------


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _number(value: Any) -> int | float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _show(value: Any) -> str:
    return repr(value) if isinstance(value, str) else f"of JSON type {json_type(value)}"


def _provider(model: str) -> str | None:
    return model.split("/", 1)[0] if "/" in model and not model.startswith("/") else None


def _parts(parts: list[Any]) -> list[dict[str, Any]]:
    """ATIF content parts as content blocks: text, image / audio (with their source), or kept."""
    blocks: list[dict[str, Any]] = []
    for part in parts:
        if isinstance(part, str):
            blocks.append({"type": "text", "text": part})
        elif not isinstance(part, dict):
            blocks.append({"type": "unknown", "value": part})
        elif part.get("type") == "text" and isinstance(part.get("text"), str):
            blocks.append({"type": "text", "text": part["text"]})
        elif part.get("type") in ("image", "audio") and isinstance(part.get("source"), dict):
            blocks.append({"type": part["type"], "source": part["source"]})
        else:
            blocks.append(dict(part))
    return blocks


def _text(content: Any) -> str:
    """Plain text of a message or result: a string, or the text parts of a part list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(b["text"] for b in _parts(content) if b.get("type") == "text")
    return ""


def _media(content: Any) -> list[dict[str, Any]] | None:
    """The non-text parts of a part list (images, audio), named by type and source."""
    if not isinstance(content, list):
        return None
    found = [b for b in _parts(content) if b.get("type") != "text"]
    return found or None


def _arguments(raw: Any) -> tuple[dict[str, Any], bool]:
    """A call's ``arguments`` as an object; False when they were not one (JSON text is parsed)."""
    if isinstance(raw, dict):
        return dict(raw), True
    if raw is None:
        return {}, True
    if isinstance(raw, str):
        try:
            value = loads(raw) if raw.strip() else {}
        except ValueError:
            return {"arguments": raw}, False
        if isinstance(value, dict):
            return value, True
        return {"arguments": value}, False
    return {"arguments": raw}, False


def _exit_code(extra: Mapping[str, Any]) -> int | None:
    for name in EXIT_KEYS:
        if (code := _int(extra.get(name))) is not None:
            return code
    for holder in ("metadata", "tool_metadata"):
        if (code := _int(obj(extra.get(holder)).get("exit_code"))) is not None:
            return code
    return None


def _wrapped_exit_code(text: str) -> int | None:
    try:
        inner = loads(text)
    except ValueError:
        return None
    if isinstance(inner, dict) and isinstance(inner.get("output"), str):
        return _int(obj(inner.get("metadata")).get("exit_code"))
    return None


def _flagged_error(extra: Mapping[str, Any]) -> bool:
    return any(extra.get(k) is True for k in ERROR_FLAGS) or (
        obj(extra.get("tool_result_metadata")).get("is_error") is True
    )


@dataclass(frozen=True)
class _Call:
    """What a call's result needs to know of it."""

    name: str
    args: dict[str, Any]
    copied: bool


@dataclass
class _Scope:
    """One trajectory being read: the root, or an embedded subagent (``prefix`` for its ids)."""

    doc: dict[str, Any]
    where: str
    prefix: str
    subagent: str | None
    model: str | None
    depth: int
    trajectory: str | None = None
    """In a file of many trajectories (JSON Lines), the line this one is on: ``line N``."""


class _Converter:
    def __init__(
        self, sink: Sink, root: dict[str, Any], more: list[tuple[int, dict[str, Any]]] | None = None
    ) -> None:
        self.sink = sink
        self.root = root
        # JSON Lines of trajectories: the root is line ``first``, ``more`` the other lines
        self.first: int | None = None
        self.more = more or []
        self.turn = 0
        self.calls: dict[str, _Call] = {}
        self.cwd: str | None = None
        self.models_used = False
        self.usage = {"input_tokens": 0, "output_tokens": 0, "cached_tokens": 0}
        self.usage_seen = False
        self.cost = 0.0
        self.cost_seen = False
        self.last_time: Any = None
        # embedded subagents (v1.7) by trajectory_id, imported where a result references them
        self.embedded: dict[str, tuple[str, dict[str, Any]]] = {}  # id -> (where, trajectory)
        self.imported: set[str] = set()

    # -- the trajectory ---------------------------------------------------------------------

    def run(self) -> None:
        root = self.root
        agent = obj(root.get("agent"))
        version = root.get("schema_version")
        if not isinstance(version, str):
            self.sink.stats["no_schema_version"] += 1
        model = _str(agent.get("model_name"))
        extra = obj(agent.get("extra"))
        cwds = extra.get("cwds")
        self.cwd = _str(extra.get("cwd")) or (
            cwds[0] if isinstance(cwds, list) and len(cwds) == 1 and _str(cwds[0]) else None
        )
        tools = [
            name
            for t in lst(agent.get("tool_definitions"))
            if isinstance(name := obj(obj(t).get("function")).get("name") or obj(t).get("name"), str)
        ]
        steps: list[Any] = root["steps"]
        first_time = next(
            (s.get("timestamp") for s in steps if isinstance(s, dict) and _str(s.get("timestamp"))), None
        )
        self.sink.start(
            {
                "agent": _str(agent.get("name")) or "atif",
                "agent_version": agent.get("version"),
                "source_version": version if isinstance(version, str) else None,
                "session_id": _str(root.get("session_id")) or _str(root.get("trajectory_id")),
                "trajectory_id": root.get("trajectory_id"),
                "model": {"id": model, "provider": _provider(model)} if model else None,
                "tool_definitions": tools or None,
                "agent_extra": extra or None,
                "extra": root.get("extra") if root.get("extra") else None,
                "cwd": self.cwd,
            },
            first_time,
        )
        if isinstance(root.get("notes"), str) and root["notes"]:
            self.sink.note("notes", None, text=root["notes"])
        unknown = {k: v for k, v in root.items() if k not in ROOT_KEYS}
        unknown_agent = {k: v for k, v in agent.items() if k not in AGENT_KEYS}
        if unknown or unknown_agent:
            self.sink.note("unknown_fields", None, fields=unknown or None, agent_fields=unknown_agent or None)
        where = f"line {self.first}." if self.first is not None else ""
        label = f"line {self.first}" if self.first is not None else None
        self.index_embedded(root, where)
        scope = _Scope(root, where, f"{label}/" if label else "", None, model, 0, label)
        self.steps(scope)
        self.remaining_embedded(root, where, 0)
        if not self.models_used and model:
            self.sink.model(model, _provider(model))
        for lineno, doc in self.more:
            self.line(lineno, doc)
        self.end()

    def line(self, lineno: int, doc: dict[str, Any]) -> None:
        """One more trajectory of a JSON Lines file: a ``trajectory`` note, then its steps, its
        call ids prefixed ``line N/`` (every line numbers its calls afresh)."""
        label = f"line {lineno}"
        agent = obj(doc.get("agent"))
        model = _str(agent.get("model_name"))
        self.sink.note(
            "trajectory",
            None,
            trajectory=label,
            session_id=doc.get("session_id"),
            trajectory_id=doc.get("trajectory_id"),
            agent=agent.get("name"),
            agent_version=agent.get("version"),
            model=model,
            schema_version=doc.get("schema_version"),
        )
        if isinstance(doc.get("notes"), str) and doc["notes"]:
            self.sink.note("notes", None, text=doc["notes"], trajectory=label)
        used = self.models_used
        self.models_used = False
        self.index_embedded(doc, f"{label}.")
        self.steps(_Scope(doc, f"{label}.", f"{label}/", None, model, 0, label))
        self.remaining_embedded(doc, f"{label}.", 0)
        if not self.models_used and model:
            self.sink.model(model, _provider(model))
        self.models_used = used or self.models_used

    def index_embedded(self, doc: Mapping[str, Any], where: str) -> None:
        subs = doc.get("subagent_trajectories")
        if subs is None:
            return
        path = f"{where}subagent_trajectories"
        if not isinstance(subs, list):
            self.sink.skip(path, f"a JSON {json_type(subs)}; expected a list of embedded trajectories")
            return
        for k, sub in enumerate(subs):
            if not isinstance(sub, dict):
                continue  # skipped with its reason when the leftovers are imported
            tid = sub.get("trajectory_id")
            if isinstance(tid, str) and tid and tid not in self.embedded:
                self.embedded[tid] = (f"{path}[{k}]", sub)

    def remaining_embedded(self, doc: Mapping[str, Any], where: str, depth: int) -> None:
        """Embedded subagents no result referenced: imported after their parent's steps."""
        subs = doc.get("subagent_trajectories")
        if not isinstance(subs, list):
            return
        for k, sub in enumerate(subs):
            path = f"{where}subagent_trajectories[{k}]"
            tid = sub.get("trajectory_id") if isinstance(sub, dict) else None
            first = self.embedded.get(tid) if isinstance(tid, str) else None
            if first is not None and first[1] is not sub:
                self.sink.skip(
                    path, f"trajectory_id {tid!r} repeats that of {first[0]}; expected a unique id"
                )
                continue
            if isinstance(tid, str) and tid in self.imported:
                continue  # imported where a result referenced it
            self.subagent(sub, path, depth + 1, None)

    def subagent(self, sub: Any, where: str, depth: int, ref_step: Any) -> None:
        if not isinstance(sub, dict):
            self.sink.skip(where, f"a JSON {json_type(sub)}; expected an embedded ATIF trajectory")
            return
        if depth > MAX_DEPTH:
            self.sink.skip(where, f"embedded subagents nested deeper than {MAX_DEPTH}; not imported")
            return
        tid = _str(sub.get("trajectory_id"))
        if tid is not None:
            if tid in self.imported:
                return
            self.imported.add(tid)
        steps = sub.get("steps")
        if not isinstance(steps, list):
            self.sink.skip(where, f"steps is a JSON {json_type(steps)}; expected a list of steps")
            return
        name = tid or where
        agent = obj(sub.get("agent"))
        model = _str(agent.get("model_name"))
        self.sink.stats["subagents_embedded"] += 1
        self.sink.note(
            "subagent_start",
            None,
            text=f"embedded subagent {name} ({_str(agent.get('name')) or '?'})",
            subagent=name,
            trajectory_id=tid,
            session_id=sub.get("session_id"),
            agent=agent.get("name"),
            agent_version=agent.get("version"),
            model=model,
            schema_version=sub.get("schema_version"),
            referenced_from_step=ref_step,
        )
        self.index_embedded(sub, f"{where}.")
        self.steps(
            _Scope(
                sub,
                f"{where}.",
                f"{name}/",
                name,
                model or _str(obj(self.root.get("agent")).get("model_name")),
                depth,
            )
        )
        self.remaining_embedded(sub, f"{where}.", depth)
        self.sink.note(
            "subagent_end", None, subagent=name, final_metrics=obj(sub.get("final_metrics")) or None
        )

    def steps(self, scope: _Scope) -> None:
        for i, step in enumerate(scope.doc["steps"]):
            where = f"{scope.where}steps[{i}]"
            if not isinstance(step, dict):
                self.sink.skip(where, f"a JSON {json_type(step)}; expected a step object")
                continue
            try:
                self.step(scope, where, i, step)
            except (ValueError, TypeError, AttributeError) as exc:  # a shape no check above foresaw
                self.sink.skip(where, f"{exc}; expected an ATIF step")

    def step(self, scope: _Scope, where: str, index: int, step: dict[str, Any]) -> None:
        source = step.get("source")
        if key(source) not in SOURCES:
            self.sink.skip(where, f"source {_show(source)}; expected system, user or agent")
            return
        message = step.get("message")
        if message is None:
            message = ""
            self.sink.stats["steps_without_message"] += 1
        elif not isinstance(message, str | list):
            self.sink.skip(
                where,
                f"message is a JSON {json_type(message)}; expected a string or a list of content parts",
            )
            return
        step_id = step.get("step_id")
        if _int(step_id) is None:
            self.sink.stats["step_ids_not_integers"] += 1
        elif step_id != index + 1:
            self.sink.stats["step_ids_out_of_sequence"] += 1
        when = step.get("timestamp")
        if when is not None:
            if isinstance(when, str) and parse_time(when) is not None:
                self.last_time = when
                self.sink.at(when)
            else:
                self.sink.stats["timestamps_unreadable"] += 1
        copied = step.get("is_copied_context") is True
        if copied:
            self.sink.stats["copied_context_steps"] += 1
        flags: dict[str, Any] = {
            "step_id": step_id,
            "trajectory": scope.trajectory,
            "subagent": scope.subagent,
            "copied_context": True if copied else None,
        }
        unknown = {k: v for k, v in step.items() if k not in STEP_KEYS}
        if unknown:
            self.sink.note("unknown_fields", None, fields=unknown, **flags)
        calls = self.parse_calls(where, step.get("tool_calls"), scope.prefix)
        if source == "agent":
            self.agent_step(scope, step, message, calls, flags)
        elif source == "user":
            content: Any = message if isinstance(message, str) else _parts(message)
            self.sink.emit(
                EventType.MODEL_REQUEST,
                {
                    "turn": self.turn,
                    "model": scope.model,
                    "request": {"messages": [{"role": "user", "content": content}]},
                    "request_scope": "new_messages",
                    "step_extra": step.get("extra") or None,
                    "agent_fields": self.agent_fields(step),
                    **flags,
                },
            )
        else:
            self.system_step(step, message, flags)
        if calls and source != "agent":
            self.sink.stats[f"tool_calls_on_{source}_steps"] += 1
            for call_id, name, args, extra in calls:
                self.emit_call(call_id, name, args, extra, copied, {**flags, "source": source})
        self.observation(scope, where, step, flags, copied)

    def agent_fields(self, step: Mapping[str, Any]) -> dict[str, Any] | None:
        """Agent-only fields a user or system step carries anyway (Harbor refuses them): kept."""
        found = {
            k: step[k]
            for k in ("model_name", "reasoning_effort", "reasoning_content", "metrics")
            if step.get(k) is not None
        }
        return found or None

    def system_step(self, step: Mapping[str, Any], message: Any, flags: Mapping[str, Any]) -> None:
        extra = obj(step.get("extra"))
        managed = extra.get("context_management")
        managed = managed if isinstance(managed, dict) else None
        self.sink.note(
            "context_management" if managed else "system",
            None,
            text=_text(message),
            media=_media(message),
            context_management=managed,
            step_extra={k: v for k, v in extra.items() if k != "context_management"} or None,
            agent_fields=self.agent_fields(step),
            **flags,
        )

    # -- agent steps -----------------------------------------------------------------------

    def agent_step(
        self,
        scope: _Scope,
        step: Mapping[str, Any],
        message: Any,
        calls: list[tuple[str, str, dict[str, Any], dict[str, Any]]],
        flags: Mapping[str, Any],
    ) -> None:
        model = _str(step.get("model_name")) or scope.model
        if model is not None:
            self.models_used = True
            self.sink.model(*self.model_ref(model, scope.model))
        llm_calls = step.get("llm_call_count")
        copied = bool(flags.get("copied_context"))
        if _int(llm_calls) == 0:  # v1.7: deterministic dispatch, no model answered
            self.sink.stats["dispatch_steps"] += 1
            self.sink.note(
                "dispatch",
                None,
                text=_text(message) or None,
                reasoning_content=step.get("reasoning_content"),
                metrics=step.get("metrics"),
                **flags,
            )
            for call_id, name, args, extra in calls:
                self.emit_call(call_id, name, args, extra, copied, {**flags, "dispatch": True})
            return
        content: list[dict[str, Any]] = []
        reasoning = step.get("reasoning_content")
        if isinstance(reasoning, str) and reasoning:
            content.append({"type": "thinking", "thinking": reasoning})
        elif reasoning is not None and not isinstance(reasoning, str):
            content.append({"type": "thinking", "thinking": json.dumps(reasoning, sort_keys=True)})
            self.sink.stats["reasoning_not_text"] += 1
        if isinstance(message, list):
            content += _parts(message)
        elif message:
            content.append({"type": "text", "text": message})
        for call_id, name, args, _ in calls:
            content.append({"type": "tool_use", "id": call_id, "name": name, "input": args})
        usage, detail, cost = self.metrics(step.get("metrics"))
        self.sink.emit(
            EventType.MODEL_RESPONSE,
            {
                "turn": self.turn,
                "model": model,
                "provider": self.model_ref(model, scope.model)[1] if model else None,
                "response": {"role": "assistant", "model": model, "content": content},
                "usage": usage,
                "usage_detail": detail,
                "cost_usd": cost,
                "reasoning_effort": step.get("reasoning_effort"),
                "llm_call_count": llm_calls if llm_calls is not None and llm_calls != 1 else None,
                "step_extra": step.get("extra") or None,
                **flags,
            },
        )
        self.turn += 1
        for call_id, name, args, extra in calls:
            self.emit_call(call_id, name, args, extra, copied, {**flags, "turn": self.turn - 1})

    def model_ref(self, model: str, default: str | None) -> tuple[str, str | None]:
        """A step's model as seen: a bare ``gpt-4o`` under an agent default ``openai/gpt-4o``
        is that model (Harbor writes the provider-prefixed name once, at the agent)."""
        if default and "/" in default and default.split("/", 1)[1] == model:
            return default, _provider(default)
        return model, _provider(model)

    def metrics(self, raw: Any) -> tuple[dict[str, int] | None, dict[str, Any] | None, Any]:
        """``(usage, usage_detail, cost_usd)`` of a step's metrics; totals kept for build_end."""
        if raw is None:
            return None, None, None
        if not isinstance(raw, dict):
            self.sink.stats["metrics_not_objects"] += 1
            return None, {"metrics": raw}, None
        ints = {k: _int(raw.get(k)) for k in METRIC_INTS}
        bad = [k for k in METRIC_INTS if raw.get(k) is not None and ints[k] is None]
        if bad:
            self.sink.stats["metrics_not_integers"] += 1
        usage: dict[str, int] = {}
        for ours, theirs in (("input_tokens", "prompt_tokens"), ("output_tokens", "completion_tokens")):
            if (value := ints[theirs]) is not None:
                usage[ours] = value
                self.usage[ours] += value
                self.usage_seen = True
        if ints["cached_tokens"] is not None:
            self.usage["cached_tokens"] += ints["cached_tokens"]
        cost = _number(raw.get("cost_usd"))
        if cost is not None:
            self.cost += cost
            self.cost_seen = True
        detail: dict[str, Any] = {}
        if ints["cached_tokens"] is not None:
            detail["cached_tokens"] = ints["cached_tokens"]  # a subset of input_tokens (v1.2)
        for name in METRIC_ARRAYS:
            value = raw.get(name)
            if isinstance(value, list):
                detail[f"{name}_count"] = len(value)  # counted: the stored original keeps them
            elif value is not None:
                detail[name] = value
        extra = raw.get("extra")
        if extra is not None and extra != {}:
            detail["extra"] = extra  # reasoning_tokens, cache_creation_input_tokens, …
        known = {*METRIC_INTS, *METRIC_ARRAYS, "cost_usd", "extra"}
        others = {k: v for k, v in raw.items() if k not in known}
        others.update({k: raw[k] for k in bad})
        if raw.get("cost_usd") is not None and cost is None:
            others["cost_usd"] = raw["cost_usd"]
        if others:
            detail["other"] = others
        return usage or None, detail or None, cost

    # -- calls and results -----------------------------------------------------------------

    def parse_calls(
        self, where: str, raw: Any, prefix: str
    ) -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
        """``(id, name, arguments, extra fields)`` per well-formed call; the rest skipped."""
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.sink.skip(f"{where}.tool_calls", f"a JSON {json_type(raw)}; expected a list of tool calls")
            return []
        out: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = []
        for j, call in enumerate(raw):
            at = f"{where}.tool_calls[{j}]"
            if not isinstance(call, dict):
                self.sink.skip(at, f"a JSON {json_type(call)}; expected a tool call object")
                continue
            call_id, name = call.get("tool_call_id"), call.get("function_name")
            if not isinstance(call_id, str) or not call_id:
                self.sink.skip(
                    at, f"tool_call_id {_show(call_id)}; expected a non-empty string to pair its result"
                )
                continue
            if not isinstance(name, str) or not name:
                self.sink.skip(at, f"function_name {_show(name)}; expected the tool's name")
                continue
            args, ok = _arguments(call.get("arguments"))
            if not ok:
                self.sink.stats["arguments_not_objects"] += 1
                args["arguments_not_object"] = True
            extra: dict[str, Any] = {}
            if call.get("extra") is not None:
                extra["extra"] = call["extra"]
            unknown = {k: v for k, v in call.items() if k not in CALL_KEYS}
            if unknown:
                extra["unknown_fields"] = unknown
            if prefix:
                extra["source_id"] = call_id
            out.append((prefix + call_id, name, args, extra))
        return out

    def emit_call(
        self,
        call_id: str,
        name: str,
        args: dict[str, Any],
        extra: Mapping[str, Any],
        copied: bool,
        flags: Mapping[str, Any],
    ) -> None:
        self.calls[call_id] = _Call(name, args, copied)
        if name == "bash_command" and "keystrokes" in args:
            self.sink.stats["keystroke_calls"] += 1
        self.sink.tool_call(call_id, name, args, None, **extra, **flags)

    def observation(
        self, scope: _Scope, where: str, step: Mapping[str, Any], flags: Mapping[str, Any], copied: bool
    ) -> None:
        raw = step.get("observation")
        if raw is None:
            return
        at = f"{where}.observation"
        if not isinstance(raw, dict):
            self.sink.skip(at, f"a JSON {json_type(raw)}; expected an object with a results list")
            return
        results = raw.get("results")
        if not isinstance(results, list):
            self.sink.skip(at, f"results is a JSON {json_type(results)}; expected a list of results")
            return
        own = {
            scope.prefix + c["tool_call_id"]
            for c in lst(step.get("tool_calls"))
            if isinstance(c, dict) and isinstance(c.get("tool_call_id"), str)
        }
        for k, result in enumerate(results):
            rat = f"{at}.results[{k}]"
            if not isinstance(result, dict):
                self.sink.skip(rat, f"a JSON {json_type(result)}; expected a result object")
                continue
            self.result(scope, rat, result, own, step.get("source"), flags, copied)

    def result(
        self,
        scope: _Scope,
        where: str,
        result: Mapping[str, Any],
        own: set[str],
        source: Any,
        flags: Mapping[str, Any],
        copied: bool,
    ) -> None:
        call_id = result.get("source_call_id")
        if call_id is not None and (not isinstance(call_id, str) or not call_id):
            self.sink.skip(where, f"source_call_id {_show(call_id)}; expected a tool_call_id string or null")
            return
        content = result.get("content")
        if content is None or isinstance(content, str | list):
            text = _text(content)
        else:
            text = json.dumps(content, sort_keys=True)
            self.sink.stats["contents_not_text"] += 1
        extra = obj(result.get("extra"))
        refs = self.refs(where, result.get("subagent_trajectory_ref"))
        fields: dict[str, Any] = {
            "media": _media(content),
            "subagent_trajectory_ref": refs,
            "extra": result.get("extra") if result.get("extra") is not None else None,
            "unknown_fields": {k: v for k, v in result.items() if k not in RESULT_KEYS} or None,
            "no_content": True if content is None else None,
        }
        if call_id is None:
            self.sink.stats["results_without_call"] += 1
            text_or_none = text if content is not None else None  # refs only: data says it all
            self.sink.note("observation", None, text=text_or_none, source=source, **fields, **flags)
        else:
            full_id = scope.prefix + call_id
            if full_id not in own:
                self.sink.stats["results_for_calls_outside_the_step"] += 1
            call = self.calls.get(full_id)
            code = _exit_code(extra)
            if code is None and call is not None and text.startswith("{"):
                code = _wrapped_exit_code(text)  # Codex's {"output", "metadata": {"exit_code"}}
            if code is None and call is not None and call.name in SHELL_TOOLS:
                for pattern in EXIT_CODE_RES:
                    if found := pattern.search(text):
                        code = int(found.group(1))
                        break
            failed = _flagged_error(extra) or (code is not None and code != 0)
            if call is not None and call.name in FILE_TOOLS and FAILED_TEXT_RE.search(text):
                failed = True
            if call is not None and call.name == "apply_patch" and PATCH_FAILED_RE.match(text):
                failed = True
            self.sink.tool_result(full_id, text, failed, None, **fields, **flags)
            if call is not None and not copied and not call.copied:
                self.effects(full_id, call, code, failed, extra, flags)
        for ref in refs or []:
            tid = ref.get("trajectory_id")
            if isinstance(tid, str) and tid in self.embedded and tid not in self.imported:
                path, sub = self.embedded[tid]
                self.subagent(sub, path, scope.depth + 1, flags.get("step_id"))

    def refs(self, where: str, raw: Any) -> list[dict[str, Any]] | None:
        if raw is None:
            return None
        if not isinstance(raw, list):
            self.sink.skip(
                f"{where}.subagent_trajectory_ref",
                f"a JSON {json_type(raw)}; expected a list of subagent references",
            )
            return None
        out = []
        for ref in raw:
            if isinstance(ref, dict):
                out.append(dict(ref))
                self.sink.stats["subagent_refs"] += 1
            else:
                out.append({"unreadable": ref})
                self.sink.stats["subagent_refs_not_objects"] += 1
        return out or None

    # -- what a call did -------------------------------------------------------------------

    def effects(
        self,
        call_id: str,
        call: _Call,
        code: int | None,
        failed: bool,
        extra: Mapping[str, Any],
        flags: Mapping[str, Any],
    ) -> None:
        """``exec`` for a shell command that ran, ``file_write`` for a file tool that succeeded."""
        if call.name in SHELL_TOOLS:
            argv, cwd = self.command(call)
            if argv is None or (failed and code is None):
                return  # no command to name, or refused / failed before it ran
            self.sink.emit(
                EventType.EXEC,
                {
                    "argv": argv,
                    "cwd": cwd,
                    "exit_code": code,
                    "timed_out": True if extra.get("timed_out") is True else None,
                    "tool_call_id": call_id,
                    "step_id": flags.get("step_id"),
                    "trajectory": flags.get("trajectory"),
                    "subagent": flags.get("subagent"),
                },
            )
        elif call.name in FILE_TOOLS and not failed:
            for data in self.writes(call):
                where = {k: flags.get(k) for k in ("step_id", "trajectory", "subagent")}
                self.sink.emit(EventType.FILE_WRITE, {**data, "tool_call_id": call_id, **where})

    def command(self, call: _Call) -> tuple[list[str] | None, str | None]:
        args = call.args
        cwd = next(
            (v for k in ("workdir", "working_directory", "cwd") if isinstance(v := args.get(k), str)), None
        )
        raw = args.get("cmd") if call.name == "exec_command" else args.get("command")
        if isinstance(raw, list) and raw and all(isinstance(a, str) for a in raw):
            return list(raw), cwd or self.cwd
        if not isinstance(raw, str) or not raw.strip():
            return None, None
        prefix = list(SHELL_TOOLS[call.name])
        if call.name in ("exec_command", "shell_command"):
            prefix[0] = _str(args.get("shell")) or prefix[0]
            if args.get("login") is False:
                prefix[1] = "-c"
        return [*prefix, raw], cwd or self.cwd

    def writes(self, call: _Call) -> list[dict[str, Any]]:
        """``{path, operation, sha256?, size?}`` per file the call wrote."""
        args = call.args
        if call.name == "apply_patch":
            patch = args.get("input") if isinstance(args.get("input"), str) else args.get("patch")
            if not isinstance(patch, str):
                return []
            out = []
            for path, op, extra in patch_files(patch):
                item = {"path": relative_to(path, self.cwd), "operation": op, **extra}
                if isinstance(extra.get("moved_from"), str):
                    item["moved_from"] = relative_to(extra["moved_from"], self.cwd)
                out.append(item)
            return out
        operation: str | None = FILE_TOOLS[call.name]
        body: Any = None
        if operation is None:  # str_replace_editor and kin: the command says what it did
            command = args.get("command")
            operation = EDITOR_COMMANDS.get(command) if isinstance(command, str) else None
            if operation is None:
                return []  # view, or a command that writes nothing
            body = args.get("file_text") if operation == "create" else None
        elif operation == "create":
            body = args.get("content")
        target = next(
            (
                v
                for k in ("file_path", "path", "notebook_path", "absolute_path")
                if isinstance(v := args.get(k), str) and v
            ),
            None,
        )
        if target is None:
            return []
        data: dict[str, Any] = {"path": relative_to(target, self.cwd), "operation": operation}
        if isinstance(body, str):
            record_digest(data, body)
        return [data]

    # -- the end ---------------------------------------------------------------------------

    def end(self) -> None:
        root = self.root
        final = root.get("final_metrics")
        totals = obj(final)
        if final is not None and not isinstance(final, dict):
            self.sink.stats["final_metrics_not_objects"] += 1
        if self.more:
            totals = _summed([totals, *(obj(doc.get("final_metrics")) for _, doc in self.more)])
        prompt, completion = (
            _int(totals.get("total_prompt_tokens")),
            _int(totals.get("total_completion_tokens")),
        )
        usage: dict[str, int] | None = None
        detail: dict[str, Any] = {k: v for k in FINAL_INTS if (v := _int(totals.get(k))) is not None}
        if prompt is not None or completion is not None:
            usage = {
                k: v for k, v in (("input_tokens", prompt), ("output_tokens", completion)) if v is not None
            }
            detail["from"] = "final_metrics"
        elif self.usage_seen:
            usage = {"input_tokens": self.usage["input_tokens"], "output_tokens": self.usage["output_tokens"]}
            detail = {"total_cached_tokens": self.usage["cached_tokens"], "from": "steps"}
        if isinstance(totals.get("extra"), dict) and totals["extra"]:
            detail["extra"] = totals["extra"]
        cost = _number(totals.get("total_cost_usd"))
        if cost is None and self.cost_seen:
            cost = round(self.cost, 10)
        last = self.more[-1][1] if self.more else root
        continued = last.get("continued_trajectory_ref")
        steps = [s for doc in (root, *(d for _, d in self.more)) for s in doc["steps"]]
        reason = (
            f"continued in {continued}: the run goes on in that trajectory file"
            if isinstance(continued, str) and continued
            else "an ATIF trajectory records no exit status"
        )
        self.sink.end(
            {
                "status": "interrupted",
                "reason": reason,
                "turns": self.turn,
                "steps": len(steps),
                "usage": usage or None,
                "usage_detail": detail or None,
                "cost_usd": cost,
                "continued_trajectory_ref": continued if continued is not None else None,
                "trajectories": 1 + len(self.more) if self.more else None,
            },
            self.last_time,
        )


def _is_trajectory(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("steps"), list)


def _summed(totals: list[dict[str, Any]]) -> dict[str, Any]:
    """``final_metrics`` of several trajectories added up, each figure only where every one
    of them gives it (else the steps' own sums stand in, as for one trajectory without it)."""
    out: dict[str, Any] = {}
    for name in FINAL_INTS:
        values = [_int(t.get(name)) for t in totals]
        if all(v is not None for v in values):
            out[name] = sum(v for v in values if v is not None)
    costs = [_number(t.get("total_cost_usd")) for t in totals]
    if all(c is not None for c in costs):
        out["total_cost_usd"] = round(sum(c for c in costs if c is not None), 10)
    return out


def _convert_lines(data: bytes, filename: str, sink: Sink) -> bool:
    """A JSON Lines file holding one trajectory a line (a data set of runs, as written by
    ``to_json(lines=True)`` and similar exports; Harbor itself writes one ``trajectory.json``
    per trial): every line imported in order, each a scope of its own. False when the file
    is not that, so the caller reports it as broken JSON."""
    found = list(iter_json_lines(data))
    if len(found) < 2 or not _is_trajectory(next((v for _, v, e in found if e is None), None)):
        if len(found) >= 2 and all(e is None and isinstance(v, dict) for _, v, e in found[:5]):
            raise ImportFormatError(
                f"JSON Lines whose first object has no 'steps' list; expected {EXPECTED}, "
                "or one such object a line",
                file=filename,
                line=found[0][0],
            )
        return False
    good: list[tuple[int, dict[str, Any]]] = []
    for lineno, value, error in found:
        if error is not None:
            sink.skip(f"line {lineno}", f"{error}; expected one ATIF trajectory a line")
        elif not _is_trajectory(value):
            sink.skip(
                f"line {lineno}",
                f"a JSON {json_type(value)} without a 'steps' list; expected an ATIF trajectory",
            )
        else:
            good.append((lineno, value))
    sink.stats["trajectory_lines"] = len(good)
    converter = _Converter(sink, good[0][1], good[1:])
    converter.first = good[0][0]
    converter.run()
    return True


def convert(data: bytes, filename: str, sink: Sink) -> None:
    try:
        doc = load_json(data, filename, expected=EXPECTED)
    except ImportFormatError:
        if _convert_lines(data, filename, sink):
            return
        raise
    if not isinstance(doc, dict):
        raise ImportFormatError(f"top level is a JSON {json_type(doc)}; expected {EXPECTED}", file=filename)
    steps = doc.get("steps")
    if not isinstance(steps, list):
        found = "no 'steps'" if steps is None else f"'steps' is a JSON {json_type(steps)}"
        raise ImportFormatError(f"top level has {found}, not a list; expected {EXPECTED}", file=filename)
    version = doc.get("schema_version")
    if version is not None and not isinstance(version, str):
        raise ImportFormatError(
            f"schema_version is a JSON {json_type(version)}; expected a string like 'ATIF-v1.7'",
            file=filename,
        )
    agent = doc.get("agent")
    if agent is not None and not isinstance(agent, dict):
        raise ImportFormatError(
            f"agent is a JSON {json_type(agent)}; expected an object with name and version", file=filename
        )
    _Converter(sink, doc).run()


IMPORTER = Importer(
    FORMAT,
    MEDIA_TYPE,
    "Agent Trajectory Interchange Format (Harbor / Terminal-Bench trajectory.json, ATIF-v1.0 … v1.8)",
    detect,
    convert,
)

__all__ = ["FORMAT", "IMPORTER", "convert", "detect"]
