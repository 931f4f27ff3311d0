"""The ledger index: verified ingest of attestations, forensic queries, a tamper-evident log.

Data path: ``verifier`` (trust policy first, in parallel) → ``derive`` (rows from a verified
envelope) → ``duckdb_store`` (bulk insert through Arrow, queries) → ``merkle`` / ``checkpoint``
(signed tree heads) → ``audit`` (recompute and prove). ``interface.Store`` is the seam both
backends implement: ``duckdb_store`` (embedded default) and ``postgres_store`` (a team ledger,
``[store] url = "postgresql://…"``), over the tables ``schema`` declares (see ``SCHEMA.md``).
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
    from ledger.store.pg_schema import StoreSettings
    from ledger.workspace import Workspace


def store_settings(workspace: Workspace) -> StoreSettings:
    """The validated ``[store]`` table of the workspace's ``ledger.toml``."""
    from ledger.config import load_config
    from ledger.store.pg_schema import store_settings as parse

    config = load_config(workspace)
    return parse(config.table("store"), file=config.source)


def open_store(workspace: Workspace, *, policy: TrustPolicy | None = None) -> Store:
    """The workspace's ledger: PostgreSQL when ``[store] url`` names one, else the embedded
    ``.ledger/ledger.duckdb``. Nothing is opened until used."""
    url = store_settings(workspace).url
    if url is not None:
        from ledger.store.postgres_store import PostgresStore

        return PostgresStore(workspace, url=url, policy=policy)
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
    "store_settings",
]
