"""Run by test_crash_and_concurrency in a subprocess: ingest, pausing inside each transaction.

argv: workspace, seconds to pause after the rows are inserted (before COMMIT), which batch to
pause in (1-based), batch size, attestation paths. Prints INSERTED when a batch's rows are in, DONE <accepted> at the end.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from ledger.store import verifier
from ledger.store.duckdb_store import DuckDBStore
from ledger.workspace import Workspace


def main() -> None:
    root, pause, pause_in, batch, *paths = sys.argv[1:]
    original = DuckDBStore._insert_rows
    batches = 0

    def paused(self: DuckDBStore, *args: Any, **kwargs: Any) -> None:
        nonlocal batches
        original(self, *args, **kwargs)
        batches += 1
        print("INSERTED", flush=True)
        if batches == int(pause_in):
            time.sleep(float(pause))

    DuckDBStore._insert_rows = paused  # type: ignore[method-assign]
    verifier.CHUNK_BYTES = 1  # batches are whole chunks: one file per chunk, so batches stay small
    store = DuckDBStore(Workspace(Path(root)), batch_envelopes=int(batch))
    report = store.ingest([Path(p) for p in paths])
    print("DONE", report.accepted, flush=True)


if __name__ == "__main__":
    main()
