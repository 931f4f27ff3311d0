"""The seams of the agent: what it needs from a model, a sandbox and a trajectory recorder.

The agent loop owns none of these. A build wires in the real ones (``ledger.sandbox``, the
trajectory writer, an Anthropic or replay client); tests wire in small fakes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from ledger.agent.messages import MessagesRequest, MessagesResponse

#: Called once per failed attempt that will be retried, with a JSON-able description of it
#: (attempt number, status or error class, wait before the next attempt). The loop records
#: these in the ``model_response`` event so retries are part of the evidence.
RetryHook = Callable[[Mapping[str, Any]], None]


class ModelClient(Protocol):
    """Anything that answers an Anthropic Messages API request with a Messages API response."""

    def create(
        self, request: MessagesRequest, *, on_retry: RetryHook | None = None
    ) -> MessagesResponse: ...


class ExecResult(Protocol):
    """One command's record from the sandbox (see ``ledger.sandbox``)."""

    @property
    def exit_code(self) -> int: ...

    @property
    def stdout(self) -> bytes: ...

    @property
    def stderr(self) -> bytes: ...

    @property
    def timed_out(self) -> bool: ...

    @property
    def duration_s(self) -> float: ...

    def log_record(self) -> dict[str, Any]: ...


class Sandbox(Protocol):
    """Runs commands with ``scratch`` (a writable copy of the workspace) as their world."""

    @property
    def scratch(self) -> Path: ...

    @property
    def kind(self) -> str: ...

    def run(
        self,
        argv: Sequence[str],
        *,
        cwd: str = ".",
        timeout_s: float,
        env: Mapping[str, str] | None = None,
        stdin: bytes | None = None,
    ) -> ExecResult: ...


class Recorder(Protocol):
    """The trajectory writer: redacts, hash-chains and appends one event per call."""

    def emit(self, type: str, data: Mapping[str, Any]) -> Any: ...
