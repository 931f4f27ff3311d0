"""Import throughput (events/s) on a synthetic Claude Code session vs plain ``json.loads``.

    .venv/bin/python benchmarks/import_throughput.py [--lines 100000] [--json]

The session repeats a realistic cycle (user prompt, assistant message streamed as three lines
sharing one message.id with a tool_use, its tool_result, a usage-only line). The baseline is
``json.loads`` over the same lines, measured in the same run; the ratio is import time / baseline.
Progress on stderr, results on stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from ledger.importers import import_bytes
from ledger.objects import ObjectStore
from ledger.trajectory import Redactor


def synthetic_session(lines: int) -> bytes:
    """``lines`` Claude Code records; every fifth line-group is one full agent turn."""
    out: list[str] = []
    parent = None
    i = 0
    while len(out) < lines:
        ts = f"2025-09-30T10:{(i // 60) % 60:02d}:{i % 60:02d}.000Z"
        base = {
            "sessionId": "bench",
            "cwd": "/work/proj",
            "version": "1.0.80",
            "isSidechain": False,
            "timestamp": ts,
        }
        uid = f"u{i}"
        out.append(
            json.dumps(
                {
                    **base,
                    "type": "user",
                    "uuid": uid,
                    "parentUuid": parent,
                    "message": {"role": "user", "content": f"step {i}: run the tests and fix failures"},
                }
            )
        )
        usage = {"input_tokens": 1200 + i % 50, "output_tokens": 80, "cache_read_input_tokens": 9000}
        msg = {
            "id": f"msg_{i}",
            "type": "message",
            "role": "assistant",
            "model": "claude-sonnet-4-5-20250929",
            "stop_reason": None,
            "usage": usage,
        }
        parts = [
            [
                {
                    "type": "thinking",
                    "thinking": "Let me look at the failing test output first.",
                    "signature": "s",
                }
            ],
            [{"type": "text", "text": "Running the test suite."}],
            [
                {
                    "type": "tool_use",
                    "id": f"toolu_{i}",
                    "name": "Bash",
                    "input": {"command": f"pytest -q tests/test_mod{i % 40}.py", "description": "run tests"},
                }
            ],
        ]
        prev = uid
        for k, blocks in enumerate(parts):
            aid = f"a{i}_{k}"
            out.append(
                json.dumps(
                    {
                        **base,
                        "type": "assistant",
                        "uuid": aid,
                        "parentUuid": prev,
                        "requestId": f"req_{i}",
                        "message": {**msg, "content": blocks},
                    }
                )
            )
            prev = aid
        rid = f"r{i}"
        out.append(
            json.dumps(
                {
                    **base,
                    "type": "user",
                    "uuid": rid,
                    "parentUuid": prev,
                    "toolUseResult": {"stdout": "3 passed", "stderr": "", "interrupted": False},
                    "message": {
                        "role": "user",
                        "content": [
                            {
                                "type": "tool_result",
                                "tool_use_id": f"toolu_{i}",
                                "content": "3 passed in 0.1s",
                            }
                        ],
                    },
                }
            )
        )
        parent = rid
        i += 1
    return ("\n".join(out[:lines]) + "\n").encode()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    err = Console(stderr=True)
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("generate session", total=3)
        data = synthetic_session(args.lines)
        progress.advance(task)
        progress.update(task, description="baseline: json.loads per line")
        start = time.perf_counter()
        parsed = [json.loads(line) for line in data.splitlines()]
        baseline_s = time.perf_counter() - start
        progress.advance(task)
        progress.update(task, description=f"import {len(parsed):,} lines")
        with tempfile.TemporaryDirectory() as tmp:
            store = ObjectStore(Path(tmp) / "objects")
            start = time.perf_counter()
            result = import_bytes(
                data, "bench.jsonl", store, format="claude-code", redactor=Redactor(environ={})
            )
            import_s = time.perf_counter() - start
        progress.advance(task)
    figures = {
        "lines": len(parsed),
        "bytes": len(data),
        "events": result.events,
        "import_s": round(import_s, 3),
        "events_per_s": round(result.events / import_s),
        "lines_per_s": round(len(parsed) / import_s),
        "baseline_json_loads_s": round(baseline_s, 3),
        "ratio_import_vs_json_loads": round(import_s / baseline_s, 1),
        "skipped": result.skipped_total,
    }
    if args.json:
        sys.stdout.write(json.dumps(figures, indent=2) + "\n")
    else:
        table = Table(title="Claude Code import throughput")
        table.add_column("figure")
        table.add_column("value", justify="right")
        for key, value in figures.items():
            table.add_row(key, f"{value:,}" if isinstance(value, int) else str(value))
        Console().print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
