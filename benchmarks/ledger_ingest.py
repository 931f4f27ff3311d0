"""Ledger ingest rate with signature verification vs a raw DuckDB bulk insert of the same rows.

Run: .venv/bin/python -m benchmarks.ledger_ingest [N]     (default N = 20000 builds)
Each build is realistic (3 subjects, 12 chain members, 40 trajectory events, a provenance and a
test-result envelope). Measured in the same run: (a) `DuckDBStore.ingest` end to end (read files,
verify every DSSE signature in a process pool, derive rows, Arrow bulk insert, Merkle log) and
the baseline: INSERT … SELECT of exactly the resulting rows from Arrow into an empty database
with the same schema and ART indexes; (b) verification + row derivation alone (workers only, no
database); (c) database size per build.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import duckdb
from rich.console import Console
from rich.progress import Progress

from benchmarks._ledger_fixture import make_workspace_with_progress
from ledger.store import schema
from ledger.store.duckdb_store import DuckDBStore
from ledger.store.verifier import AttestationFile, _Checker, check_lines, collect_files, key_material

err = Console(stderr=True)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    with tempfile.TemporaryDirectory(prefix="ledger-bench-") as tmp:
        root = Path(tmp) / "ws"
        t = time.perf_counter()
        ws = make_workspace_with_progress(root, n)
        gen_s = time.perf_counter() - t
        err.print(f"generated {n} signed builds in {gen_s:.1f} s")

        store = DuckDBStore(ws)
        with Progress(console=err, transient=True) as bar:
            task = bar.add_task("ingest (verify + insert)", total=n)
            t = time.perf_counter()
            report = store.ingest(
                [ws.attestations_dir], progress=lambda d, tot: bar.update(task, completed=d)
            )
            ingest_s = time.perf_counter() - t
        assert report.accepted == 2 * n and not report.rejected, report

        tables = {tb.name: store.table(tb.name) for tb in (*schema.DERIVED, schema.LOG)}
        rows = sum(t.num_rows for t in tables.values())
        base_db = Path(tmp) / "baseline.duckdb"
        con = duckdb.connect(str(base_db))
        for stmt in schema.create_statements():
            con.execute(stmt).fetchall()
        t = time.perf_counter()
        con.execute("BEGIN").fetchall()
        for name, arrow in tables.items():
            con.register("src", arrow)
            con.execute(f"INSERT INTO {name} SELECT * FROM src").fetchall()
            con.unregister("src")
        con.execute("COMMIT").fetchall()
        base_s = time.perf_counter() - t
        con.execute("CHECKPOINT").fetchall()
        con.close()

        items = collect_files(ws.root, [ws.attestations_dir])
        t = time.perf_counter()
        for _ in check_lines(items, key_material(store.policy), ws.objects_dir):
            pass
        verify_s = time.perf_counter() - t

        sig_rate = _signature_rate(store, items[:2000])
        stages = _stage_costs(store, items[:2000])

        with store.writer() as c:
            c.execute("CHECKPOINT").fetchall()
        size = ws.db_path.stat().st_size

    cores = os.cpu_count()
    print(f"builds {n}, envelopes {2 * n}, rows {rows}, cores {cores}")
    for label, secs in (("ingest with verification", ingest_s), ("raw DuckDB bulk insert", base_s)):
        print(f"{label:25}: {secs:8.2f} s  {n / secs:10.0f} builds/s  {rows / secs:12.0f} rows/s")
    print(f"ratio ingest / raw insert: {ingest_s / base_s:8.1f}x")
    rate = 2 * n / verify_s
    print(f"verify + derive alone    : {verify_s:8.2f} s  {rate:10.0f} envelopes/s ({cores} processes)")
    print(
        f"signature checks alone   : {sig_rate:8.0f} envelopes/s on 1 core -> at most "
        f"{sig_rate * (cores or 1) / 2:.0f} builds/s on {cores}: the ceiling signatures alone would set"
    )
    print(f"database size            : {size / 2**20:8.1f} MiB  {size / n:10.0f} bytes/build")
    print("CPU per build on one core (worker stages):")
    for label, micros in stages.items():
        print(f"  {label:60}: {micros:6.0f} µs")
    print(f"  {'DuckDB insert + commit (raw bulk insert above, per build)':60}: {base_s / n * 1e6:6.0f} µs")


def _stage_costs(store: DuckDBStore, files: list[AttestationFile]) -> dict[str, float]:
    """Worker CPU per build, split by leaving the trajectory out (best of three passes), in
    chunks of 1,000 builds (~12 MB of attestations: the size of an ingest's pool tasks)."""
    from ledger.store.verifier import check_chunk

    keys = key_material(store.policy)
    objects = str(store.workspace.objects_dir)

    def per_build(root: str | None) -> float:
        best = float("inf")
        for _ in range(3):
            t = time.perf_counter()
            for start in range(0, len(files), 1000):
                check_chunk(keys, root, list(files[start : start + 1000]))
            best = min(best, time.perf_counter() - t)
        return best / len(files) * 1e6

    full, statements = per_build(objects), per_build(None)
    return {
        "everything but the trajectory (incl. two signature checks)": statements,
        "trajectory: read + hash the blob, 40 event rows (one SQL query)": full - statements,
        "total in the workers": full,
    }


def _signature_rate(store: DuckDBStore, files: list[AttestationFile]) -> float:
    """Ed25519 checks per second on one core, over the PAEs of real envelopes (nothing else)."""
    import json

    from ledger.attest.dsse import parse_envelope

    envelopes = [
        parse_envelope(json.loads(line))
        for f in files
        for line in Path(f.path).read_bytes().splitlines()
        if line.strip()
    ]
    checker = _Checker(key_material(store.policy))
    t = time.perf_counter()
    for envelope in envelopes:
        assert checker.verify(envelope)[0] is not None
    return len(envelopes) / (time.perf_counter() - t)


if __name__ == "__main__":
    main()
