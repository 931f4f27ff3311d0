"""Helpers for the crash and concurrency tests: a trusted extra signer, process control, checks."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

from ledger.attest.dsse import read_envelope_file
from ledger.attest.signers import load_signer
from ledger.spec.manifest import parse_manifest
from ledger.workspace import Workspace
from tests.build.conftest import ROMAN
from tests.store.conftest import LedgerWorkspace

REPO = Path(__file__).resolve().parents[2]


def fixture_signer(root: Path) -> LedgerWorkspace:
    """Signs synthetic builds with the workspace's own trusted key (for ingest workloads)."""
    key = root / "keys" / "signing.pem"
    return LedgerWorkspace(Workspace(root), load_signer(key), key)


def start_ledger(root: Path, *args: str) -> subprocess.Popen[str]:
    """``ledger`` in its own process group, so SIGKILL reaches the sandbox children too."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("LEDGER_DEBUG", None)
    return subprocess.Popen(
        [sys.executable, "-m", "ledger", *args],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def kill_9(proc: subprocess.Popen[str]) -> bool:
    """SIGKILL the whole group; True if it was still running (a real mid-flight kill)."""
    running = proc.poll() is None
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    return running


def half_written(root: Path) -> list[str]:
    """Artifacts, manifests or attestations that exist but are not whole."""
    problems = []
    for path in sorted((root / "attestations").glob("*.intoto.jsonl")):
        try:
            lines = read_envelope_file(path)
        except Exception as exc:  # any failure to read back is a torn write
            problems.append(f"{path.name}: {exc}")
            continue
        if not lines or not path.read_bytes().endswith(b"\n"):
            problems.append(f"{path.name}: incomplete")
    artifact = root / "src" / "textkit" / "roman.py"
    if artifact.exists() and artifact.read_text() != ROMAN:
        problems.append(f"{artifact}: {artifact.stat().st_size} bytes, not the generated module")
    manifest = root / "code-from-spec" / ".manifest"
    if manifest.exists():
        try:
            parse_manifest(manifest.read_bytes())
        except Exception as exc:
            problems.append(f".manifest: {exc}")
    return problems
