"""What every sandbox backend offers: the values a tool call produces and the one method to make one.

The agent loop and the build code against ``Sandbox``; ``bwrap`` and ``none`` implement it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ledger.digest import sha256_hex

#: Inside a bwrap sandbox the scratch copy of the workspace is mounted here.
SANDBOX_WORKDIR = "/work"

#: The only variables a sandboxed command sees besides the caller's explicit ``env``.
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@dataclass(frozen=True)
class Limits:
    """Per-command resource limits; ``None`` leaves that limit as inherited.

    ``max_processes`` is RLIMIT_NPROC, counted inside the sandbox's own user namespace, so a
    fork bomb runs out of processes long before the host does.
    """

    max_processes: int | None = 256
    max_file_bytes: int | None = 1 << 30
    cpu_seconds: int | None = 900
    address_space_bytes: int | None = 8 << 30
    output_bytes: int = 10 << 20  # per stream; the rest is read and discarded, truncation recorded

    def as_record(self) -> dict[str, Any]:
        return {
            "max_processes": self.max_processes,
            "max_file_bytes": self.max_file_bytes,
            "cpu_seconds": self.cpu_seconds,
            "address_space_bytes": self.address_space_bytes,
            "output_bytes": self.output_bytes,
        }


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class FileChange:
    """A created or modified entry of the scratch tree, with what it now holds."""

    path: str  # scratch-relative, POSIX separators
    kind: str  # "file" | "symlink" | "other" (fifo, socket, unreadable directory)
    size: int
    sha256: str | None = None  # files only
    target: str | None = None  # symlinks only

    def as_record(self) -> dict[str, Any]:
        record: dict[str, Any] = {"path": self.path, "kind": self.kind, "size": self.size}
        if self.sha256 is not None:
            record["sha256"] = self.sha256
        if self.target is not None:
            record["target"] = self.target
        return record


@dataclass(frozen=True)
class SkippedPath:
    """A workspace entry deliberately not copied into scratch, and why (never silently dropped)."""

    path: str
    reason: str


@dataclass(frozen=True)
class ExecResult:
    """One command run in a sandbox: what ran, how it ended, what it printed and changed."""

    argv: tuple[str, ...]
    cwd: str
    exit_code: int  # shell convention: 128 + signal number when killed by a signal
    duration_s: float
    stdout: bytes
    stderr: bytes
    timed_out: bool
    created: tuple[str, ...]
    modified: tuple[str, ...]
    deleted: tuple[str, ...]
    sandbox: str = "bwrap"
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    changes: tuple[FileChange, ...] = ()  # details of created + modified, in path order
    env_keys: tuple[str, ...] = ()  # names of the caller's explicit variables (values may be secret)

    def log_record(self) -> dict[str, Any]:
        """JSON-ready exec-log entry: digests and sizes of the output, never the raw bytes."""
        details = {change.path: change.as_record() for change in self.changes}
        return {
            "sandbox": self.sandbox,
            "argv": list(self.argv),
            "cwd": self.cwd,
            "env_keys": list(self.env_keys),
            "exit_code": self.exit_code,
            "timed_out": self.timed_out,
            # microseconds: enough for a log, and stable under RFC 8785 number serialisation
            "duration_s": round(self.duration_s, 6),
            "stdout": _stream_record(self.stdout, self.stdout_truncated),
            "stderr": _stream_record(self.stderr, self.stderr_truncated),
            "files": {
                "created": [details.get(p, {"path": p}) for p in self.created],
                "modified": [details.get(p, {"path": p}) for p in self.modified],
                "deleted": list(self.deleted),
            },
        }


def _stream_record(data: bytes, truncated: bool) -> dict[str, Any]:
    return {"sha256": sha256_hex(data), "size": len(data), "truncated": truncated}


class Sandbox(Protocol):
    """A writable scratch copy of the workspace plus a way to run commands against it."""

    kind: str  # "bwrap" or "none"
    scratch: Path  # host path of the writable scratch copy of the workspace
    exec_log: list[dict[str, Any]]

    def run(
        self,
        argv: Sequence[str],
        *,
        cwd: str = ".",
        timeout_s: float,
        env: Mapping[str, str] | None = None,
        stdin: bytes | None = None,
    ) -> ExecResult: ...
