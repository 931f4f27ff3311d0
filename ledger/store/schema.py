"""The ledger's tables, declared once: DDL, Arrow schemas and audit rules all come from here.

Types are the portable subset (VARCHAR, BIGINT, DOUBLE, TIMESTAMP, VARCHAR[]) that DuckDB and
PostgreSQL both spell the same way (``pg_schema`` maps them; DuckDB-only column compression
stays out of its DDL).
Every derived row carries the ``envelope_sha256`` of the signed envelope it came from: that is
what makes idempotent ingest a set operation and what ``audit`` recomputes rows against.
All times are UTC, stored without a zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Column:
    name: str
    sql: str  # VARCHAR | BIGINT | DOUBLE | TIMESTAMP | VARCHAR[]
    nullable: bool = True
    # DuckDB's default string compression (FSST) costs ~70 µs per 4 KB envelope when a batch is
    # checkpointed and keeps 60 % of the bytes; ZSTD, across rows of one signer's envelopes,
    # is ~4x faster and ~6x smaller (benchmarks/ledger_ingest.py measures both).
    compression: str | None = None


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    derived: bool  # rows recomputable from a verified envelope (+ the objects it names)
    audit_ignore: tuple[str, ...] = ()  # columns about the ingest, not the envelope

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def audited_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.name not in self.audit_ignore)


def _c(name: str, sql: str = "VARCHAR", nullable: bool = True, compression: str | None = None) -> Column:
    return Column(name, sql, nullable, compression)


ENVELOPES = Table(
    "envelopes",
    (
        _c("seq", "BIGINT", False),
        _c("envelope_sha256", nullable=False),
        _c("payload_sha256", nullable=False),
        _c("payload_type", nullable=False),
        _c("predicate_type"),
        _c("build_id"),
        _c("signer_keyid", nullable=False),
        _c("signer", nullable=False),
        _c("verification", nullable=False),
        _c("raw", nullable=False, compression="zstd"),
        _c("source"),
        _c("source_line", "BIGINT"),
    ),
    derived=True,
    audit_ignore=("seq", "source", "source_line"),
)
BUILDS = Table(
    "builds",
    (
        _c("build_id", nullable=False),
        _c("envelope_sha256", nullable=False),
        _c("build_type", nullable=False),
        _c("recipe_name"),
        _c("recipe_sha256"),
        _c("target"),
        _c("chain_cfs"),
        _c("chain_sha256"),
        _c("sandbox"),
        _c("model_provider"),
        _c("model_id"),
        _c("model_endpoint"),
        _c("seed", "BIGINT"),
        _c("temperature", "DOUBLE"),
        _c("max_tokens", "BIGINT"),
        _c("builder_version"),
        _c("started_on", "TIMESTAMP"),
        _c("finished_on", "TIMESTAMP"),
        _c("trajectory_sha256"),
        _c("exec_log_sha256"),
        _c("signer_keyid", nullable=False),
    ),
    derived=True,
)
SUBJECTS = Table(
    "subjects",
    (_c("build_id", nullable=False), _c("envelope_sha256", nullable=False), _c("name"), _c("sha256")),
    derived=True,
)
SPEC_MEMBERS = Table(
    "spec_members",
    (
        _c("build_id", nullable=False),
        _c("envelope_sha256", nullable=False),
        _c("position", "BIGINT", False),
        _c("label", nullable=False),
        _c("node", nullable=False),
        _c("qualifier"),
        _c("role"),
        _c("file"),
        _c("sha256"),
        _c("cfs_hash"),
    ),
    derived=True,
)
DEPENDENCIES = Table(
    "dependencies",
    (
        _c("build_id", nullable=False),
        _c("envelope_sha256", nullable=False),
        _c("kind", nullable=False),
        _c("name"),
        _c("uri"),
        _c("version"),
        _c("sha256"),
    ),
    derived=True,
)
TESTS = Table(
    "tests",
    (
        _c("build_id"),
        _c("envelope_sha256", nullable=False),
        _c("result", nullable=False),
        _c("command"),
        _c("passed", "BIGINT"),
        _c("failed", "BIGINT"),
        _c("warned", "BIGINT"),
        _c("failed_tests", "VARCHAR[]"),
        _c("signer_keyid", nullable=False),
    ),
    derived=True,
)
TRAJECTORIES = Table(
    "trajectories",
    (
        _c("build_id", nullable=False),
        _c("envelope_sha256", nullable=False),
        _c("sha256", nullable=False),
        _c("events", "BIGINT"),
        _c("turns", "BIGINT"),
        _c("tool_calls", "BIGINT"),
        _c("first_time", "TIMESTAMP"),
        _c("last_time", "TIMESTAMP"),
        _c("last_type"),
    ),
    derived=True,
)
EVENTS = Table(
    "events",
    (
        _c("build_id", nullable=False),
        _c("envelope_sha256", nullable=False),
        _c("seq", "BIGINT", False),
        _c("time", "TIMESTAMP"),
        _c("type", nullable=False),
        _c("turn", "BIGINT"),
        _c("tool"),
        _c("command"),
        _c("files", "VARCHAR[]"),
    ),
    derived=True,
)
LOG = Table(
    "log",
    (
        _c("leaf_index", "BIGINT", False),
        _c("envelope_sha256", nullable=False),
        _c("leaf_hash", nullable=False),
    ),
    derived=True,
)
QUARANTINE = Table(
    "quarantine",
    (
        _c("envelope_sha256", nullable=False),
        _c("raw", nullable=False, compression="zstd"),
        _c("source"),
        _c("source_line", "BIGINT"),
        _c("signer_keyid"),
        _c("reason", nullable=False),
    ),
    derived=False,
)
CHECKPOINTS = Table(
    "checkpoints",
    (
        _c("tree_size", "BIGINT", False),
        _c("root_hash", nullable=False),
        _c("origin", nullable=False),
        _c("note", nullable=False),
        _c("file"),
        _c("created_at", "TIMESTAMP"),
    ),
    derived=False,
)
META = Table("meta", (_c("key", nullable=False), _c("value")), derived=False)

# Rows derived from each accepted envelope, in the order ingest fills them.
DERIVED: tuple[Table, ...] = (
    ENVELOPES,
    BUILDS,
    SUBJECTS,
    SPEC_MEMBERS,
    DEPENDENCIES,
    TESTS,
    TRAJECTORIES,
    EVENTS,
)
ALL_TABLES: tuple[Table, ...] = (*DERIVED, LOG, QUARANTINE, CHECKPOINTS, META)
TABLES_BY_NAME = {t.name: t for t in ALL_TABLES}

# ART indexes on the digest / id columns that trace, show and ingest look up by equality.
INDEXES: tuple[tuple[str, str, str], ...] = (
    ("envelopes_sha256_idx", "envelopes", "envelope_sha256"),
    ("builds_build_id_idx", "builds", "build_id"),
    ("subjects_sha256_idx", "subjects", "sha256"),
    ("subjects_build_id_idx", "subjects", "build_id"),
    ("spec_members_build_id_idx", "spec_members", "build_id"),
    ("dependencies_build_id_idx", "dependencies", "build_id"),
    ("tests_build_id_idx", "tests", "build_id"),
    ("trajectories_build_id_idx", "trajectories", "build_id"),
    ("log_leaf_index_idx", "log", "leaf_index"),
)


def create_statements() -> list[str]:
    """DDL for every table and index (idempotent: IF NOT EXISTS)."""
    out = []
    for table in ALL_TABLES:
        cols = ", ".join(
            f"{c.name} {c.sql}"
            + (f" USING COMPRESSION {c.compression}" if c.compression else "")
            + ("" if c.nullable else " NOT NULL")
            for c in table.columns
        )
        out.append(f"CREATE TABLE IF NOT EXISTS {table.name} ({cols})")
    out.extend(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({column})" for name, table, column in INDEXES)
    return out


def arrow_schema(table: Table, *, without: tuple[str, ...] = ()) -> pa.Schema:
    """The Arrow schema bulk inserts use (timestamps in microseconds, no zone)."""
    import pyarrow as pa

    types = {
        "VARCHAR": pa.string(),
        "BIGINT": pa.int64(),
        "DOUBLE": pa.float64(),
        "TIMESTAMP": pa.timestamp("us"),
        "VARCHAR[]": pa.list_(pa.string()),
    }
    return pa.schema(
        [pa.field(c.name, types[c.sql], nullable=c.nullable) for c in table.columns if c.name not in without]
    )


def rows_to_arrow(table: Table, rows: list[tuple[Any, ...]], *, without: tuple[str, ...] = ()) -> pa.Table:
    """Row tuples (column order as declared, minus ``without``) as an Arrow table.

    Arrow reads the tuples as structs in C++ (3x faster than transposing them in Python).
    """
    import pyarrow as pa

    schema = arrow_schema(table, without=without)
    if not rows:
        return schema.empty_table()
    structs = pa.array(rows, type=pa.struct(list(schema)))
    return pa.Table.from_batches([pa.RecordBatch.from_struct_array(structs)]).cast(schema)
