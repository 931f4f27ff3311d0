"""Run one process in its own process group with a deadline and capped output capture.

Shared by every backend so timeouts, kills and truncation behave identically with and
without bubblewrap.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

#: After the main process is gone (or killed), how long to keep draining pipes that a
#: straggler may still hold before giving up on them.
DRAIN_GRACE_S = 1.0
_READ_CHUNK = 1 << 16


@dataclass(frozen=True)
class Captured:
    returncode: int  # Popen convention: negative signal number when killed
    stdout: bytes
    stderr: bytes
    stdout_truncated: bool
    stderr_truncated: bool
    timed_out: bool
    duration_s: float


@dataclass(frozen=True)
class Launch:
    """Everything needed to start a process; ``pass_fds`` are handed over and closed here."""

    argv: Sequence[str]
    cwd: Path
    env: Mapping[str, str]
    user: int | None = None
    group: int | None = None
    pass_fds: tuple[int, ...] = ()
    preexec_fn: Callable[[], None] | None = None


class _Sink:
    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.data = bytearray()
        self.truncated = False

    def feed(self, chunk: bytes) -> None:
        room = self.cap - len(self.data)
        if len(chunk) > room:
            self.truncated = True
            chunk = chunk[: max(room, 0)]
        self.data += chunk


def shell_exit_code(returncode: int) -> int:
    """Popen's ``-SIG`` becomes the shell's ``128 + SIG``, the form bwrap itself reports."""
    return 128 - returncode if returncode < 0 else returncode


def run_captured(
    launch: Launch, *, timeout_s: float, stdin: bytes | None, output_cap: int
) -> Captured:
    """Start ``launch`` in a new session, capture its output and SIGKILL its group at the deadline.

    The whole process group is also killed when the main process exits, so nothing started by
    a tool call outlives it (a daemonised ``cmd &`` included).
    """
    with contextlib.ExitStack() as stack:
        stdin_arg: int | IO[bytes] = subprocess.DEVNULL
        if stdin is not None:
            # a file, not a pipe: no deadlock however much the child leaves unread
            fh = stack.enter_context(tempfile.TemporaryFile())
            fh.write(stdin)
            fh.seek(0)
            stdin_arg = fh
        start = time.monotonic()
        try:
            proc = subprocess.Popen(
                list(launch.argv),
                cwd=launch.cwd,
                env=dict(launch.env),
                stdin=stdin_arg,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
                close_fds=True,
                pass_fds=launch.pass_fds,
                user=launch.user,
                group=launch.group,
                extra_groups=[] if launch.user is not None else None,
                preexec_fn=launch.preexec_fn,
            )
        except (FileNotFoundError, PermissionError) as exc:
            # what a shell (and prlimit inside bwrap) reports: 127 not found, 126 not executable
            return Captured(
                returncode=127 if isinstance(exc, FileNotFoundError) else 126,
                stdout=b"",
                stderr=f"{launch.argv[0]}: {exc.strerror}\n".encode(),
                stdout_truncated=False,
                stderr_truncated=False,
                timed_out=False,
                duration_s=time.monotonic() - start,
            )
        finally:
            for fd in launch.pass_fds:
                os.close(fd)
        return _supervise(proc, start, timeout_s, output_cap)
    raise AssertionError("unreachable")  # pragma: no cover - ExitStack never swallows here


def _supervise(
    proc: subprocess.Popen[bytes], start: float, timeout_s: float, cap: int
) -> Captured:
    assert proc.stdout is not None and proc.stderr is not None
    out_fd, err_fd = proc.stdout.fileno(), proc.stderr.fileno()
    sinks = {out_fd: _Sink(cap), err_fd: _Sink(cap)}
    deadline = start + timeout_s
    timed_out = exited = False
    drain_until: float | None = None
    pidfd = _pidfd_open(proc.pid)
    with selectors.DefaultSelector() as sel:
        for fd in sinks:
            os.set_blocking(fd, False)
            sel.register(fd, selectors.EVENT_READ)
        if pidfd is not None:
            sel.register(pidfd, selectors.EVENT_READ)  # readable once the process has exited
        while True:
            now = time.monotonic()
            if not timed_out and not exited and now >= deadline:
                _kill_group(proc.pid)
                timed_out = True
                drain_until = now + DRAIN_GRACE_S
            if not exited and _has_exited(proc.pid):
                exited = True
                _kill_group(proc.pid)  # stragglers in the group die with the command
                if pidfd is not None:
                    sel.unregister(pidfd)
                drain_until = min(drain_until or now + DRAIN_GRACE_S, now + DRAIN_GRACE_S)
            pipes_open = any(fd in sinks for fd in sel.get_map())
            if (exited and not pipes_open) or (drain_until is not None and now >= drain_until):
                break
            wait = max(0.0, (drain_until if drain_until is not None else deadline) - now)
            if pidfd is None:
                wait = min(wait, 0.005)  # no exit notification: poll
            for key, _ in sel.select(timeout=wait):
                fd = int(key.fd)
                if fd not in sinks:
                    continue  # the pidfd: noticed by _has_exited on the next turn
                try:
                    chunk = os.read(fd, _READ_CHUNK)
                except BlockingIOError:
                    continue
                if chunk:
                    sinks[fd].feed(chunk)
                else:
                    sel.unregister(fd)
    if pidfd is not None:
        os.close(pidfd)
    if not exited:
        _kill_group(proc.pid)  # grace over and still not reaped: make sure it is dying
    returncode = proc.wait()
    duration = time.monotonic() - start
    proc.stdout.close()
    proc.stderr.close()
    return Captured(
        returncode=returncode,
        stdout=bytes(sinks[out_fd].data),
        stderr=bytes(sinks[err_fd].data),
        stdout_truncated=sinks[out_fd].truncated,
        stderr_truncated=sinks[err_fd].truncated,
        timed_out=timed_out,
        duration_s=duration,
    )


def _pidfd_open(pid: int) -> int | None:
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):  # kernel < 5.3
        return None


def _has_exited(pid: int) -> bool:
    # WNOWAIT: look without reaping, so the group id stays ours until we kill the group
    return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
