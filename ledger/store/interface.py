"""The store seam: what ingest, queries and the tamper-evident log need from a database.

DuckDB (``duckdb_store``) is the embedded default; ``postgres_store`` (team ledgers,
``[store] url = "postgresql://…"``) implements the same Protocol with the same tables
(``schema``) and the same row derivation (``derive``), so ``audit`` and the CLI work unchanged.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ledger.store.model import (
    BuildDetail,
    BuildRecord,
    ExportedTable,
    ImpactHit,
    IngestReport,
    LogEntry,
    PathBuild,
    SqlResult,
    TraceResult,
)

if TYPE_CHECKING:
    import pyarrow as pa

Progress = Callable[[int, int], None]  # (done, total) attestation files (or stored lines)


class Store(Protocol):
    def ingest(
        self, paths: Sequence[Path], *, quarantine: bool = False, progress: Progress | None = None
    ) -> IngestReport:
        """Verify, then add every envelope under ``paths``; idempotent, one transaction per batch."""
        ...

    def reindex(self, *, quarantine: bool = False, progress: Progress | None = None) -> IngestReport:
        """Rebuild the whole database from attestations + objects and swap it in atomically."""
        ...

    def trace(self, sha256: str, *, query: str | None = None) -> TraceResult: ...

    def builds_of_path(self, name: str, *, limit: int = 5) -> list[PathBuild]:
        """Builds whose provenance names ``name`` (workspace-relative) as a subject, newest first."""
        ...

    def impacted(self, node: str) -> list[ImpactHit]: ...

    def log(
        self,
        *,
        since: datetime | None = None,
        model: str | None = None,
        spec: str | None = None,
        signer: str | None = None,
        limit: int = 50,
    ) -> list[LogEntry]: ...

    def build(self, build_id: str) -> BuildRecord: ...

    def show(self, build_id: str) -> BuildDetail: ...

    def sql(self, query: str) -> SqlResult: ...

    def envelopes_of_type(self, predicate_type: str) -> list[tuple[str | None, int | None, str, str]]:
        """(source, line, signer keyid, raw envelope) of every stored envelope of this type."""
        ...

    def session(self) -> contextlib.AbstractContextManager[Any]:
        """Serve several queries from one connection."""
        ...

    def export_parquet(self, directory: Path) -> list[ExportedTable]: ...

    def leaf_hashes(self) -> list[bytes]: ...

    def table(self, name: str) -> pa.Table:
        """A whole table (for audit)."""
        ...

    def record_checkpoint(
        self, tree_size: int, root_hash: str, origin: str, note: str, file: str
    ) -> None: ...
