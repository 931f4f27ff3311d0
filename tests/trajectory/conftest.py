"""Fixtures for trajectory tests: a deterministic clock, a redactor with planted secrets."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ledger.objects import ObjectStore
from ledger.trajectory import Redactor, TrajectoryWriter
from tests.trajectory.fakes import FAKE_ANTHROPIC_KEY, FAKE_ENV_VALUE


@pytest.fixture
def clock() -> Callable[[], datetime]:
    """A clock that ticks one millisecond per call, so files are byte-for-byte repeatable."""
    start = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
    ticks = itertools.count()
    return lambda: start + timedelta(milliseconds=next(ticks))


@pytest.fixture
def redactor() -> Redactor:
    env = {
        "ANTHROPIC_API_KEY": FAKE_ANTHROPIC_KEY,
        "MY_TOKEN": FAKE_ENV_VALUE,
        "HOME": "/root",
        "SHORT_KEY": "abc",  # matches *_KEY but too short to be a secret
    }
    return Redactor(["ANTHROPIC_API_KEY", "MY_TOKEN"], environ=env)


BuildFactory = Callable[..., TrajectoryWriter]


@pytest.fixture
def make_build(redactor: Redactor, clock: Callable[[], datetime]) -> BuildFactory:
    """Writes a small but realistic trajectory (one turn, one tool call, a test); not closed."""

    def make(path: Path, store: ObjectStore | None = None) -> TrajectoryWriter:
        return write_build(TrajectoryWriter(path, redactor, clock, store=store))

    return make


def write_build(w: TrajectoryWriter) -> TrajectoryWriter:
    w.emit("build_start", {"build_id": "b-1", "recipe": {"name": "cache", "digest": "ab" * 32}})
    w.emit("model_request", {"turn": 0, "model": "claude-test", "request": {"messages": []}})
    w.emit(
        "model_response",
        {"turn": 0, "response": {"stop_reason": "tool_use", "content": [{"type": "tool_use"}]}},
    )
    w.emit("tool_call", {"turn": 0, "id": "t1", "name": "run_command", "input": {"argv": ["ls"]}})
    w.emit("tool_result", {"id": "t1", "name": "run_command", "is_error": False, "output": "a\n"})
    w.emit("file_write", {"path": "cache.py", "sha256": "cd" * 32, "size": 10})
    w.emit("test_result", {"command": "pytest", "result": "PASSED", "passed": 3, "failed": 0})
    w.emit("build_end", {"status": "success"})
    return w


@pytest.fixture
def build_file(tmp_path: Path, redactor: Redactor, clock: Callable[[], datetime]) -> Path:
    path = tmp_path / "trajectory.jsonl"
    write_build(TrajectoryWriter(path, redactor, clock)).close()
    return path
