from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ASSETS = Path(__file__).parent / "assets"
REPO = Path(__file__).resolve().parent.parent
REFERENCE_EXAMPLE = REPO / "examples" / "cfs-reference"


@pytest.fixture
def reference_workspace(tmp_path: Path) -> Path:
    """A writable copy of the Code from Spec reference example workspace (MIT, see its LICENSE)."""
    dest = tmp_path / "ref"
    shutil.copytree(REFERENCE_EXAMPLE, dest)
    return dest


@pytest.fixture
def framework_workspace(tmp_path: Path) -> Path:
    """A writable copy of the 53-artifact tree of CodeFromSpec/tool-framework-mcp 5.0.0 (MIT)."""
    dest = tmp_path / "framework"
    shutil.copytree(ASSETS / "cfs-framework-mcp", dest)
    return dest


class CliResult:
    def __init__(self, code: int, stdout: str, stderr: str) -> None:
        self.code, self.stdout, self.stderr = code, stdout, stderr

    def __repr__(self) -> str:
        return f"CliResult(code={self.code}, stdout={self.stdout[-2000:]!r}, stderr={self.stderr[-2000:]!r})"


def run_ledger(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 120
) -> CliResult:
    """Run the real `ledger` entry point in a subprocess, as a user would."""
    import os
    import subprocess
    import sys

    full_env = dict(os.environ)
    full_env.pop("LEDGER_DEBUG", None)
    if env:
        full_env.update(env)
    proc = subprocess.run(
        [sys.executable, "-m", "ledger", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def assert_user_error(result: CliResult, *fragments: str, code: int = 2) -> None:
    """A user error: the exit code, one 'error:' line naming the fragments, no traceback."""
    assert result.code == code, result
    assert "Traceback" not in result.stderr, result
    first = result.stderr.strip().splitlines()[0]
    assert first.startswith("error: "), result
    for fragment in fragments:
        assert fragment in first, (fragment, result)
