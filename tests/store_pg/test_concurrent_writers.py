"""Several CI runners ingesting into one team ledger at once: no lost or duplicated rows."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ledger.store.audit import audit
from ledger.store.postgres_store import PostgresStore
from tests.store.conftest import make_workspace, sign_fixture_builds

REPO = Path(__file__).resolve().parents[2]


def test_four_writers_with_overlapping_envelope_sets(tmp_path: Path, pg_url: str) -> None:
    lw = make_workspace(tmp_path / "project", store_url=pg_url)
    sign_fixture_builds(lw)
    for i in range(8):  # 12 builds, 24 envelopes in all
        lw.build(f"b-extra-{i}", "SPEC/textkit/roman", f"def roman(): return {i}\n".encode(), minutes=40 + i)
    files = sorted(lw.ws.attestations_dir.glob("*.intoto.jsonl"))
    # writer k takes files k, k+1, …, k+5 (mod 12): every file is offered to 2 writers at least
    sets = [[files[(k * 3 + j) % len(files)] for j in range(6)] for k in range(4)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.store_pg.writer", str(lw.root), pg_url, "2", *map(str, s)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        for s in sets
    ]
    (lw.root.parent / "go").touch()
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], [err for _, err in outputs]
    done = [out.split() for out, _ in outputs]
    accepted = sum(int(d[1]) for d in done)
    duplicates = sum(int(d[2]) for d in done)
    assert all(d[3] == "0" for d in done)
    assert (accepted, accepted + duplicates) == (24, 4 * 6 * 2)  # each envelope added exactly once

    store = PostgresStore(lw.ws, url=pg_url)
    assert store.sql(
        "SELECT count(*), count(DISTINCT envelope_sha256), min(seq), max(seq) FROM envelopes"
    ).rows == ((24, 24, 0, 23),)
    assert store.sql("SELECT count(*) FROM builds").rows == ((12,),)
    assert store.sql("SELECT count(*), count(DISTINCT leaf_index) FROM log").rows == ((24, 24),)
    report = audit(store, lw.ws)  # every row derives from exactly one verified envelope, once
    assert report.ok, report.problems
    assert report.tree_size == 24
