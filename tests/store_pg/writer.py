"""Run by test_concurrent_writers in a subprocess: ingest attestation files into a team ledger.

argv: workspace, PostgreSQL URL, batch size, attestation paths. Waits for a ``go`` file next to
the workspace so that all writers start together, then prints ``DONE <accepted> <duplicates>``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from ledger.store import verifier
from ledger.store.postgres_store import PostgresStore
from ledger.workspace import Workspace


def main() -> None:
    root, url, batch, *paths = sys.argv[1:]
    go = Path(root).parent / "go"
    while not go.exists():
        time.sleep(0.01)
    verifier.CHUNK_BYTES = 1  # one file per chunk: batches as small as asked
    store = PostgresStore(Workspace(Path(root)), url=url, batch_envelopes=int(batch))
    report = store.ingest([Path(p) for p in paths])
    print("DONE", report.accepted, report.duplicates, len(report.rejected), flush=True)


if __name__ == "__main__":
    main()
