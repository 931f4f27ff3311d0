"""Applying ``Limits`` to a sandboxed command.

``prlimit`` (util-linux) wraps the command *inside* the sandbox, after bubblewrap has created
the user namespace: RLIMIT_NPROC then counts only the sandbox's processes, and a namespace
created with a small limit does not cap the invoking user's other processes. Where ``prlimit``
is missing, the limits are set in the child before ``exec`` instead.
"""

from __future__ import annotations

import resource
import shutil
from collections.abc import Callable
from dataclasses import dataclass

from ledger.sandbox.interface import Limits

#: Host directories a sandbox hides; a ``prlimit`` living there would be invisible inside.
_HIDDEN_PREFIXES = ("/tmp/", "/work/", "/root/", "/home/", "/run/")


@dataclass(frozen=True)
class LimitPlan:
    prefix: tuple[str, ...]  # put in front of argv
    preexec: Callable[[], None] | None
    via: str  # "prlimit" | "preexec" | "none"


def plan_limits(limits: Limits, *, count_processes: bool) -> LimitPlan:
    """How to impose ``limits``; ``count_processes`` is False where NPROC would be meaningless."""
    pairs: list[tuple[str, int, int]] = []
    if count_processes and limits.max_processes is not None:
        pairs.append(("--nproc", resource.RLIMIT_NPROC, limits.max_processes))
    if limits.max_file_bytes is not None:
        pairs.append(("--fsize", resource.RLIMIT_FSIZE, limits.max_file_bytes))
    if limits.cpu_seconds is not None:
        pairs.append(("--cpu", resource.RLIMIT_CPU, limits.cpu_seconds))
    if limits.address_space_bytes is not None:
        pairs.append(("--as", resource.RLIMIT_AS, limits.address_space_bytes))
    if not pairs:
        return LimitPlan((), None, "none")
    prlimit = shutil.which("prlimit")
    if prlimit and not prlimit.startswith(_HIDDEN_PREFIXES):
        return LimitPlan(
            (prlimit, *(f"{flag}={value}:{value}" for flag, _, value in pairs), "--"),
            None,
            "prlimit",
        )
    settings = [(res, value) for _, res, value in pairs]

    def apply() -> None:
        for res, value in settings:
            resource.setrlimit(res, (value, value))

    return LimitPlan((), apply, "preexec")
