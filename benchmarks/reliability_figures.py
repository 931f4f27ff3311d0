"""Run the reliability suite's counters and print the figures quoted in the README.

    python -m benchmarks.reliability_figures          # fast variants (about a minute)
    python -m benchmarks.reliability_figures --slow   # the CI variants: 50 kills, long fuzz, 20 s concurrency

The tests in tests/reliability/ append one JSON record per figure to the file named by
LEDGER_RELIABILITY_FIGURES; this script runs them and sums the records.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def collect(slow: bool) -> tuple[int, list[dict[str, Any]]]:
    with tempfile.TemporaryDirectory() as tmp:
        figures = Path(tmp) / "figures.jsonl"
        marker = "slow" if slow else "not slow"
        env = {**os.environ, "LEDGER_RELIABILITY_FIGURES": str(figures)}
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "tests/reliability",
                "-q",
                "-m",
                marker,
                "-p",
                "no:cacheprovider",
            ],
            cwd=REPO,
            env=env,
        )
        records = [json.loads(x) for x in figures.read_text().splitlines()] if figures.exists() else []
    return proc.returncode, records


def render(records: list[dict[str, Any]]) -> list[str]:
    by: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        by[r["section"]].append(r)
    out = []
    for r in by["tamper"]:
        out.append(
            f"tamper matrix: {r['mutations']} mutations, {r['detected']} detected "
            f"({r['forms']} stored forms; known gaps: {', '.join(r['known_gaps']) or 'none'})"
        )
    tried: dict[str, int] = defaultdict(int)
    for r in by["fuzz"]:
        tried[r["parser"]] += r["tried"]
    for parser, n in sorted(tried.items()):
        out.append(f"fuzz: {parser}: {n} inputs, no traceback, hang or partial write")
    cli: dict[str, int] = defaultdict(int)
    for r in by["fuzz-cli"]:
        cli[r["command"]] += r["tried"]
    if cli:
        out.append("fuzz (CLI): " + ", ".join(f"ledger {c}: {n}" for c, n in sorted(cli.items())))
    for r in by["crash"]:
        out.append(
            f"crash safety: {r['kills']} kills ({r['mid_flight']} mid-flight), "
            f"{r['accepted']} accepted envelopes, {r['losses']} losses"
        )
    for r in by["concurrency"]:
        out.append(
            f"concurrency: {r['processes']} processes x {r['seconds']} s: {r['builds']} builds, "
            f"{r['ingests']} ingests, {r['envelopes']} envelopes, {r['lost']} lost, "
            f"{r['duplicated']} duplicated, 0 lock errors shown"
        )
    for r in by["confinement"]:
        out.append(
            f"confinement: {r['attempts']} escape attempts through the agent's tools, "
            f"{r['blocked']} blocked, {r['exec_logged']} exec-log records"
        )
    for r in by["secrets"]:
        out.append(
            f"secret hygiene: {r['planted']} planted secrets, {r['files']} files / "
            f"{r['bytes']} bytes scanned, {r['leaks']} found"
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow", action="store_true", help="run the long (CI) variants instead")
    args = parser.parse_args()
    code, records = collect(args.slow)
    print()
    for line in render(records):
        print(line)
    sys.exit(code)


if __name__ == "__main__":
    main()
