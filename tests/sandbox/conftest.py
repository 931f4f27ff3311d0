"""Fixtures: a throwaway workspace, and the backend kinds to run each behavioural test under."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.sandbox import Limits, Sandbox, open_sandbox, probe_bwrap


def require_bwrap() -> None:
    probe = probe_bwrap()
    if not probe.ok:
        pytest.skip(f"bubblewrap cannot create namespaces here: {probe.reason}")


def pids_with(marker: str) -> set[int]:
    """Host pids of live (non-zombie) processes whose command line contains ``marker``."""
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker.encode() in cmdline and state != "Z":
            found.add(int(entry))
    return found


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A small project: a spec tree, a source file, and state dirs the scratch copy must skip."""
    root = tmp_path / "project"
    (root / "code-from-spec").mkdir(parents=True)
    (root / "code-from-spec" / "_node.md").write_text("# ROOT\n\nThe spec.\n")
    (root / "src").mkdir()
    (root / "src" / "app.py").write_text("print('hello')\n")
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("[core]\n")
    (root / ".ledger").mkdir()
    (root / ".ledger" / "ledger.duckdb").write_bytes(b"not for the sandbox")
    return root


@pytest.fixture(params=[pytest.param("bwrap", marks=pytest.mark.sandbox), "none"])
def kind(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    if value == "bwrap":
        require_bwrap()
    return value


@pytest.fixture
def bwrap_sandbox(workspace: Path) -> Iterator[Sandbox]:
    require_bwrap()
    with open_sandbox(workspace, kind="bwrap", limits=Limits(max_processes=64)) as sandbox:
        yield sandbox


@pytest.fixture
def any_sandbox(workspace: Path, kind: str) -> Iterator[Sandbox]:
    with open_sandbox(workspace, kind=kind) as sandbox:
        yield sandbox
