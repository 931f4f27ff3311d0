"""Fakes for the agent's seams: an in-process sandbox over tmp_path and a list recorder.

The real sandbox (bubblewrap) and trajectory writer live in other packages; the agent only
needs their small interfaces (``ledger.agent.interface``), so these stand-ins run real
subprocesses and keep real events, without namespaces or hash chains.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest


@dataclass(frozen=True)
class LocalExecResult:
    argv: tuple[str, ...]
    cwd: str
    exit_code: int
    duration_s: float
    stdout: bytes
    stderr: bytes
    timed_out: bool

    def log_record(self) -> dict[str, Any]:
        return {
            "argv": list(self.argv), "cwd": self.cwd, "exit_code": self.exit_code,
            "duration_s": self.duration_s, "timed_out": self.timed_out,
            "stdout_sha256": hashlib.sha256(self.stdout).hexdigest(),
            "stderr_sha256": hashlib.sha256(self.stderr).hexdigest(),
        }


@dataclass
class LocalSandbox:
    """Runs commands as plain subprocesses in ``scratch`` (no isolation: a test double only)."""

    scratch: Path
    kind: str = "local-test"
    runs: list[LocalExecResult] = field(default_factory=list)

    def run(
        self,
        argv: Sequence[str],
        *,
        cwd: str = ".",
        timeout_s: float,
        env: Mapping[str, str] | None = None,
        stdin: bytes | None = None,
    ) -> LocalExecResult:
        # the test interpreter first on PATH, so `python3 -m pytest` finds pytest
        path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
        run_env = {"PATH": path, "HOME": str(self.scratch), "LANG": "C.UTF-8", **(env or {})}
        start = time.monotonic()
        proc = subprocess.Popen(
            list(argv), cwd=self.scratch / cwd, env=run_env, start_new_session=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        timed_out = False
        try:
            out, err = proc.communicate(stdin, timeout=timeout_s)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
        result = LocalExecResult(tuple(argv), cwd, proc.returncode, time.monotonic() - start,
                                 out, err, timed_out)
        self.runs.append(result)
        return result


@dataclass
class ListRecorder:
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def emit(self, type: str, data: Mapping[str, Any]) -> None:
        self.events.append((type, dict(data)))

    def types(self) -> list[str]:
        return [t for t, _ in self.events]

    def of(self, type: str) -> list[dict[str, Any]]:
        return [d for t, d in self.events if t == type]

    def as_trajectory(self) -> list[dict[str, Any]]:
        return [{"seq": i, "type": t, "data": d} for i, (t, d) in enumerate(self.events)]


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """A scratch copy of a tiny workspace: a spec tree plus an outside directory next to it."""
    root = tmp_path / "scratch"
    (root / "code-from-spec" / "SPEC").mkdir(parents=True)
    (root / "code-from-spec" / "SPEC" / "_node.md").write_text("# calc\nAdd and multiply.\n")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text("host secret\n")
    return root


@pytest.fixture
def sandbox(scratch: Path) -> LocalSandbox:
    return LocalSandbox(scratch)


@pytest.fixture
def recorder() -> ListRecorder:
    return ListRecorder()
