"""The unconfined backend (``--sandbox=none``): same scratch, timeouts and exec log, no isolation.

Only for hosts where bubblewrap cannot create namespaces and the user said so explicitly; every
record it writes says ``"sandbox": "none"``. The command sees the host filesystem and network
with the invoking user's rights; only its environment is cleared and HOME/TMPDIR point into
private directories next to the scratch copy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ledger.sandbox._base import ScratchSandbox, base_env
from ledger.sandbox._process import Captured, Launch, run_captured, shell_exit_code
from ledger.sandbox.interface import DEFAULT_LIMITS, Limits
from ledger.sandbox.limits import plan_limits


class NoSandbox(ScratchSandbox):
    kind = "none"

    def __init__(self, scratch: Path, *, limits: Limits = DEFAULT_LIMITS) -> None:
        self._home = scratch.parent / "home"
        self._tmp = scratch.parent / "tmp"
        self._home.mkdir(exist_ok=True)
        self._tmp.mkdir(exist_ok=True)
        # RLIMIT_NPROC outside a user namespace counts every process of the user (and is not
        # enforced at all for root), so only the per-process limits apply here
        self._limits = plan_limits(limits, count_processes=False)
        super().__init__(scratch, limits=limits)

    def describe(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "network": True,
            "limits": self.limits.as_record(),
            "limits_via": self._limits.via,
            "confined": False,
        }

    def _launch(
        self,
        argv: tuple[str, ...],
        workdir: str,
        env: dict[str, str],
        stdin: bytes | None,
        timeout_s: float,
    ) -> tuple[Captured, int]:
        full_env = base_env(str(self._home), {"TMPDIR": str(self._tmp), **env})
        launch = Launch(
            argv=(*self._limits.prefix, *argv),
            cwd=self.scratch / workdir,
            env=full_env,
            preexec_fn=self._limits.preexec,
        )
        captured = run_captured(
            launch, timeout_s=timeout_s, stdin=stdin, output_cap=self.limits.output_bytes
        )
        return captured, shell_exit_code(captured.returncode)
