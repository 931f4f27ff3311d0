"""The ledger index: verified ingest of attestations, forensic queries, a tamper-evident log.

Data path: ``verifier`` (trust policy first, in parallel) → ``derive`` (rows from a verified
envelope) → ``duckdb_store`` (bulk insert through Arrow, queries) → ``merkle`` / ``checkpoint``
(signed tree heads) → ``audit`` (recompute and prove). ``interface.Store`` is the seam for a
PostgreSQL backend; ``schema`` declares the tables both would share (see ``SCHEMA.md``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.store.interface import Store
from ledger.store.model import (
    AuditReport,
    BuildDetail,
    BuildRecord,
    CheckpointInfo,
    ExportedTable,
    ImpactHit,
    ImpactRow,
    IngestReport,
    LogEntry,
    Rejection,
    SqlResult,
    TraceResult,
)

if TYPE_CHECKING:
    from ledger.attest.policy import TrustPolicy
    from ledger.store.duckdb_store import DuckDBStore
    from ledger.workspace import Workspace


def open_store(workspace: Workspace, *, policy: TrustPolicy | None = None) -> DuckDBStore:
    """The workspace's ledger (``.ledger/ledger.duckdb``); nothing is opened until used."""
    from ledger.store.duckdb_store import DuckDBStore

    return DuckDBStore(workspace, policy=policy)


__all__ = [
    "AuditReport",
    "BuildDetail",
    "BuildRecord",
    "CheckpointInfo",
    "ExportedTable",
    "ImpactHit",
    "ImpactRow",
    "IngestReport",
    "LogEntry",
    "Rejection",
    "SqlResult",
    "Store",
    "TraceResult",
    "open_store",
]
