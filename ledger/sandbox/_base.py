"""The part of ``run`` every backend shares: argument checks, the scratch diff, the exec log."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ledger.errors import SandboxError
from ledger.fsutil import confine
from ledger.sandbox._process import Captured
from ledger.sandbox.interface import DEFAULT_PATH, ExecResult, Limits, SkippedPath
from ledger.sandbox.snapshot import ScratchIndex


class ScratchSandbox:
    """A backend runs commands against ``scratch``; subclasses only say how to launch them."""

    kind = "abstract"

    def __init__(self, scratch: Path, *, limits: Limits) -> None:
        self.scratch = scratch
        self.limits = limits
        self.exec_log: list[dict[str, Any]] = []
        self.skipped: tuple[SkippedPath, ...] = ()  # what the scratch copy left out, and why
        self._index = ScratchIndex(scratch)
        self._index.refresh()  # baseline: the copy as made

    def run(
        self,
        argv: Sequence[str],
        *,
        cwd: str = ".",
        timeout_s: float,
        env: Mapping[str, str] | None = None,
        stdin: bytes | None = None,
    ) -> ExecResult:
        """Run ``argv`` in ``cwd`` (relative to scratch), wait at most ``timeout_s`` seconds."""
        args = tuple(argv)
        if not args or not all(isinstance(a, str) and "\x00" not in a for a in args):
            raise SandboxError(f"command {list(args)!r} is empty or has a non-string/NUL argument")
        if not timeout_s > 0:
            raise SandboxError(f"timeout_s must be positive, got {timeout_s!r}")
        workdir = self._workdir(cwd)
        extra = dict(env or {})
        for key, value in extra.items():
            if not key or "=" in key or "\x00" in key or "\x00" in value:
                raise SandboxError(f"environment variable name {key!r} or its value is malformed")
        # host-side edits since the last call (an agent's write_file) are not this command's
        self._index.refresh()
        captured, exit_code = self._launch(args, workdir, extra, stdin, timeout_s)
        changes = self._index.refresh()
        result = ExecResult(
            argv=args,
            cwd=workdir,
            exit_code=exit_code,
            duration_s=captured.duration_s,
            stdout=captured.stdout,
            stderr=captured.stderr,
            timed_out=captured.timed_out,
            created=changes.created,
            modified=changes.modified,
            deleted=changes.deleted,
            sandbox=self.kind,
            stdout_truncated=captured.stdout_truncated,
            stderr_truncated=captured.stderr_truncated,
            changes=changes.details,
            env_keys=tuple(sorted(extra)),
        )
        self.exec_log.append(result.log_record())
        return result

    def _workdir(self, cwd: str) -> str:
        """``cwd`` as a normalised scratch-relative path to an existing directory."""
        if cwd in ("", "."):
            return "."
        resolved = confine(self.scratch, cwd, what="sandbox cwd")
        if not resolved.is_dir():
            raise SandboxError(f"sandbox cwd {cwd!r} is not a directory in scratch")
        rel = resolved.relative_to(self.scratch.resolve()).as_posix()
        return rel or "."

    def _launch(
        self,
        argv: tuple[str, ...],
        workdir: str,
        env: dict[str, str],
        stdin: bytes | None,
        timeout_s: float,
    ) -> tuple[Captured, int]:
        """Start the command; return what it printed and its shell-convention exit code."""
        raise NotImplementedError


def base_env(home: str, extra: Mapping[str, str]) -> dict[str, str]:
    """The whole environment of a sandboxed command: nothing inherited from the host."""
    env = {
        "PATH": DEFAULT_PATH,
        "HOME": home,
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.update(extra)
    return env
