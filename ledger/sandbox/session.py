"""``open_sandbox``: a scratch copy of the workspace, a backend to run commands in it, cleanup."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from ledger.errors import SandboxError
from ledger.sandbox.bwrap import BwrapSandbox, probe_bwrap
from ledger.sandbox.interface import DEFAULT_LIMITS, Limits, Sandbox, SkippedPath
from ledger.sandbox.none import NoSandbox
from ledger.sandbox.scratch import populate_scratch, remove_tree

KINDS = ("bwrap", "none")
DEFAULT_EXCLUDE = (".ledger", ".git", ".venv")


@contextlib.contextmanager
def open_sandbox(
    workspace_root: Path,
    *,
    kind: str = "bwrap",
    readonly: Sequence[Path] = (),
    exclude: Sequence[str] = DEFAULT_EXCLUDE,
    limits: Limits = DEFAULT_LIMITS,
) -> Iterator[Sandbox]:
    """Copy ``workspace_root`` into a fresh scratch directory and yield a sandbox over it.

    The scratch (and everything commands wrote there) is deleted on exit; collect outputs
    from ``sandbox.scratch`` before leaving the ``with`` block. What was not copied is on
    ``sandbox.skipped``. Refuses ``kind="bwrap"`` where bubblewrap cannot create namespaces.
    """
    if kind not in KINDS:
        raise SandboxError(f"sandbox kind {kind!r} is unknown; expected one of {', '.join(KINDS)}")
    root = workspace_root.resolve()
    if not root.is_dir():
        raise SandboxError(f"workspace {workspace_root} is not a directory")
    if kind == "bwrap":
        probe = probe_bwrap()
        if not probe.ok or probe.path is None:
            raise SandboxError(
                f"bubblewrap cannot create a sandbox on this host: {probe.reason}",
                hint="allow unprivileged user namespaces, or pass --sandbox=none to run tool "
                "calls unconfined (recorded in the trajectory and the attestation)",
            )
    base = Path(tempfile.mkdtemp(prefix="ledger-sandbox-"))
    try:
        scratch = base / "work"
        scratch.mkdir()
        skipped = populate_scratch(root, scratch, exclude=exclude)
        sandbox: BwrapSandbox | NoSandbox
        if kind == "bwrap":
            assert probe.path is not None
            sandbox = BwrapSandbox(
                scratch, bwrap=probe.path, limits=limits, host_workspace=root, readonly=readonly
            )
        else:
            sandbox = NoSandbox(scratch, limits=limits)
        sandbox.skipped = skipped
        yield sandbox
    finally:
        remove_tree(base)


__all__ = ["DEFAULT_EXCLUDE", "KINDS", "SkippedPath", "open_sandbox"]
