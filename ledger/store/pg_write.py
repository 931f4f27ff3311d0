"""Writing verified rows into PostgreSQL: COPY of the verifier's Arrow tables, conflict checks.

Called inside the append transaction (advisory lock held), so "already there?" checks and the
sequence numbers they lead to cannot race with another writer.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from ledger.store import schema

if TYPE_CHECKING:
    import psycopg
    import pyarrow as pa

    from ledger.store.verifier import Accepted, ChunkResult, Failed

PROVENANCE = "https://slsa.dev/provenance/v1"


def copy_rows(
    con: psycopg.Connection[tuple[Any, ...]], table: schema.Table, columns: Sequence[str], rows: Any
) -> None:
    with con.cursor() as cur, cur.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _arrow_rows(staged: pa.Table) -> Iterator[tuple[Any, ...]]:
    return zip(*(col.to_pylist() for col in staged.columns), strict=True)


def insert_rows(
    con: psycopg.Connection[tuple[Any, ...]],
    chunks: list[ChunkResult],
    fresh: list[Accepted],
    seq_of: dict[str, int],
    *,
    repeated: bool,
) -> None:
    """Rows of the ``fresh`` envelopes (Arrow, from the verifier) and their log leaves, via COPY."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not fresh:
        return
    keep = pa.array(list(seq_of), pa.string())
    con.execute("DELETE FROM quarantine WHERE envelope_sha256 = ANY(%s)", (list(seq_of),))
    for table in schema.DERIVED:
        staged = pa.concat_tables([c.tables[table.name] for c in chunks])
        if staged.num_rows == 0:
            continue
        staged = staged.filter(pc.is_in(staged.column("envelope_sha256"), value_set=keep))
        if staged.num_rows == 0:
            continue
        if table is schema.ENVELOPES:
            first: dict[str, tuple[Any, ...]] = {}
            for row in _arrow_rows(staged):
                first.setdefault(row[0], row)
            rows: Any = sorted(((seq_of[sha], *row) for sha, row in first.items()), key=lambda r: r[0])
            copy_rows(con, table, table.column_names, rows)
            continue
        rows = _arrow_rows(staged)
        if repeated:  # a repeated envelope brings identical rows twice; within one envelope rows differ
            seen: set[Any] = set()
            unique = []
            for row in rows:
                key = tuple(tuple(v) if isinstance(v, list) else v for v in row)
                if key not in seen:
                    seen.add(key)
                    unique.append(row)
            rows = unique
        copy_rows(con, table, staged.column_names, rows)
    log = [(seq_of[a.envelope_sha256], a.envelope_sha256, a.leaf_hash) for a in fresh]
    copy_rows(con, schema.LOG, schema.LOG.column_names, log)


def drop_conflicts(
    con: psycopg.Connection[tuple[Any, ...]], fresh: list[Accepted]
) -> tuple[list[Accepted], list[tuple[Accepted, str]]]:
    """One provenance per build id: a second, different provenance for an id is rejected."""
    provs = {a.envelope_sha256: a.build_id for a in fresh if a.predicate_type == PROVENANCE}
    if not provs:
        return fresh, []
    owner: dict[str, str] = {
        r[0]: r[1]
        for r in con.execute(
            "SELECT build_id, envelope_sha256 FROM builds WHERE build_id = ANY(%s)",
            (list({b for b in provs.values() if b is not None}),),
        )
    }
    from ledger.store.verifier import split_conflicts

    return split_conflicts(fresh, owner)


def quarantine_failed(con: psycopg.Connection[tuple[Any, ...]], failed: list[Failed]) -> int:
    """Keep unverified envelopes apart from trusted rows, once per digest."""
    from ledger.store.verifier import quarantine_rows

    shas = list({f.envelope_sha256 for f in failed})
    found = con.execute("SELECT envelope_sha256 FROM quarantine WHERE envelope_sha256 = ANY(%s)", (shas,))
    rows = quarantine_rows(failed, {r[0] for r in found})
    if rows:
        copy_rows(con, schema.QUARANTINE, schema.QUARANTINE.column_names, rows)
    return len(rows)
