"""`python -m benchmarks` (make bench): a quick pass over every benchmark, each against its baseline.

Full-size runs (the README figures) take minutes; run a module directly for those, e.g.
`python -m benchmarks.ledger_ingest 100000` or `python -m benchmarks.ledger_trace 1000000`.
"""

from __future__ import annotations

import subprocess
import sys

QUICK = (
    ("hashing", ["--mib", "128"]),
    ("sandbox_overhead", ["--runs", "50"]),
    ("trajectory_write", ["5000"]),
    ("diff_trajectories", ["10000"]),
    ("import_throughput", ["--lines", "20000"]),
    ("ledger_ingest", ["5000"]),
    ("verify_scale", ["2000"]),
)


def main() -> int:
    failed = 0
    for name, args in QUICK:
        print(f"\n=== benchmarks.{name} {' '.join(args)}", flush=True)
        failed += subprocess.run([sys.executable, "-m", f"benchmarks.{name}", *args]).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
