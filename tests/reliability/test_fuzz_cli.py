"""The real ``ledger`` executable fed fuzzed files: exit 0, 1 or 2, one error line, never a traceback.

Fewer examples than the parser fuzz (each one starts a process); the slow variant runs more.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given

from tests.conftest import run_ledger
from tests.reliability.figures import record
from tests.reliability.fuzzing import fuzz_settings, mutated
from tests.reliability.test_fuzz_parsers import (
    DEMO,
    ENVELOPE_SEEDS,
    MANIFEST_SEEDS,
    RECIPE_SEEDS,
    TRAJECTORY_SEEDS,
    TRANSCRIPT_SEEDS,
)

# command name -> (seeds, where the fuzzed bytes go, argv)
Case = tuple[list[bytes], str, Callable[[Path, Path], list[str]]]
CASES: dict[str, Case] = {
    "recipe check": (RECIPE_SEEDS, "recipes/fuzz.toml", lambda ws, f: ["recipe", "check", str(f)]),
    "spec status": (
        MANIFEST_SEEDS,
        "code-from-spec/.manifest",
        lambda ws, f: ["spec", "status", "-w", str(ws)],
    ),
    "trajectory verify": (TRAJECTORY_SEEDS, "t.jsonl", lambda ws, f: ["trajectory", "verify", str(f)]),
    "ingest": (
        ENVELOPE_SEEDS,
        "attestations/fuzz.intoto.jsonl",
        lambda ws, f: ["ingest", "-w", str(ws), str(f)],
    ),
    "import auto": (
        [d for _, d in TRANSCRIPT_SEEDS],
        "transcript.jsonl",
        lambda ws, f: ["import", "auto", str(f)],
    ),
}


def _fuzz_command(name: str, tmp_path: Path, examples: int) -> None:
    seeds, rel, argv = CASES[name]
    ws = tmp_path / "ws"
    shutil.copytree(DEMO, ws)
    tried = []

    @given(mutated(seeds, max_edits=3))
    @fuzz_settings(examples)
    def prop(data: bytes) -> None:
        target = ws / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        result = run_ledger(*argv(ws, target), cwd=ws, timeout=60)
        tried.append(result.code)
        assert result.code in (0, 1, 2), result
        assert "Traceback" not in result.stderr, result
        if result.code == 2:
            assert result.stderr.lstrip().startswith(("error:", "Usage:")), result

    prop()
    leftovers = [p for p in ws.rglob("*") if ".tmp" in p.name or p.name.startswith(".tmp")]
    assert not leftovers, leftovers
    record("fuzz-cli", command=name, tried=len(tried), exits=sorted(set(tried)))
    assert len(tried) >= examples // 2


@pytest.mark.parametrize("command", sorted(CASES))
def test_cli_never_shows_a_traceback_on_fuzzed_files(command: str, tmp_path: Path) -> None:
    _fuzz_command(command, tmp_path, 10)


@pytest.mark.slow
@pytest.mark.parametrize("command", sorted(CASES))
def test_cli_long_fuzz(command: str, tmp_path: Path) -> None:
    _fuzz_command(command, tmp_path, 50)
