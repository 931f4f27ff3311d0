"""`ledger trace` latency at scale: in-process and as a CLI process, against raw DuckDB baselines.

Run: .venv/bin/python -m benchmarks.ledger_trace [BUILDS]     (default 100000; the issue's
target is stated at 1000000). The ledger is filled with synthetic rows of realistic shape
(3 subjects, 12 chain members, 4 dependencies, 1 test, 40 events, 2 envelopes per build)
generated inside DuckDB, since trace latency depends on table sizes, not on signatures
(ingest with verification is measured by benchmarks.ledger_ingest). Baselines measured in
the same run: the bare by-digest point query on an open connection, and a python process
that imports duckdb and runs that query.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
from rich.console import Console
from rich.progress import Progress

from ledger.store import schema
from ledger.store.duckdb_store import DuckDBStore
from ledger.workspace import Workspace

err = Console(stderr=True)
STEP = 100_000

FILL = {
    "envelopes": """SELECT 2 * i + k, sha256('env:' || i || ':' || k), sha256('pay:' || i || ':' || k),
        'application/vnd.in-toto+json',
        CASE k WHEN 0 THEN 'https://slsa.dev/provenance/v1'
               ELSE 'https://in-toto.io/attestation/test-result/v0.1' END,
        'b-' || lpad(i::VARCHAR, 8, '0'), 'kid', 'key kid (keys/k.pub)', 'verified', '{}',
        'attestations/b-' || lpad(i::VARCHAR, 8, '0') || '.intoto.jsonl', k + 1
        FROM range({lo}, {hi}) r(i), range(2) q(k)""",
    "builds": """SELECT 'b-' || lpad(i::VARCHAR, 8, '0'), sha256('env:' || i || ':0'),
        'https://spec-ledger.dev/buildtypes/cfs-generation/v1', 'recipe' || (i % 50), sha256('r' || (i % 50)),
        'SPEC/bench/area' || (i % 50) || '/leaf', 'chain' || (i % 200), sha256('c' || (i % 200)), 'bwrap',
        'anthropic', 'claude-sonnet-4-5-20250929', 'https://api.anthropic.com', i, 0.0, 8192, '0.1.0',
        TIMESTAMP '2025-01-01' + to_seconds(30 * i - 180), TIMESTAMP '2025-01-01' + to_seconds(30 * i),
        sha256('traj:' || i), NULL, 'kid'
        FROM range({lo}, {hi}) r(i)""",
    "subjects": """SELECT 'b-' || lpad(i::VARCHAR, 8, '0'), sha256('env:' || i || ':0'),
        'src/m' || i || '/f' || k || '.py', sha256('art:' || i || ':' || k)
        FROM range({lo}, {hi}) r(i), range(3) q(k)""",
    "spec_members": """SELECT 'b-' || lpad(i::VARCHAR, 8, '0'), sha256('env:' || i || ':0'), k,
        'SPEC/bench/area' || (k % 4) || '/node' || k, 'SPEC/bench/area' || (k % 4) || '/node' || k, NULL,
        'depends_on', 'code-from-spec/n' || k || '/_node.md', sha256('m:' || k || ':' || (i % 200)), 'cfs'
        FROM range({lo}, {hi}) r(i), range(12) q(k)""",
    "dependencies": """SELECT 'b-' || lpad(i::VARCHAR, 8, '0'), sha256('env:' || i || ':0'),
        ['model', 'tool', 'tool', 'prompt'][k + 1], ['claude', 'go', 'python', 'prompts/g.md'][k + 1],
        NULL, NULL, NULL FROM range({lo}, {hi}) r(i), range(4) q(k)""",
    "tests": """SELECT 'b-' || lpad(i::VARCHAR, 8, '0'), sha256('env:' || i || ':1'),
        CASE WHEN i % 10 = 0 THEN 'FAILED' ELSE 'PASSED' END, 'pytest -q', 2, i % 10 = 0, 0, [], 'kid'
        FROM range({lo}, {hi}) r(i)""",
    "trajectories": """SELECT 'b-' || lpad(i::VARCHAR, 8, '0'), sha256('env:' || i || ':0'),
        sha256('traj:' || i),
        40, 8, 8, TIMESTAMP '2025-01-01', TIMESTAMP '2025-01-01', 'build_end' FROM range({lo}, {hi}) r(i)""",
    "events": """SELECT 'b-' || lpad(i::VARCHAR, 8, '0'), sha256('env:' || i || ':0'), k,
        TIMESTAMP '2025-01-01' + to_seconds(30 * i + k), ['tool_call', 'tool_result', 'model_request',
        'model_response', 'file_write'][k % 5 + 1], k // 5, CASE WHEN k % 5 = 0 THEN 'write_file' END, NULL,
        CASE WHEN k % 5 = 0 THEN ['src/m' || i || '/f' || k || '.py'] ELSE [] END
        FROM range({lo}, {hi}) r(i), range(40) q(k)""",
    "log": """SELECT 2 * i + k, sha256('env:' || i || ':' || k), sha256('leaf:' || i || ':' || k)
        FROM range({lo}, {hi}) r(i), range(2) q(k)""",
}


def fill(ws: Workspace, n: int) -> None:
    ws.state_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(ws.db_path))
    ddl = schema.create_statements()
    for stmt in ddl:
        if stmt.startswith("CREATE TABLE"):
            con.execute(stmt).fetchall()
    with Progress(console=err, transient=True) as bar:
        task = bar.add_task(f"filling {n} builds", total=n)
        for lo in range(0, n, STEP):
            hi = min(lo + STEP, n)
            for table, select in FILL.items():
                con.execute(
                    f"INSERT INTO {table} " + select.replace("{lo}", str(lo)).replace("{hi}", str(hi))
                ).fetchall()
            bar.update(task, completed=hi)
    err.print("creating ART indexes")
    for stmt in ddl:
        if stmt.startswith("CREATE INDEX"):
            con.execute(stmt).fetchall()
    con.execute("CHECKPOINT").fetchall()
    con.close()


def pct(samples: list[float], q: float) -> float:
    return statistics.quantiles(samples, n=100)[int(q) - 1] if len(samples) > 1 else samples[0]


def digest(con: duckdb.DuckDBPyConnection, i: int) -> str:
    return str(con.execute("SELECT sha256(?)", [f"art:{i}:1"]).fetchall()[0][0])


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory(prefix="ledger-trace-") as tmp:
        ws = Workspace(Path(tmp))
        (ws.root / "ledger.toml").write_text("")
        t = time.perf_counter()
        fill(ws, n)
        err.print(f"filled {n} builds in {time.perf_counter() - t:.1f} s")
        size = ws.db_path.stat().st_size
        store = DuckDBStore(ws)
        rng = random.Random(7)
        helper = duckdb.connect()
        picks = [digest(helper, rng.randrange(n)) for _ in range(300)]

        store.trace(picks[0])  # warm the page cache once
        fresh = []  # each call opens (and closes) its own read-only connection, as the CLI does
        for d in picks[1:101]:
            t = time.perf_counter()
            result = store.trace(d)
            fresh.append((time.perf_counter() - t) * 1000)
            assert len(result.builds) == 1 and len(result.builds[0].members) == 12
        inproc = []  # a long-lived process: one session, many queries
        with store.session():
            for d in picks[1:201]:
                t = time.perf_counter()
                store.trace(d)
                inproc.append((time.perf_counter() - t) * 1000)

        raw = duckdb.connect(str(ws.db_path), read_only=True)
        base = []
        for d in picks[1:201]:
            t = time.perf_counter()
            raw.execute(
                "SELECT b.* FROM subjects s JOIN builds b USING (build_id) WHERE s.sha256 = ?", [d]
            ).fetchall()
            base.append((time.perf_counter() - t) * 1000)
        raw.close()

        env = {**os.environ, "COLUMNS": "200"}
        cli_code = "import sys; from ledger.cli.store import trace; trace(sys.argv[1:], prog_name='ledger')"
        raw_code = (
            "import sys, duckdb; c = duckdb.connect(sys.argv[2], read_only=True); "
            "c.execute('SELECT b.* FROM subjects s JOIN builds b USING (build_id) WHERE s.sha256 = ?', "
            "[sys.argv[1]]).fetchall()"
        )
        cli, cli_base = [], []
        for d in picks[201:241]:
            t = time.perf_counter()
            subprocess.run(
                [sys.executable, "-c", cli_code, d, "-w", str(ws.root), "--json"],
                check=True,
                capture_output=True,
                env=env,
            )
            cli.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            subprocess.run(
                [sys.executable, "-c", raw_code, d, str(ws.db_path)], check=True, capture_output=True
            )
            cli_base.append((time.perf_counter() - t) * 1000)

    print(f"builds {n}, database {size / 2**20:.0f} MiB ({size / n:.0f} bytes/build, synthetic rows)")
    print(f"trace in-process      p50 {pct(inproc, 50):7.1f} ms  p95 {pct(inproc, 95):7.1f} ms  (session)")
    print(f"trace, new connection p50 {pct(fresh, 50):7.1f} ms  p95 {pct(fresh, 95):7.1f} ms  (per call)")
    print(
        f"raw point query       p50 {pct(base, 50):7.1f} ms  p95 {pct(base, 95):7.1f} ms  (open connection)"
    )
    print(f"ratio in-process/raw  p50 {pct(inproc, 50) / pct(base, 50):7.1f}x")
    print(f"trace CLI process     p50 {pct(cli, 50):7.1f} ms  p95 {pct(cli, 95):7.1f} ms")
    print(f"python+duckdb query   p50 {pct(cli_base, 50):7.1f} ms  p95 {pct(cli_base, 95):7.1f} ms")
    print(f"ratio CLI/raw process p50 {pct(cli, 50) / pct(cli_base, 50):7.1f}x")


if __name__ == "__main__":
    main()
