"""Trajectory diff speed: two 10,000-event trajectories aligned in-process vs ``diff -u`` of the files.

Run: .venv/bin/python -m benchmarks.diff_trajectories [N]
Both trajectories are real hash-chained files written by ``TrajectoryWriter``. B is A with one
extra tool call (model response, call, exec, result, request) inserted in the middle and one
tool result changed near the end. ``diff -u`` on the same JSONL is the floor for a diff with no
alignment semantics; the ratio says what the alignment and full comparison cost on top of it.
Loading (parsing + canonical-form check of every line) is timed separately.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ledger.diff import align_trajectories
from ledger.trajectory import Redactor, TrajectoryWriter, read_trajectory

CODE = "def handler(request):\n    return {'status': 200, 'body': request.body}\n" * 6


def _cycle(i: int) -> list[tuple[str, dict[str, Any]]]:
    """One agent turn: request, response asking for a tool, the call, its exec, its result (5 events)."""
    tid = f"toolu_{i:06d}"
    command = f"python3 -m pytest tests/test_{i % 97}.py -k case_{i}"
    use = {"type": "tool_use", "id": tid, "name": "run_command", "input": {"command": command}}
    return [
        ("model_request", {"turn": i, "request": {"model": "claude-test", "max_tokens": 8192,
            "messages": [{"role": "user", "content": f"step {i}: continue"}]}}),
        ("model_response", {"turn": i, "response": {"id": f"msg_{i:06d}", "stop_reason": "tool_use",
            "content": [{"type": "text", "text": "Running the next check."},
                        use],
            "usage": {"input_tokens": 1200 + i, "output_tokens": 40}}}),
        ("tool_call", {"id": tid, "name": "run_command", "input": {"command": command}}),
        ("exec", {"argv": ["/bin/sh", "-c", command], "cwd": ".", "exit_code": 0, "duration_s": 0.05,
            "files": {"created": [], "deleted": [], "modified": []}}),
        ("tool_result", {"id": tid, "name": "run_command", "is_error": False,
            "content": f"exit code 0\n[stdout]\n{CODE}\ncase {i} passed\n"}),
    ]  # fmt: skip


def trajectories(n: int) -> tuple[list[tuple[str, dict[str, Any]]], list[tuple[str, dict[str, Any]]]]:
    turns = max(1, (n - 2) // 5)
    a: list[tuple[str, dict[str, Any]]] = [("build_start", {"build_id": "bench-a"})]
    for i in range(turns):
        a += _cycle(i)
    a.append(("build_end", {"build_id": "bench-a", "turns": turns}))
    b = [(t, dict(d)) for t, d in a]
    b[0] = ("build_start", {"build_id": "bench-b"})
    middle = 1 + 5 * (turns // 2)
    b[middle:middle] = _cycle(10**6)  # the extra tool call
    late = len(b) - 3  # a tool_result near the end says something else
    b[late] = (b[late][0], {**b[late][1], "content": "exit code 1\n[stdout]\nFAILED\n"})
    return a, b


def write(path: Path, events: list[tuple[str, dict[str, Any]]]) -> None:
    writer = TrajectoryWriter(path, Redactor(()))
    for etype, data in events:
        writer.emit(etype, data)
    writer.close()


def best_of(runs: int, fn: Any) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def main(n: int) -> None:
    raw_a, raw_b = trajectories(n)
    with tempfile.TemporaryDirectory() as tmp:
        pa, pb = Path(tmp) / "a.jsonl", Path(tmp) / "b.jsonl"
        write(pa, raw_a)
        write(pb, raw_b)
        t_load, (ea, eb) = best_of(1, lambda: (read_trajectory(pa), read_trajectory(pb)))
        t_diff, result = best_of(5, lambda: align_trajectories(ea, eb))
        diff_bin = shutil.which("diff")
        t_unix = None
        if diff_bin:
            t_unix, _ = best_of(5, lambda: subprocess.run([diff_bin, "-u", pa, pb], capture_output=True))
        size = pa.stat().st_size + pb.stat().st_size

    d = result.divergence
    counts = result.counts()
    print(f"events: A {len(ea)}, B {len(eb)} ({size / 2**20:.1f} MiB of JSONL)")
    print(f"alignment: {counts}; first divergence A#{d.a_position} / B#{d.b_position} ({d.op} {d.type})")
    print(f"load both (parse + canonical check): {t_load * 1000:8.1f} ms")
    print(f"ledger diff, align + compare (in-process): {t_diff * 1000:8.1f} ms  (target < 100 ms)")
    if t_unix is not None:
        print(f"diff -u of the same files:                 {t_unix * 1000:8.1f} ms")
        print(f"ratio ledger/diff -u: {t_diff / t_unix:.1f}x")
    else:
        print("diff -u: not installed")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
