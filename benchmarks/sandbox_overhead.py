"""Per-call cost of a sandboxed tool call vs a plain ``subprocess.run``, measured in one run.

    .venv/bin/python benchmarks/sandbox_overhead.py [--runs 200] [--json]

For ``true`` and ``python3 -c pass``: ``subprocess.run`` directly, ``Sandbox.run`` with
``--sandbox=none`` (scratch diff + exec log + process-group supervision, no isolation) and
``Sandbox.run`` under bubblewrap. Progress on stderr, results on stdout.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from ledger.sandbox import open_sandbox, probe_bwrap
from ledger.sandbox.interface import DEFAULT_PATH

# the same variables a sandboxed command gets, so both resolve `python3` identically
PLAIN_ENV = {"PATH": DEFAULT_PATH, "HOME": "/tmp", "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1"}
COMMANDS = {"true": ["true"], "python3 -c pass": ["python3", "-c", "pass"]}


def _workspace(root: Path, files: int) -> Path:
    """A workspace shaped like a small project: a spec tree and ``files`` source files."""
    (root / "code-from-spec").mkdir(parents=True)
    (root / "code-from-spec" / "_node.md").write_text("# ROOT\n")
    for i in range(files):
        pkg = root / "src" / f"pkg{i % 10}"
        pkg.mkdir(parents=True, exist_ok=True)
        (pkg / f"mod{i}.py").write_text(f"VALUE = {i}\n" * 20)
    return root


def _time(fn: Callable[[], object], runs: int, progress: Progress, label: str) -> list[float]:
    task = progress.add_task(label, total=runs)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
        progress.advance(task)
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--files", type=int, default=200, help="source files in the workspace")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    probe = probe_bwrap()
    if not probe.ok:
        print(f"bubblewrap unavailable: {probe.reason}", file=sys.stderr)
        return 2
    results: dict[str, dict[str, float]] = {}
    stderr = Console(stderr=True)
    with tempfile.TemporaryDirectory() as tmp, Progress(console=stderr) as progress:
        ws = _workspace(Path(tmp) / "ws", args.files)
        with open_sandbox(ws, kind="bwrap") as bwrap_sb, open_sandbox(ws, kind="none") as none_sb:
            for name, cmd in COMMANDS.items():
                plain = _time(
                    lambda cmd=cmd: subprocess.run(  # type: ignore[misc]
                        cmd, capture_output=True, check=True, env=PLAIN_ENV
                    ),
                    args.runs, progress, f"{name}: subprocess.run",
                )
                none = _time(
                    lambda cmd=cmd: none_sb.run(cmd, timeout_s=30),  # type: ignore[misc]
                    args.runs, progress, f"{name}: sandbox=none",
                )
                bwrap = _time(
                    lambda cmd=cmd: bwrap_sb.run(cmd, timeout_s=30),  # type: ignore[misc]
                    args.runs, progress, f"{name}: sandbox=bwrap",
                )
                p, n, b = (statistics.median(s) * 1000 for s in (plain, none, bwrap))
                results[name] = {
                    "subprocess_ms": round(p, 2),
                    "none_ms": round(n, 2),
                    "bwrap_ms": round(b, 2),
                    "bwrap_overhead_ms": round(b - p, 2),
                    "bwrap_ratio": round(b / p, 2),
                }
    meta = {"runs": args.runs, "files": args.files, "bwrap": probe.reason, "statistic": "median"}
    if args.json:
        print(json.dumps({"meta": meta, "results": results}, indent=2, sort_keys=True))
        return 0
    table = Table(title=f"per-call median over {args.runs} runs ({args.files}-file workspace)")
    for col in ("command", "subprocess.run", "sandbox=none", "sandbox=bwrap", "overhead", "ratio"):
        table.add_column(col, justify="left" if col == "command" else "right")
    for name, r in results.items():
        table.add_row(
            name,
            f"{r['subprocess_ms']:.2f} ms",
            f"{r['none_ms']:.2f} ms",
            f"{r['bwrap_ms']:.2f} ms",
            f"+{r['bwrap_overhead_ms']:.2f} ms",
            f"{r['bwrap_ratio']:.2f}x",
        )
    Console(width=110).print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
