"""Running agent tool calls against a scratch copy of the workspace, confined and logged.

    with open_sandbox(workspace.root) as sandbox:          # bubblewrap; refuses if unavailable
        result = sandbox.run(["python3", "-m", "pytest"], timeout_s=300)
        result.created, result.log_record()                # files touched, exec-log entry
        sandbox.exec_log                                    # every record so far

Backends: ``bwrap`` (``bwrap.py``, the default) and ``none`` (``none.py``, only on request).
"""

from __future__ import annotations

from ledger.sandbox.bwrap import BwrapProbe, BwrapSandbox, find_bwrap, probe_bwrap
from ledger.sandbox.interface import (
    SANDBOX_WORKDIR,
    ExecResult,
    FileChange,
    Limits,
    Sandbox,
    SkippedPath,
)
from ledger.sandbox.none import NoSandbox
from ledger.sandbox.session import DEFAULT_EXCLUDE, KINDS, open_sandbox

__all__ = [
    "DEFAULT_EXCLUDE",
    "KINDS",
    "SANDBOX_WORKDIR",
    "BwrapProbe",
    "BwrapSandbox",
    "ExecResult",
    "FileChange",
    "Limits",
    "NoSandbox",
    "Sandbox",
    "SkippedPath",
    "find_bwrap",
    "open_sandbox",
    "probe_bwrap",
]
