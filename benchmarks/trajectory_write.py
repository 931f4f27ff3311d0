"""Trajectory writer throughput: redact + RFC 8785 + hash chain vs plain json.dumps + write.

Run: .venv/bin/python -m benchmarks.trajectory_write [N]
Both sides write the same N events (realistic sizes, one in 50 carrying a secret) to a file
in the same run, so the printed ratio is the cost of redaction and the chain on this machine.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ledger.trajectory import Redactor, TrajectoryWriter

CODE = "def handler(request):\n    return {'status': 200, 'body': request.body}\n" * 12
FAKE_KEY = "sk-ant-api03-" + "Bench0nlyNotARealKey1234567890" * 3


def events(n: int) -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    for i in range(n):
        secret = f" leaked {FAKE_KEY}" if i % 50 == 0 else ""
        match i % 4:
            case 0:
                out.append(
                    (
                        "model_request",
                        {
                            "turn": i,
                            "model": "claude-test",
                            "request": {
                                "messages": [{"role": "user", "content": "Implement the cache." + secret}],
                                "max_tokens": 8192,
                            },
                        },
                    )
                )
            case 1:
                out.append(
                    (
                        "model_response",
                        {
                            "turn": i,
                            "response": {
                                "content": [{"type": "text", "text": CODE}],
                                "stop_reason": "tool_use",
                                "usage": {"input_tokens": 1200, "output_tokens": 340},
                            },
                        },
                    )
                )
            case 2:
                out.append(
                    (
                        "tool_call",
                        {
                            "turn": i,
                            "id": f"toolu_{i}",
                            "name": "write_file",
                            "input": {"path": "app/handler.py", "content": CODE},
                        },
                    )
                )
            case _:
                out.append(
                    (
                        "tool_result",
                        {
                            "id": f"toolu_{i}",
                            "name": "run_command",
                            "is_error": False,
                            "output": "ok\n" * 40 + secret,
                        },
                    )
                )
    return out


def main(n: int) -> None:
    batch = events(n)
    size = sum(len(json.dumps(d)) for _, d in batch)
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "plain.jsonl"
        t0 = time.perf_counter()
        with open(plain, "w", encoding="utf-8") as fh:
            for seq, (etype, data) in enumerate(batch):
                fh.write(json.dumps({"seq": seq, "type": etype, "data": data}) + "\n")
                fh.flush()
        t_plain = time.perf_counter() - t0

        env = {"ANTHROPIC_API_KEY": FAKE_KEY, "MY_TOKEN": "bench-token-0123456789"}
        redactor = Redactor(["ANTHROPIC_API_KEY"], environ=env)
        t0 = time.perf_counter()
        writer = TrajectoryWriter(Path(tmp) / "t.jsonl", redactor)
        for etype, data in batch:
            writer.emit(etype, data)
        digest = writer.close()
        t_ledger = time.perf_counter() - t0
        assert FAKE_KEY.encode() not in (Path(tmp) / "t.jsonl").read_bytes()

    print(f"events: {n} ({size / n / 1024:.1f} KiB of data each), {digest.count} lines written")
    print(f"plain json.dumps + write + flush: {n / t_plain:10,.0f} events/s")
    print(f"TrajectoryWriter (redact+JCS+chain): {n / t_ledger:8,.0f} events/s")
    print(f"ratio writer/plain time: {t_ledger / t_plain:.1f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
