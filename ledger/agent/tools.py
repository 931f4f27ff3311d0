"""The agent's tools, confined to the sandbox's scratch copy of the workspace.

Five tools (read_file, write_file, list_files, search_text, run_command), each an Anthropic tool
definition plus its execution. Every path is resolved with ``ledger.fsutil.confine`` (no absolute
paths, no ``..``, no NUL, no symlink leading out); the spec tree is read-only. A tool that fails
answers the model with an ``is_error`` result and the loop goes on; only a broken sandbox raises.

Tool results are what the model sees next and what a replay compares, so they hold no clocks or
durations: a hermetic tool gives byte-identical results on every run.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from ledger.agent.interface import Recorder, Sandbox
from ledger.agent.messages import ToolUse
from ledger.digest import sha256_hex
from ledger.errors import InputError
from ledger.fsutil import atomic_write_bytes, check_relative, confine
from ledger.workspace import SPEC_DIR

#: Top-level directories of scratch the agent may read but never write.
PROTECTED_DIRS = (SPEC_DIR, ".ledger")


class ToolInputError(InputError):
    """A tool call the toolbox refuses; reported to the model, never raised out of ``execute``."""


@dataclass(frozen=True)
class ToolLimits:
    max_read_bytes: int = 256 * 1024
    max_write_bytes: int = 4 * 1024 * 1024
    max_output_bytes: int = 64 * 1024
    command_timeout_s: float = 300.0
    max_list_entries: int = 2000
    max_search_matches: int = 200
    max_search_file_bytes: int = 2 * 1024 * 1024


@dataclass(frozen=True)
class ToolResult:
    content: str
    is_error: bool = False

    def block(self, tool_use_id: str) -> dict[str, Any]:
        return {"type": "tool_result", "tool_use_id": tool_use_id,
                "content": self.content, "is_error": self.is_error}


_PATH = {"type": "string", "description": "Path relative to the project root."}
TOOL_DEFINITIONS: tuple[dict[str, Any], ...] = (
    {
        "name": "read_file",
        "description": "Read a UTF-8 text file of the project. Long files are truncated (the "
                       "result says so); use start_line and max_lines to read further.",
        "input_schema": {
            "type": "object",
            "properties": {
                "path": _PATH,
                "start_line": {"type": "integer", "minimum": 1,
                               "description": "First line to return (1-based)."},
                "max_lines": {"type": "integer", "minimum": 1},
            },
            "required": ["path"],
            "additionalProperties": False,
        },
    },
    {
        "name": "write_file",
        "description": "Create or replace a text file (parent directories are created). "
                       f"{SPEC_DIR}/ is read-only.",
        "input_schema": {
            "type": "object",
            "properties": {"path": _PATH, "content": {"type": "string"}},
            "required": ["path", "content"],
            "additionalProperties": False,
        },
    },
    {
        "name": "list_files",
        "description": "List files under a directory, recursively, sorted. Directories end "
                       "with '/'; symbolic links are shown as 'link -> target' and not followed.",
        "input_schema": {
            "type": "object",
            "properties": {
                "path": {"type": "string", "description": "Directory (default: the root)."},
                "max_depth": {"type": "integer", "minimum": 1},
            },
            "additionalProperties": False,
        },
    },
    {
        "name": "search_text",
        "description": "Search text files for a Python regular expression; answers "
                       "'path:line: text' per match.",
        "input_schema": {
            "type": "object",
            "properties": {
                "pattern": {"type": "string", "minLength": 1, "maxLength": 1000},
                "path": {"type": "string", "description": "Directory or file (default: root)."},
                "glob": {"type": "string", "description": "Only paths matching, e.g. '*.py'."},
            },
            "required": ["pattern"],
            "additionalProperties": False,
        },
    },
    {
        "name": "run_command",
        "description": "Run a command in the project root inside the sandbox (no network). "
                       "Give either 'command' (run by /bin/sh -c) or 'argv'. Answers the exit "
                       "code, stdout and stderr (long output is truncated in the middle).",
        "input_schema": {
            "type": "object",
            "properties": {
                "command": {"type": "string", "minLength": 1},
                "argv": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                "cwd": {"type": "string", "description": "Working directory (default: root)."},
                "timeout_s": {"type": "number", "exclusiveMinimum": 0},
            },
            "additionalProperties": False,
        },
    },
)


class ToolBox:
    """Executes tool calls against ``sandbox.scratch`` and records each one."""

    def __init__(
        self, sandbox: Sandbox, recorder: Recorder, limits: ToolLimits | None = None
    ) -> None:
        self.sandbox = sandbox
        self.recorder = recorder
        self.limits = limits or ToolLimits()
        self._root = Path(sandbox.scratch).resolve()
        self._schemas = {d["name"]: d["input_schema"] for d in TOOL_DEFINITIONS}
        self._impl: dict[str, Callable[[dict[str, Any], float | None], ToolResult]] = {
            "read_file": self._read_file,
            "write_file": self._write_file,
            "list_files": self._list_files,
            "search_text": self._search_text,
            "run_command": self._run_command,
        }

    def definitions(self) -> list[dict[str, Any]]:
        return [dict(d) for d in TOOL_DEFINITIONS]

    def execute(self, call: ToolUse, *, time_left_s: float | None = None) -> ToolResult:
        """Run one tool call; refusals and failures come back as ``is_error`` results."""
        self.recorder.emit("tool_call", {"id": call.id, "name": call.name, "input": call.input})
        try:
            impl = self._impl.get(call.name)
            if impl is None:
                raise ToolInputError(
                    f"unknown tool {call.name!r}; available: {', '.join(sorted(self._impl))}"
                )
            self._validate(call.name, call.input)
            result = impl(call.input, time_left_s)
        except InputError as exc:
            result = ToolResult(f"error: {exc}", is_error=True)
        except OSError as exc:
            result = ToolResult(f"error: {exc.strerror or exc}", is_error=True)
        self.recorder.emit("tool_result", {"id": call.id, "name": call.name,
                                           "is_error": result.is_error, "content": result.content})
        return result

    def _validate(self, name: str, value: Any) -> None:
        problem = schema_problem(self._schemas[name], value, "input")
        if problem is not None:
            raise ToolInputError(f"{name} {problem}")

    # -- paths ---------------------------------------------------------------------------------

    def _resolve(self, rel: str) -> Path:
        return confine(self._root, rel)

    def _rel(self, path: Path) -> str:
        rel = path.relative_to(self._root).as_posix()
        return rel or "."

    def _writable(self, rel: str) -> Path:
        given = check_relative(rel)
        target = self._resolve(rel)
        resolved = PurePosixPath(self._rel(target))
        for parts in (given.parts, resolved.parts):
            if parts and parts[0] in PROTECTED_DIRS:
                raise ToolInputError(f"path {rel!r} is inside {parts[0]}/, which is read-only")
        return target

    # -- tools ---------------------------------------------------------------------------------

    def _read_file(self, args: dict[str, Any], _: float | None) -> ToolResult:
        path = self._resolve(args["path"])
        if not path.is_file():
            raise ToolInputError(f"{args['path']!r} is not a file")
        data = path.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ToolInputError(
                f"{args['path']!r} is not UTF-8 text ({len(data)} bytes, sha256 {sha256_hex(data)})"
            ) from None
        lines = text.splitlines(keepends=True)
        start = int(args.get("start_line", 1))
        count = args.get("max_lines")
        chosen = lines[start - 1 : None if count is None else start - 1 + int(count)]
        body = "".join(chosen)
        raw = body.encode("utf-8")
        notes = []
        if len(raw) > self.limits.max_read_bytes:
            body = raw[: self.limits.max_read_bytes].decode("utf-8", errors="ignore")
            shown = body.count("\n")
            notes.append(f"[truncated: showing {self.limits.max_read_bytes} of {len(raw)} bytes; "
                         f"continue with start_line={start + shown}]")
        elif start > 1 or count is not None:
            notes.append(f"[lines {start}..{start + len(chosen) - 1} of {len(lines)}]")
        return ToolResult(body + ("\n" + "\n".join(notes) if notes else ""))

    def _write_file(self, args: dict[str, Any], _: float | None) -> ToolResult:
        data = args["content"].encode("utf-8")
        if len(data) > self.limits.max_write_bytes:
            raise ToolInputError(
                f"content is {len(data)} bytes; the limit is {self.limits.max_write_bytes}"
            )
        path = self._writable(args["path"])
        if path.is_dir():
            raise ToolInputError(f"{args['path']!r} is a directory")
        atomic_write_bytes(path, data)
        digest = sha256_hex(data)
        rel = self._rel(path)
        self.recorder.emit("file_write", {"path": rel, "sha256": digest, "size": len(data)})
        return ToolResult(f"wrote {len(data)} bytes to {rel} (sha256 {digest})")

    def _list_files(self, args: dict[str, Any], _: float | None) -> ToolResult:
        top = self._resolve(args.get("path", "."))
        if not top.is_dir():
            raise ToolInputError(f"{args.get('path', '.')!r} is not a directory")
        max_depth = args.get("max_depth")
        entries: list[str] = []
        total = 0
        for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
            here = Path(dirpath)
            depth = len(here.relative_to(top).parts) + 1
            dirnames.sort()
            for name in sorted(dirnames + filenames):
                p = here / name
                rel = self._rel(p)
                if p.is_symlink():
                    line = f"{rel} -> {os.readlink(p)}"
                elif name in dirnames:
                    line = rel + "/"
                else:
                    line = rel
                total += 1
                if len(entries) < self.limits.max_list_entries:
                    entries.append(line)
            # prune: don't descend symlinked dirs (os.walk doesn't), .git, or past max_depth
            dirnames[:] = [d for d in dirnames if d != ".git"
                           and (max_depth is None or depth < int(max_depth))]
        entries.sort()
        if total > len(entries):
            entries.append(f"[truncated: {total} entries, showing {len(entries)}]")
        return ToolResult("\n".join(entries) if entries else "(empty)")

    def _search_text(self, args: dict[str, Any], _: float | None) -> ToolResult:
        try:
            regex = re.compile(args["pattern"])
        except re.error as exc:
            raise ToolInputError(f"pattern {args['pattern']!r} is not a valid regex: {exc}") from None
        top = self._resolve(args.get("path", "."))
        glob = args.get("glob")
        files = [top] if top.is_file() else sorted(self._walk_files(top))
        matches: list[str] = []
        total = 0
        for f in files:
            rel = self._rel(f)
            if glob and not (fnmatch.fnmatch(rel, glob) or fnmatch.fnmatch(f.name, glob)):
                continue
            if f.stat().st_size > self.limits.max_search_file_bytes:
                continue
            try:
                text = f.read_bytes().decode("utf-8")
            except UnicodeDecodeError:
                continue
            for n, line in enumerate(text.splitlines(), 1):
                if regex.search(line):
                    total += 1
                    if len(matches) < self.limits.max_search_matches:
                        matches.append(f"{rel}:{n}: {line[:300]}")
        if total > len(matches):
            matches.append(f"[truncated: {total} matches, showing {len(matches)}]")
        return ToolResult("\n".join(matches) if matches else "no matches")

    def _walk_files(self, top: Path) -> list[Path]:
        found: list[Path] = []
        for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
            dirnames[:] = [d for d in dirnames if d != ".git"]
            for name in filenames:
                p = Path(dirpath) / name
                if p.is_symlink():
                    try:
                        p = self._resolve(self._rel(p.parent) + "/" + name)
                    except InputError:
                        continue  # a link leading out of scratch is not searched
                    if not p.is_file():
                        continue
                found.append(p)
        return found

    def _run_command(self, args: dict[str, Any], time_left_s: float | None) -> ToolResult:
        if ("command" in args) == ("argv" in args):
            raise ToolInputError("run_command needs exactly one of 'command' or 'argv'")
        argv = ["/bin/sh", "-c", args["command"]] if "command" in args else list(args["argv"])
        if any("\x00" in a for a in argv):
            raise ToolInputError("run_command arguments must not contain NUL bytes")
        cwd_rel = args.get("cwd", ".")
        if not self._resolve(cwd_rel).is_dir():
            raise ToolInputError(f"cwd {cwd_rel!r} is not a directory")
        timeout = min(float(args.get("timeout_s", self.limits.command_timeout_s)),
                      self.limits.command_timeout_s)
        if time_left_s is not None:
            if time_left_s <= 0:
                raise ToolInputError("the build's time budget is used up; command not run")
            timeout = min(timeout, time_left_s)
        result = self.sandbox.run(argv, cwd=str(check_relative(cwd_rel)), timeout_s=timeout)
        self.recorder.emit("exec", result.log_record())
        head = (f"command timed out after {timeout:g} s and was killed" if result.timed_out
                else f"exit code {result.exit_code}")
        text = "\n".join((
            head,
            "[stdout]", self._clip(result.stdout),
            "[stderr]", self._clip(result.stderr),
        ))
        return ToolResult(text, is_error=result.timed_out or result.exit_code != 0)

    def _clip(self, data: bytes) -> str:
        """Head and tail of a command's output: failures tend to be reported at the end."""
        cap = self.limits.max_output_bytes // 2
        if len(data) <= cap:
            return data.decode("utf-8", errors="replace")
        half = cap // 2
        omitted = len(data) - 2 * half
        return (data[:half].decode("utf-8", errors="replace")
                + f"\n[truncated: {omitted} of {len(data)} bytes omitted]\n"
                + data[-half:].decode("utf-8", errors="replace"))


def tool_names() -> tuple[str, ...]:
    return tuple(d["name"] for d in TOOL_DEFINITIONS)




_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,), "array": (list,), "string": (str,), "integer": (int,),
    "number": (int, float), "boolean": (bool,),
}


def schema_problem(schema: dict[str, Any], value: Any, where: str) -> str | None:
    """Check ``value`` against the JSON Schema subset the tool definitions use.

    The definitions above are the single source of truth for both the model and this check;
    jsonschema is only a dev dependency, so the few keywords used are interpreted here.
    """
    kind = schema.get("type")
    if kind is not None:
        ok = isinstance(value, _JSON_TYPES[kind]) and not (
            isinstance(value, bool) and kind in ("integer", "number")
        )
        if not ok:
            return f"{where}: expected {kind}, got {type(value).__name__}"
    if isinstance(value, dict):
        for key in schema.get("required", ()):
            if key not in value:
                return f"{where}: {key!r} is required"
        props: dict[str, Any] = schema.get("properties", {})
        if schema.get("additionalProperties") is False:
            extra = sorted(set(value) - set(props))
            if extra:
                return f"{where}: unexpected {extra}; allowed: {sorted(props)}"
        for key, sub in props.items():
            if key in value:
                found = schema_problem(sub, value[key], f"{where}.{key}")
                if found:
                    return found
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            return f"{where}: expected at least {schema['minItems']} items"
        if "items" in schema:
            for i, item in enumerate(value):
                found = schema_problem(schema["items"], item, f"{where}[{i}]")
                if found:
                    return found
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            return f"{where}: expected at least {schema['minLength']} characters"
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            return f"{where}: expected at most {schema['maxLength']} characters"
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            return f"{where}: expected >= {schema['minimum']}"
        if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
            return f"{where}: expected > {schema['exclusiveMinimum']}"
    return None
