"""Team ledger (PostgreSQL) vs embedded ledger (DuckDB): ingest rate, trace latency, 4 writers.

Run: .venv/bin/python -m benchmarks.ledger_postgres [BUILDS]   (default 10000; the issue states
its target at 100000). Both backends ingest the same really signed builds (2 envelopes, 3
subjects, 12 chain members, 40 trajectory events each) with full verification, into a throwaway
PostgreSQL cluster on loopback (scripts/postgres-test.sh, default durability settings) and a
DuckDB file. Baseline in the same run: verification alone (no database), which both pay.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from rich.console import Console

from benchmarks._ledger_fixture import digest_of, make_workspace
from ledger.store.duckdb_store import DuckDBStore
from ledger.store.postgres_store import PostgresStore
from ledger.workspace import Workspace

err = Console(stderr=True)
REPO = Path(__file__).resolve().parents[1]
WRITERS = 4

_WRITER = """
import sys, time
from pathlib import Path
from ledger.store.duckdb_store import DuckDBStore
from ledger.store.postgres_store import PostgresStore
from ledger.workspace import Workspace
root, url, *files = sys.argv[1:]
ws = Workspace(Path(root))
store = PostgresStore(ws, url=url, workers=1) if url != "-" else DuckDBStore(ws, workers=1)
print(store.ingest([Path(f) for f in files]).accepted)
"""


def cluster() -> str:
    out = subprocess.run(
        ["bash", str(REPO / "scripts" / "postgres-test.sh")], check=True, capture_output=True, text=True
    )
    return out.stdout.strip().splitlines()[-1]


def new_database(admin: str) -> str:
    import psycopg

    name = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(f"CREATE DATABASE {name}")  # type: ignore[arg-type]
    return admin.rsplit("/", 1)[0] + "/" + name


def drop_databases(admin: str, urls: list[str]) -> None:
    import psycopg

    with psycopg.connect(admin, autocommit=True) as con:
        for url in urls:
            con.execute(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")  # type: ignore[arg-type]


def pct(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=100)[q - 1]


def verify_only(ws: Workspace) -> float:
    from ledger.attest.policy import load_trust_policy
    from ledger.store.verifier import check_lines, collect_files, key_material

    items = collect_files(ws.root, [ws.attestations_dir])
    t = time.perf_counter()
    for _ in check_lines(items, key_material(load_trust_policy(ws)), ws.objects_dir):
        pass
    return time.perf_counter() - t


def trace_latency(store: DuckDBStore | PostgresStore, picks: list[str]) -> list[float]:
    samples = []
    for digest in picks:
        t = time.perf_counter()
        found = store.trace(digest)
        samples.append((time.perf_counter() - t) * 1000)
        assert len(found.builds) == 1
    return samples


def concurrent(ws: Workspace, url: str, files: list[Path]) -> float:
    parts = [files[i::WRITERS] for i in range(WRITERS)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    t = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(ws.root), url, *map(str, part)],
            env=env,
            stdout=subprocess.PIPE,
        )
        for part in parts
    ]
    accepted = sum(int(p.communicate()[0].split()[-1]) for p in procs)  # after any progress bar
    elapsed = time.perf_counter() - t
    assert accepted == 2 * len(files), accepted
    return elapsed


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    admin = cluster()
    with tempfile.TemporaryDirectory(prefix="ledger-pg-bench-") as tmp:
        t = time.perf_counter()
        ws = make_workspace(Path(tmp) / "ws", n)
        err.print(f"signed {n} builds in {time.perf_counter() - t:.1f} s")
        envelopes = 2 * n

        t = time.perf_counter()
        duck = DuckDBStore(ws)
        assert duck.ingest([ws.attestations_dir]).accepted == envelopes
        duck_s = time.perf_counter() - t
        verify_s = verify_only(ws)  # after a first pass, like the ingests: warm page cache

        url = new_database(admin)
        t = time.perf_counter()
        pg = PostgresStore(ws, url=url)
        assert pg.ingest([ws.attestations_dir]).accepted == envelopes
        pg_s = time.perf_counter() - t

        rng = random.Random(7)
        picks = [digest_of(rng.randrange(n), "core") for _ in range(300)]
        with duck.session():
            trace_latency(duck, picks[:20])
            duck_ms = trace_latency(duck, picks)
        trace_latency(pg, picks[:20])
        pg_ms = trace_latency(pg, picks)
        pg.close()

        files = sorted(ws.attestations_dir.glob("*.intoto.jsonl"))
        ws.db_path.unlink()
        duck4_s = concurrent(ws, "-", files)
        url4 = new_database(admin)
        pg4_s = concurrent(ws, url4, files)
        drop_databases(admin, [url, url4])

    print(f"ledger on PostgreSQL vs DuckDB, {n} builds ({envelopes} envelopes), {os.cpu_count()} cores")
    print(f"  verification alone (both pay it): {envelopes / verify_s:,.0f} envelopes/s")
    print(f"  ingest DuckDB      : {envelopes / duck_s:,.0f} envelopes/s ({duck_s:.1f} s)")
    print(f"  ingest PostgreSQL  : {envelopes / pg_s:,.0f} envelopes/s ({pg_s:.1f} s)")
    print(f"  ingest ratio PG/DuckDB time: {pg_s / duck_s:.2f}x")
    for name, ms in (("DuckDB", duck_ms), ("PostgreSQL", pg_ms)):
        print(f"  trace {name:<11}: p50 {statistics.median(ms):.2f} ms, p95 {pct(ms, 95):.2f} ms")
    print(f"  trace ratio PG/DuckDB p50: {statistics.median(pg_ms) / statistics.median(duck_ms):.2f}x")
    print(
        f"  {WRITERS} concurrent writers DuckDB    : {envelopes / duck4_s:,.0f} envelopes/s ({duck4_s:.1f} s)"
    )
    print(f"  {WRITERS} concurrent writers PostgreSQL: {envelopes / pg4_s:,.0f} envelopes/s ({pg4_s:.1f} s)")
    print(f"  concurrent ratio PG/DuckDB time: {pg4_s / duck4_s:.2f}x")


if __name__ == "__main__":
    main()
